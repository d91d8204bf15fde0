-- Pacing of Railway requests per token, shared by every sync and node using the token:
-- the next free slot, a pause (Retry-After or backoff), the hourly budget as last reported
-- and counted down, and refusals in a row. Keyed by a SHA-256 of the token, never the token.
CREATE TABLE railway_paces (
    token_key    TEXT PRIMARY KEY,
    next_at      BIGINT NOT NULL DEFAULT 0,
    paused_until BIGINT NOT NULL DEFAULT 0,
    remaining    BIGINT,
    reset_at     BIGINT,
    strikes      BIGINT NOT NULL DEFAULT 0
);
