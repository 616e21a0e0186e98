-- The organisation tree as it stands now, as a closure table: one row per
-- (ancestor, descendant) pair, the organisation itself included at depth 0.
-- A subtree is then one indexed range read (ancestor_id = ? AND
-- descendant_id > ? ORDER BY descendant_id), so a page of a subtree listing
-- costs its page and a whole subtree costs its size, not the table's.
--
-- The rows follow organizations.parent_id (the latest placement); create,
-- move and delete keep them current in their own transaction. The dated
-- placement history stays in organization_parents, which answers listings
-- for a date on which the tree had another shape.
--
-- No foreign keys: a move rewrites the rows of a whole subtree, and the
-- shared locks that foreign-key checks would take on every organisation in
-- it would cross the locks that creates below it hold.

CREATE TABLE IF NOT EXISTS organization_ancestors (
  ancestor_id BIGINT NOT NULL,
  descendant_id BIGINT NOT NULL,
  depth SMALLINT NOT NULL,
  PRIMARY KEY (ancestor_id, descendant_id),
  KEY organization_ancestors_descendant (descendant_id, depth)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- Backfill from the parent column (MariaDB 10.11 and MySQL 8 both take a
-- recursive WITH before the SELECT of an INSERT). IGNORE makes a re-run
-- after an interrupted migration harmless.
INSERT IGNORE INTO organization_ancestors (ancestor_id, descendant_id, depth)
WITH RECURSIVE chain (ancestor_id, descendant_id, depth) AS (
  SELECT id, id, 0 FROM organizations
  UNION ALL
  SELECT o.parent_id, c.descendant_id, c.depth + 1
  FROM chain c JOIN organizations o ON o.id = c.ancestor_id
  WHERE o.parent_id IS NOT NULL AND c.depth < 64
)
SELECT ancestor_id, descendant_id, depth FROM chain;

-- "Does any placement in this province start after day D?" decides whether
-- the closure table answers a listing for D; this index keeps that question
-- to the few placements dated after D.
ALTER TABLE organization_parents
  ADD KEY organization_parents_from (valid_from);
