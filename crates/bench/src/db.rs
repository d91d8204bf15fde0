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

/// The statements a PostgreSQL database ran between [`Statements::start`] and
/// [`Statements::top`], when the server loads `pg_stat_statements`
/// (`shared_preload_libraries`); otherwise nothing is measured.
pub struct Statements {
    conn: Option<PgConnection>,
}

impl Statements {
    /// Starts counting anew (for the whole server: run one measurement at a time).
    pub async fn start(url: &str) -> Statements {
        let counting = async {
            let mut conn = PgConnection::connect(url).await?;
            sqlx::query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements").execute(&mut conn).await?;
            sqlx::query("SELECT pg_stat_statements_reset()").execute(&mut conn).await?;
            anyhow::Ok(conn)
        };
        Statements { conn: counting.await.ok() }
    }

    /// The `n` statements of this database that took longest (lock waits included), as
    /// lines: calls, total milliseconds, the statement's start.
    pub async fn top(self, n: i64) -> Vec<String> {
        let Some(mut conn) = self.conn else { return Vec::new() };
        let rows: Vec<(i64, f64, String)> = sqlx::query_as(
            "SELECT calls, total_exec_time, regexp_replace(query, '\\s+', ' ', 'g') FROM pg_stat_statements
             WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
               AND query NOT LIKE '%pg_stat_statements%'
             ORDER BY total_exec_time DESC LIMIT $1",
        )
        .bind(n)
        .fetch_all(&mut conn)
        .await
        .unwrap_or_default();
        rows.into_iter()
            .map(|(calls, ms, query)| {
                let query: String = query.chars().take(110).collect();
                format!("{calls:>6} calls {ms:>7.0} ms  {query}")
            })
            .collect()
    }
}
