//! Reading secrets as a consumer sees them: imports merged and `${…}` references
//! expanded, for the API and for the sync engine ([`resolve_folder`]).
//!
//! A [`Resolver`] serves one request: it loads each folder it needs once, with its values
//! and comments opened, from the folder cache ([`super::cache`]) while the project's
//! change counter says nothing changed since they were read (one query per request for
//! the counter, one per folder for its place), else from the database. It records every
//! folder and secret it read ([`Resolver::dependencies`]) so the engine can re-run a sync
//! when any of them changes. Expansion itself is the pure
//! `sluice_domain::references::expand_secret`; this module only feeds it stored values,
//! loading referenced folders (of any environment of the same project) as the expansion
//! asks for them.
//!
//! Precedence (as Infisical): a folder's own secrets win over imported ones; among its
//! imports, a later one (higher position) wins over an earlier one. Imports are followed
//! transitively up to [`MAX_IMPORT_DEPTH`] levels; an import chain that comes back to a
//! folder already on it is not followed again (creating such a cycle is refused anyway).
//!
//! A reference that does not resolve never fails a read (Infisical's behaviour, which
//! clients rely on: one renamed secret must not take down every app that reads the
//! folder): it stays in the value as written, and the view says which references are
//! broken ([`SecretView::broken`], [`ResolvedFolder::broken`]), so the API can warn and a
//! sync can hold the key back instead of pushing a broken value.

use super::cache::FolderContents;
use super::place::{self, Env, folder_not_found};
use super::seal::RowIdentity;
use crate::Core;
use crate::error::{CoreError, CoreResult};
use futures::future::BoxFuture;
use sluice_crypto::DataKey;
use sluice_domain::planner::Desired;
use sluice_domain::references::{self, BrokenReference, ExpandError, Expanded, RefLocation};
use sluice_domain::{EnvironmentId, FolderId, FolderPath, ProjectId, SecretKey, SecretValue};
use sluice_storage::folders::{self, FolderRow};
use sluice_storage::imports::{self, ImportRow};
use sluice_storage::secrets::{self, SecretRow};
use sluice_storage::{Conn, environments};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

/// How deep imports of imports are followed (Infisical's limit).
pub const MAX_IMPORT_DEPTH: usize = 10;

/// A folder's secrets as loaded for one request.
#[derive(Debug)]
pub struct LoadedFolder {
    pub env: Env,
    pub path: FolderPath,
    /// `None` when no folder exists at the path.
    pub folder: Option<FolderRow>,
    /// The rows by key, with their values and comments opened (shared with the cache).
    pub contents: Arc<FolderContents>,
}

/// One secret as shown to a reader. `value` is `None` when the caller asked not to see it.
#[derive(Clone, Debug)]
pub struct SecretView {
    pub row: SecretRow,
    pub env_slug: String,
    pub path: FolderPath,
    pub value: Option<SecretValue>,
    pub comment: SecretValue,
    /// References in the value that could not be expanded (left as written).
    pub broken: Vec<BrokenReference>,
}

/// What an import brings into a folder.
#[derive(Debug)]
pub struct ImportView {
    pub import: ImportRow,
    pub env: Env,
    pub path: FolderPath,
    pub folder_id: Option<FolderId>,
    /// By key; the imported folder's own secrets over its own imports.
    pub secrets: Vec<SecretView>,
}

/// How secrets are shown.
#[derive(Clone, Copy, Debug)]
pub struct ViewOptions {
    /// Decrypt values (`viewSecretValue`); comments are always shown.
    pub reveal: bool,
    /// Expand references (only when revealed).
    pub expand: bool,
}

/// Something a resolution read: a whole folder (`key: None`: the folder itself or an
/// import of it) or one referenced secret. A change to any of them can change the result.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Dependency {
    pub environment_id: EnvironmentId,
    pub path: FolderPath,
    pub key: Option<SecretKey>,
}

enum Lookup {
    Found(SecretValue),
    Absent,
    NotLoaded,
    Failed(CoreError),
}

/// The per-request loader and memo.
#[derive(Debug)]
pub struct Resolver {
    project: ProjectId,
    key: DataKey,
    /// The process's folder cache (`None`: read everything from the database).
    cache: Option<Core>,
    /// The project's change counter, read before the first folder is loaded.
    counter: Option<i64>,
    envs_by_slug: HashMap<String, Option<Env>>,
    envs_by_id: HashMap<EnvironmentId, Env>,
    folders: HashMap<RefLocation, LoadedFolder>,
    touched: BTreeSet<Dependency>,
}

