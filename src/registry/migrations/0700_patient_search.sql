-- Patient search from the web app: typo-tolerant names through trigram similarity (pg_trgm, 0100_core).
CREATE INDEX IF NOT EXISTS patient_family_trgm ON patient USING gin (lower(family_name) gin_trgm_ops) WHERE status IN ('active','provisional');
CREATE INDEX IF NOT EXISTS patient_given_trgm ON patient USING gin (lower(given_name) gin_trgm_ops) WHERE status IN ('active','provisional');
