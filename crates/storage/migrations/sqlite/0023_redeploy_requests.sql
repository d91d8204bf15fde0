-- A redeploy asked for but not yet recorded: just before Sluice asks Railway to redeploy a
-- service, it records the newest deployment the service had then. Should the answer be lost
-- (a crash, a dropped connection), a later run finds any deployment newer than that one,
-- which was created after the write and so carries its values, and follows it instead of
-- asking again. A new write that makes a redeploy due clears it.
ALTER TABLE sync_deploys ADD COLUMN requested_after TEXT;