impl Resolver {
    /// A resolver that reads through the process's folder cache. `conn` must be a read
    /// connection, never a write transaction: what a transaction reads may yet roll back,
    /// and the cache would keep it.
    pub async fn new(core: &Core, conn: &mut Conn, project: &ProjectId) -> CoreResult<Self> {
        let key = core.keys().project_key(conn, project).await?;
        let mut r = Self::with_key(project.clone(), key);
        r.cache = Some(core.clone());
        Ok(r)
    }

    /// A resolver that reads every folder from the database (no cache).
    pub fn with_key(project: ProjectId, key: DataKey) -> Self {
        Self {
            project,
            key,
            cache: None,
            counter: None,
            envs_by_slug: HashMap::new(),
            envs_by_id: HashMap::new(),
            folders: HashMap::new(),
            touched: BTreeSet::new(),
        }
    }

    pub fn data_key(&self) -> &DataKey {
        &self.key
    }

    /// Everything read so far.
    pub fn dependencies(&self) -> Vec<Dependency> {
        self.touched.iter().cloned().collect()
    }

    fn remember_env(&mut self, env: &Env) {
        self.envs_by_slug.insert(env.slug.clone(), Some(env.clone()));
        self.envs_by_id.insert(env.id.clone(), env.clone());
    }

    /// Registers a known environment (saves a query).
    pub fn know_env(&mut self, env: &Env) {
        self.remember_env(env);
    }

    /// Registers the project's change counter as the caller read it, before anything it
    /// passes in (saves a query).
    pub fn know_counter(&mut self, counter: i64) {
        self.counter = Some(counter);
    }

    /// The project's change counter, read before the first folder is looked up (what is
    /// kept under it is never older), or `None` without the process's caches.
    async fn counter(&mut self, conn: &mut Conn) -> CoreResult<Option<(Core, i64)>> {
        let Some(core) = self.cache.clone() else { return Ok(None) };
        let counter = match self.counter {
            Some(c) => c,
            None => {
                let c = core.store().change_counter(conn, &self.project).await?;
                self.counter = Some(c);
                c
            }
        };
        Ok(Some((core, counter)))
    }

    pub async fn env_by_id(&mut self, conn: &mut Conn, id: &EnvironmentId) -> CoreResult<Option<Env>> {
        if let Some(e) = self.envs_by_id.get(id) {
            return Ok(Some(e.clone()));
        }
        let found = match self.counter(conn).await? {
            Some((core, counter)) => core.structure_cache().environment(conn, &self.project, counter, id).await?,
            None => environments::get(conn, id).await?,
        };
        let found = found.map(Env::from);
        if let Some(e) = &found {
            self.remember_env(e);
        }
        Ok(found)
    }

    async fn env_by_slug(&mut self, conn: &mut Conn, slug: &str) -> CoreResult<Option<Env>> {
        if let Some(e) = self.envs_by_slug.get(slug) {
            return Ok(e.clone());
        }
        let found = environments::get_by_slug(conn, &self.project, slug).await?.map(Env::from);
        match &found {
            Some(e) => self.remember_env(e),
            None => {
                self.envs_by_slug.insert(slug.to_string(), None);
            }
        }
        Ok(found)
    }

    /// Loads the folder at `loc` once; false when its environment does not exist.
    pub async fn load(&mut self, conn: &mut Conn, loc: &RefLocation) -> CoreResult<bool> {
        if self.folders.contains_key(loc) {
            return Ok(true);
        }
        let Some(env) = self.env_by_slug(conn, &loc.environment).await? else { return Ok(false) };
        let folder = match self.counter(conn).await? {
            Some((core, counter)) => {
                core.structure_cache().folder_at(conn, &self.project, counter, &env.id, &loc.path).await?
            }
            None => folders::get_by_path(conn, &env.id, &loc.path).await?,
        };
        let contents = match &folder {
            Some(f) => self.contents_of(conn, f).await?,
            None => Arc::default(),
        };
        self.folders.insert(loc.clone(), LoadedFolder { env, path: loc.path.clone(), folder, contents });
        Ok(true)
    }

    /// The contents of `folder`: from the cache when the project's change counter still
    /// has the value they were read at, else from the database (and then kept).
    async fn contents_of(&mut self, conn: &mut Conn, folder: &FolderRow) -> CoreResult<Arc<FolderContents>> {
        let (core, counter) = match self.counter(conn).await? {
            Some(known) if folder.project_id == self.project => known,
            _ => return Ok(Arc::new(open_rows(&self.key, secrets::list(conn, &folder.id).await?))),
        };
        let cache = core.folder_cache();
        if let Some(kept) = cache.get(&folder.id, counter) {
            return Ok(kept);
        }
        let contents = Arc::new(open_rows(&self.key, secrets::list(conn, &folder.id).await?));
        cache.put(folder.id.clone(), counter, contents.clone());
        Ok(contents)
    }

