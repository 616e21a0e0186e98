-- One row per meeting (a cell and a nominal day) that a record or a
-- postponement has named. RecordMeeting and PostponeMeeting lock it first,
-- so that the writers of one meeting take turns. They used to lock the
-- meeting's postponements with SELECT ... FOR UPDATE instead; with none
-- yet, that locked the gap where they would go, which is shared with other
-- meetings, and concurrent postponements of different meetings deadlocked
-- on it. It also let a postponement slip in beside a record of the same
-- meeting. A slot is locked by an insert or by a duplicate-key update of
-- its primary key: a record lock, never a gap lock.
CREATE TABLE IF NOT EXISTS meeting_slots (
  cell_id BIGINT NOT NULL,
  nominal_day DATE NOT NULL,
  PRIMARY KEY (cell_id, nominal_day)
) ENGINE=InnoDB;
