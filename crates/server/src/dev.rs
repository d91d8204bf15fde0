//! `sluice server --dev`: a ready local instance in one command, like `vault server -dev`.
//!
//! Data lives in a fresh temporary directory (or `--data-dir`), the root key is generated
//! (and kept beside the data when `--data-dir` is given, so the instance can restart), and
//! the instance is bootstrapped with an admin user, an organization, a project `default`
//! (environments dev, staging, prod) and a machine identity with universal auth that is an
//! organization admin and an admin of that project. With `--railway-fake`, a fake Railway
//! runs in-process from the example seed and the server syncs to it.

use crate::RunningServer;
use crate::config::{ServerArgs, Settings};
use crate::features::admin::service::bootstrap;
use crate::features::auth::service::{TokenLifetime, issue_token};
use crate::features::identities::service::{
    UniversalAuthSettings, attach_universal_auth, create_identity, mint_client_secret, store_client_secret,
};
use crate::features::projects::service::create_project;
use anyhow::Context;
use serde::{Deserialize, Serialize};
use sluice_api_types::admin::BootstrapIn;
use sluice_core::audit::AuditActor;
use sluice_crypto::{RootKey, tokens};
use sluice_domain::{OrgRole, ProjectRole, Slug};
use sluice_storage::StorageError;
use sluice_storage::memberships::{self, Principal};
use std::path::PathBuf;

/// What `--dev` decided before the settings are resolved.
pub struct DevPrep {
    pub dir: PathBuf,
    pub root_key: RootKey,
    temp: Option<tempfile::TempDir>,
}

/// Keeps the temporary directory and the fake Railway alive while the server runs.
pub struct DevGuard {
    _temp: Option<tempfile::TempDir>,
    _railway: Option<sluice_railway_fake::FakeRailway>,
}

/// The credentials `--dev` prints and writes with `--dev-output`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DevCredentials {
    pub url: String,
    pub admin_email: String,
    pub admin_password: String,
    pub organization_id: String,
    pub project_id: String,
    pub identity_id: String,
    pub client_id: String,
    pub client_secret: String,
    pub access_token: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub railway: Option<serde_json::Value>,
}

const KEY_FILE: &str = "dev-root-key";
const CREDENTIALS_FILE: &str = "dev-credentials.json";

pub fn prepare(args: &ServerArgs) -> anyhow::Result<DevPrep> {
    match &args.data_dir {
        Some(dir) => {
            std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
            let key_path = dir.join(KEY_FILE);
            let root_key = if key_path.exists() {
                let text = std::fs::read_to_string(&key_path)?;
                RootKey::from_base64(&text).map_err(|e| anyhow::anyhow!("{}: {e}", key_path.display()))?
            } else {
                let key = RootKey::generate();
                write_private(&key_path, &key.to_base64())?;
                key
            };
            Ok(DevPrep { dir: dir.clone(), root_key, temp: None })
        }
        None => {
            let temp = tempfile::Builder::new().prefix("sluice-dev-").tempdir()?;
            Ok(DevPrep { dir: temp.path().to_path_buf(), root_key: RootKey::generate(), temp: Some(temp) })
        }
    }
}