    pub fn loaded(&self, loc: &RefLocation) -> Option<&LoadedFolder> {
        self.folders.get(loc)
    }

    /// The decrypted stored value of a loaded secret (memoised).
    pub fn value(&mut self, loc: &RefLocation, key: &str) -> CoreResult<Option<SecretValue>> {
        match lookup_in(&self.folders, &self.key, None, loc, key) {
            Lookup::Found(v) => Ok(Some(v)),
            Lookup::Absent | Lookup::NotLoaded => Ok(None),
            Lookup::Failed(e) => Err(e),
        }
    }

    /// The decrypted comment of a secret of the loaded folder `loc`.
    pub fn comment(&self, loc: &RefLocation, row: &SecretRow) -> CoreResult<SecretValue> {
        if let Some(f) = self.folders.get(loc)
            && let Some(kept) = f.contents.rows.get(&row.key)
            && kept.id == row.id
            && kept.version == row.version
            && let Some((_, comment)) = f.contents.opened.get(&row.key)
        {
            return Ok(comment.clone());
        }
        RowIdentity::of(row).open_comment(&self.key, &row.comment_ct)
    }

    /// Expands the references in `raw`, the value of `key` stored at `at`, as far as
    /// they resolve (see the module doc).
    pub async fn expand(
        &mut self,
        conn: &mut Conn,
        at: &RefLocation,
        key: &SecretKey,
        raw: &SecretValue,
    ) -> CoreResult<Expanded> {
        if !raw.contains("${") {
            return Ok(Expanded { value: raw.clone(), broken: Vec::new() });
        }
        loop {
            let mut needed: Vec<RefLocation> = Vec::new();
            let mut failure: Option<CoreError> = None;
            let result = {
                let (folders, envs, dk, touched) = (&self.folders, &self.envs_by_slug, &self.key, &mut self.touched);
                let mut lookup = |loc: &RefLocation, k: &SecretKey| -> Option<SecretValue> {
                    if envs.get(&loc.environment).is_some_and(Option::is_none) {
                        return None;
                    }
                    match lookup_in(folders, dk, Some(&mut *touched), loc, k.as_str()) {
                        Lookup::Found(v) => Some(v),
                        Lookup::Absent => None,
                        Lookup::NotLoaded => {
                            if !needed.contains(loc) {
                                needed.push(loc.clone());
                            }
                            None
                        }
                        Lookup::Failed(e) => {
                            failure.get_or_insert(e);
                            None
                        }
                    }
                };
                references::expand_secret_lenient(at, key, raw, &mut lookup)
            };
            if let Some(e) = failure {
                return Err(e);
            }
            if needed.is_empty() {
                return Ok(result);
            }
            // A referenced folder was not loaded yet: load it and expand again.
            for loc in &needed {
                self.load(conn, loc).await?;
            }
        }
    }

    /// One loaded row as shown to a reader.
    pub async fn view(
        &mut self,
        conn: &mut Conn,
        loc: &RefLocation,
        row: &SecretRow,
        opts: ViewOptions,
    ) -> CoreResult<SecretView> {
        let (value, broken) = if opts.reveal {
            let raw = self.value(loc, &row.key)?.unwrap_or_default();
            if opts.expand {
                let e = self.expand(conn, loc, &SecretKey::from_trusted(row.key.clone()), &raw).await?;
                (Some(e.value), e.broken)
            } else {
                (Some(raw), Vec::new())
            }
        } else {
            (None, Vec::new())
        };
        Ok(SecretView {
            row: row.clone(),
            env_slug: loc.environment.clone(),
            path: loc.path.clone(),
            value,
            comment: self.comment(loc, row)?,
            broken,
        })
    }

    /// Every secret of the folder at `loc` (loaded), by key.
    pub async fn views(
        &mut self,
        conn: &mut Conn,
        loc: &RefLocation,
        opts: ViewOptions,
    ) -> CoreResult<Vec<SecretView>> {
        let contents = self.folders.get(loc).map(|f| f.contents.clone()).unwrap_or_default();
        let mut out = Vec::with_capacity(contents.rows.len());
        for row in contents.rows.values() {
            out.push(self.view(conn, loc, row, opts).await?);
        }
        Ok(out)
    }

    /// The import rows of `folder`, in position order.
    async fn imports(&mut self, conn: &mut Conn, folder: &FolderRow) -> CoreResult<Vec<ImportRow>> {
        match self.counter(conn).await? {
            Some((core, counter)) => core.structure_cache().imports(conn, &self.project, counter, folder).await,
            None => Ok(imports::list(conn, &folder.id).await?),
        }
    }

