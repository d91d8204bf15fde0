-- Fencing: every claim of a job takes a new epoch; a run confirms its epoch (and extends its
-- lease) before each Railway write, so a node that lost its lease cannot write.
ALTER TABLE jobs ADD COLUMN lease_epoch BIGINT NOT NULL DEFAULT 0;
-- How many syncs of a connection may run at once across the cluster (NULL: the server's
-- default, --sync-concurrency).
ALTER TABLE app_connections ADD COLUMN sync_concurrency BIGINT;
CREATE INDEX sync_runs_job_running ON sync_runs(job_id) WHERE status = 'running';