fn write_private(path: &std::path::Path, text: &str) -> anyhow::Result<()> {
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

/// Starts the dev instance (and the fake Railway when asked), bootstraps it on first
/// start, prints the credentials and writes them to `--dev-output`.
pub async fn start(
    prep: DevPrep,
    mut settings: Settings,
    args: &ServerArgs,
) -> anyhow::Result<(RunningServer, DevGuard)> {
    let railway = if args.railway_fake {
        let fake = sluice_railway_fake::FakeRailway::start(sluice_railway_fake::Seed::example()).await?;
        settings.railway_api_url = fake.graphql_url();
        Some(fake)
    } else {
        None
    };
    let server = crate::start(settings).await?;
    let creds_path = prep.dir.join(CREDENTIALS_FILE);
    let mut creds = if creds_path.exists() {
        serde_json::from_str::<DevCredentials>(&std::fs::read_to_string(&creds_path)?)?
    } else {
        let creds = provision(&server).await?;
        write_private(&creds_path, &serde_json::to_string_pretty(&creds)?)?;
        creds
    };
    // Provisioning filled the database's page caches; an idle dev server needs none of it.
    if let Err(e) = server.state.store.release_memory().await {
        tracing::warn!(error = %e, "could not release the database's page caches");
    }
    creds.url = server.url();
    creds.railway = railway.as_ref().map(railway_info);
    print_banner(&creds, prep.temp.is_some());
    if let Some(out) = &args.dev_output {
        write_private(out, &serde_json::to_string_pretty(&creds)?)?;
    }
    Ok((server, DevGuard { _temp: prep.temp, _railway: railway }))
}

fn railway_info(fake: &sluice_railway_fake::FakeRailway) -> serde_json::Value {
    let seed = serde_json::to_value(sluice_railway_fake::Seed::example()).unwrap_or_default();
    let token = |kind: &str| {
        seed["tokens"].as_array().and_then(|ts| ts.iter().find(|t| t["kind"] == kind)).map(|t| t["value"].clone())
    };
    let project = &seed["projects"][0];
    let mut out = serde_json::json!({
        "apiUrl": fake.graphql_url(),
        "accountToken": token("account"),
        "workspaceToken": token("workspace"),
        "projectToken": token("project"),
        "projectId": project["id"],
        "environmentId": project["environments"][0]["id"],
        "serviceId": project["services"][0]["id"],
    });
    if let (Some(obj), Some(seed_obj)) = (out.as_object_mut(), seed.as_object()) {
        for key in ["workspaces", "users", "tokens", "projects"] {
            if let Some(v) = seed_obj.get(key) {
                obj.insert(key.to_string(), v.clone());
            }
        }
    }
    out
}

/// Bootstraps a fresh instance and creates the dev project and identity.
pub async fn provision(server: &RunningServer) -> anyhow::Result<DevCredentials> {
    let state = &server.state;
    let password: String = tokens::random_token("").chars().filter(char::is_ascii_alphanumeric).take(20).collect();
    let email = "admin@sluice.local".to_string();
    let boot = bootstrap(
        state,
        &BootstrapIn { email: email.clone(), password: password.clone(), organization: "Sluice Dev".to_string() },
        Default::default(),
    )
    .await
    .map_err(|e| anyhow::anyhow!("bootstrap failed: {e}"))?;

    // Argon2 outside the write transaction, within the hashing permits.
    let minted = state.hashing.run(mint_client_secret).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut tx = state.store.write().await?;
    let user = Principal::User(boot.user_id.clone());
    let project = create_project(&mut tx, state, &boot.org_id, "default", &Slug::from_trusted("default"), "", &user)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let identity = create_identity(&mut tx, &boot.org_id, "dev-identity", OrgRole::Admin)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    memberships::add_project_member(
        &mut tx,
        &project.id,
        &Principal::Identity(identity.id.clone()),
        ProjectRole::Admin,
    )
    .await?;
    let ua = attach_universal_auth(&mut tx, &identity.id, &UniversalAuthSettings::default())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let secret_row =
        store_client_secret(&mut tx, &identity.id, "dev", 0, 0, &minted).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let client_secret = minted.plain;
    let token = issue_token(
        &mut tx,
        &Principal::Identity(identity.id.clone()),
        Some(&secret_row.id),
        TokenLifetime { ttl: ua.access_token_ttl, max_ttl: ua.access_token_max_ttl, num_uses_limit: 0 },
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    sluice_core::audit::record(
        &mut tx,
        AuditActor::platform(),
        sluice_core::audit::AuditEvent::new("dev-provision")
            .org(&boot.org_id)
            .project(&project.id)
            .target("identity", identity.id.clone()),
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    tx.commit().await.map_err(StorageError::from)?;

    Ok(DevCredentials {
        url: server.url(),
        admin_email: email,
        admin_password: password,
        organization_id: boot.org_id.to_string(),
        project_id: project.id.to_string(),
        identity_id: identity.id.to_string(),
        client_id: ua.client_id,
        client_secret: client_secret.into_exposed(),
        access_token: token.access_token.into_exposed(),
        railway: None,
    })
}

fn print_banner(c: &DevCredentials, temporary: bool) {
    let mut out = String::new();
    out.push_str("\nSluice is running in development mode. Do not use it for real secrets.\n\n");
    out.push_str(&format!("  URL:             {}\n", c.url));
    out.push_str(&format!("  Web UI:          {}/  (admin: {} / {})\n", c.url, c.admin_email, c.admin_password));
    out.push_str(&format!("  API docs:        {}/api/docs\n", c.url));
    out.push_str(&format!("  Organization ID: {}\n", c.organization_id));
    out.push_str(&format!("  Project ID:      {}  (project \"default\": dev, staging, prod)\n", c.project_id));
    out.push_str(&format!("  Identity ID:     {}\n", c.identity_id));
    out.push_str(&format!("  Client ID:       {}\n", c.client_id));
    out.push_str(&format!("  Client secret:   {}\n", c.client_secret));
    out.push_str(&format!("  Access token:    {}\n", c.access_token));
    if let Some(r) = &c.railway {
        out.push_str(&format!("  Fake Railway:    {}\n", r.get("apiUrl").and_then(|v| v.as_str()).unwrap_or("")));
    }
    if temporary {
        out.push_str("\n  Data is in a temporary directory and is deleted when the server stops.\n");
    }
    out.push_str(&format!("\n  export SLUICE_URL={} SLUICE_TOKEN={}\n\n", c.url, c.access_token));
    println!("{out}");
}
