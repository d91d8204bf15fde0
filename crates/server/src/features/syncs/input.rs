//! Parsing sync request bodies into domain types, once, at the edge.
//!
//! Every field is checked and every problem reported together in one 422, each naming
//! its field (`body.syncOptions.keySchema`) and the rule, with Infisical's messages
//! where it has one. The docs' sample spellings (`isEnabled`,
//! `syncOptions.autoSyncEnabled`) are accepted next to `isAutoSyncEnabled`; when two of
//! them disagree the request is refused naming both.

use crate::error::{ApiError, ApiResult, FieldError};
use crate::features::connections::service::parse_description;
use sluice_api_types::syncs::{RailwayDestinationIn, RailwaySyncIn, RailwaySyncPatch, SyncOptionsIn};
use sluice_domain::sync_config::MAX_DRIFT_MINUTES;
use sluice_domain::{
    ConnectionId, DeletionGuard, FolderPath, NameError, RailwayDestination, Slug, SluiceOptions, SyncOptions,
};

/// Longest sync name.
pub const NAME_MAX: usize = 256;
/// Longest environment slug.
pub const ENVIRONMENT_MAX: usize = 64;

/// A validated create body.
#[derive(Clone, Debug)]
pub struct NewSync {
    /// Required to create; optional for a plan preview (the name is chosen last in the UI).
    pub name: Option<Slug>,
    /// As sent (trimmed, non-empty); resolved by the service.
    pub project_id: String,
    pub description: Option<String>,
    pub connection_id: ConnectionId,
    pub environment: Slug,
    pub secret_path: FolderPath,
    pub auto_sync: bool,
    pub options: SyncOptions,
    pub destination: RailwayDestination,
}

/// A validated PATCH body: `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct SyncChanges {
    pub name: Option<Slug>,
    pub description: Option<Option<String>>,
    pub connection_id: Option<ConnectionId>,
    pub environment: Option<Slug>,
    pub secret_path: Option<FolderPath>,
    pub auto_sync: Option<bool>,
    pub options: Option<SyncOptions>,
    pub destination: Option<RailwayDestination>,
}

impl SyncChanges {
    /// Only the name or the description changes (nothing a sync run depends on).
    pub fn is_metadata_only(&self) -> bool {
        self.connection_id.is_none()
            && self.environment.is_none()
            && self.secret_path.is_none()
            && self.auto_sync.is_none()
            && self.options.is_none()
            && self.destination.is_none()
    }
}

/// Collects field errors so one response lists them all.
#[derive(Default)]
struct Problems(Vec<FieldError>);

impl Problems {
    fn take<T>(&mut self, r: Result<T, FieldError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(e);
                None
            }
        }
    }

    fn api<T>(&mut self, r: ApiResult<T>) -> ApiResult<Option<T>> {
        match r {
            Ok(v) => Ok(Some(v)),
            Err(ApiError::Validation { details, .. }) => {
                self.0.extend(details);
                Ok(None)
            }
            Err(other) => Err(other),
        }
    }

    fn finish(self) -> ApiResult<()> {
        if self.0.is_empty() { Ok(()) } else { Err(ApiError::invalid_fields(self.0)) }
    }
}

fn field(path: &str, message: impl Into<String>) -> FieldError {
    FieldError { path: path.to_string(), message: message.into() }
}

/// A domain refusal under `body.`.
fn body_field(e: NameError) -> FieldError {
    field(&format!("body.{}", e.field), e.message)
}

fn name(raw: Option<&str>) -> Result<Slug, FieldError> {
    Slug::parse(raw.unwrap_or(""), "name", NAME_MAX).map_err(|e| field("body.name", e.message))
}

fn environment(raw: Option<&str>) -> Result<Slug, FieldError> {
    Slug::parse(raw.unwrap_or(""), "environment", ENVIRONMENT_MAX).map_err(|e| field("body.environment", e.message))
}

fn secret_path(raw: Option<&str>) -> Result<FolderPath, FieldError> {
    let raw = raw.map(str::trim).unwrap_or("");
    if raw.is_empty() {
        return Err(field("body.secretPath", "Secret path required"));
    }
    FolderPath::parse_field(raw, "secretPath").map_err(body_field)
}

fn connection_id(raw: Option<&str>) -> Result<ConnectionId, FieldError> {
    let raw = raw.map(str::trim).unwrap_or("");
    if raw.is_empty() {
        return Err(field("body.connectionId", "Connection ID required"));
    }
    ConnectionId::parse(raw).ok_or_else(|| field("body.connectionId", format!("Invalid UUID \"{raw}\"")))
}

