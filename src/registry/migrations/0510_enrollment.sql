-- Schools: who is enrolled where, roster imports, and exemptions on file with the school nurse.
-- A move between schools or years ends the old enrollment (end_date, active = false) and starts a new
-- one, so a student's history of schools is never lost.
CREATE TABLE roster_import (
  id             bigserial PRIMARY KEY,
  school_org_id  bigint NOT NULL REFERENCES organization(id),
  school_year    text NOT NULL CHECK (school_year ~ '^[0-9]{4}-[0-9]{4}$'),
  imported_by    text,
  imported_at    timestamptz NOT NULL DEFAULT now(),
  row_count      int NOT NULL DEFAULT 0,
  summary        jsonb NOT NULL DEFAULT '{}',   -- counts by outcome
  errors         jsonb NOT NULL DEFAULT '[]'    -- per-row errors [{line, field, message}]
);
CREATE INDEX roster_import_school ON roster_import(school_org_id, imported_at);

CREATE TABLE enrollment (
  id               bigserial PRIMARY KEY,
  patient_id       bigint NOT NULL REFERENCES patient(id),
  school_org_id    bigint NOT NULL REFERENCES organization(id),
  school_year      text NOT NULL CHECK (school_year ~ '^[0-9]{4}-[0-9]{4}$'),
  student_id       text NOT NULL,                 -- the school's own id (SIS id)
  grade            text NOT NULL,                 -- grade code of the requirement pack (K, 1..12, PK, CC, college)
  start_date       date NOT NULL DEFAULT current_date,
  end_date         date,
  active           boolean NOT NULL DEFAULT true,  -- false once ended
  roster_import_id bigint REFERENCES roster_import(id),
  -- The student had no registry record: the nurse completes it from the paper certificate.
  needs_history    boolean NOT NULL DEFAULT false,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  CHECK (end_date IS NULL OR end_date >= start_date),
  CHECK (active = (end_date IS NULL))
);
-- One current enrollment per student id in a school and year, and per patient in a year.
CREATE UNIQUE INDEX enrollment_current_student ON enrollment(school_org_id, school_year, student_id) WHERE active;
CREATE UNIQUE INDEX enrollment_current_patient ON enrollment(patient_id, school_year) WHERE active;
CREATE INDEX enrollment_school ON enrollment(school_org_id, school_year, patient_id) WHERE active;
CREATE INDEX enrollment_patient ON enrollment(patient_id);

-- Medical (per vaccine) or religious exemptions, as signed, with their expiry. Removal marks, never deletes.
CREATE TABLE school_exemption (
  id              bigserial PRIMARY KEY,
  patient_id      bigint NOT NULL REFERENCES patient(id),
  school_org_id   bigint REFERENCES organization(id),   -- the school that recorded it
  type            text NOT NULL,                        -- an exemption type of the pack (medical, religious, ...)
  vaccine         text,                                 -- pack vaccine key; NULL = every vaccine
  signed_date     date,
  expires         date,
  permanent       boolean NOT NULL DEFAULT false,
  note            text,
  recorded_by     text,
  recorded_at     timestamptz NOT NULL DEFAULT now(),
  removed_at      timestamptz,
  removed_by      text
);
CREATE INDEX school_exemption_patient ON school_exemption(patient_id) WHERE removed_at IS NULL;
