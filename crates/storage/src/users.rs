//! Users: people who sign in with an email and a password (Argon2id hash).

use crate::{Conn, Result};
use sluice_domain::UserId;

#[derive(Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: UserId,
    pub email: String,
    pub username: String,
    pub first_name: String,
    pub last_name: String,
    pub password_hash: String,
    #[sqlx(try_from = "crate::flag::Flag")]
    pub super_admin: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

impl std::fmt::Debug for UserRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRow").field("id", &self.id).field("email", &self.email).finish_non_exhaustive()
    }
}

/// Every column, with the flag readable on both backends (see [`crate::flag`]).
const COLUMNS: &str = "id, email, username, first_name, last_name, password_hash, (super_admin = TRUE) AS super_admin, created_at, updated_at";

pub async fn insert(conn: &mut Conn, row: &UserRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO users (id, email, username, first_name, last_name, password_hash, super_admin, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&row.id)
    .bind(&row.email)
    .bind(&row.username)
    .bind(&row.first_name)
    .bind(&row.last_name)
    .bind(&row.password_hash)
    .bind(row.super_admin)
    .bind(row.created_at)
    .bind(row.updated_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get(conn: &mut Conn, id: &UserId) -> Result<Option<UserRow>> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE id = $1");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id.as_str()).fetch_optional(conn).await?)
}

/// Looks a user up by email, ignoring case.
pub async fn get_by_email(conn: &mut Conn, email: &str) -> Result<Option<UserRow>> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE email = $1");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(email.trim().to_lowercase()).fetch_optional(conn).await?)
}

pub async fn count(conn: &mut Conn) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(conn).await?)
}
