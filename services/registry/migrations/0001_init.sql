-- Registry schema: the organisation tree with its placement history,
-- members with dated statuses and cell memberships, positions and cadres.
-- Open-ended periods end on 9999-12-31 so that "on date D" is a plain
-- range test that indexes serve.

CREATE TABLE organizations (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  external_code VARCHAR(64) NULL,
  display_name VARCHAR(512) NOT NULL,
  name_folded VARCHAR(512) NOT NULL,
  level TINYINT NOT NULL,
  category TINYINT NOT NULL DEFAULT 0,
  parent_id BIGINT NULL,
  province_id BIGINT NULL,
  valid_from DATE NOT NULL,
  valid_to DATE NOT NULL DEFAULT '9999-12-31',
  version BIGINT NOT NULL DEFAULT 1,
  create_time DATETIME(6) NOT NULL,
  update_time DATETIME(6) NOT NULL,
  UNIQUE KEY organizations_external_code (external_code),
  KEY organizations_parent (parent_id),
  KEY organizations_province (province_id, id),
  CONSTRAINT organizations_parent_fk FOREIGN KEY (parent_id)
    REFERENCES organizations (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_vietnamese_ci;

CREATE TABLE organization_parents (
  organization_id BIGINT NOT NULL,
  valid_from DATE NOT NULL,
  valid_to DATE NOT NULL DEFAULT '9999-12-31',
  parent_id BIGINT NOT NULL,
  PRIMARY KEY (organization_id, valid_from),
  KEY organization_parents_parent (parent_id, valid_from),
  CONSTRAINT organization_parents_org_fk FOREIGN KEY (organization_id)
    REFERENCES organizations (id) ON DELETE CASCADE,
  CONSTRAINT organization_parents_parent_fk FOREIGN KEY (parent_id)
    REFERENCES organizations (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE members (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  display_name VARCHAR(255) NOT NULL,
  name_folded VARCHAR(255) NOT NULL,
  birth_date DATE NULL,
  gender TINYINT NOT NULL DEFAULT 0,
  party_card_number VARCHAR(32) NULL,
  citizen_id VARCHAR(32) NULL,
  version BIGINT NOT NULL DEFAULT 1,
  create_time DATETIME(6) NOT NULL,
  update_time DATETIME(6) NOT NULL,
  UNIQUE KEY members_party_card (party_card_number),
  UNIQUE KEY members_citizen_id (citizen_id),
  KEY members_name (name_folded)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_vietnamese_ci;

CREATE TABLE member_statuses (
  member_id BIGINT NOT NULL,
  valid_from DATE NOT NULL,
  valid_to DATE NOT NULL DEFAULT '9999-12-31',
  status TINYINT NOT NULL,
  reason VARCHAR(512) NOT NULL DEFAULT '',
  PRIMARY KEY (member_id, valid_from),
  CONSTRAINT member_statuses_member_fk FOREIGN KEY (member_id)
    REFERENCES members (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_vietnamese_ci;

CREATE TABLE memberships (
  member_id BIGINT NOT NULL,
  valid_from DATE NOT NULL,
  valid_to DATE NOT NULL DEFAULT '9999-12-31',
  organization_id BIGINT NOT NULL,
  PRIMARY KEY (member_id, valid_from),
  KEY memberships_cell (organization_id, valid_from),
  CONSTRAINT memberships_member_fk FOREIGN KEY (member_id)
    REFERENCES members (id) ON DELETE CASCADE,
  CONSTRAINT memberships_cell_fk FOREIGN KEY (organization_id)
    REFERENCES organizations (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE positions (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  organization_id BIGINT NOT NULL,
  member_id BIGINT NOT NULL,
  role TINYINT NOT NULL,
  term_start DATE NOT NULL,
  term_end DATE NOT NULL DEFAULT '9999-12-31',
  version BIGINT NOT NULL DEFAULT 1,
  KEY positions_org (organization_id, term_start),
  KEY positions_member (member_id),
  CONSTRAINT positions_org_fk FOREIGN KEY (organization_id)
    REFERENCES organizations (id),
  CONSTRAINT positions_member_fk FOREIGN KEY (member_id)
    REFERENCES members (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE cadres (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  committee_id BIGINT NOT NULL,
  member_id BIGINT NOT NULL,
  title VARCHAR(255) NOT NULL DEFAULT '',
  valid_from DATE NOT NULL,
  valid_to DATE NOT NULL DEFAULT '9999-12-31',
  version BIGINT NOT NULL DEFAULT 1,
  UNIQUE KEY cadres_unique (committee_id, member_id, valid_from),
  KEY cadres_member (member_id),
  CONSTRAINT cadres_committee_fk FOREIGN KEY (committee_id)
    REFERENCES organizations (id),
  CONSTRAINT cadres_member_fk FOREIGN KEY (member_id)
    REFERENCES members (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_vietnamese_ci;
