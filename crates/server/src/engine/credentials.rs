//! Sealing and opening app-connection credentials. Each connection has its own data key,
//! wrapped by the root key; the credentials JSON is sealed with it, bound to the
//! connection's organization and id. `credentials_hash` is the SHA-256 of the sealed
//! bytes, so clients can see that credentials changed without seeing them.

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use serde::{Deserialize, Serialize};
use sluice_crypto::{Aad, tokens};
use sluice_destinations::railway::Credentials;
use sluice_domain::{ConnectionId, OrgId, SecretToken, TokenKind};
use sluice_storage::connections::ConnectionRow;

/// The secret part of a Railway connection.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RailwayCredentials {
    pub api_token: SecretToken,
}

/// Sealed credentials ready to store.
pub struct Sealed {
    pub data_key_wrapped: Vec<u8>,
    pub credentials_ct: Vec<u8>,
    pub credentials_hash: String,
}

fn aad(org_id: &OrgId, connection_id: &ConnectionId) -> Aad {
    Aad::connection(org_id.as_str(), connection_id.as_str())
}

/// Seals credentials for a connection with a fresh data key.
pub fn seal(
    state: &AppState,
    org_id: &OrgId,
    connection_id: &ConnectionId,
    creds: &RailwayCredentials,
) -> ApiResult<Sealed> {
    let (key, wrapped) = state.keys.new_wrapped_key(&aad(org_id, connection_id))?;
    let json = serde_json::to_vec(creds).map_err(ApiError::internal)?;
    let ct = key.seal(&json, &aad(org_id, connection_id).with("credentials"))?;
    let credentials_hash = tokens::digest_bytes(&ct);
    Ok(Sealed { data_key_wrapped: wrapped, credentials_ct: ct, credentials_hash })
}

/// Opens a connection's credentials.
pub fn open(state: &AppState, row: &ConnectionRow) -> ApiResult<RailwayCredentials> {
    let key = state.keys.unwrap_key(&row.data_key_wrapped, &aad(&row.org_id, &row.id))?;
    let json = key.open(&row.credentials_ct, &aad(&row.org_id, &row.id).with("credentials"))?;
    serde_json::from_slice(&json).map_err(|_| ApiError::internal("stored credentials do not decode"))
}

/// The connection method a request names: exactly one of the stored names.
pub fn token_kind(method: &str) -> Option<TokenKind> {
    TokenKind::ALL.iter().copied().find(|k| k.as_str() == method)
}

/// Credentials for the Railway client from a stored connection.
pub fn railway_credentials(state: &AppState, row: &ConnectionRow) -> ApiResult<Credentials> {
    let kind = token_kind(&row.method)
        .ok_or_else(|| ApiError::internal(format!("connection {} has unknown method {}", row.id, row.method)))?;
    let creds = open(state, row)?;
    Ok(Credentials::new(kind, creds.api_token))
}
