-- Notification channels per project (webhooks and email) and the durable outbox of their
-- deliveries. An event is written here in the same transaction as what caused it (a run's
-- outcome), one delivery row per subscribed channel; the delivery loop sends them.

CREATE TABLE notification_channels (
    id                TEXT PRIMARY KEY,
    project_id        TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    name              TEXT NOT NULL,
    kind              TEXT NOT NULL,
    is_enabled        BOOLEAN NOT NULL DEFAULT TRUE,
    -- JSON array of event types; NULL: every event, also those added later.
    event_types       TEXT,
    webhook_url       TEXT,
    -- JSON array of email addresses.
    recipients        TEXT,
    -- The webhook signing secret, sealed with the project's data key (never in clear).
    signing_secret_ct BYTEA,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);
CREATE UNIQUE INDEX notification_channels_project_name ON notification_channels(project_id, name);

-- One row per event and channel: the outbox and the delivery log. `data` holds names,
-- ids, counts and messages, never secret values.
CREATE TABLE notification_deliveries (
    id              TEXT PRIMARY KEY,
    project_id      TEXT NOT NULL,
    channel_id      TEXT NOT NULL REFERENCES notification_channels(id) ON DELETE CASCADE,
    event_id        TEXT NOT NULL,
    event_type      TEXT NOT NULL,
    data            TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    max_attempts    BIGINT NOT NULL,
    next_attempt_at BIGINT,
    lease_owner     TEXT,
    lease_until     BIGINT,
    last_status     BIGINT,
    last_error      TEXT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    finished_at     BIGINT
);
CREATE INDEX notification_deliveries_due ON notification_deliveries(status, next_attempt_at);
CREATE INDEX notification_deliveries_channel ON notification_deliveries(channel_id, created_at);
CREATE INDEX notification_deliveries_finished ON notification_deliveries(finished_at);
