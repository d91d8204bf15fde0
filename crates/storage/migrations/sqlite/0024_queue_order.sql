-- The queue in the order a claim reads it (due time, then id), so a claim reads its few
-- candidates from the index instead of sorting every job due at the same moment: a change
-- fanned out to a thousand syncs queues a thousand jobs with one run_at.
DROP INDEX jobs_runnable;
CREATE INDEX jobs_runnable ON jobs(state, run_at, id);
