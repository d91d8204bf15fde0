//! What the wizard's and the edit page's steps show beside their fields: the project's
//! folders to pick the secret path from (per environment; typing stays allowed), and at the
//! options step a preview of the key schema — each source secret's name at Railway, and the
//! Railway variables the schema would leave alone — from a live read of both sides (names
//! only, never values). The page's script redraws the preview as the schema is typed.

use super::guard::Signed;
use super::page::UiResult;
use super::wizard_form::{Step, WizardForm};
use crate::error::ApiError;
use crate::features::folders::service as folders;
use crate::features::syncs::actions;
use crate::state::AppState;
use sluice_api_types::folders::FoldersQuery;
use sluice_api_types::projects::ProjectOut;
use sluice_api_types::runs::{EntryAction, PlanOut};

/// An environment's folders, for the path picker.
pub struct FolderChoices {
    pub environment: String,
    pub paths: Vec<String>,
}

/// The key schema applied to the source's secrets and to the destination's variables.
#[derive(Default)]
pub struct SchemaPreview {
    /// Source key → variable name at Railway, for the first [`SHOWN`] keys.
    pub rows: Vec<(String, String)>,
    /// Source keys not shown.
    pub more: usize,
    /// Railway variables the schema does not match: Sluice leaves them alone.
    pub unmanaged: Vec<String>,
    /// Every source key and every ordinary Railway variable name, as JSON for the script.
    pub source_keys_json: String,
    pub destination_keys_json: String,
    /// The source environment's slug (`{{environment}}`).
    pub environment: String,
    /// Why the preview could not be made (Railway unreachable, …).
    pub error: Option<String>,
}

/// Rows of the preview shown before "and N more".
pub const SHOWN: usize = 8;

/// The extras of one step.
#[derive(Default)]
pub struct StepExtras {
    pub folders: Vec<FolderChoices>,
    pub schema: Option<SchemaPreview>,
}

/// Loads what `step` shows: folders on the source step, the schema preview on the options
/// step (when the source and destination are chosen).
pub async fn load(
    state: &AppState,
    signed: &Signed,
    project: &ProjectOut,
    w: &WizardForm,
    step: Step,
) -> UiResult<StepExtras> {
    let mut extras = StepExtras::default();
    match step {
        Step::Source => {
            for env in &project.environments {
                let q = FoldersQuery {
                    workspace_id: Some(project.id.clone()),
                    environment: Some(env.slug.clone()),
                    path: Some("/".into()),
                    recursive: Some("true".into()),
                    ..Default::default()
                };
                let mut paths = vec!["/".to_string()];
                paths.extend(folders::list(state, &signed.actor, &q).await?.into_iter().map(|f| f.path));
                extras.folders.push(FolderChoices { environment: env.slug.clone(), paths });
            }
        }
        Step::Options if !w.connection_id.is_empty() && !w.rw_environment.is_empty() => {
            extras.schema = Some(match actions::plan_unsaved(state, &signed.actor, &w.body(&project.id)).await {
                Ok(plan) => preview(&plan, &w.environment),
                Err(e @ ApiError::Internal(_)) => return Err(e.into()),
                Err(e) => SchemaPreview { error: Some(e.to_string()), ..Default::default() },
            });
        }
        _ => {}
    }
    Ok(extras)
}

/// The preview of a plan made with the schema as it stands.
pub fn preview(plan: &PlanOut, environment: &str) -> SchemaPreview {
    let mapped: Vec<(String, String)> =
        plan.entries.iter().filter_map(|e| e.source_key.clone().map(|s| (s, e.key.clone()))).collect();
    let reason = |e: &sluice_api_types::runs::PlanEntryOut| e.reason.as_deref().unwrap_or("").to_string();
    // Ordinary variables that exist at Railway: written over, kept, deleted, or left alone
    // for a reason other than what they are (sealed, provided, configuration).
    let existing: Vec<String> = plan
        .entries
        .iter()
        .filter(|e| match e.action {
            EntryAction::Create => false,
            EntryAction::Update | EntryAction::Unchanged | EntryAction::Delete => true,
            EntryAction::Skip => {
                matches!(reason(e).as_str(), "unmanaged" | "not-owned" | "deletion-disabled" | "filtered-by-tags")
            }
        })
        .map(|e| e.key.clone())
        .collect();
    let unmanaged = plan.entries.iter().filter(|e| reason(e) == "unmanaged").map(|e| e.key.clone()).collect();
    let sources: Vec<&String> = mapped.iter().map(|(s, _)| s).collect();
    SchemaPreview {
        more: mapped.len().saturating_sub(SHOWN),
        rows: mapped.iter().take(SHOWN).cloned().collect(),
        unmanaged,
        source_keys_json: serde_json::to_string(&sources).unwrap_or_else(|_| "[]".into()),
        destination_keys_json: serde_json::to_string(&existing).unwrap_or_else(|_| "[]".into()),
        environment: environment.to_string(),
        error: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sluice_api_types::runs::PlanEntryOut;

    fn entry(key: &str, source: Option<&str>, action: EntryAction, reason: Option<&str>) -> PlanEntryOut {
        PlanEntryOut {
            key: key.into(),
            source_key: source.map(Into::into),
            action,
            reason: reason.map(Into::into),
            detail: None,
            configures: false,
        }
    }

    #[test]
    fn the_preview_maps_source_keys_and_lists_what_the_schema_leaves_alone() {
        let plan = PlanOut {
            entries: vec![
                entry("SHOP_API_KEY", Some("API_KEY"), EntryAction::Create, None),
                entry("SHOP_DB", Some("DB"), EntryAction::Update, None),
                entry("SHOP_OLD", None, EntryAction::Delete, None),
                entry("HAND_MADE", None, EntryAction::Skip, Some("unmanaged")),
                entry("SEALED_ONE", None, EntryAction::Skip, Some("sealed")),
                entry("RAILWAY_PUBLIC_DOMAIN", None, EntryAction::Skip, Some("provided")),
            ],
            ..Default::default()
        };
        let p = preview(&plan, "dev");
        assert_eq!(p.rows, [("API_KEY".into(), "SHOP_API_KEY".into()), ("DB".into(), "SHOP_DB".into())]);
        assert_eq!(p.more, 0);
        assert_eq!(p.unmanaged, ["HAND_MADE"]);
        assert_eq!(p.source_keys_json, r#"["API_KEY","DB"]"#);
        assert_eq!(
            p.destination_keys_json, r#"["SHOP_DB","SHOP_OLD","HAND_MADE"]"#,
            "sealed and provided are not the schema's"
        );
    }

    #[test]
    fn only_the_first_rows_are_shown() {
        let entries = (0..11).map(|i| entry(&format!("K{i}"), Some(&format!("K{i}")), EntryAction::Create, None));
        let p = preview(&PlanOut { entries: entries.collect(), ..Default::default() }, "dev");
        assert_eq!((p.rows.len(), p.more), (SHOWN, 3));
    }
}
