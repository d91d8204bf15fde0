-- One counter per project, raised in the transaction of every write to its secrets,
-- folders or imports (`SecretWrite::commit`). Readers compare it with the value a cached
-- folder was read at: equal means nothing in the project changed since, on any node.
CREATE TABLE project_change_counters (
    project_id TEXT PRIMARY KEY REFERENCES projects(id) ON DELETE CASCADE,
    version    BIGINT NOT NULL
);
