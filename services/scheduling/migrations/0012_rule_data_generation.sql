-- One counter that every write of meeting rules or holiday calendars bumps
-- in its own transaction (SchedulingStore::BumpRuleDataGeneration). Reads
-- keep the rules and the holiday versions they loaded per generation and
-- check one row instead of reading them again: a record, a schedule page
-- and a report read the rules (a semi-join over the cell's ancestors) and
-- each year's latest calendar version on every call. Any replica's write
-- moves the counter, so every replica's kept copy is retired at once.
CREATE TABLE rule_data_generation (
  id TINYINT NOT NULL PRIMARY KEY,
  generation BIGINT NOT NULL
) ENGINE=InnoDB;
INSERT INTO rule_data_generation (id, generation) VALUES (1, 0);
