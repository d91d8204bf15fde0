-- Pacing of Railway requests per token, shared by every sync and node using the token:
-- its latest slots (milliseconds, comma-separated, at most one window's worth), a pause
-- (Retry-After or backoff), the hourly budget as last reported and counted down, and
-- refusals in a row. Keyed by a SHA-256 of the token, never the token.
CREATE TABLE railway_paces (
    token_key    TEXT PRIMARY KEY,
    recent       TEXT NOT NULL DEFAULT '',
    paused_until BIGINT NOT NULL DEFAULT 0,
    remaining    BIGINT,
    reset_at     BIGINT,
    strikes      BIGINT NOT NULL DEFAULT 0
);
