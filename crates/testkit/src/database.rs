//! A fresh database per test: a SQLite file in a temporary directory, or a new database
//! on the PostgreSQL server named by `SLUICE_TEST_DATABASE_URL`.

use sqlx::Connection;

pub struct TestDatabase {
    pub url: String,
    /// Temporary directory (the SQLite file lives here; also the server's data dir).
    pub dir: tempfile::TempDir,
    pub backend: &'static str,
}

impl TestDatabase {
    pub async fn fresh() -> TestDatabase {
        let dir = tempfile::Builder::new().prefix("sluice-test-").tempdir().expect("tempdir");
        match std::env::var("SLUICE_TEST_DATABASE_URL").ok().filter(|u| !u.is_empty()) {
            Some(server) => {
                let name = format!("sluice_test_{}", uuid::Uuid::new_v4().simple());
                let mut conn = sqlx::PgConnection::connect(&server).await.expect("connect to SLUICE_TEST_DATABASE_URL");
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut conn)
                    .await
                    .expect("create test database");
                let base = server.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap_or(server);
                TestDatabase { url: format!("{base}/{name}"), dir, backend: "postgres" }
            }
            None => {
                let path = dir.path().join("sluice.db");
                TestDatabase { url: format!("sqlite://{}?mode=rwc", path.display()), dir, backend: "sqlite" }
            }
        }
    }

    pub fn is_postgres(&self) -> bool {
        self.backend == "postgres"
    }
}
