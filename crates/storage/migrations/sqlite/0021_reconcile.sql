-- Reconciliation: failed syncs are tried again on their own at `next_sync_at`; the
-- scheduler looks them up by status and time.
CREATE INDEX secret_syncs_reconcile ON secret_syncs(sync_status, next_sync_at);
