//! The stored login: `credentials.json` in the user's config directory
//! (`$SLUICE_CONFIG_DIR`, else `dirs::config_dir()/sluice`), written with mode 0600 in a
//! 0700 directory. It holds the server URL, the access token, when the token expires, who
//! logged in and the default project. The token is never printed: `Debug` redacts it.
//!
//! Also here: the project file (`.sluice.json` or Infisical's `.infisical.json`) that
//! names a project for a directory tree through its `workspaceId`.

use crate::error::{CliError, CliResult};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

const FILE_NAME: &str = "credentials.json";
/// Files that name the project of a directory (the first one found upwards wins).
pub const PROJECT_FILES: [&str; 2] = [".sluice.json", ".infisical.json"];

/// What `sluice login` stores.
#[derive(Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Credentials {
    /// The server's base URL (`http://127.0.0.1:8080`).
    pub url: String,
    pub access_token: String,
    /// Unix seconds when the token stops working.
    pub expires_at: Option<i64>,
    /// `universal-auth`, `oidc-auth` or `user`.
    pub method: String,
    /// The client id or the email that logged in.
    pub subject: String,
    /// The default project (id), chosen at login.
    pub project_id: Option<String>,
    /// Its slug, for messages.
    pub project_slug: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("url", &self.url)
            .field("method", &self.method)
            .field("subject", &self.subject)
            .field("project_id", &self.project_id)
            .finish_non_exhaustive()
    }
}

/// The directory holding the stored login.
pub fn config_dir() -> CliResult<PathBuf> {
    if let Some(dir) = std::env::var_os("SLUICE_CONFIG_DIR").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    dirs::config_dir().map(|d| d.join("sluice")).ok_or_else(|| {
        CliError::usage("cannot find a config directory for the stored login")
            .with_hint("set SLUICE_CONFIG_DIR to a directory, or HOME")
    })
}

pub fn credentials_path() -> CliResult<PathBuf> {
    Ok(config_dir()?.join(FILE_NAME))
}

/// The stored login, if any. A file that cannot be read is an error (not "logged out").
pub fn load() -> CliResult<Option<Credentials>> {
    let path = credentials_path()?;
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(CliError::failed(format!("cannot read {}: {e}", path.display())));
        }
    };
    serde_json::from_str(&text).map(Some).map_err(|e| {
        CliError::failed(format!("{} is not a valid login file: {e}", path.display()))
            .with_hint("run `sluice login` again to replace it")
    })
}

/// Stores the login: the directory is made 0700 and the file 0600 before the token is written.
pub fn save(creds: &Credentials) -> CliResult<PathBuf> {
    let dir = config_dir()?;
    let path = dir.join(FILE_NAME);
    let fail =
        |what: &str, p: &Path, e: std::io::Error| CliError::failed(format!("cannot {what} {}: {e}", p.display()));
    std::fs::create_dir_all(&dir).map_err(|e| fail("create", &dir, e))?;
    restrict_dir(&dir).map_err(|e| fail("protect", &dir, e))?;
    let text = serde_json::to_string_pretty(creds).map_err(|e| CliError::failed(e.to_string()))?;
    let tmp = dir.join(format!(".{FILE_NAME}.{}", std::process::id()));
    write_private(&tmp, text.as_bytes()).map_err(|e| fail("write", &tmp, e))?;
    std::fs::rename(&tmp, &path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        fail("replace", &path, e)
    })?;
    Ok(path)
}

/// Removes the stored login; true when there was one.
pub fn remove() -> CliResult<bool> {
    let path = credentials_path()?;
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(CliError::failed(format!("cannot remove {}: {e}", path.display()))),
    }
}

/// Writes a file only its owner can read (mode 0600, also when it existed before).
#[cfg(unix)]
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let mut file = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(path)?;
    // The mode above applies only to new files; make sure of it either way.
    file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(not(unix))]
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}

#[cfg(unix)]
fn restrict_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
}

#[cfg(not(unix))]
fn restrict_dir(_dir: &Path) -> std::io::Result<()> {
    Ok(())
}

/// A project file's contents (only the field Sluice reads).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProjectFile {
    workspace_id: Option<String>,
}

/// The project named by the nearest `.sluice.json` or `.infisical.json`, from `start` upwards,
/// with the file it came from.
pub fn project_from_files(start: &Path) -> CliResult<Option<(String, PathBuf)>> {
    for dir in start.ancestors() {
        for name in PROJECT_FILES {
            let path = dir.join(name);
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let file: ProjectFile = serde_json::from_str(&text).map_err(|e| {
                CliError::usage(format!("{} is not valid JSON: {e}", path.display()))
                    .with_hint("it should look like {\"workspaceId\": \"<project id>\"}")
            })?;
            if let Some(id) = file.workspace_id.filter(|id| !id.trim().is_empty()) {
                return Ok(Some((id.trim().to_string(), path)));
            }
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_token() {
        let c = Credentials { access_token: "tok-123".into(), ..Default::default() };
        assert!(!format!("{c:?}").contains("tok-123"));
    }

    #[test]
    fn project_file_is_found_upwards_and_sluice_wins() {
        let dir = tempfile::tempdir().expect("tempdir");
        let nested = dir.path().join("a/b");
        std::fs::create_dir_all(&nested).expect("mkdir");
        assert!(project_from_files(&nested).expect("ok").is_none());
        std::fs::write(dir.path().join(".infisical.json"), r#"{"workspaceId":"inf"}"#).expect("write");
        assert_eq!(project_from_files(&nested).expect("ok").expect("found").0, "inf");
        std::fs::write(dir.path().join(".sluice.json"), r#"{"workspaceId":"slc"}"#).expect("write");
        assert_eq!(project_from_files(&nested).expect("ok").expect("found").0, "slc");
        std::fs::write(nested.join(".infisical.json"), "not json").expect("write");
        assert!(project_from_files(&nested).is_err());
    }
}
