-- patient_match_dob_family (0400) is no longer read: the candidate search probes patient_match_dob_family_key (0190)
-- for birth date + surname, and the names-only key uses patient_match_names. One index less to update per new patient.
DROP INDEX IF EXISTS patient_match_dob_family;
