//! Storage contract tests, run on SQLite and (with `SLUICE_TEST_DATABASE_URL`) PostgreSQL.

mod change_counters;
mod claims;
mod fan_out;
mod login_throttles;
mod notifications;
mod pool;
mod queue;
mod run_state;
mod sqlite_file;
mod text;

use sluice_domain::{OrgId, ProjectId};
use sluice_storage::orgs::{self, OrgRow};
use sluice_storage::projects::{self, ProjectRow};
use sluice_storage::{Conn, Store, StoreConfig, now_ms};
use sqlx::Connection;

/// A fresh database: a SQLite file, or a new database on the PostgreSQL test server.
pub async fn fresh_store() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = match std::env::var("SLUICE_TEST_DATABASE_URL").ok().filter(|u| !u.is_empty()) {
        Some(server) => {
            let name = format!("sluice_test_{}", uuid::Uuid::new_v4().simple());
            let mut conn = sqlx::PgConnection::connect(&server).await.expect("connect");
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&mut conn)
                .await
                .expect("create");
            let base = server.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap_or(server);
            format!("{base}/{name}")
        }
        None => format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display()),
    };
    (Store::open(&StoreConfig::new(url)).await.expect("open"), dir)
}

/// A new organization (its own slug) and a project in it, written on `conn`.
pub async fn insert_project(conn: &mut Conn) -> ProjectRow {
    let now = now_ms();
    let id = OrgId::new();
    let org = OrgRow { slug: format!("o-{id}"), id, name: "o".into(), created_at: now, updated_at: now };
    orgs::insert(conn, &org).await.expect("org");
    let project = ProjectRow {
        id: ProjectId::new(),
        org_id: org.id,
        name: "p".into(),
        slug: "p".into(),
        description: String::new(),
        data_key_wrapped: vec![1],
        pit_version_limit: 10,
        created_at: now,
        updated_at: now,
    };
    projects::insert(conn, &project).await.expect("project");
    project
}
