-- The registry's core domain. Every patient-scoped table carries patient_id so the schema can be
-- distributed by it later. Source records are never overwritten; consolidated views are derived.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS fuzzystrmatch;

-- Organizations in a hierarchy: state > district > school, state > provider organization > facility.
CREATE TABLE organization (
  id            bigserial PRIMARY KEY,
  parent_id     bigint REFERENCES organization(id),
  kind          text NOT NULL CHECK (kind IN ('state','district','school','provider_organization','facility','registry')),
  name          text NOT NULL,
  code          text UNIQUE,              -- e.g. MSH-4 facility id, school code
  status        text NOT NULL DEFAULT 'active' CHECK (status IN ('pending','active','suspended','refused','closed')),
  address       jsonb,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX organization_parent ON organization(parent_id);

-- Credentials of a sending facility (HL7 over SOAP / HTTP / MLLP).
CREATE TABLE sender_credential (
  id              bigserial PRIMARY KEY,
  organization_id bigint NOT NULL REFERENCES organization(id),
  username        text NOT NULL UNIQUE,
  password_hash   text NOT NULL,
  active          boolean NOT NULL DEFAULT true,
  created_at      timestamptz NOT NULL DEFAULT now()
);

-- The consolidated patient. Demographics here are derived from the source records.
CREATE TABLE patient (
  id                 bigserial PRIMARY KEY,
  family_name        text,
  given_name         text,
  middle_name        text,
  suffix             text,
  birth_date         date,
  sex                text,
  mother_maiden_name text,
  multiple_birth     text,
  birth_order        int,
  death_date         date,
  address            jsonb,
  phone              text,
  status             text NOT NULL DEFAULT 'active' CHECK (status IN ('active','provisional','merged','inactive')),
  merged_into        bigint REFERENCES patient(id),
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX patient_name_dob ON patient(upper(family_name), upper(given_name), birth_date);
CREATE INDEX patient_dob ON patient(birth_date);

-- Identifiers of a patient with their assigning authority (MRN, Medicaid, registry id, ...).
CREATE TABLE patient_identifier (
  patient_id  bigint NOT NULL REFERENCES patient(id),
  id_value    text NOT NULL,
  authority   text NOT NULL DEFAULT '',
  id_type     text NOT NULL DEFAULT '',
  source_record_id bigint,
  PRIMARY KEY (authority, id_type, id_value, patient_id)
);
CREATE INDEX patient_identifier_patient ON patient_identifier(patient_id);
CREATE INDEX patient_identifier_value ON patient_identifier(id_value);

-- Every submitted demographic record, verbatim, as a source record of a patient.
CREATE TABLE patient_source_record (
  id               bigserial PRIMARY KEY,
  patient_id       bigint NOT NULL REFERENCES patient(id),
  submission_id    bigint,
  organization_id  bigint REFERENCES organization(id),
  sender_patient_id text,
  demographics     jsonb NOT NULL,
  received_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX patient_source_record_patient ON patient_source_record(patient_id);

-- Each raw message received, with the answer given, so a resend gets the same answer.
CREATE TABLE submission (
  id               bigserial PRIMARY KEY,
  organization_id  bigint REFERENCES organization(id),
  channel          text NOT NULL,                 -- soap, http, mllp, file, fhir, web
  message_type     text,
  control_id       text,                          -- MSH-10
  raw              text NOT NULL,
  response         text,
  ack_code         text,                          -- AA, AE, AR
  finding_count    int NOT NULL DEFAULT 0,
  received_at      timestamptz NOT NULL DEFAULT now(),
  processed_ms     real
);
CREATE UNIQUE INDEX submission_dedup ON submission(organization_id, control_id) WHERE control_id IS NOT NULL;

-- Vaccination events: administered (RXA-9 = 00) or historical, and refusals. Deletions mark, never remove.
CREATE TABLE vaccination (
  id                   bigserial PRIMARY KEY,
  patient_id           bigint NOT NULL REFERENCES patient(id),
  source_record_id     bigint REFERENCES patient_source_record(id),
  submission_id        bigint REFERENCES submission(id),
  organization_id      bigint REFERENCES organization(id),   -- the reporting organization
  sender_vaccination_id text,                                 -- ORC-3 filler order number
  administered_date    date NOT NULL,
  cvx                  text,
  ndc                  text,
  mvx                  text,
  lot_number           text,
  expiration_date      date,
  amount               numeric,
  amount_unit          text,
  route                text,
  site                 text,
  administering_facility text,
  ordering_clinician   jsonb,
  administering_clinician jsonb,
  information_source   text,          -- RXA-9: 00 administered, 01..08 historical
  historical           boolean NOT NULL DEFAULT false,
  completion_status    text,          -- RXA-20: CP, RE, NA, PA
  refusal_reason       text,          -- RXA-18
  funding_eligibility  text,          -- OBX 64994-7
  funding_source       text,          -- OBX 30963-3
  vis                  jsonb,         -- VIS documents given
  action_code          text,          -- RXA-21: A, U, D
  deleted              boolean NOT NULL DEFAULT false,
  consolidated_into    bigint REFERENCES vaccination(id),  -- set by de-duplication
  created_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX vaccination_patient ON vaccination(patient_id);
CREATE INDEX vaccination_sender_id ON vaccination(organization_id, sender_vaccination_id);

-- Refusals of a vaccine (RXA-18/RXA-20 = RE).
CREATE TABLE refusal (
  id             bigserial PRIMARY KEY,
  patient_id     bigint NOT NULL REFERENCES patient(id),
  submission_id  bigint REFERENCES submission(id),
  organization_id bigint REFERENCES organization(id),
  refusal_date   date,
  cvx            text,
  reason         text,
  created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX refusal_patient ON refusal(patient_id);

-- Coded observations: evidence of immunity, contraindications, conditions (CDSi observation codes or SNOMED).
CREATE TABLE observation (
  id              bigserial PRIMARY KEY,
  patient_id      bigint NOT NULL REFERENCES patient(id),
  submission_id   bigint REFERENCES submission(id),
  organization_id bigint REFERENCES organization(id),
  kind            text NOT NULL,     -- immunity, contraindication, condition, indication, other
  code_system     text,
  code            text NOT NULL,
  cdsi_code       text,              -- the CDSi coded observation this maps to, when known
  text            text,
  observed_date   date,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX observation_patient ON observation(patient_id);

-- Findings of data quality on each submission.
CREATE TABLE finding (
  id             bigserial PRIMARY KEY,
  submission_id  bigint NOT NULL REFERENCES submission(id),
  patient_id     bigint,
  code           text NOT NULL,
  severity       text NOT NULL,     -- E, W, I
  location       text,
  hl7_error_code text,              -- table 0357
  application_code text,            -- table 0533
  message        text NOT NULL
);
CREATE INDEX finding_submission ON finding(submission_id);

-- Audit of every read or change of a person's data.
CREATE TABLE audit_event (
  id              bigserial PRIMARY KEY,
  at              timestamptz NOT NULL DEFAULT now(),
  actor_kind      text NOT NULL,       -- user, sender, system
  actor_id        text,
  organization_id bigint,
  action          text NOT NULL,       -- view, search, create, update, delete, export, merge, unmerge, query
  patient_id      bigint,
  object_type     text,
  object_id       text,
  remote_addr     text,
  detail          jsonb
);
CREATE INDEX audit_event_patient ON audit_event(patient_id, at);
CREATE INDEX audit_event_actor ON audit_event(actor_id, at);

-- Code sets (CVX, MVX, NDC, VIS, ...) imported as data from the AIRA code base.
CREATE TABLE code_value (
  code_set     text NOT NULL,
  code         text NOT NULL,
  label        text,
  status       text,
  use_date     date,
  not_before   date,
  not_after    date,
  detail       jsonb,
  PRIMARY KEY (code_set, code)
);
