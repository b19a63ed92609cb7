-- Access: people who use the registry in a browser, their roles per organization, sessions, organization
-- registration, analysts' grants to individual records, password resets and the development mail outbox.
-- Secrets are stored only as hashes (passwords: argon2id; session and reset tokens: SHA-256), so a copy of
-- the database does not let anyone sign in.

CREATE TABLE app_user (
  id               bigserial PRIMARY KEY,
  username         text NOT NULL,
  email            text,
  display_name     text,
  password_hash    text,                    -- argon2id PHC string; NULL until the user sets a password
  organization_id  bigint NOT NULL REFERENCES organization(id),
  status           text NOT NULL DEFAULT 'active' CHECK (status IN ('active','suspended','removed')),
  totp_secret      text,                    -- base32; set at enrolment, effective once totp_enabled
  totp_enabled     boolean NOT NULL DEFAULT false,
  totp_last_step   bigint,                  -- last accepted TOTP time step, so a code is used once
  failed_attempts  int NOT NULL DEFAULT 0,
  locked_until     timestamptz,
  created_by       bigint REFERENCES app_user(id),
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX app_user_username ON app_user (lower(username));
CREATE INDEX app_user_organization ON app_user (organization_id);

-- A role held in an organization. A role applies to that organization and its descendants
-- (a district's access administrator manages the users of all its schools).
CREATE TABLE user_role (
  user_id          bigint NOT NULL REFERENCES app_user(id),
  organization_id  bigint NOT NULL REFERENCES organization(id),
  role             text NOT NULL CHECK (role IN ('registry_admin','access_admin','provider','school','analyst','read_only')),
  granted_by       bigint REFERENCES app_user(id),
  granted_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, organization_id, role)
);

-- id is the SHA-256 (hex) of the 256-bit random token in the cookie: the token itself is never stored.
CREATE TABLE session (
  id             text PRIMARY KEY CHECK (id ~ '^[0-9a-f]{64}$'),
  user_id        bigint NOT NULL REFERENCES app_user(id),
  csrf_token     text NOT NULL,
  created_at     timestamptz NOT NULL,
  last_seen_at   timestamptz NOT NULL,
  expires_at     timestamptz NOT NULL,     -- absolute lifetime
  ip             text,
  user_agent     text,
  revoked_at     timestamptz
);
CREATE INDEX session_by_user ON session (user_id);

-- A school, district or provider organization asking for access, with its first Access Administrator.
CREATE TABLE access_request (
  id                 bigserial PRIMARY KEY,
  organization_name  text NOT NULL,
  kind               text NOT NULL CHECK (kind IN ('district','school','provider_organization','facility')),
  parent_id          bigint REFERENCES organization(id),   -- e.g. the district of a school
  code               text,
  address            jsonb,
  admin_name         text NOT NULL,
  admin_email        text NOT NULL,
  admin_username     text NOT NULL,
  note               text,
  status             text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','approved','refused')),
  decided_by         bigint REFERENCES app_user(id),
  decided_at         timestamptz,
  decision_reason    text,
  organization_id    bigint REFERENCES organization(id),   -- created on approval
  admin_user_id      bigint REFERENCES app_user(id),
  remote_addr        text,
  created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX access_request_status ON access_request (status, created_at);

-- Public-health analysts see individual records only when granted, one patient at a time.
CREATE TABLE patient_access_grant (
  id           bigserial PRIMARY KEY,
  user_id      bigint NOT NULL REFERENCES app_user(id),
  patient_id   bigint NOT NULL REFERENCES patient(id),
  reason       text NOT NULL,
  granted_by   bigint REFERENCES app_user(id),
  granted_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz,
  revoked_at   timestamptz
);
CREATE INDEX patient_access_grant_user ON patient_access_grant (user_id, patient_id) WHERE revoked_at IS NULL;

-- Single-use password set/reset links; token_hash = SHA-256 (hex) of the token in the link.
CREATE TABLE password_reset (
  id           bigserial PRIMARY KEY,
  token_hash   text NOT NULL UNIQUE,
  user_id      bigint NOT NULL REFERENCES app_user(id),
  purpose      text NOT NULL DEFAULT 'reset' CHECK (purpose IN ('reset','invite')),
  created_at   timestamptz NOT NULL,
  expires_at   timestamptz NOT NULL,
  used_at      timestamptz
);
CREATE INDEX password_reset_user ON password_reset (user_id);

-- Development mailer: messages are written here instead of being sent. This is the mail itself (it holds
-- the link for the recipient), not a log; production configures a real mailer.
CREATE TABLE mail_outbox (
  id          bigserial PRIMARY KEY,
  to_address  text NOT NULL,
  subject     text NOT NULL,
  body        text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
