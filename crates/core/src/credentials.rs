//! Sealing and opening app-connection credentials. Each connection has its own data key,
//! wrapped by the root key; the credentials JSON is sealed with it, bound to the
//! connection's organization and id. `credentials_hash` is the SHA-256 of the sealed
//! bytes, so clients can see that credentials changed without seeing them.

use crate::error::{CoreError, CoreResult};
use crate::keys::KeyRing;
use serde::{Deserialize, Serialize};
use sluice_crypto::{Aad, tokens};
use sluice_domain::{ConnectionId, OrgId, SecretToken};
use sluice_storage::connections::ConnectionRow;

/// The secret part of a connection (for Railway: its API token). Stored as
/// `{"apiToken": "…"}`, sealed.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionCredentials {
    pub api_token: SecretToken,
}

/// Sealed credentials ready to store.
#[derive(Debug)]
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
    keys: &KeyRing,
    org_id: &OrgId,
    connection_id: &ConnectionId,
    creds: &ConnectionCredentials,
) -> CoreResult<Sealed> {
    let (key, wrapped) = keys.new_wrapped_key(&aad(org_id, connection_id))?;
    let json = serde_json::to_vec(creds).map_err(|e| CoreError::Corrupt(format!("credentials do not encode: {e}")))?;
    let ct = key.seal(&json, &aad(org_id, connection_id).with("credentials"))?;
    let credentials_hash = tokens::digest_bytes(&ct);
    Ok(Sealed { data_key_wrapped: wrapped, credentials_ct: ct, credentials_hash })
}

/// Opens a connection's credentials.
pub fn open(keys: &KeyRing, row: &ConnectionRow) -> CoreResult<ConnectionCredentials> {
    let key = keys.unwrap_key(&row.data_key_wrapped, &aad(&row.org_id, &row.id))?;
    let json = key.open(&row.credentials_ct, &aad(&row.org_id, &row.id).with("credentials"))?;
    serde_json::from_slice(&json)
        .map_err(|_| CoreError::Corrupt(format!("the credentials of connection {} do not decode", row.id)))
}
