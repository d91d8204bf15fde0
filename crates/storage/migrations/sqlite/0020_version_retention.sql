-- Secret version retention (Infisical's `pitVersionLimit`): each secret keeps its newest
-- `pit_version_limit` versions; older ones are deleted when a new version is written or
-- when the limit is lowered. Versions of one secret are numbered 1, 2, 3, … so the
-- per-write prune is one range delete on `secret_versions_secret (secret_id, version)`.
ALTER TABLE projects ADD COLUMN pit_version_limit BIGINT NOT NULL DEFAULT 10;

-- Lowering a project's limit finds its secrets with too many versions through this index.
CREATE INDEX secret_versions_project ON secret_versions(project_id, secret_id);

-- Versions written before the limit was enforced: keep each secret's newest 10 (every
-- project starts at the default). One indexed lookup per row.
DELETE FROM secret_versions
WHERE version <= (SELECT MAX(v.version) FROM secret_versions v WHERE v.secret_id = secret_versions.secret_id) - 10;
