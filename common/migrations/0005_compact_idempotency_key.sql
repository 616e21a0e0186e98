-- A request_id's row is found by a fixed-width binary key: SHA-256 of
-- "<method> <request_id>" (a request_id has no spaces, so the pair is
-- unambiguous). The old primary key, (method, request_id) in utf8mb4 with
-- a Unicode collation, made every claim compare two long strings by
-- collation weights at each level of two B-trees and repeat up to 1.5 kB
-- of key in the created_at index. method, request_id and request_hash stay
-- (diagnostics, and the hash check) as plain ASCII columns outside the key.
-- The table is rebuilt, not altered in place: MySQL 8 has no ADD COLUMN IF
-- NOT EXISTS, and a copy swapped in by one atomic RENAME is portable. Each
-- statement can run again, so a failed upgrade is finished by a rerun.
-- Runs before the service serves: no write lands between copy and swap.
-- replaces checksum 361f87e415bc68e0 (this migration's first, in-place
-- text, MariaDB only; it left the same table)
DROP TABLE IF EXISTS idempotency_keys_old;
CREATE TABLE IF NOT EXISTS idempotency_keys_new (
  key_hash BINARY(32) NOT NULL,
  request_id VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  method VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  request_hash CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  response LONGBLOB NOT NULL,
  created_at DATETIME(6) NOT NULL,
  PRIMARY KEY (key_hash),
  KEY idempotency_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
INSERT IGNORE INTO idempotency_keys_new
  (key_hash, request_id, method, request_hash, response, created_at)
  SELECT UNHEX(SHA2(CONCAT(method, ' ', request_id), 256)), request_id,
         method, request_hash, response, created_at
  FROM idempotency_keys;
RENAME TABLE idempotency_keys TO idempotency_keys_old,
  idempotency_keys_new TO idempotency_keys;
DROP TABLE IF EXISTS idempotency_keys_old;
