-- A schedule page looks its records up by occurrence, (cell_id,
-- nominal_day), and its extra meetings by (cell_id, nominal_day IS NULL):
-- with the columns a schedule shows in the index, each lookup touches one
-- index entry and no row. meetings_schedule (0010) led with start_time,
-- so a page read every record a cell ever had and filtered them by time:
-- its cost grew with each year of history. The compliance read, which
-- needs the rows anyway, only uses the cell_id prefix. Both changes are
-- online in InnoDB (MariaDB 10.11, MySQL 8).
ALTER TABLE meetings
  ADD INDEX meetings_occurrence_schedule (cell_id, nominal_day, start_time,
                                          end_time, kind, form, rule_id,
                                          rule_version, min_minutes),
  DROP INDEX meetings_schedule;
