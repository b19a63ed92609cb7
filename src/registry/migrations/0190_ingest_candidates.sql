-- Candidate selection, key 2 with the surname (birth date variant + surname metaphone), probed once per date.
-- Written against patient_match_dob_family (0400) the planner kept walking patient_match_names on the surname
-- metaphone alone and filtering by date: EXPLAIN at ~18,000 patients showed ~126 rows (~130 pages) read per record,
-- growing with the registry. upper() is the identity on a metaphone code; it gives this index an expression of its
-- own, so the query names the index it needs.
CREATE INDEX patient_match_dob_family_key ON patient (birth_date, upper(dmetaphone(family_name))) WHERE status IN ('active','provisional');
