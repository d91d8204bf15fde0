//! Creating identities, attaching universal auth and minting client secrets.

use crate::error::ApiResult;
use sluice_crypto::{passwords, tokens};
use sluice_domain::{ClientSecretId, IdentityId, OrgId, OrgRole, SecretToken};
use sluice_storage::identities::{self, ClientSecretRow, IdentityRow, UniversalAuthRow};
use sluice_storage::memberships::{self, Principal};
use sluice_storage::{Conn, now_ms};

/// Infisical's defaults: tokens live 30 days; any IP may log in.
pub const DEFAULT_TOKEN_TTL_SECS: i64 = 2_592_000;
pub const DEFAULT_TRUSTED_IPS: &str =
    r#"[{"ipAddress":"0.0.0.0/0","type":"ipv4","prefix":0},{"ipAddress":"::/0","type":"ipv6","prefix":0}]"#;
/// Prefix of client secrets as shown to users.
pub const CLIENT_SECRET_PREFIX: &str = "scs_";

/// Creates an identity in an organization with the given organization role.
pub async fn create_identity(conn: &mut Conn, org: &OrgId, name: &str, role: OrgRole) -> ApiResult<IdentityRow> {
    let now = now_ms();
    let row = IdentityRow {
        id: IdentityId::new(),
        org_id: org.clone(),
        name: name.to_string(),
        created_at: now,
        updated_at: now,
    };
    identities::insert(conn, &row).await?;
    memberships::add_org_member(conn, org, &Principal::Identity(row.id.clone()), role).await?;
    Ok(row)
}

/// Universal-auth settings, in seconds.
#[derive(Clone, Debug)]
pub struct UniversalAuthSettings {
    pub access_token_ttl: i64,
    pub access_token_max_ttl: i64,
    pub access_token_num_uses_limit: i64,
    pub access_token_trusted_ips: String,
    pub client_secret_trusted_ips: String,
}

impl Default for UniversalAuthSettings {
    fn default() -> Self {
        Self {
            access_token_ttl: DEFAULT_TOKEN_TTL_SECS,
            access_token_max_ttl: DEFAULT_TOKEN_TTL_SECS,
            access_token_num_uses_limit: 0,
            access_token_trusted_ips: DEFAULT_TRUSTED_IPS.to_string(),
            client_secret_trusted_ips: DEFAULT_TRUSTED_IPS.to_string(),
        }
    }
}

pub async fn attach_universal_auth(
    conn: &mut Conn,
    identity: &IdentityId,
    settings: &UniversalAuthSettings,
) -> ApiResult<UniversalAuthRow> {
    let now = now_ms();
    let row = UniversalAuthRow {
        id: uuid::Uuid::now_v7().to_string(),
        identity_id: identity.clone(),
        client_id: uuid::Uuid::new_v4().to_string(),
        access_token_ttl: settings.access_token_ttl,
        access_token_max_ttl: settings.access_token_max_ttl,
        access_token_num_uses_limit: settings.access_token_num_uses_limit,
        access_token_trusted_ips: settings.access_token_trusted_ips.clone(),
        client_secret_trusted_ips: settings.client_secret_trusted_ips.clone(),
        created_at: now,
        updated_at: now,
    };
    identities::insert_universal_auth(conn, &row).await?;
    Ok(row)
}

/// A client secret just generated: the plain value (shown once), its displayed prefix and
/// its Argon2id hash.
#[derive(Debug)]
pub struct MintedSecret {
    pub plain: SecretToken,
    pub prefix: String,
    pub hash: String,
}

/// Generates and hashes a client secret (slow: run it outside write transactions).
pub fn mint_client_secret() -> MintedSecret {
    let plain = tokens::random_token(CLIENT_SECRET_PREFIX);
    let prefix = plain.chars().take(CLIENT_SECRET_PREFIX.len() + 4).collect();
    let hash = passwords::hash_password(&plain);
    MintedSecret { plain: SecretToken::from(plain), prefix, hash }
}

/// Stores a minted client secret for an identity.
pub async fn store_client_secret(
    conn: &mut Conn,
    identity: &IdentityId,
    description: &str,
    ttl_secs: i64,
    num_uses_limit: i64,
    minted: &MintedSecret,
) -> ApiResult<ClientSecretRow> {
    let now = now_ms();
    let row = ClientSecretRow {
        id: ClientSecretId::new(),
        identity_id: identity.clone(),
        description: description.to_string(),
        secret_prefix: minted.prefix.clone(),
        secret_hash: minted.hash.clone(),
        ttl: ttl_secs,
        num_uses_limit,
        num_uses: 0,
        is_revoked: false,
        created_at: now,
        updated_at: now,
    };
    identities::insert_client_secret(conn, &row).await?;
    Ok(row)
}
