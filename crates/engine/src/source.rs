//! The source side of a sync: the secrets of its environment and folder (imports
//! resolved, references expanded), and the folders that feed them. A key whose value holds
//! a reference that does not resolve is kept in the map but marked broken
//! ([`Source::broken`]): the planner holds it back (never pushed, never deleted), so a
//! broken value never reaches the destination and the rest still syncs.

use super::error::EngineError;
use super::spec::SyncSpec;
use crate::Engine;
use sluice_core::audit::{self, AuditActor, AuditEvent};
use sluice_core::secrets::ops::{self, NewSecret, SecretUpdate};
use sluice_core::secrets::{Env, ResolveOptions, SecretWrite, resolve_folder, resolve_folder_of};
use sluice_domain::planner::Desired;
use sluice_domain::{EnvironmentId, FolderPath, ImportPlan, SecretKey, SecretValue};
use sluice_storage::{folders, secrets, tags};
use std::collections::{BTreeMap, BTreeSet};

/// What the source holds now. `Debug` shows the values redacted.
#[derive(Clone, Debug, Default)]
pub struct Source {
    /// Every key the sync pushes (imports merged, the folder's own secrets winning).
    pub desired: Desired,
    /// The folder's own secrets (what an import compares against and writes into).
    pub own: Desired,
    /// (environment id, folder path) of every folder the desired map depends on,
    /// including the sync's own folder.
    pub dependencies: Vec<(EnvironmentId, FolderPath)>,
    /// Keys of `desired` whose value holds references that do not resolve, each with the
    /// references as written (`${DB_HOST}`).
    pub broken: BTreeMap<SecretKey, Vec<String>>,
    /// Keys the sync's tag filter (`syncOptions.tagSlugs`) took out of `desired`: never
    /// pushed, and never deleted at the destination as absent from the source.
    pub filtered_out: BTreeSet<SecretKey>,
}

impl Source {
    /// The keys to hold back.
    pub fn held_back(&self) -> BTreeSet<SecretKey> {
        self.broken.keys().cloned().collect()
    }
}

/// Reads the source of a sync: its folder's secrets merged with its imports, references
/// expanded (a key with a reference that does not resolve is marked broken), filtered by
/// the sync's tags. `counter` is the project's change counter the spec was read at
/// ([`SyncSpec::counter`]), passed only right after that read: the source is then read as of
/// it, one round trip less. A caller that did anything slow since (a Railway read) passes
/// `None`, and the counter is read again, or the source could be seconds old.
pub async fn load(engine: &Engine, spec: &SyncSpec, counter: Option<i64>) -> Result<Source, EngineError> {
    let mut conn = engine.store().read().await?;
    let options = ResolveOptions { include_imports: true, expand: true };
    // The spec read the environment: it is not read again (twice: as a slug, then by id).
    // One of another project (a row that should not be) is looked up as before, and not found.
    let resolved = if spec.environment.project_id == spec.project_id {
        let env = Env::from(spec.environment.clone());
        resolve_folder_of(engine.core(), &mut conn, &spec.project_id, counter, env, &spec.path, options).await?
    } else {
        resolve_folder(engine.core(), &mut conn, &spec.project_id, spec.environment.id.as_str(), &spec.path, options)
            .await?
    };
    let mut dependencies: Vec<(EnvironmentId, FolderPath)> =
        resolved.dependencies.iter().map(|d| (d.environment_id.clone(), d.path.clone())).collect();
    dependencies.push((spec.environment.id.clone(), spec.path.clone()));
    dependencies.sort();
    dependencies.dedup();
    let mut desired = resolved.merged;
    let mut filtered_out = BTreeSet::new();
    let slugs = &spec.options.tag_slugs;
    if !slugs.is_empty() {
        // A key passes when the secret that provides it carries one of the tags: the
        // folder's own secret, else the last import that has it (Infisical's precedence).
        let own_tagged = tags::tagged_keys(&mut conn, &resolved.folder.id, slugs).await?;
        let mut import_tagged = Vec::with_capacity(resolved.imports.len());
        for import in &resolved.imports {
            let tagged = match &import.folder_id {
                Some(f) => tags::tagged_keys(&mut conn, f, slugs).await?,
                None => BTreeSet::new(),
            };
            import_tagged.push(tagged);
        }
        let passes = |k: &SecretKey| {
            if resolved.own.contains_key(k) {
                return own_tagged.contains(k.as_str());
            }
            resolved
                .imports
                .iter()
                .zip(&import_tagged)
                .rev()
                .find(|(i, _)| i.secrets.contains_key(k))
                .is_some_and(|(_, tagged)| tagged.contains(k.as_str()))
        };
        filtered_out = desired.keys().filter(|k| !passes(k)).cloned().collect();
        desired.retain(|k, _| !filtered_out.contains(k));
    }
    let broken = resolved
        .broken
        .iter()
        .filter(|(k, _)| desired.contains_key(*k))
        .map(|(k, refs)| (k.clone(), refs.iter().map(|b| b.reference.clone()).collect()))
        .collect();
    Ok(Source { desired, own: resolved.own, dependencies, broken, filtered_out })
}

/// Writes a first-sync or requested import into the sync's source folder: new secrets
/// and new versions, with their change events, attributed to the platform. The change
/// events re-queue the sync, whose next run then finds nothing to change.
pub async fn write_import(engine: &Engine, spec: &SyncSpec, import: &ImportPlan) -> Result<(), EngineError> {
    let key = {
        let mut conn = engine.store().read().await?;
        engine.core().keys().project_key(&mut conn, &spec.project_id).await?
    };
    // Recorded as a change made by the sync itself (secret versions, audit entries).
    let actor = AuditActor {
        id: spec.sync_id.as_ref().map(ToString::to_string),
        name: Some(format!("secret sync {}", spec.name)),
        ..AuditActor::platform()
    };
    let mut w = SecretWrite::begin(engine.core(), actor).await?;
    let folder = folders::get_by_path(w.conn(), &spec.environment.id, &spec.path).await?.ok_or_else(|| {
        EngineError::Source(format!(
            "Could not find folder with path \"{}\" in environment \"{}\"",
            spec.path, spec.environment.slug
        ))
    })?;
    for (k, value) in &import.creates {
        let new = NewSecret {
            key: k.clone(),
            value: value.clone(),
            comment: SecretValue::default(),
            skip_multiline_encoding: false,
            reminder_note: None,
            reminder_repeat_days: None,
            metadata: Vec::new(),
        };
        ops::insert_secret(&mut w, &key, &folder, &new).await?;
    }
    for (k, value) in &import.updates {
        let Some(existing) = secrets::get_for_update(w.conn(), &folder.id, k.as_str()).await? else {
            continue;
        };
        let update = SecretUpdate { value: Some(value.clone()), ..SecretUpdate::default() };
        ops::update_secret(&mut w, &key, &folder, existing, &update).await?;
    }
    let project = spec.project_id.clone();
    audit::record(
        w.conn(),
        AuditActor::platform(),
        AuditEvent::new("secret-sync-import-into-source").project(&project).target("folder", folder.id.clone()).meta(
            serde_json::json!({
                "syncId": spec.sync_id.as_ref().map(|s| s.as_str().to_string()),
                "environment": spec.environment.slug,
                "secretPath": spec.path.as_str(),
                "createdSecretKeys": import.creates.keys().map(|k| k.as_str()).collect::<Vec<_>>(),
                "updatedSecretKeys": import.updates.keys().map(|k| k.as_str()).collect::<Vec<_>>(),
            }),
        ),
    )
    .await?;
    w.commit().await?;
    Ok(())
}
