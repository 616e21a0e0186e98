-- The change feed and audit trail: one row per committed write, appended in
-- the same transaction as the write it describes.
CREATE TABLE IF NOT EXISTS outbox (
  sequence BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  event_time DATETIME(6) NOT NULL,
  subject VARCHAR(255) NOT NULL,
  role VARCHAR(64) NOT NULL,
  on_behalf_of VARCHAR(255) NOT NULL DEFAULT '',
  request_id VARCHAR(128) NOT NULL DEFAULT '',
  method VARCHAR(255) NOT NULL,
  resource VARCHAR(255) NOT NULL,
  action VARCHAR(64) NOT NULL,
  organization_id BIGINT NULL,
  payload_json MEDIUMTEXT NOT NULL,
  KEY outbox_subject (subject, sequence),
  KEY outbox_organization (organization_id, sequence)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
