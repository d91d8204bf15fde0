-- A redeploy a sync owes its Railway service: recorded before the first write of a run
-- that changes a service's variables (written with skipDeploys), cleared once the
-- redeploy is done. A run that crashes or loses Railway's answer after writing leaves it
-- set, so the retry redeploys even when it finds nothing left to write.
CREATE TABLE sync_redeploys_owed (
    sync_id TEXT PRIMARY KEY REFERENCES secret_syncs(id) ON DELETE CASCADE,
    since   BIGINT NOT NULL
);
