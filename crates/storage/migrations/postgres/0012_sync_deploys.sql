-- The deploys a sync owes or waits for, per Railway service: a row is written before the
-- first write of a run that changes what a service runs with ("owed", no deployment), set
-- to the deployment Sluice asked for once Railway accepts the redeploy ("deploying"), and
-- removed once that deployment is live (or nothing could be redeployed). A sync is
-- "Synced" only when it has no row left. Replaces sync_redeploys_owed (one row per sync,
-- for the sync's own service).
CREATE TABLE sync_deploys (
    sync_id       TEXT NOT NULL REFERENCES secret_syncs(id) ON DELETE CASCADE,
    service_id    TEXT NOT NULL,
    deployment_id TEXT,
    since         BIGINT NOT NULL,
    PRIMARY KEY (sync_id, service_id)
);

INSERT INTO sync_deploys (sync_id, service_id, deployment_id, since)
SELECT o.sync_id, s.destination_config::json ->> 'serviceId', NULL, o.since
FROM sync_redeploys_owed o JOIN secret_syncs s ON s.id = o.sync_id
WHERE s.destination_config::json ->> 'serviceId' IS NOT NULL;

DROP TABLE sync_redeploys_owed;