    /// The imports of `folder`, in position order, each with what it brings.
    pub async fn imports_of(
        &mut self,
        conn: &mut Conn,
        folder: &FolderRow,
        opts: ViewOptions,
    ) -> CoreResult<Vec<ImportView>> {
        let mut out = Vec::new();
        let start = (folder.environment_id.clone(), folder.path.clone());
        for import in self.imports(conn, folder).await? {
            let Some(env) = self.env_by_id(conn, &import.import_environment_id).await? else { continue };
            let path = import.import_path.clone();
            let mut chain = vec![start.clone()];
            let secrets = self.merged_view(conn, env.clone(), path.clone(), opts, &mut chain, 1).await?;
            let loc = RefLocation::new(env.slug.clone(), path.clone());
            let folder_id = self.folders.get(&loc).and_then(|f| f.folder.as_ref()).map(|f| f.id.clone());
            out.push(ImportView { import, env, path, folder_id, secrets });
        }
        Ok(out)
    }

    /// What importing `env:path` brings: its own secrets over those of its imports.
    fn merged_view<'a>(
        &'a mut self,
        conn: &'a mut Conn,
        env: Env,
        path: FolderPath,
        opts: ViewOptions,
        chain: &'a mut Vec<(EnvironmentId, FolderPath)>,
        depth: usize,
    ) -> BoxFuture<'a, CoreResult<Vec<SecretView>>> {
        Box::pin(async move {
            self.touched.insert(Dependency { environment_id: env.id.clone(), path: path.clone(), key: None });
            let here = (env.id.clone(), path.clone());
            if depth > MAX_IMPORT_DEPTH || chain.contains(&here) {
                return Ok(Vec::new());
            }
            let loc = RefLocation::new(env.slug.clone(), path.clone());
            self.load(conn, &loc).await?;
            let Some(folder) = self.folders.get(&loc).and_then(|f| f.folder.clone()) else { return Ok(Vec::new()) };
            let mut merged: BTreeMap<String, SecretView> = BTreeMap::new();
            chain.push(here);
            for nested in self.imports(conn, &folder).await? {
                let Some(nested_env) = self.env_by_id(conn, &nested.import_environment_id).await? else { continue };
                let nested_path = nested.import_path.clone();
                for view in self.merged_view(conn, nested_env, nested_path, opts, chain, depth + 1).await? {
                    merged.insert(view.row.key.clone(), view);
                }
            }
            chain.pop();
            for view in self.views(conn, &loc, opts).await? {
                merged.insert(view.row.key.clone(), view);
            }
            Ok(merged.into_values().collect())
        })
    }
}

fn lookup_in(
    folders: &HashMap<RefLocation, LoadedFolder>,
    key: &DataKey,
    touched: Option<&mut BTreeSet<Dependency>>,
    loc: &RefLocation,
    name: &str,
) -> Lookup {
    let Some(folder) = folders.get(loc) else { return Lookup::NotLoaded };
    if let Some(touched) = touched {
        touched.insert(Dependency {
            environment_id: folder.env.id.clone(),
            path: folder.path.clone(),
            key: Some(SecretKey::from_trusted(name)),
        });
    }
    if let Some((value, _)) = folder.contents.opened.get(name) {
        return Lookup::Found(value.clone());
    }
    let Some(row) = folder.contents.rows.get(name) else { return Lookup::Absent };
    // A row that did not open when loaded: open it again for the error.
    match RowIdentity::of(row).open_value(key, &row.value_ct) {
        Ok(v) => Lookup::Found(v),
        Err(e) => Lookup::Failed(e),
    }
}

/// `rows` by key, each value and comment opened where its ciphertext opens.
fn open_rows(key: &DataKey, rows: Vec<SecretRow>) -> FolderContents {
    let mut contents = FolderContents::default();
    for row in rows {
        let id = RowIdentity::of(&row);
        if let (Ok(value), Ok(comment)) = (id.open_value(key, &row.value_ct), id.open_comment(key, &row.comment_ct)) {
            contents.opened.insert(row.key.clone(), (value, comment));
        }
        contents.rows.insert(row.key.clone(), row);
    }
    contents
}

/// Records whether the value that now wins `key` is broken (later winners replace earlier).
fn note(broken: &mut BTreeMap<SecretKey, Vec<BrokenReference>>, key: &SecretKey, b: Vec<BrokenReference>) {
    if b.is_empty() {
        broken.remove(key);
    } else {
        broken.insert(key.clone(), b);
    }
}

