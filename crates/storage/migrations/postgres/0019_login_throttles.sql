-- Failed sign-ins per scope, shared by every node: an account (`user:EMAIL`,
-- `client:CLIENT_ID`, `identity:ID`) or a client IP (`ip:ADDRESS`). Never a password or a
-- secret. The rules live in sluice_domain::login_throttle; rows past `expires_at` mean
-- nothing any more and are pruned as failures are written.
CREATE TABLE login_throttles (
    scope_key       TEXT PRIMARY KEY,
    failures        BIGINT NOT NULL DEFAULT 0,
    last_failure_at BIGINT NOT NULL DEFAULT 0,
    locked_until    BIGINT NOT NULL DEFAULT 0,
    locks           BIGINT NOT NULL DEFAULT 0,
    expires_at      BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX login_throttles_expires_at ON login_throttles (expires_at);
