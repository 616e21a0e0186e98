-- A request_id's row is found by a fixed-width binary key: SHA-256 of
-- "<method> <request_id>" (a request_id has no spaces, so the pair is
-- unambiguous). The old primary key, (method, request_id) in utf8mb4 with
-- a Unicode collation, made every claim compare two long strings by
-- collation weights at each level of two B-trees and repeat up to 1.5 kB
-- of key in the created_at index. method, request_id and request_hash stay
-- (diagnostics, and the hash check) as plain ASCII columns outside the key.
-- Each statement can run again: a failed upgrade is finished by a rerun.
ALTER TABLE idempotency_keys ADD COLUMN IF NOT EXISTS key_hash BINARY(32) NULL FIRST;
UPDATE idempotency_keys SET key_hash = UNHEX(SHA2(CONCAT(method, ' ', request_id), 256))
  WHERE key_hash IS NULL;
ALTER TABLE idempotency_keys
  MODIFY key_hash BINARY(32) NOT NULL,
  DROP PRIMARY KEY,
  ADD PRIMARY KEY (key_hash),
  MODIFY request_id VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  MODIFY method VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  MODIFY request_hash CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL;
