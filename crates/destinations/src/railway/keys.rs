//! Railway's special variable names ([`RailwayKeys`]), from Railway's variables reference
//! (docs `variables/reference.md`, "Railway-provided variables" and "User-provided
//! configuration variables"):
//!
//! - **Provided**: Railway sets them on every build and deployment (`RAILWAY_PUBLIC_DOMAIN`,
//!   `RAILWAY_DEPLOYMENT_ID`, the `RAILWAY_GIT_*` set, …). A sync never writes or deletes
//!   them: a stored variable of the same name would shadow Railway's value.
//! - **Configuration**: documented as set by users to configure Railway
//!   (`RAILWAY_DOCKERFILE_PATH`, `RAILWAY_HEALTHCHECK_TIMEOUT_SEC`, …). Synced when the source
//!   holds them, and marked in the plan, because they change how Railway builds or runs the
//!   service.
//! - Any other `RAILWAY_*` name counts as provided: Railway adds names over time (the
//!   deprecated `RAILWAY_STATIC_URL` was one), and a name it may own is safer left alone.
//!   Infisical's sync skips the whole prefix on import for the same reason.

use sluice_domain::{KeyClass, KeyRules};

/// The documented Railway-provided variables (17 plus the six `RAILWAY_GIT_*`).
pub const PROVIDED: &[&str] = &[
    "RAILWAY_PUBLIC_DOMAIN",
    "RAILWAY_PRIVATE_DOMAIN",
    "RAILWAY_TCP_PROXY_DOMAIN",
    "RAILWAY_TCP_PROXY_PORT",
    "RAILWAY_TCP_APPLICATION_PORT",
    "RAILWAY_PROJECT_NAME",
    "RAILWAY_PROJECT_ID",
    "RAILWAY_ENVIRONMENT_NAME",
    "RAILWAY_ENVIRONMENT_ID",
    "RAILWAY_SERVICE_NAME",
    "RAILWAY_SERVICE_ID",
    "RAILWAY_REPLICA_ID",
    "RAILWAY_REPLICA_REGION",
    "RAILWAY_DEPLOYMENT_ID",
    "RAILWAY_SNAPSHOT_ID",
    "RAILWAY_VOLUME_NAME",
    "RAILWAY_VOLUME_MOUNT_PATH",
    "RAILWAY_GIT_COMMIT_SHA",
    "RAILWAY_GIT_AUTHOR",
    "RAILWAY_GIT_BRANCH",
    "RAILWAY_GIT_REPO_NAME",
    "RAILWAY_GIT_REPO_OWNER",
    "RAILWAY_GIT_COMMIT_MESSAGE",
];

/// The documented user-settable configuration variables.
pub const CONFIGURATION: &[&str] = &[
    "RAILWAY_DEPLOYMENT_OVERLAP_SECONDS",
    "RAILWAY_DOCKERFILE_PATH",
    "RAILWAY_HEALTHCHECK_TIMEOUT_SEC",
    "RAILWAY_DEPLOYMENT_DRAINING_SECONDS",
    "RAILWAY_RUN_UID",
    "RAILWAY_SHM_SIZE_BYTES",
];

const PREFIX: &str = "RAILWAY_";

/// Railway's rules for variable names.
#[derive(Clone, Copy, Debug, Default)]
pub struct RailwayKeys;

impl KeyRules for RailwayKeys {
    fn classify(&self, key: &str) -> KeyClass {
        if PROVIDED.contains(&key) {
            KeyClass::Provided
        } else if CONFIGURATION.contains(&key) {
            KeyClass::Configuration
        } else if key.starts_with(PREFIX) {
            KeyClass::Provided
        } else {
            KeyClass::Ordinary
        }
    }

    fn configuration_note(&self) -> &'static str {
        "a Railway configuration variable: changes how Railway builds or runs the service"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provided_configuration_and_ordinary_names() {
        for name in PROVIDED {
            assert_eq!(RailwayKeys.classify(name), KeyClass::Provided, "{name}");
        }
        for name in CONFIGURATION {
            assert_eq!(RailwayKeys.classify(name), KeyClass::Configuration, "{name}");
        }
        assert_eq!(PROVIDED.len(), 23);
        assert_eq!(RailwayKeys.classify("RAILWAY_STATIC_URL"), KeyClass::Provided, "unknown names are Railway's");
        assert_eq!(RailwayKeys.classify("DATABASE_URL"), KeyClass::Ordinary);
        assert_eq!(RailwayKeys.classify("MY_RAILWAY_URL"), KeyClass::Ordinary);
        assert_eq!(RailwayKeys.classify("railway_dockerfile_path"), KeyClass::Ordinary, "names are case-sensitive");
    }
}
