-- Patient matching: blocking indexes for candidate selection, the review queue of possible matches,
-- and the merge log that lets an unmerge restore both records exactly as they were.

-- Blocking keys. dmetaphone/soundex (fuzzystrmatch) are IMMUTABLE, so they can be indexed.
-- (birth date, phonetic surname) and (birth date, phonetic given name): exact and typo'd birth dates
-- (day/month swapped, +-1 day/month/year) are looked up as a handful of dates, each with a name key.
CREATE INDEX patient_match_dob_family ON patient (birth_date, dmetaphone(family_name)) WHERE status IN ('active','provisional');
CREATE INDEX patient_match_dob_given ON patient (birth_date, dmetaphone(given_name)) WHERE status IN ('active','provisional');
-- Names regardless of birth date (a birth date entered wrongly altogether).
CREATE INDEX patient_match_names ON patient (dmetaphone(family_name), dmetaphone(given_name)) WHERE status IN ('active','provisional');

-- One item per possible match waiting for registry staff.
CREATE TABLE match_review (
  id                   bigserial PRIMARY KEY,
  patient_id           bigint NOT NULL REFERENCES patient(id),   -- the provisional record created for the incoming data
  candidate_patient_id bigint NOT NULL REFERENCES patient(id),   -- the existing patient it may be
  score                real NOT NULL,
  reasons              jsonb NOT NULL DEFAULT '[]',
  status               text NOT NULL DEFAULT 'open' CHECK (status IN ('open','merged','kept_apart','withdrawn')),
  created_at           timestamptz NOT NULL DEFAULT now(),
  decided_at           timestamptz,
  decided_by           text,
  note                 text
);
CREATE INDEX match_review_open ON match_review(status, created_at) WHERE status = 'open';
CREATE INDEX match_review_patient ON match_review(patient_id);
CREATE INDEX match_review_candidate ON match_review(candidate_patient_id);

-- Every merge, with exactly what moved, so it can be reversed.
CREATE TABLE patient_merge (
  id            bigserial PRIMARY KEY,
  survivor_id   bigint NOT NULL REFERENCES patient(id),
  merged_id     bigint NOT NULL REFERENCES patient(id),
  review_id     bigint REFERENCES match_review(id),
  merged_by     text,
  merged_at     timestamptz NOT NULL DEFAULT now(),
  -- { survivorBefore: patient row, mergedBefore: patient row, sourceRecords: [ids], vaccinations: [ids],
  --   observations: [ids], refusals: [ids], identifiersMoved: [rows], identifiersDropped: [rows],
  --   consolidation: [{id, before}] }
  log           jsonb NOT NULL,
  unmerged_at   timestamptz,
  unmerged_by   text
);
CREATE INDEX patient_merge_survivor ON patient_merge(survivor_id);
CREATE INDEX patient_merge_merged ON patient_merge(merged_id);
