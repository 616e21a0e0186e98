-- Corrections (UpdateMeetingRecord): a record's version for its etag.
ALTER TABLE meetings ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
