//! The Add Sync wizard's state: every field of every step travels in the form (hidden
//! fields for the steps not shown) and in each step's address ([`WizardForm::step_url`]),
//! so the wizard needs no server-side session, works without JavaScript, and survives
//! Back, Forward and reload. The state becomes the API's create body ([`WizardForm::body`]),
//! and the API's own parser decides what is valid; each problem goes back to its step.

use super::page::FormErrors;
use serde::Deserialize;
use sluice_api_types::syncs::{RailwayDestinationIn, RailwaySyncIn, SyncOptionsIn};

/// The wizard's steps after picking Railway, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Source,
    Destination,
    Options,
    Details,
    Review,
}

pub const STEPS: [Step; 5] = [Step::Source, Step::Destination, Step::Options, Step::Details, Step::Review];

impl Step {
    pub fn parse(raw: &str) -> Step {
        STEPS.into_iter().find(|s| s.slug() == raw).unwrap_or(Step::Source)
    }

    pub fn slug(self) -> &'static str {
        match self {
            Step::Source => "source",
            Step::Destination => "destination",
            Step::Options => "options",
            Step::Details => "details",
            Step::Review => "review",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Step::Source => "Source",
            Step::Destination => "Destination",
            Step::Options => "Sync options",
            Step::Details => "Details",
            Step::Review => "Review",
        }
    }

    fn index(self) -> usize {
        STEPS.iter().position(|s| *s == self).unwrap_or(0)
    }

    pub fn next(self) -> Step {
        STEPS.get(self.index() + 1).copied().unwrap_or(Step::Review)
    }

    pub fn prev(self) -> Step {
        self.index().checked_sub(1).and_then(|i| STEPS.get(i).copied()).unwrap_or(Step::Source)
    }

    pub fn is_before(self, other: Step) -> bool {
        self.index() < other.index()
    }

    /// The step where a form field is edited.
    pub fn of_field(field: &str) -> Step {
        match field {
            "environment" | "secret_path" | "tag_slugs" => Step::Source,
            "connection_id" | "rw_project" | "rw_environment" | "rw_service" => Step::Destination,
            "initial_behavior" | "key_schema" | "auto_sync" | "disable_deletion" | "redeploy" | "delete_only_owned"
            | "drift_policy" => Step::Options,
            _ => Step::Details,
        }
    }
}

/// API field paths → wizard fields (the more specific first).
pub const FIELDS: [(&str, &str); 14] = [
    ("body.environment", "environment"),
    ("body.secretPath", "secret_path"),
    ("body.syncOptions.tagSlugs", "tag_slugs"),
    ("body.connectionId", "connection_id"),
    ("body.destinationConfig.projectId", "rw_project"),
    ("body.destinationConfig.environmentId", "rw_environment"),
    ("body.destinationConfig.serviceId", "rw_service"),
    ("body.destinationConfig", "rw_project"),
    ("body.syncOptions.initialSyncBehavior", "initial_behavior"),
    ("body.syncOptions.keySchema", "key_schema"),
    ("body.syncOptions.driftPolicy", "drift_policy"),
    ("body.syncOptions", "initial_behavior"),
    ("body.name", "name"),
    ("body.description", "description"),
];

/// Everything the wizard has been told so far.
#[derive(Deserialize, Clone, Debug, Default)]
pub struct WizardForm {
    /// The step the form was posted from.
    #[serde(default)]
    pub step: String,
    /// `next`, `back`, `load` (refresh the Railway pickers) or `create`.
    #[serde(default)]
    pub go: String,
    #[serde(default)]
    pub environment: String,
    #[serde(default)]
    pub secret_path: String,
    #[serde(default)]
    pub connection_id: String,
    #[serde(default)]
    pub rw_project: String,
    #[serde(default)]
    pub rw_project_name: String,
    #[serde(default)]
    pub rw_environment: String,
    #[serde(default)]
    pub rw_environment_name: String,
    #[serde(default)]
    pub rw_service: String,
    #[serde(default)]
    pub rw_service_name: String,
    #[serde(default)]
    pub initial_behavior: String,
    #[serde(default)]
    pub key_schema: String,
    /// The source's tag filter: slugs separated by commas (empty: every secret).
    #[serde(default)]
    pub tag_slugs: String,
    /// `true`/`false` in hidden fields; on the options step, a checkbox (absent = off).
    #[serde(default)]
    pub auto_sync: Option<String>,
    #[serde(default)]
    pub disable_deletion: Option<String>,
    /// `true` = redeploy policy `affected`, `false` = `none`.
    #[serde(default)]
    pub redeploy: Option<String>,
    /// `true` = delete only keys the sync wrote.
    #[serde(default)]
    pub delete_only_owned: Option<String>,
    /// `report`, `heal` or `adopt`.
    #[serde(default)]
    pub drift_policy: String,
    /// Set by the options step's form, whose checkboxes say "off" by being absent.
    #[serde(default)]
    pub options_posted: Option<String>,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
}