/// An expansion failure naming the secret being read and the reference.
pub fn expand_error(key: &SecretKey, e: ExpandError) -> CoreError {
    CoreError::Reference { key: key.clone(), error: e }
}

/// Options of [`resolve_folder`].
#[derive(Clone, Copy, Debug, Default)]
pub struct ResolveOptions {
    pub include_imports: bool,
    pub expand: bool,
}

/// An import's contribution to a resolved folder.
#[derive(Clone, Debug)]
pub struct ResolvedImport {
    pub environment_id: EnvironmentId,
    pub environment: String,
    pub path: FolderPath,
    pub folder_id: Option<FolderId>,
    pub secrets: Desired,
}

/// A folder's secrets as a consumer (a sync) sees them. `Debug` shows values redacted.
#[derive(Clone, Debug)]
pub struct ResolvedFolder {
    pub environment: Env,
    pub folder: FolderRow,
    /// The folder's own secrets (expanded when asked).
    pub own: Desired,
    /// Imports merged with the folder's own secrets: own wins, later imports win.
    pub merged: Desired,
    pub imports: Vec<ResolvedImport>,
    /// Every folder and secret read (the folder itself included), for change fan-out.
    pub dependencies: Vec<Dependency>,
    /// Keys of `merged` whose value holds references that could not be expanded.
    pub broken: BTreeMap<SecretKey, Vec<BrokenReference>>,
}

/// Resolves the folder `path` of environment `env` (slug or id) of `project`: its own
/// secrets, its imports and the merge of both, references expanded when asked. Fails when
/// the environment or folder does not exist, and when any reference does not resolve
/// (the error names it): a sync must never see a silently shorter map.
pub async fn resolve_folder(
    core: &Core,
    conn: &mut Conn,
    project: &ProjectId,
    env: &str,
    path: &FolderPath,
    options: ResolveOptions,
) -> CoreResult<ResolvedFolder> {
    let env = place::environment(conn, project, env).await?;
    resolve_folder_of(core, conn, project, None, env, path, options).await
}

/// [`resolve_folder`] in an environment of `project` already read (a sync's run has it),
/// with the project's change counter when the caller read it before the environment.
pub async fn resolve_folder_of(
    core: &Core,
    conn: &mut Conn,
    project: &ProjectId,
    counter: Option<i64>,
    env: Env,
    path: &FolderPath,
    options: ResolveOptions,
) -> CoreResult<ResolvedFolder> {
    let mut r = Resolver::new(core, conn, project).await?;
    if let Some(c) = counter {
        r.know_counter(c);
    }
    r.know_env(&env);
    let loc = RefLocation::new(env.slug.clone(), path.clone());
    r.load(conn, &loc).await?;
    let folder = r.loaded(&loc).and_then(|f| f.folder.clone()).ok_or_else(|| folder_not_found(path, &env.slug))?;
    r.touched.insert(Dependency { environment_id: env.id.clone(), path: path.clone(), key: None });
    let opts = ViewOptions { reveal: true, expand: options.expand };
    let mut broken: BTreeMap<SecretKey, Vec<BrokenReference>> = BTreeMap::new();
    let own_views = r.views(conn, &loc, opts).await?;
    let mut own_broken = Vec::new();
    let own: Desired = own_views
        .into_iter()
        .map(|v| {
            let key = SecretKey::from_trusted(v.row.key);
            own_broken.push((key.clone(), v.broken));
            (key, v.value.unwrap_or_default())
        })
        .collect();
    let mut imports_out = Vec::new();
    let mut merged = BTreeMap::new();
    if options.include_imports {
        for import in r.imports_of(conn, &folder, opts).await? {
            let secrets: Desired = import
                .secrets
                .into_iter()
                .map(|v| {
                    let key = SecretKey::from_trusted(v.row.key);
                    note(&mut broken, &key, v.broken);
                    (key, v.value.unwrap_or_default())
                })
                .collect();
            merged.extend(secrets.iter().map(|(k, v)| (k.clone(), v.clone())));
            imports_out.push(ResolvedImport {
                environment_id: import.env.id.clone(),
                environment: import.env.slug.clone(),
                path: import.path,
                folder_id: import.folder_id,
                secrets,
            });
        }
    }
    merged.extend(own.iter().map(|(k, v)| (k.clone(), v.clone())));
    for (key, b) in own_broken {
        note(&mut broken, &key, b);
    }
    Ok(ResolvedFolder {
        environment: env,
        folder,
        own,
        merged,
        imports: imports_out,
        dependencies: r.dependencies(),
        broken,
    })
}
