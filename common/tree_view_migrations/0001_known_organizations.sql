-- The organisation tree as a service that is not the registry last saw it
-- (common/tree_view.h): scope checks and reads keep answering from it while
-- the registry is down. Identical to the table scheduling created in its
-- own 0001_init before the tree view moved into common/, hence IF NOT
-- EXISTS: on those databases this is a no-op. The tree view's migrations
-- run after the service's own, so scheduling's 0001 still creates it first
-- on a fresh database.
CREATE TABLE IF NOT EXISTS known_organizations (
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
