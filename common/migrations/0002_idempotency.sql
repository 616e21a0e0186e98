-- Responses of writes that carried a request_id, so that a retry returns the
-- first result instead of writing again.
CREATE TABLE IF NOT EXISTS idempotency_keys (
  request_id VARCHAR(128) NOT NULL,
  method VARCHAR(255) NOT NULL,
  request_hash CHAR(64) NOT NULL,
  response LONGBLOB NOT NULL,
  created_at DATETIME(6) NOT NULL,
  PRIMARY KEY (method, request_id),
  KEY idempotency_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
