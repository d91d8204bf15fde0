//! The client commands, one module per server feature: [`login`], [`secrets`], [`run`],
//! [`export`], [`connections`], [`syncs`], [`notifications`] and [`locks`]. Each declares its clap arguments (with
//! examples in `--help`) and a `run` that speaks HTTP through [`crate::client`].
//!
//! Shared here: where secrets are read from (`--env`, `--path`) and reading the effective
//! secrets of a folder (its own, then imports), which `secrets list`, `run` and `export` use.

pub mod connections;
pub mod export;
pub mod locks;
pub mod login;
pub mod notifications;
pub mod run;
pub mod secrets;
pub mod syncs;

use crate::context::{Context, check_environment};
use crate::error::CliResult;
use sluice_api_types::projects::ProjectOut;
use sluice_api_types::secrets::{SecretOut, SecretsListOut};

/// Which folder of which environment (`--env`, `--path`).
#[derive(clap::Args, Clone, Debug)]
pub struct Scope {
    /// Environment slug
    #[arg(long, short = 'e', env = "SLUICE_ENV", default_value = "dev", value_name = "SLUG")]
    pub env: String,

    /// Folder path
    #[arg(long, default_value = "/", value_name = "PATH")]
    pub path: String,
}

/// A scope checked against the project.
pub struct Located {
    pub project: ProjectOut,
    pub env: String,
    pub path: String,
}

impl Located {
    /// `project/env:/path`, for messages.
    pub fn describe(&self) -> String {
        format!("{}/{}:{}", self.project.slug, self.env, self.path)
    }

    /// The query every secrets read takes.
    pub fn query<'a>(&'a self, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
        let mut q = vec![
            ("workspaceId", self.project.id.as_str()),
            ("environment", self.env.as_str()),
            ("secretPath", self.path.as_str()),
        ];
        q.extend_from_slice(extra);
        q
    }

    /// The body fields every secrets write takes.
    pub fn body(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut m = serde_json::Map::new();
        m.insert("workspaceId".into(), self.project.id.clone().into());
        m.insert("environment".into(), self.env.clone().into());
        m.insert("secretPath".into(), self.path.clone().into());
        m
    }
}

/// Resolves the project and checks `--env` and `--path` before any secrets request.
pub async fn locate(ctx: &Context, scope: &Scope) -> CliResult<Located> {
    let project = ctx.project().await?;
    check_environment(&project, scope.env.trim(), "--env")?;
    let path = normalize_path(&scope.path)?;
    Ok(Located { project, env: scope.env.trim().to_string(), path })
}

/// `/a/b` from `a/b`, `/a/b/` or `/a//b`; refuses `..`.
pub fn normalize_path(raw: &str) -> CliResult<String> {
    let parts: Vec<&str> = raw.split('/').map(str::trim).filter(|p| !p.is_empty()).collect();
    if parts.iter().any(|p| *p == "." || *p == "..") {
        return Err(crate::error::CliError::flag("--path", raw, "may not contain . or .. segments")
            .with_hint("give a folder path such as / or /apps/api"));
    }
    Ok(format!("/{}", parts.join("/")))
}

/// The secrets a process in this folder sees: its own, then each import's keys it does not
/// have (the import listed last wins), references expanded.
pub async fn effective_secrets(ctx: &Context, at: &Located) -> CliResult<Vec<SecretOut>> {
    let q = at.query(&[("expandSecretReferences", "true"), ("include_imports", "true")]);
    let list: SecretsListOut = ctx.client.get(&["api", "v3", "secrets", "raw"], &q).await?;
    Ok(merge(list))
}

fn merge(list: SecretsListOut) -> Vec<SecretOut> {
    let mut out = list.secrets;
    for import in list.imports.into_iter().rev() {
        for s in import.secrets {
            if !out.iter().any(|o| o.secret_key == s.secret_key) {
                out.push(s);
            }
        }
    }
    out
}

/// Secrets as `(key, value)` pairs in order.
pub fn pairs(secrets: &[SecretOut]) -> Vec<(&str, &str)> {
    secrets.iter().map(|s| (s.secret_key.as_str(), s.secret_value.expose())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn secret(key: &str, value: &str, path: &str) -> serde_json::Value {
        json!({"id": "i", "_id": "i", "workspace": "p", "environment": "dev", "version": 1, "type": "shared",
            "secretKey": key, "secretValue": value, "secretComment": "", "secretPath": path, "createdAt": "",
            "updatedAt": "", "tags": [], "skipMultilineEncoding": false, "secretReminderNote": null,
            "secretReminderRepeatDays": null, "secretMetadata": [], "secretValueHidden": false})
    }

    #[test]
    fn own_secrets_win_then_the_last_import() {
        let list: SecretsListOut = serde_json::from_value(json!({
            "secrets": [secret("A", "own", "/")],
            "imports": [
                {"secretPath": "/first", "environment": "dev", "folderId": "f1", "secrets": [secret("A", "i1", "/first"), secret("B", "i1", "/first")]},
                {"secretPath": "/last", "environment": "dev", "folderId": "f2", "secrets": [secret("B", "i2", "/last"), secret("C", "i2", "/last")]},
            ]
        }))
        .expect("decodes");
        let merged = merge(list);
        let got: Vec<(&str, &str)> = pairs(&merged);
        assert_eq!(got, vec![("A", "own"), ("B", "i2"), ("C", "i2")]);
    }

    #[test]
    fn paths_are_normalized() {
        assert_eq!(normalize_path("").expect("ok"), "/");
        assert_eq!(normalize_path("apps//api/").expect("ok"), "/apps/api");
        assert!(normalize_path("/a/../b").is_err());
    }
}
