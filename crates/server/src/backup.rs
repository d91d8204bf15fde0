//! `sluice backup FILE` and `sluice restore FILE`: a consistent copy of the SQLite
//! database while the server runs, and putting such a copy in place while it is stopped.
//! They find the database as `sluice server` does ([`DatabaseArgs`]).
//!
//! A backup holds the values as the database does: encrypted under the project data keys,
//! which are wrapped by the root key. Without the root key a backup is unreadable, and a
//! lost root key cannot be recovered from one. PostgreSQL is backed up with `pg_dump`;
//! these commands say so instead of pretending.

use crate::config::{DatabaseArgs, DatabaseSettings};
use anyhow::{Context, bail};
use clap::Args;
use sluice_storage::backup::{self, Contents};
use std::path::{Path, PathBuf};

const BACKUP_EXAMPLES: &str = "Examples:
  sluice backup /backups/sluice-$(date +%F).db                 # the server's SQLite database, while it runs
  sluice backup nightly.db --force --data-dir /var/lib/sluice   # replace last night's copy

The copy holds values encrypted; keep the root key (SLUICE_ROOT_KEY) safe apart from it.
With a PostgreSQL database this explains pg_dump instead.";

const RESTORE_EXAMPLES: &str = "Examples:
  sluice restore sluice-2026-12-01.db --data-dir /var/lib/sluice   # into an empty data directory
  SLUICE_ROOT_KEY=… sluice restore nightly.db --force                # replace (the old one is kept aside)

Stop the server first. Given the root key (--root-key or SLUICE_ROOT_KEY), restore checks that it opens the backup.";

/// `sluice backup` flags.
#[derive(Args, Debug, Clone)]
#[command(after_help = BACKUP_EXAMPLES)]
pub struct BackupArgs {
    /// Where to write the backup (a SQLite file)
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Replace FILE when it exists
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub database: DatabaseArgs,
}

/// `sluice restore` flags.
#[derive(Args, Debug, Clone)]
#[command(after_help = RESTORE_EXAMPLES)]
pub struct RestoreArgs {
    /// The backup to restore (made by `sluice backup`)
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Replace an existing database (it is kept aside, never deleted)
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub database: DatabaseArgs,
}

const POSTGRES_BACKUP: &str = "this server's database is PostgreSQL: back it up with PostgreSQL's own tools, e.g. \
    `pg_dump --format=custom --file=sluice.dump \"$SLUICE_DATABASE_URL\"` (consistent while the server runs). \
    Values stay encrypted in the dump; keep the root key (SLUICE_ROOT_KEY) safe apart from it: without it the \
    dump is unreadable.";

const POSTGRES_RESTORE: &str = "this server's database is PostgreSQL: restore a `pg_dump` backup with PostgreSQL's \
    own tools into an empty database, e.g. `createdb sluice && pg_restore --no-owner --dbname=\"$SLUICE_DATABASE_URL\" \
    sluice.dump`, with every server stopped; then start `sluice server` with the root key the backup was made under.";

fn sqlite_file(settings: &DatabaseSettings, postgres: &str) -> anyhow::Result<PathBuf> {
    if !settings.database_url.starts_with("sqlite:") {
        bail!("{postgres}");
    }
    backup::sqlite_path(&settings.database_url)
        .with_context(|| format!("the database URL {} names no SQLite file", settings.database_url))
}

/// A file name beside `path` with `suffix` appended.
fn beside(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn summary(c: &Contents) -> String {
    format!("{} projects, {} secrets, schema version {}", c.projects, c.secrets, c.schema_version)
}

/// Writes a consistent copy of the database to `args.file`; returns what it did, to print.
pub async fn backup(args: &BackupArgs) -> anyhow::Result<String> {
    let settings = args.database.resolve()?;
    let source = sqlite_file(&settings, POSTGRES_BACKUP)?;
    if args.file.exists() && !args.force {
        bail!("{} exists: pass --force to replace it (nothing was written)", args.file.display());
    }
    // Written beside the target and renamed over it, so FILE is never half a backup.
    let partial = beside(&args.file, &format!(".partial-{}", std::process::id()));
    let _ = std::fs::remove_file(&partial);
    let written = backup::vacuum_into(&source, &partial).await;
    let contents = match written {
        Ok(_) => backup::inspect(&partial).await,
        Err(e) => Err(e),
    };
    let contents = match contents {
        Ok(c) => c,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e.into());
        }
    };
    std::fs::rename(&partial, &args.file)
        .with_context(|| format!("cannot move the backup into place at {}", args.file.display()))?;
    let size = std::fs::metadata(&args.file).map(|m| m.len()).unwrap_or(0);
    Ok(format!(
        "Backed up {} to {} ({size} bytes: {}).\nValues stay encrypted: restoring it needs this server's root key.",
        source.display(),
        args.file.display(),
        summary(&contents)
    ))
}

/// Puts the backup `args.file` in place as the server's database (the server stopped);
/// returns what it did, to print.
pub async fn restore(args: &RestoreArgs) -> anyhow::Result<String> {
    let settings = args.database.resolve()?;
    let target = sqlite_file(&settings, POSTGRES_RESTORE)?;
    if !args.file.exists() {
        bail!("no backup at {}", args.file.display());
    }
    let contents = backup::inspect(&args.file).await?;
    let key_note = match &settings.root_key {
        Some(key) if key.verify_check_value(&contents.root_key_check) => "The root key given opens it.",
        Some(_) => bail!(
            "the root key given does not open {}: the backup was made under another root key. Restore it with the \
             root key of the server it came from (nothing was changed)",
            args.file.display()
        ),
        None => {
            "No root key was given, so it was not checked: the server will refuse to start unless its root key \
                 is the one the backup was made under."
        }
    };
    let in_use =
        || anyhow::anyhow!("a server has {} open: stop it, then restore (nothing was changed)", target.display());
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    // Held until the restore is done, so that no server starts on the file meanwhile
    // (where the file system has no locks, the check below still finds a running server).
    let _claim = match sluice_storage::db::try_claim(&target) {
        sluice_storage::db::Claim::Theirs(_) => return Err(in_use()),
        claim => claim,
    };
    let mut kept = None;
    if target.exists() {
        if backup::in_use(&target).await? {
            bail!("a server has {} open: stop it, then restore (nothing was changed)", target.display());
        }
        if !args.force {
            bail!(
                "a database already exists at {}: pass --force to replace it (it is kept aside, not deleted; nothing \
                 was changed)",
                target.display()
            );
        }
        let aside = beside(&target, &format!(".before-restore-{}", sluice_storage::now_ms()));
        for suffix in ["", "-wal", "-shm"] {
            let from = beside(&target, suffix);
            if from.exists() {
                std::fs::rename(&from, beside(&aside, suffix))
                    .with_context(|| format!("cannot move {} aside", from.display()))?;
            }
        }
        kept = Some(aside);
    }
    let partial = beside(&target, &format!(".restoring-{}", std::process::id()));
    std::fs::copy(&args.file, &partial).with_context(|| format!("cannot copy the backup to {}", partial.display()))?;
    std::fs::rename(&partial, &target).with_context(|| format!("cannot move the backup to {}", target.display()))?;
    let kept = match kept {
        Some(aside) => format!("\nThe previous database is kept as {}.", aside.display()),
        None => String::new(),
    };
    Ok(format!(
        "Restored {} ({}) as the database at {}.{kept}\n{key_note}",
        args.file.display(),
        summary(&contents),
        target.display()
    ))
}
