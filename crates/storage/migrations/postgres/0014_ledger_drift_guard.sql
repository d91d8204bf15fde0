-- The ownership ledger: every destination key a sync wrote (or claimed on its first run),
-- when, and a keyed digest of the value it last wrote there (HMAC-SHA256 under a key
-- derived from the project's data key; never the value, never a plain hash). Deletions
-- follow it (syncOptions.deleteOnlyOwned), and drift checks compare against it.
CREATE TABLE sync_keys (
    sync_id    TEXT NOT NULL REFERENCES secret_syncs(id) ON DELETE CASCADE,
    key        TEXT NOT NULL,
    digest     TEXT,
    written_at BIGINT NOT NULL,
    PRIMARY KEY (sync_id, key)
);

-- The latest drift report of each sync: key names and states as JSON, never values.
CREATE TABLE sync_drift (
    sync_id    TEXT PRIMARY KEY REFERENCES secret_syncs(id) ON DELETE CASCADE,
    job_id     TEXT,
    checked_at BIGINT NOT NULL,
    status     TEXT NOT NULL,
    entries    TEXT NOT NULL
);

-- When the ledger started (NULL: the sync has not run since it had one; that run claims).
ALTER TABLE secret_syncs ADD COLUMN ledger_since BIGINT;
-- The drift check lifecycle (like sync/import/remove), its latest finding, and the schedule.
ALTER TABLE secret_syncs ADD COLUMN drift_check_status TEXT;
ALTER TABLE secret_syncs ADD COLUMN last_drift_job_id TEXT;
ALTER TABLE secret_syncs ADD COLUMN last_drift_message TEXT;
ALTER TABLE secret_syncs ADD COLUMN last_drift_check_at BIGINT;
ALTER TABLE secret_syncs ADD COLUMN drift_status TEXT;
ALTER TABLE secret_syncs ADD COLUMN next_drift_at BIGINT;
-- The mass-deletion guard: the fingerprint of the plan a held run waits on, and the one
-- someone confirmed.
ALTER TABLE secret_syncs ADD COLUMN held_plan_hash TEXT;
ALTER TABLE secret_syncs ADD COLUMN confirmed_plan_hash TEXT;
CREATE INDEX secret_syncs_next_drift ON secret_syncs(next_drift_at);
