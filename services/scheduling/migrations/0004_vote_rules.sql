-- Votes on a resolution: the rule as versioned data (a later rule is a new
-- row), and each record's vote with the facts about members it used.
CREATE TABLE vote_rules (
  id BIGINT NOT NULL,
  version INT NOT NULL,
  source VARCHAR(512) NOT NULL,
  threshold_numerator INT NOT NULL,
  threshold_denominator INT NOT NULL,
  effective_from DATE NOT NULL,
  effective_to DATE NOT NULL DEFAULT '9999-12-31',
  PRIMARY KEY (id, version)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- More than half of the full members in the denominator.
INSERT INTO vote_rules (id, version, source, threshold_numerator,
                        threshold_denominator, effective_from) VALUES
  (1, 1, 'Điều lệ Đảng, Điều 10: quá nửa số đảng viên chính thức trong mẫu số tán thành',
   1, 2, '1990-01-01');

CREATE TABLE meeting_votes (
  meeting_id BIGINT NOT NULL PRIMARY KEY,
  votes_for INT NOT NULL,
  votes_against INT NOT NULL,
  abstentions INT NOT NULL,
  denominator INT NOT NULL,
  passed BOOLEAN NOT NULL,
  vote_rule_id BIGINT NOT NULL,
  vote_rule_version INT NOT NULL,
  CONSTRAINT meeting_votes_meeting_fk FOREIGN KEY (meeting_id)
    REFERENCES meetings (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Per member of a record: only the members with a fact to keep (a ballot,
-- an exclusion, temporary transfer, an accepted absence reason).
CREATE TABLE meeting_vote_members (
  meeting_id BIGINT NOT NULL,
  member_id BIGINT NOT NULL,
  temporary_transfer BOOLEAN NOT NULL DEFAULT FALSE,
  reason_accepted BOOLEAN NOT NULL DEFAULT FALSE,
  choice TINYINT NOT NULL DEFAULT 0,
  exclusion TINYINT NOT NULL DEFAULT 0,
  PRIMARY KEY (meeting_id, member_id),
  CONSTRAINT meeting_vote_members_meeting_fk FOREIGN KEY (meeting_id)
    REFERENCES meetings (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
