-- Scheduling schema. The schedule itself is never stored: it is the rules'
-- expansion. Rows exist only for what was decided or recorded: rules and
-- their versions, holiday calendars, postponements, meeting records with
-- attendance, documents and tasks, and the annual plans' topics.
-- Open-ended periods end on 9999-12-31.

-- Organisations as the registry last described them, refreshed on every
-- successful call, so that reads of this service's own data keep working
-- (and scope checks keep answering) while the registry is down.
CREATE TABLE known_organizations (
  id BIGINT NOT NULL PRIMARY KEY,
  parent_id BIGINT NULL,
  is_cell BOOLEAN NOT NULL,
  category TINYINT NOT NULL DEFAULT 0,
  -- Root first, itself last: "/1/5/9/".
  ancestry VARCHAR(1024) NOT NULL,
  display_name VARCHAR(512) NOT NULL,
  refresh_time DATETIME(6) NOT NULL,
  KEY known_organizations_parent (parent_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE meeting_rules (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  organization_id BIGINT NOT NULL,
  target TINYINT NOT NULL,
  category TINYINT NOT NULL DEFAULT 0,
  source VARCHAR(512) NOT NULL DEFAULT '',
  -- Bumped by every revision: the etag.
  version BIGINT NOT NULL DEFAULT 1,
  created_by VARCHAR(255) NOT NULL,
  create_time DATETIME(6) NOT NULL,
  KEY meeting_rules_organization (organization_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE meeting_rule_versions (
  rule_id BIGINT NOT NULL,
  version INT NOT NULL,
  pattern TINYINT NOT NULL,
  day_of_month TINYINT NOT NULL DEFAULT 0,
  nth TINYINT NOT NULL DEFAULT 0,
  weekday TINYINT NOT NULL DEFAULT 0,
  start_minute SMALLINT NOT NULL,
  min_minutes SMALLINT NOT NULL,
  combined_min_minutes SMALLINT NOT NULL,
  shift TINYINT NOT NULL,
  effective_from DATE NOT NULL,
  effective_to DATE NOT NULL DEFAULT '9999-12-31',
  create_time DATETIME(6) NOT NULL,
  PRIMARY KEY (rule_id, version),
  CONSTRAINT meeting_rule_versions_rule_fk FOREIGN KEY (rule_id)
    REFERENCES meeting_rules (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE holiday_calendars (
  year SMALLINT NOT NULL,
  version INT NOT NULL,
  source VARCHAR(512) NOT NULL DEFAULT '',
  created_by VARCHAR(255) NOT NULL,
  create_time DATETIME(6) NOT NULL,
  PRIMARY KEY (year, version)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE holidays (
  year SMALLINT NOT NULL,
  version INT NOT NULL,
  day DATE NOT NULL,
  title VARCHAR(255) NOT NULL DEFAULT '',
  PRIMARY KEY (year, version, day),
  CONSTRAINT holidays_calendar_fk FOREIGN KEY (year, version)
    REFERENCES holiday_calendars (year, version)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE postponements (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  cell_id BIGINT NOT NULL,
  nominal_day DATE NOT NULL,
  sequence INT NOT NULL,
  previous_day DATE NOT NULL,
  new_day DATE NOT NULL,
  new_start_minute SMALLINT NOT NULL,
  reason VARCHAR(2000) NOT NULL,
  reported_by VARCHAR(255) NOT NULL,
  report_time DATETIME(6) NOT NULL,
  UNIQUE KEY postponements_meeting (cell_id, nominal_day, sequence)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE meetings (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  cell_id BIGINT NOT NULL,
  -- The occurrence it fulfils; NULL for an extra meeting.
  nominal_day DATE NULL,
  kind TINYINT NOT NULL,
  form TINYINT NOT NULL,
  start_time DATETIME NOT NULL,
  end_time DATETIME NOT NULL,
  chair_member_id BIGINT NULL,
  secretary_member_id BIGINT NULL,
  -- One guest per line.
  guests TEXT NOT NULL,
  agenda TEXT NOT NULL,
  conclusions MEDIUMTEXT NOT NULL,
  resolution MEDIUMTEXT NOT NULL,
  rule_id BIGINT NOT NULL DEFAULT 0,
  rule_version INT NOT NULL DEFAULT 0,
  min_minutes SMALLINT NOT NULL,
  recorded_by VARCHAR(255) NOT NULL,
  create_time DATETIME(6) NOT NULL,
  UNIQUE KEY meetings_occurrence (cell_id, nominal_day),
  KEY meetings_cell_start (cell_id, start_time)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE meeting_documents (
  meeting_id BIGINT NOT NULL,
  position INT NOT NULL,
  number VARCHAR(128) NOT NULL DEFAULT '',
  issue_date DATE NULL,
  issuing_body VARCHAR(512) NOT NULL DEFAULT '',
  title VARCHAR(1024) NOT NULL DEFAULT '',
  link VARCHAR(2048) NOT NULL DEFAULT '',
  available_time DATETIME NULL,
  PRIMARY KEY (meeting_id, position),
  CONSTRAINT meeting_documents_meeting_fk FOREIGN KEY (meeting_id)
    REFERENCES meetings (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE attendance (
  meeting_id BIGINT NOT NULL,
  member_id BIGINT NOT NULL,
  mark TINYINT NOT NULL,
  reason VARCHAR(1000) NOT NULL DEFAULT '',
  PRIMARY KEY (meeting_id, member_id),
  KEY attendance_member (member_id),
  CONSTRAINT attendance_meeting_fk FOREIGN KEY (meeting_id)
    REFERENCES meetings (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE tasks (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  meeting_id BIGINT NOT NULL,
  cell_id BIGINT NOT NULL,
  title VARCHAR(1024) NOT NULL,
  assignee VARCHAR(128) NOT NULL,
  due_day DATE NOT NULL,
  status TINYINT NOT NULL,
  version BIGINT NOT NULL DEFAULT 1,
  create_time DATETIME(6) NOT NULL,
  update_time DATETIME(6) NOT NULL,
  KEY tasks_cell (cell_id, status, due_day),
  CONSTRAINT tasks_meeting_fk FOREIGN KEY (meeting_id)
    REFERENCES meetings (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Annual plans: a cell's registered topics, and a committee's mandated
-- topics (mandated = the organisation is not a cell).
CREATE TABLE topics (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  organization_id BIGINT NOT NULL,
  year SMALLINT NOT NULL,
  title VARCHAR(1024) NOT NULL,
  planned_month TINYINT NOT NULL,
  preparer VARCHAR(512) NOT NULL DEFAULT '',
  mandated BOOLEAN NOT NULL,
  created_by VARCHAR(255) NOT NULL,
  create_time DATETIME(6) NOT NULL,
  KEY topics_organization (organization_id, year)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Which topics a meeting held, per cell (a mandated topic is held once per
-- cell of its subtree).
CREATE TABLE meeting_topics (
  meeting_id BIGINT NOT NULL,
  topic_id BIGINT NOT NULL,
  cell_id BIGINT NOT NULL,
  PRIMARY KEY (meeting_id, topic_id),
  KEY meeting_topics_topic (topic_id, cell_id),
  CONSTRAINT meeting_topics_meeting_fk FOREIGN KEY (meeting_id)
    REFERENCES meetings (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
