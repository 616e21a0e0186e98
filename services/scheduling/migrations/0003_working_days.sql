-- Làm bù: weekend days worked when a holiday is bridged, per holiday
-- calendar version (a working day for every meeting rule and shift).
CREATE TABLE holiday_working_days (
  year SMALLINT NOT NULL,
  version INT NOT NULL,
  day DATE NOT NULL,
  title VARCHAR(255) NOT NULL DEFAULT '',
  PRIMARY KEY (year, version, day),
  CONSTRAINT holiday_working_days_calendar_fk FOREIGN KEY (year, version)
    REFERENCES holiday_calendars (year, version)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
