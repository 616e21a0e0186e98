-- The feed hands out sequences in commit order (see common/outbox.h): the
-- last one given out lives in one row, which each write transaction updates
-- as its final statement, so the row lock orders the commits. The outbox
-- no longer takes an AUTO_INCREMENT value at insert time, which let a
-- later-committing write hold a lower sequence and readers skip it.
-- The ALTER comes first: once it ran, no insert can take a sequence the
-- counter below does not know of.
ALTER TABLE outbox MODIFY sequence BIGINT NOT NULL;
CREATE TABLE IF NOT EXISTS outbox_sequence (
  id TINYINT NOT NULL PRIMARY KEY,
  last_sequence BIGINT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
INSERT IGNORE INTO outbox_sequence (id, last_sequence)
  SELECT 1, COALESCE(MAX(sequence), 0) FROM outbox;
