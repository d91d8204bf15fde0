-- Sluice foundation: organizations, people and machines, projects, secrets, audit.
-- Ids are UUID strings, times are unix milliseconds, JSON is text, ciphertexts are bytes.
-- SQLite: flags are INTEGER columns (sqlx's Any driver cannot read SQLite BOOLEAN); rows read them through `flag::Flag`.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value BLOB NOT NULL
);

CREATE TABLE organizations (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    slug       TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    username      TEXT NOT NULL,
    first_name    TEXT NOT NULL DEFAULT '',
    last_name     TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,
    super_admin   INTEGER NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);

CREATE TABLE identities (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX identities_org ON identities(org_id);

-- Exactly one of user_id / identity_id is set.
CREATE TABLE org_memberships (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    user_id     TEXT REFERENCES users(id) ON DELETE CASCADE,
    identity_id TEXT REFERENCES identities(id) ON DELETE CASCADE,
    role        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    CHECK ((user_id IS NULL) <> (identity_id IS NULL))
);
CREATE UNIQUE INDEX org_memberships_user ON org_memberships(org_id, user_id) WHERE user_id IS NOT NULL;
CREATE UNIQUE INDEX org_memberships_identity ON org_memberships(org_id, identity_id) WHERE identity_id IS NOT NULL;

CREATE TABLE universal_auths (
    id                          TEXT PRIMARY KEY,
    identity_id                 TEXT NOT NULL UNIQUE REFERENCES identities(id) ON DELETE CASCADE,
    client_id                   TEXT NOT NULL UNIQUE,
    access_token_ttl            BIGINT NOT NULL,
    access_token_max_ttl        BIGINT NOT NULL,
    access_token_num_uses_limit BIGINT NOT NULL DEFAULT 0,
    access_token_trusted_ips    TEXT NOT NULL,
    client_secret_trusted_ips   TEXT NOT NULL,
    created_at                  BIGINT NOT NULL,
    updated_at                  BIGINT NOT NULL
);

CREATE TABLE client_secrets (
    id             TEXT PRIMARY KEY,
    identity_id    TEXT NOT NULL REFERENCES identities(id) ON DELETE CASCADE,
    description    TEXT NOT NULL DEFAULT '',
    secret_prefix  TEXT NOT NULL,
    secret_hash    TEXT NOT NULL,
    ttl            BIGINT NOT NULL DEFAULT 0,
    num_uses_limit BIGINT NOT NULL DEFAULT 0,
    num_uses       BIGINT NOT NULL DEFAULT 0,
    is_revoked     INTEGER NOT NULL DEFAULT 0,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE INDEX client_secrets_identity ON client_secrets(identity_id);

-- Bearer tokens of identities (universal auth) and users (API login), stored as SHA-256.
CREATE TABLE access_tokens (
    id               TEXT PRIMARY KEY,
    token_hash       TEXT NOT NULL UNIQUE,
    identity_id      TEXT REFERENCES identities(id) ON DELETE CASCADE,
    user_id          TEXT REFERENCES users(id) ON DELETE CASCADE,
    client_secret_id TEXT,
    ttl              BIGINT NOT NULL,
    max_ttl          BIGINT NOT NULL,
    num_uses         BIGINT NOT NULL DEFAULT 0,
    num_uses_limit   BIGINT NOT NULL DEFAULT 0,
    expires_at       BIGINT NOT NULL,
    max_expires_at   BIGINT NOT NULL,
    revoked          INTEGER NOT NULL DEFAULT 0,
    created_at       BIGINT NOT NULL,
    renewed_at       BIGINT NOT NULL,
    CHECK ((user_id IS NULL) <> (identity_id IS NULL))
);
CREATE INDEX access_tokens_identity ON access_tokens(identity_id);

-- Browser sessions of users, stored as SHA-256 of the cookie value.
CREATE TABLE sessions (
    id          TEXT PRIMARY KEY,
    token_hash  TEXT NOT NULL UNIQUE,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);

CREATE TABLE projects (
    id               TEXT PRIMARY KEY,
    org_id           TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name             TEXT NOT NULL,
    slug             TEXT NOT NULL,
    description      TEXT NOT NULL DEFAULT '',
    data_key_wrapped BLOB NOT NULL,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE UNIQUE INDEX projects_org_slug ON projects(org_id, slug);

CREATE TABLE project_memberships (
    id          TEXT PRIMARY KEY,
    project_id  TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    user_id     TEXT REFERENCES users(id) ON DELETE CASCADE,
    identity_id TEXT REFERENCES identities(id) ON DELETE CASCADE,
    role        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    CHECK ((user_id IS NULL) <> (identity_id IS NULL))
);
CREATE UNIQUE INDEX project_memberships_user ON project_memberships(project_id, user_id) WHERE user_id IS NOT NULL;
CREATE UNIQUE INDEX project_memberships_identity ON project_memberships(project_id, identity_id) WHERE identity_id IS NOT NULL;
CREATE INDEX project_memberships_identity_lookup ON project_memberships(identity_id);
CREATE INDEX project_memberships_user_lookup ON project_memberships(user_id);

CREATE TABLE environments (
    id         TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    slug       TEXT NOT NULL,
    position   BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX environments_project_slug ON environments(project_id, slug);

-- Every environment has a root folder with path '/'. `path` is denormalised for lookups.
CREATE TABLE folders (
    id             TEXT PRIMARY KEY,
    project_id     TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    environment_id TEXT NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    parent_id      TEXT REFERENCES folders(id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    path           TEXT NOT NULL,
    description    TEXT NOT NULL DEFAULT '',
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE UNIQUE INDEX folders_env_path ON folders(environment_id, path);
CREATE INDEX folders_parent ON folders(parent_id);

-- Values and comments are AES-256-GCM ciphertexts under the project's data key, with
-- (project, environment, folder, key, field) as associated data.
CREATE TABLE secrets (
    id                        TEXT PRIMARY KEY,
    project_id                TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    environment_id            TEXT NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    folder_id                 TEXT NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
    key                       TEXT NOT NULL,
    secret_type               TEXT NOT NULL DEFAULT 'shared',
    version                   BIGINT NOT NULL,
    value_ct                  BLOB NOT NULL,
    comment_ct                BLOB NOT NULL,
    skip_multiline_encoding   INTEGER NOT NULL DEFAULT 0,
    reminder_note             TEXT,
    reminder_repeat_days      BIGINT,
    metadata                  TEXT NOT NULL DEFAULT '[]',
    created_at                BIGINT NOT NULL,
    updated_at                BIGINT NOT NULL
);
CREATE UNIQUE INDEX secrets_folder_key ON secrets(folder_id, key, secret_type);

-- Every version of every secret, kept after deletion.
CREATE TABLE secret_versions (
    id                      TEXT PRIMARY KEY,
    secret_id               TEXT NOT NULL,
    project_id              TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    environment_id          TEXT NOT NULL,
    folder_id               TEXT NOT NULL,
    key                     TEXT NOT NULL,
    version                 BIGINT NOT NULL,
    value_ct                BLOB NOT NULL,
    comment_ct              BLOB NOT NULL,
    skip_multiline_encoding INTEGER NOT NULL DEFAULT 0,
    action                  TEXT NOT NULL,
    actor_type              TEXT NOT NULL,
    actor_id                TEXT,
    created_at              BIGINT NOT NULL
);
CREATE INDEX secret_versions_secret ON secret_versions(secret_id, version);

-- A folder importing the secrets of another environment/path, in `position` order.
CREATE TABLE secret_imports (
    id                    TEXT PRIMARY KEY,
    project_id            TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    folder_id             TEXT NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
    import_environment_id TEXT NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    import_path           TEXT NOT NULL,
    position              BIGINT NOT NULL,
    is_replication        INTEGER NOT NULL DEFAULT 0,
    created_at            BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL
);
CREATE INDEX secret_imports_folder ON secret_imports(folder_id, position);
CREATE INDEX secret_imports_source ON secret_imports(import_environment_id, import_path);

-- The outbox of secret changes, written in the transaction of the change itself.
CREATE TABLE change_events (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id     TEXT NOT NULL,
    environment_id TEXT NOT NULL,
    folder_id      TEXT NOT NULL,
    path           TEXT NOT NULL,
    keys           TEXT NOT NULL,
    actor_type     TEXT NOT NULL,
    actor_id       TEXT,
    created_at     BIGINT NOT NULL,
    dispatched_at  BIGINT
);
CREATE INDEX change_events_pending ON change_events(id) WHERE dispatched_at IS NULL;

CREATE TABLE audit_log (
    id          TEXT PRIMARY KEY,
    org_id      TEXT,
    project_id  TEXT,
    actor_type  TEXT NOT NULL,
    actor_id    TEXT,
    actor_name  TEXT,
    action      TEXT NOT NULL,
    target_type TEXT,
    target_id   TEXT,
    metadata    TEXT NOT NULL DEFAULT '{}',
    ip          TEXT,
    user_agent  TEXT,
    created_at  BIGINT NOT NULL
);
CREATE INDEX audit_log_project ON audit_log(project_id, created_at);
CREATE INDEX audit_log_org ON audit_log(org_id, created_at);
