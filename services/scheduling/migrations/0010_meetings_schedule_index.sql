-- A schedule page reads its cells' records by (cell_id, start_time) and
-- only the columns a schedule shows: with them in the index the read
-- touches no row (0.74-0.89 instead of 1.3 ms for a 50-cell page of the
-- generated province). It replaces meetings_cell_start, its prefix, so a
-- record still costs one secondary index entry here. Both changes are
-- online in InnoDB (MariaDB 10.11, MySQL 8).
ALTER TABLE meetings
  ADD INDEX meetings_schedule (cell_id, start_time, end_time, nominal_day,
                               kind, form, rule_id, rule_version, min_minutes),
  DROP INDEX meetings_cell_start;
