-- The same-names blocking key (src/matching/candidates.ts) reads the patients born nearest the record's birth date,
-- in birth-date order from this index, instead of any 50 of a common name's hundreds.
CREATE INDEX IF NOT EXISTS patient_match_names_dob ON patient (dmetaphone(family_name), dmetaphone(given_name), birth_date)
  WHERE status IN ('active','provisional');
DROP INDEX IF EXISTS patient_match_names;
