-- Certificates of Immunization issued by the registry, so anyone holding a printed certificate can
-- check it on the public /verify/<code> page. The code is an HMAC over the stored content with the
-- registry's certificate key (one row), so a stored row whose content was altered no longer verifies.
CREATE TABLE school_certificate_key (
  id          smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  secret      bytea NOT NULL CHECK (octet_length(secret) >= 32),
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE school_certificate (
  code        text PRIMARY KEY CHECK (code ~ '^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$'),
  patient_id  bigint REFERENCES patient(id),
  content     jsonb NOT NULL,
  issued_at   timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz,
  revoked_reason text
);
CREATE INDEX school_certificate_patient ON school_certificate (patient_id);
