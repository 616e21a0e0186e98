-- How many of a record's documents were not available a day before the
-- meeting, kept on its row: a record's documents and start time never
-- change after it is written, so the count is fixed there, and a
-- compliance report reads it instead of running a subquery over
-- meeting_documents for every record (most of a province-year report's
-- database time while the table was empty). NULL (a row written by a
-- binary that does not keep it, during a rolling upgrade) makes a reader
-- count the documents as before. Nullable: adding it is instant on
-- MariaDB 10.11 and MySQL 8.
ALTER TABLE meetings ADD COLUMN documents_late INT NULL;

-- The existing records' counts, as the readers computed them.
UPDATE meetings m
SET m.documents_late = (
  SELECT COUNT(*) FROM meeting_documents d
  WHERE d.meeting_id = m.id
    AND (d.available_time IS NULL
         OR d.available_time > m.start_time - INTERVAL 1 DAY));
