-- A record's marks as one text on its row (services/scheduling/
-- attendance_digest.h): a subtree's compliance report reads one row per
-- record instead of one per mark. attendance_digest_version is the record's
-- version when the digest was written; a reader trusts the digest only
-- while the two agree, so a row written or corrected by a binary that
-- does not keep the digest (during a rolling upgrade) is read from its
-- attendance rows instead. Both columns are nullable: adding them is
-- instant on MariaDB 10.11 and MySQL 8.
ALTER TABLE meetings
  ADD COLUMN attendance_digest MEDIUMTEXT NULL,
  ADD COLUMN attendance_digest_version BIGINT NULL;

-- The existing records' digests, as AttendanceDigestOf writes them: by
-- member id, "member_id:mark" joined by commas ('' without attendance).
-- GROUP_CONCAT stops at group_concat_max_len (1024 bytes by default,
-- about 100 marks): raised for this session to 16 MiB.
SET SESSION group_concat_max_len = 16777216;

UPDATE meetings m
SET m.attendance_digest = COALESCE(
      (SELECT GROUP_CONCAT(a.member_id, ':', a.mark
                           ORDER BY a.member_id SEPARATOR ',')
       FROM attendance a WHERE a.meeting_id = m.id), ''),
    m.attendance_digest_version = m.version;