/// Sluice's own options as sent; what is not sent is `base`'s (a PATCH keeps the sync's, so
/// a client that does not know them, such as Infisical's, never resets them) or the default.
fn sluice_options<'a>(o: &'a SyncOptionsIn, base: Option<&'a SyncOptions>) -> Result<SluiceOptions<'a>, FieldError> {
    let interval = match o.drift_check_interval_minutes {
        Some(n) => Some(u32::try_from(n).map_err(|_| {
            field(
                "body.syncOptions.driftCheckIntervalMinutes",
                format!("must be 0 (no scheduled checks) or between 5 and {MAX_DRIFT_MINUTES} minutes, not {n}"),
            )
        })?),
        None => base.map(|b| b.drift_check_interval_minutes),
    };
    let guard = match &o.mass_deletion_guard {
        Some(g) => {
            let d = base.map(|b| b.mass_deletion_guard).unwrap_or_default();
            let percent = match g.percent {
                Some(p) => u8::try_from(p).ok().filter(|p| (1..=100).contains(p)).ok_or_else(|| {
                    field("body.syncOptions.massDeletionGuard.percent", format!("must be between 1 and 100, not {p}"))
                })?,
                None => d.percent,
            };
            let min_keys = match g.min_keys {
                Some(n) => u32::try_from(n).map_err(|_| {
                    field("body.syncOptions.massDeletionGuard.minKeys", format!("must be 0 or more, not {n}"))
                })?,
                None => d.min_keys,
            };
            Some(DeletionGuard { enabled: g.enabled.unwrap_or(d.enabled), percent, min_keys })
        }
        None => base.map(|b| b.mass_deletion_guard),
    };
    Ok(SluiceOptions {
        redeploy_policy: o.redeploy_policy.as_deref().or(base.map(|b| b.redeploy_policy.as_str())),
        delete_only_owned: o.delete_only_owned.or(base.map(|b| b.delete_only_owned)),
        drift_policy: o.drift_policy.as_deref().or(base.map(|b| b.drift_policy.as_str())),
        drift_check_interval_minutes: interval,
        mass_deletion_guard: guard,
        tag_slugs: o.tag_slugs.as_deref().or(base.map(|b| b.tag_slugs.as_slice())),
    })
}

fn options(raw: Option<&SyncOptionsIn>) -> Result<SyncOptions, FieldError> {
    options_over(raw, None)
}

/// `syncOptions` as sent over `base` (the sync's current options, for a PATCH).
pub fn options_over(raw: Option<&SyncOptionsIn>, base: Option<&SyncOptions>) -> Result<SyncOptions, FieldError> {
    let empty = SyncOptionsIn::default();
    let o = raw.unwrap_or(&empty);
    let Some(behavior) = o.initial_sync_behavior.as_deref().filter(|b| !b.trim().is_empty()) else {
        return Err(field(
            "body.syncOptions.initialSyncBehavior",
            "initialSyncBehavior is required: overwrite-destination, import-prioritize-source or import-prioritize-destination",
        ));
    };
    let more = sluice_options(o, base)?;
    SyncOptions::parse(behavior, o.key_schema.as_deref(), o.disable_secret_deletion, &more).map_err(body_field)
}

fn destination(raw: Option<&RailwayDestinationIn>) -> Result<RailwayDestination, FieldError> {
    let empty = RailwayDestinationIn::default();
    let d = raw.unwrap_or(&empty);
    let s = |v: &Option<String>| v.clone().unwrap_or_default();
    RailwayDestination::new(
        &s(&d.project_id),
        &s(&d.project_name),
        &s(&d.environment_id),
        &s(&d.environment_name),
        d.service_id.as_deref(),
        d.service_name.as_deref(),
    )
    .map_err(body_field)
}

/// The auto-sync flag from its three spellings; 422 naming both when two disagree.
fn auto_sync(
    is_auto: Option<bool>,
    is_enabled: Option<bool>,
    options: Option<&SyncOptionsIn>,
) -> ApiResult<Option<bool>> {
    let given: Vec<(&str, bool)> = [
        ("body.isAutoSyncEnabled", is_auto),
        ("body.isEnabled", is_enabled),
        ("body.syncOptions.autoSyncEnabled", options.and_then(|o| o.auto_sync_enabled)),
    ]
    .into_iter()
    .filter_map(|(p, v)| v.map(|v| (p, v)))
    .collect();
    let Some(&(first, value)) = given.first() else { return Ok(None) };
    if let Some(&(other, other_value)) = given.iter().find(|(_, v)| *v != value) {
        let message = format!(
            "{first} ({value}) and {other} ({other_value}) disagree: they are the same setting (auto-sync); send one of them"
        );
        return Err(ApiError::Validation {
            message,
            details: vec![
                field(first, format!("conflicts with {other}")),
                field(other, format!("conflicts with {first}")),
            ],
        });
    }
    Ok(Some(value))
}