impl WizardForm {
    /// The address of this wizard's destination step with the source chosen so far: where
    /// adding a connection from the wizard comes back to.
    pub fn resume_url(&self, project_id: &str) -> String {
        let q = |v: &str| percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC).to_string();
        format!(
            "/projects/{project_id}/syncs/new/railway?step=destination&environment={}&secret_path={}&tag_slugs={}",
            q(&self.environment),
            q(&self.secret_path),
            q(&self.tag_slugs)
        )
    }

    /// The address of `step` with this draft in its query: every step is its own page,
    /// reached by GET, so Back, Forward and reload keep what was entered. The wizard holds
    /// no secret value and no token (a connection is named by its id).
    pub fn step_url(&self, project_id: &str, step: Step) -> String {
        let flag = |on: bool| if on { "true" } else { "false" };
        let pairs = [
            ("environment", self.environment.as_str()),
            ("secret_path", self.secret_path.as_str()),
            ("tag_slugs", self.tag_slugs.as_str()),
            ("connection_id", self.connection_id.as_str()),
            ("rw_project", self.rw_project.as_str()),
            ("rw_project_name", self.rw_project_name.as_str()),
            ("rw_environment", self.rw_environment.as_str()),
            ("rw_environment_name", self.rw_environment_name.as_str()),
            ("rw_service", self.rw_service.as_str()),
            ("rw_service_name", self.rw_service_name.as_str()),
            ("initial_behavior", self.initial_behavior.as_str()),
            ("key_schema", self.key_schema.as_str()),
            ("auto_sync", flag(self.auto_sync_on())),
            ("disable_deletion", flag(self.deletion_disabled())),
            ("redeploy", flag(self.redeploy_on())),
            ("delete_only_owned", flag(self.owned_only())),
            ("drift_policy", self.drift_policy.as_str()),
            ("name", self.name.as_str()),
            ("description", self.description.as_str()),
        ];
        // Empty fields are left out (they read back as empty), except the path, whose
        // absence means "the root".
        let kept: Vec<(&str, &str)> = std::iter::once(("step", step.slug()))
            .chain(pairs.into_iter().filter(|(k, v)| !v.is_empty() || *k == "secret_path"))
            .collect();
        let query = serde_urlencoded::to_string(&kept).unwrap_or_default();
        format!("/projects/{project_id}/syncs/new/railway?{query}")
    }

    /// The draft a step's address carries (see [`WizardForm::step_url`]), with the step
    /// it shows; a missing path is the root, an unknown environment the first one, and a
    /// query without a step is a fresh wizard at the Source step.
    pub fn from_query(query: &str, environments: &[&str]) -> (WizardForm, Step) {
        let first = environments.first().copied().unwrap_or_default();
        let parsed: Option<WizardForm> = serde_urlencoded::from_str(query).ok();
        let Some(mut w) = parsed.filter(|w| !w.step.is_empty()) else {
            return (WizardForm::fresh(first), Step::Source);
        };
        let step = Step::parse(&w.step);
        if !environments.contains(&w.environment.as_str()) {
            w.environment = first.to_string();
        }
        if !form_urlencoded::parse(query.as_bytes()).any(|(k, _)| k == "secret_path") {
            w.secret_path = "/".to_string();
        }
        w.step = step.slug().to_string();
        w.go.clear();
        w.options_posted = None;
        w.normalize();
        (w, step)
    }

    /// A name for the sync from where it writes (`shop-api-production`: Railway project,
    /// service or `shared`, environment), in the lowercase-and-dashes form names take;
    /// empty when no destination is chosen yet.
    pub fn suggested_name(&self) -> String {
        let service = if self.rw_service.is_empty() { "shared" } else { self.rw_service_name.as_str() };
        let words = [self.rw_project_name.as_str(), service, self.rw_environment_name.as_str()];
        if words.iter().any(|w| w.trim().is_empty()) {
            return String::new();
        }
        let mut name = String::new();
        for c in words.join("-").to_lowercase().chars() {
            let c = if c.is_ascii_alphanumeric() { c } else { '-' };
            if !(c == '-' && (name.is_empty() || name.ends_with('-'))) {
                name.push(c);
            }
        }
        let name: String = name.chars().take(64).collect();
        name.trim_end_matches('-').to_string()
    }

    /// A fresh wizard: root folder, overwrite, auto-sync on, deletion on.
    pub fn fresh(environment: &str) -> WizardForm {
        WizardForm {
            environment: environment.to_string(),
            secret_path: "/".to_string(),
            initial_behavior: "overwrite-destination".to_string(),
            auto_sync: Some("true".to_string()),
            disable_deletion: Some("false".to_string()),
            redeploy: Some("true".to_string()),
            delete_only_owned: Some("true".to_string()),
            drift_policy: "report".to_string(),
            ..Default::default()
        }
    }

    /// Reads the checkboxes of the options step (absent means off there) and fills
    /// defaults for a wizard that has not reached it.
    pub fn normalize(&mut self) {
        let posted = self.options_posted.is_some() && Step::parse(&self.step) == Step::Options;
        let flag = |v: &Option<String>, default: bool| match v.as_deref() {
            Some("true") | Some("on") => true,
            Some(_) => false,
            None if posted => false,
            None => default,
        };
        let auto = flag(&self.auto_sync, true);
        let keep = flag(&self.disable_deletion, false);
        let redeploy = flag(&self.redeploy, true);
        let owned = flag(&self.delete_only_owned, true);
        self.delete_only_owned = Some(owned.to_string());
        if self.drift_policy.trim().is_empty() {
            self.drift_policy = "report".to_string();
        }
        self.auto_sync = Some(auto.to_string());
        self.disable_deletion = Some(keep.to_string());
        self.redeploy = Some(redeploy.to_string());
        self.options_posted = None;
        if self.initial_behavior.is_empty() {
            self.initial_behavior = "overwrite-destination".to_string();
        }
    }

    pub fn auto_sync_on(&self) -> bool {
        self.auto_sync.as_deref() == Some("true")
    }

    pub fn deletion_disabled(&self) -> bool {
        self.disable_deletion.as_deref() == Some("true")
    }

    /// Redeploy policy `affected` (on) or `none`.
    pub fn redeploy_on(&self) -> bool {
        self.redeploy.as_deref() != Some("false")
    }

    /// Deletes only keys the sync wrote.
    pub fn owned_only(&self) -> bool {
        self.delete_only_owned.as_deref() != Some("false")
    }

    /// The tag filter as a list of slugs.
    pub fn tag_list(&self) -> Vec<String> {
        self.tag_slugs.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
    }

    /// Shared variables (no service chosen).
    pub fn shared(&self) -> bool {
        self.rw_service.trim().is_empty()
    }

    /// The API's create body for this state.
    pub fn body(&self, project_id: &str) -> RailwaySyncIn {
        let opt = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        RailwaySyncIn {
            name: Some(self.name.trim().to_string()),
            project_id: Some(project_id.to_string()),
            description: opt(&self.description),
            connection_id: Some(self.connection_id.trim().to_string()),
            environment: Some(self.environment.trim().to_string()),
            secret_path: Some(self.secret_path.trim().to_string()),
            is_auto_sync_enabled: Some(self.auto_sync_on()),
            is_enabled: None,
            sync_options: Some(SyncOptionsIn {
                initial_sync_behavior: Some(self.initial_behavior.clone()),
                key_schema: opt(&self.key_schema),
                disable_secret_deletion: Some(self.deletion_disabled()),
                redeploy_policy: Some(if self.redeploy_on() { "affected" } else { "none" }.to_string()),
                delete_only_owned: Some(self.owned_only()),
                drift_policy: opt(&self.drift_policy),
                auto_sync_enabled: None,
                tag_slugs: Some(self.tag_list()),
                ..Default::default()
            }),
            destination_config: Some(RailwayDestinationIn {
                project_id: Some(self.rw_project.trim().to_string()),
                project_name: Some(self.rw_project_name.clone()),
                environment_id: Some(self.rw_environment.trim().to_string()),
                environment_name: Some(self.rw_environment_name.clone()),
                service_id: opt(&self.rw_service),
                service_name: opt(&self.rw_service).and(opt(&self.rw_service_name)),
            }),
        }
    }
}

