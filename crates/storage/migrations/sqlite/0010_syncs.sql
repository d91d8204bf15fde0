-- Secret syncs: app connections, syncs, the durable job queue and the run history.

-- Credentials are sealed with a per-connection data key, itself wrapped by the root key.
CREATE TABLE app_connections (
    id               TEXT PRIMARY KEY,
    org_id           TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    project_id       TEXT REFERENCES projects(id) ON DELETE CASCADE,
    app              TEXT NOT NULL,
    method           TEXT NOT NULL,
    name             TEXT NOT NULL,
    description      TEXT,
    data_key_wrapped BLOB NOT NULL,
    credentials_ct   BLOB NOT NULL,
    credentials_hash TEXT NOT NULL,
    version          BIGINT NOT NULL DEFAULT 1,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE UNIQUE INDEX app_connections_org_name ON app_connections(org_id, name);

CREATE TABLE secret_syncs (
    id                  TEXT PRIMARY KEY,
    project_id          TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    name                TEXT NOT NULL,
    description         TEXT,
    destination         TEXT NOT NULL,
    connection_id       TEXT NOT NULL REFERENCES app_connections(id) ON DELETE RESTRICT,
    environment_id      TEXT REFERENCES environments(id) ON DELETE SET NULL,
    folder_id           TEXT REFERENCES folders(id) ON DELETE SET NULL,
    secret_path         TEXT NOT NULL,
    is_auto_sync_enabled INTEGER NOT NULL DEFAULT 1,
    version             BIGINT NOT NULL DEFAULT 1,
    sync_options        TEXT NOT NULL,
    destination_config  TEXT NOT NULL,
    sync_status         TEXT,
    last_sync_job_id    TEXT,
    last_sync_message   TEXT,
    last_synced_at      BIGINT,
    sync_attempt        BIGINT NOT NULL DEFAULT 0,
    next_sync_at        BIGINT,
    import_status       TEXT,
    last_import_job_id  TEXT,
    last_import_message TEXT,
    last_imported_at    BIGINT,
    remove_status       TEXT,
    last_remove_job_id  TEXT,
    last_remove_message TEXT,
    last_removed_at     BIGINT,
    -- The per-sync mutex: the job that holds it and until when (renewed while it runs).
    lease_job_id        TEXT,
    lease_owner         TEXT,
    lease_until         BIGINT,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL
);
CREATE UNIQUE INDEX secret_syncs_project_name ON secret_syncs(project_id, name);
CREATE INDEX secret_syncs_folder ON secret_syncs(folder_id);
CREATE INDEX secret_syncs_connection ON secret_syncs(connection_id);

-- Folders a sync's source depends on (its own, imported ones, referenced ones), recorded at
-- each run; a change in any of them re-queues the sync.
CREATE TABLE sync_dependencies (
    sync_id        TEXT NOT NULL REFERENCES secret_syncs(id) ON DELETE CASCADE,
    environment_id TEXT NOT NULL,
    path           TEXT NOT NULL,
    PRIMARY KEY (sync_id, environment_id, path)
);
CREATE INDEX sync_dependencies_folder ON sync_dependencies(environment_id, path);

-- The durable job queue. At most one queued sync job per sync (bursts coalesce).
CREATE TABLE jobs (
    id            TEXT PRIMARY KEY,
    kind          TEXT NOT NULL,
    sync_id       TEXT NOT NULL,
    connection_id TEXT NOT NULL,
    payload       TEXT NOT NULL DEFAULT '{}',
    state         TEXT NOT NULL,
    attempts      BIGINT NOT NULL DEFAULT 0,
    max_attempts  BIGINT NOT NULL,
    run_at        BIGINT NOT NULL,
    lease_owner   TEXT,
    lease_until   BIGINT,
    last_error    TEXT,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    finished_at   BIGINT
);
CREATE UNIQUE INDEX jobs_one_queued_sync ON jobs(sync_id) WHERE kind = 'sync' AND state = 'queued';
CREATE INDEX jobs_runnable ON jobs(state, run_at);
CREATE INDEX jobs_sync ON jobs(sync_id, created_at);
CREATE INDEX jobs_connection_running ON jobs(connection_id) WHERE state = 'running';

-- One row per run of a job attempt: what it did, key names only, never values.
CREATE TABLE sync_runs (
    id            TEXT PRIMARY KEY,
    sync_id       TEXT NOT NULL,
    project_id    TEXT NOT NULL,
    job_id        TEXT NOT NULL,
    kind          TEXT NOT NULL,
    trigger       TEXT NOT NULL,
    actor_type    TEXT NOT NULL,
    actor_id      TEXT,
    actor_name    TEXT,
    attempt       BIGINT NOT NULL,
    node          TEXT NOT NULL,
    status        TEXT NOT NULL,
    started_at    BIGINT NOT NULL,
    finished_at   BIGINT,
    plan          TEXT NOT NULL DEFAULT '[]',
    counts        TEXT NOT NULL DEFAULT '{}',
    railway_calls TEXT NOT NULL DEFAULT '[]',
    redeploy      TEXT,
    error         TEXT,
    next_attempt_at BIGINT
);
CREATE INDEX sync_runs_sync ON sync_runs(sync_id, started_at);
