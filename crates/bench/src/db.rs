//! A PostgreSQL database of its own for one benchmark: created in the server given with
//! `--database-url`, dropped at the end.

use sqlx::{Connection, PgConnection};

/// A database created for one measurement.
pub struct TempDatabase {
    admin_url: String,
    name: String,
    /// The URL a `sluice server` connects to.
    pub url: String,
}

impl TempDatabase {
    /// Creates a fresh database in the PostgreSQL server at `admin_url`.
    pub async fn create(admin_url: &str) -> anyhow::Result<Self> {
        let name = format!("sluice_bench_{}", uuid::Uuid::new_v4().simple());
        let mut conn = PgConnection::connect(admin_url).await?;
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut conn).await?;
        conn.close().await?;
        let base = admin_url.split('?').next().unwrap_or(admin_url);
        let base = base.rsplit_once('/').map(|(server, _)| server).unwrap_or(base);
        Ok(Self { admin_url: admin_url.to_string(), url: format!("{base}/{name}"), name })
    }

    /// Drops the database (every server using it must be stopped first).
    pub async fn remove(self) -> anyhow::Result<()> {
        let mut conn = PgConnection::connect(&self.admin_url).await?;
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)))
            .execute(&mut conn)
            .await?;
        conn.close().await?;
        Ok(())
    }
}
