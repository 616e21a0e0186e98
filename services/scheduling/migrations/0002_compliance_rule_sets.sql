-- The guidance compliance is measured against, as dated rows: a report
-- names the rule set(s) in force over its period (DOMAIN.md section 7: cite
-- by number and date). Both known sets ask for a regular meeting every
-- month and a thematic one every quarter; a later set is a new row.
CREATE TABLE compliance_rule_sets (
  id BIGINT NOT NULL PRIMARY KEY,
  code VARCHAR(64) NOT NULL,
  title VARCHAR(512) NOT NULL,
  issued_on DATE NOT NULL,
  effective_from DATE NOT NULL,
  effective_to DATE NOT NULL DEFAULT '9999-12-31',
  UNIQUE KEY compliance_rule_sets_code (code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT INTO compliance_rule_sets (id, code, title, issued_on, effective_from,
                                  effective_to) VALUES
  (1, '12-HD/BTCTW',
   'Hướng dẫn 12-HD/BTCTW về nâng cao chất lượng sinh hoạt chi bộ',
   '2018-07-06', '2018-07-06', '2025-10-27'),
  (2, '42-HD/BTCTW',
   'Hướng dẫn 42-HD/BTCTW về nâng cao chất lượng sinh hoạt chi bộ '
   '(theo Chỉ thị 50-CT/TW ngày 23/7/2025)',
   '2025-10-28', '2025-10-28', '9999-12-31');
