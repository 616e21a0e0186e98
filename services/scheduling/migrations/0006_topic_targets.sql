-- A mandated topic's explicit targets: some cell categories within the
-- committee's subtree. No rows: the whole subtree.
CREATE TABLE topic_target_categories (
  topic_id BIGINT NOT NULL,
  category TINYINT NOT NULL,
  PRIMARY KEY (topic_id, category),
  CONSTRAINT topic_target_categories_topic_fk FOREIGN KEY (topic_id)
    REFERENCES topics (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