/// Parses a create body (`require_name` false for a plan preview).
pub fn parse_create(body: &RailwaySyncIn, require_name: bool) -> ApiResult<NewSync> {
    let mut p = Problems::default();
    let name = match (&body.name, require_name) {
        (None, false) => None,
        (raw, _) => p.take(name(raw.as_deref())),
    };
    let project_id = body.project_id.as_deref().map(str::trim).unwrap_or("").to_string();
    if project_id.is_empty() {
        p.0.push(field("body.projectId", "Project ID required"));
    }
    let description = p.api(parse_description(body.description.as_deref(), "body.description"))?.flatten();
    let connection_id = p.take(connection_id(body.connection_id.as_deref()));
    let environment = p.take(environment(body.environment.as_deref()));
    let secret_path = p.take(secret_path(body.secret_path.as_deref()));
    let auto = auto_sync(body.is_auto_sync_enabled, body.is_enabled, body.sync_options.as_ref())?;
    let options = p.take(options(body.sync_options.as_ref()));
    let destination = p.take(destination(body.destination_config.as_ref()));
    p.finish()?;
    match (connection_id, environment, secret_path, options, destination) {
        (Some(connection_id), Some(environment), Some(secret_path), Some(options), Some(destination)) => Ok(NewSync {
            name,
            project_id,
            description,
            connection_id,
            environment,
            secret_path,
            auto_sync: auto.unwrap_or(true),
            options,
            destination,
        }),
        _ => Err(ApiError::internal("a refused field was not reported")),
    }
}

/// Parses a PATCH body.
pub fn parse_patch(body: &RailwaySyncPatch) -> ApiResult<SyncChanges> {
    let mut p = Problems::default();
    let changes = SyncChanges {
        name: body.name.as_deref().and_then(|n| p.take(name(Some(n)))),
        description: match &body.description {
            None => None,
            Some(d) => p.api(parse_description(d.as_deref(), "body.description"))?,
        },
        connection_id: body.connection_id.as_deref().and_then(|c| p.take(connection_id(Some(c)))),
        environment: body.environment.as_deref().and_then(|e| p.take(environment(Some(e)))),
        secret_path: body.secret_path.as_deref().and_then(|s| p.take(secret_path(Some(s)))),
        auto_sync: auto_sync(body.is_auto_sync_enabled, body.is_enabled, body.sync_options.as_ref())?,
        options: body.sync_options.as_ref().and_then(|o| p.take(options(Some(o)))),
        destination: body.destination_config.as_ref().and_then(|d| p.take(destination(Some(d)))),
    };
    p.finish()?;
    Ok(changes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> RailwaySyncIn {
        serde_json::from_value(serde_json::json!({
            "name": "my-railway-sync", "projectId": "p", "connectionId": "3c90c3cc-0d44-4b50-8888-8dd25736052a",
            "environment": "dev", "secretPath": "/my-secrets/",
            "syncOptions": {"initialSyncBehavior": "overwrite-destination"},
            "destinationConfig": {"projectId": "rp", "projectName": "", "environmentId": "re", "environmentName": ""}
        }))
        .expect("body")
    }

    #[test]
    fn defaults_and_trailing_slash() {
        let s = parse_create(&sample(), true).expect("valid");
        assert!(s.auto_sync);
        assert_eq!(s.secret_path.as_str(), "/my-secrets");
        assert!(s.destination.is_shared_variables());
    }

    #[test]
    fn all_problems_are_reported_together() {
        let mut b = sample();
        b.name = Some("Bad Name".into());
        b.sync_options = None;
        b.destination_config = None;
        let ApiError::Validation { details, .. } = parse_create(&b, true).expect_err("invalid") else { panic!() };
        let paths: Vec<_> = details.iter().map(|d| d.path.as_str()).collect();
        assert_eq!(paths, ["body.name", "body.syncOptions.initialSyncBehavior", "body.destinationConfig.projectId"]);
        assert_eq!(details[2].message, "Railway project ID required");
    }

    #[test]
    fn auto_sync_spellings_must_agree() {
        assert_eq!(auto_sync(None, Some(false), None).expect("ok"), Some(false));
        let opts = SyncOptionsIn { auto_sync_enabled: Some(true), ..Default::default() };
        assert_eq!(auto_sync(Some(true), Some(true), Some(&opts)).expect("ok"), Some(true));
        let err =
            auto_sync(Some(true), None, Some(&SyncOptionsIn { auto_sync_enabled: Some(false), ..Default::default() }))
                .expect_err("conflict");
        let msg = err.to_string();
        assert!(msg.contains("body.isAutoSyncEnabled") && msg.contains("body.syncOptions.autoSyncEnabled"), "{msg}");
    }

    #[test]
    fn metadata_only_patch() {
        let c = parse_patch(&RailwaySyncPatch { name: Some("x".into()), ..Default::default() }).expect("ok");
        assert!(c.is_metadata_only());
        let c = parse_patch(&RailwaySyncPatch { is_auto_sync_enabled: Some(true), ..Default::default() }).expect("ok");
        assert!(!c.is_metadata_only());
    }
}