/// Keeps only the errors of one step (the API parser reports every field at once, and
/// later steps are not filled in yet).
pub fn errors_of_step(errors: FormErrors, step: Step) -> FormErrors {
    let fields: Vec<(String, String)> = errors.fields.into_iter().filter(|(f, _)| Step::of_field(f) == step).collect();
    let general = if fields.is_empty() { None } else { errors.general };
    FormErrors { general, fields }
}

/// The earliest step with a problem (where a failed create sends the person back to).
pub fn first_step_with_errors(errors: &FormErrors) -> Option<Step> {
    STEPS.into_iter().find(|s| errors.fields.iter().any(|(f, _)| Step::of_field(f) == *s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_go_forward_and_back() {
        assert_eq!(Step::Source.next(), Step::Destination);
        assert_eq!(Step::Review.next(), Step::Review);
        assert_eq!(Step::Source.prev(), Step::Source);
        assert_eq!(Step::parse("options").prev(), Step::Destination);
        assert_eq!(Step::parse("nonsense"), Step::Source);
    }

    #[test]
    fn options_checkboxes_read_absent_as_off_only_on_their_step() {
        let mut f = WizardForm { step: "options".into(), options_posted: Some("1".into()), ..Default::default() };
        f.normalize();
        assert!(!f.auto_sync_on());
        let mut g = WizardForm { step: "details".into(), ..Default::default() };
        g.normalize();
        assert!(g.auto_sync_on());
        assert!(!g.deletion_disabled());
    }

    #[test]
    fn the_body_leaves_out_an_empty_service() {
        let mut f = WizardForm::fresh("dev");
        f.rw_service_name = "stale".into();
        let body = f.body("p");
        let d = body.destination_config.expect("destination");
        assert_eq!(d.service_id, None);
        assert_eq!(d.service_name, None);
    }

    #[test]
    fn a_steps_address_carries_the_draft_back() {
        let mut w = WizardForm::fresh("dev");
        w.secret_path = "/app & co".into();
        w.connection_id = "c1".into();
        w.key_schema = "SHOP_{{secretKey}}".into();
        w.auto_sync = Some("false".into());
        w.name = "shop api".into();
        let url = w.step_url("p1", Step::Details);
        let (path, query) = url.split_once('?').expect("query");
        assert_eq!(path, "/projects/p1/syncs/new/railway");
        assert!(query.starts_with("step=details&"), "{query}");
        assert!(!query.contains("rw_service="), "empty fields are left out: {query}");
        let (back, step) = WizardForm::from_query(query, &["dev", "prod"]);
        assert_eq!(step, Step::Details);
        assert_eq!(
            (back.secret_path.as_str(), back.connection_id.as_str(), back.key_schema.as_str(), back.name.as_str()),
            ("/app & co", "c1", "SHOP_{{secretKey}}", "shop api")
        );
        assert!(!back.auto_sync_on() && back.redeploy_on() && back.owned_only());
    }

    #[test]
    fn an_address_without_a_step_or_with_strange_values_starts_safely() {
        let table = [
            ("", Step::Source, "dev", "/"),
            ("step=options&environment=nope", Step::Options, "dev", "/"),
            ("step=destination&environment=prod&secret_path=%2Fa", Step::Destination, "prod", "/a"),
            ("step=bogus&secret_path=", Step::Source, "dev", ""),
        ];
        for (query, step, env, path) in table {
            let (w, s) = WizardForm::from_query(query, &["dev", "prod"]);
            assert_eq!((s, w.environment.as_str(), w.secret_path.as_str()), (step, env, path), "{query}");
            assert!(w.auto_sync_on(), "{query}: defaults apply");
        }
    }

    #[test]
    fn the_suggested_name_follows_the_destination() {
        let with = |project: &str, service: (&str, &str), env: &str| WizardForm {
            rw_project_name: project.to_string(),
            rw_service: service.0.to_string(),
            rw_service_name: service.1.to_string(),
            rw_environment_name: env.to_string(),
            ..WizardForm::default()
        };
        let table = [
            (with("shop", ("svc-1", "api"), "production"), "shop-api-production"),
            (with("Shop Co.", ("svc-1", "API Server"), "Staging"), "shop-co-api-server-staging"),
            (with("shop", ("", ""), "production"), "shop-shared-production"),
            (with("", ("svc-1", "api"), "production"), ""),
            (with("shop", ("svc-1", "api"), ""), ""),
        ];
        for (w, expected) in table {
            assert_eq!(w.suggested_name(), expected);
        }
        assert!(with(&"x".repeat(100), ("s", "api"), "prod").suggested_name().len() <= 64);
    }
}
