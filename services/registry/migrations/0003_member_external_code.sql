-- Members get the provincial system's code (mã đảng viên), the second key
-- BulkUpsertMembers matches rows by.
ALTER TABLE members
  ADD COLUMN external_code VARCHAR(64) NULL AFTER citizen_id,
  ADD UNIQUE KEY members_external_code (external_code);
