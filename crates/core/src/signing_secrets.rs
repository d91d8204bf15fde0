//! Webhook signing secrets at rest: sealed with the project's data key (the one that seals
//! its secrets), bound to the project and the channel, so a sealed secret copied into
//! another channel's row does not open. The secret itself (`whsec_…`) is made by
//! `sluice-notify`; it is shown once, when made, and never logged or stored in clear.

use crate::error::{CoreError, CoreResult};
use crate::keys::KeyRing;
use sluice_crypto::Aad;
use sluice_domain::{ChannelId, ProjectId, SecretToken};
use sluice_storage::Conn;
use sluice_storage::notifications::ChannelRow;

fn aad(project: &ProjectId, channel: &ChannelId) -> Aad {
    Aad::new("sluice/notification-channel/v1").with(project.as_str()).with(channel.as_str()).with("signing-secret")
}

/// Seals a channel's signing secret with its project's data key.
pub async fn seal(
    keys: &KeyRing,
    conn: &mut Conn,
    project: &ProjectId,
    channel: &ChannelId,
    secret: &SecretToken,
) -> CoreResult<Vec<u8>> {
    let key = keys.project_key(conn, project).await?;
    Ok(key.seal(secret.expose().as_bytes(), &aad(project, channel))?)
}

/// Opens a webhook channel's signing secret.
pub async fn open(keys: &KeyRing, conn: &mut Conn, row: &ChannelRow) -> CoreResult<SecretToken> {
    let sealed = row
        .signing_secret_ct
        .as_deref()
        .ok_or_else(|| CoreError::Corrupt(format!("notification channel {} has no signing secret", row.id)))?;
    let key = keys.project_key(conn, &row.project_id).await?;
    Ok(SecretToken::new(key.open_string(sealed, &aad(&row.project_id, &row.id))?))
}
