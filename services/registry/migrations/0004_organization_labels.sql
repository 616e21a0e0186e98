-- Display names and codes change: a merger renames a committee, the
-- provincial system recodes it. A past-dated listing shows the name and
-- code in force that day, not today's. One row per period, the latest
-- open (valid_to 9999-12-31); a change through UpdateOrganization (or a
-- bulk row) takes effect from the day it is made (Vietnam's date).
CREATE TABLE IF NOT EXISTS organization_labels (
  organization_id BIGINT NOT NULL,
  valid_from DATE NOT NULL,
  valid_to DATE NOT NULL DEFAULT '9999-12-31',
  display_name VARCHAR(512) NOT NULL,
  external_code VARCHAR(64) NULL,
  PRIMARY KEY (organization_id, valid_from),
  CONSTRAINT organization_labels_org_fk FOREIGN KEY (organization_id)
    REFERENCES organizations (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_vietnamese_ci;

-- What came before this migration is not known: each organisation starts
-- with one period, from its valid_from, of its name and code now.
INSERT IGNORE INTO organization_labels
  (organization_id, valid_from, valid_to, display_name, external_code)
SELECT id, valid_from, '9999-12-31', display_name, external_code
FROM organizations;
