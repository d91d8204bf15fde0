-- OIDC auth of machine identities (Infisical's identity OIDC auth): one configuration per
-- identity. Times are seconds; bound claims and trusted IPs are JSON text.
CREATE TABLE oidc_auths (
    id                          TEXT PRIMARY KEY,
    identity_id                 TEXT NOT NULL UNIQUE REFERENCES identities(id) ON DELETE CASCADE,
    oidc_discovery_url          TEXT NOT NULL,
    bound_issuer                TEXT NOT NULL,
    bound_audiences             TEXT NOT NULL DEFAULT '',
    bound_claims                TEXT NOT NULL DEFAULT '{}',
    bound_subject               TEXT NOT NULL DEFAULT '',
    ca_cert                     TEXT NOT NULL DEFAULT '',
    access_token_ttl            BIGINT NOT NULL,
    access_token_max_ttl        BIGINT NOT NULL,
    access_token_num_uses_limit BIGINT NOT NULL DEFAULT 0,
    access_token_trusted_ips    TEXT NOT NULL,
    created_at                  BIGINT NOT NULL,
    updated_at                  BIGINT NOT NULL
);

-- Which login method issued a token, so that its trusted IPs come from that method's
-- configuration (NULL: universal auth, or a user's token).
ALTER TABLE access_tokens ADD COLUMN auth_method TEXT;
