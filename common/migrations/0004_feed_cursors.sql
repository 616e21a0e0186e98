-- Where each feed this service consumes has been applied up to, and which
-- replica holds the right to apply it (common/feed_consumer.h). A change
-- and the cursor advance past it commit in one transaction, so a change is
-- applied exactly once whatever crashes.
CREATE TABLE IF NOT EXISTS feed_cursors (
  feed VARCHAR(64) NOT NULL PRIMARY KEY,
  last_sequence BIGINT NOT NULL DEFAULT 0,
  -- The replica applying the feed, until lease_until (UTC).
  holder VARCHAR(255) NOT NULL DEFAULT '',
  lease_until DATETIME(6) NOT NULL,
  -- The commit time of the last applied change, and when it was applied.
  last_event_time DATETIME(6) NULL,
  applied_at DATETIME(6) NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
