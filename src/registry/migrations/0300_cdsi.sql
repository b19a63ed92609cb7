-- CDC's CDSi supporting data releases (the ACIP schedule as data), stored verbatim so that every
-- registry node forecasts with exactly the same schedule, and an older release can be pinned.
CREATE TABLE cdsi_schedule_release (
  id           bigserial PRIMARY KEY,
  version      text NOT NULL UNIQUE,          -- e.g. '4.64'
  imported_at  timestamptz NOT NULL DEFAULT now(),
  source_dir   text NOT NULL,                 -- where it was imported from (for the operator)
  files        jsonb NOT NULL,                -- { "ScheduleSupportingData.xml": "<xml...>", "AntigenSupportingData-HepB-508.xml": ... }
  sha256       text NOT NULL,                 -- of the files, in name order (cache key, idempotent re-import)
  imported_by  text
);
CREATE INDEX cdsi_schedule_release_newest ON cdsi_schedule_release (imported_at DESC, id DESC);
