//! Who belongs where: organization and project memberships of users and identities.

use crate::{Conn, Result, now_ms};
use sluice_domain::{ActorType, IdentityId, MembershipId, OrgId, OrgRole, ProjectId, ProjectRole, UserId};

/// A user or a machine identity: whoever a membership or a token belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Principal {
    User(UserId),
    Identity(IdentityId),
}

impl Principal {
    /// The membership column and id for this principal.
    pub fn column(&self) -> (&'static str, &str) {
        match self {
            Self::User(u) => ("user_id", u.as_str()),
            Self::Identity(i) => ("identity_id", i.as_str()),
        }
    }

    pub fn kind(&self) -> ActorType {
        match self {
            Self::User(_) => ActorType::User,
            Self::Identity(_) => ActorType::Identity,
        }
    }

    pub fn id(&self) -> &str {
        self.column().1
    }
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct MembershipRow {
    pub id: MembershipId,
    pub user_id: Option<UserId>,
    pub identity_id: Option<IdentityId>,
    pub role: String,
    pub created_at: i64,
    pub updated_at: i64,
}

fn ids(p: &Principal) -> (Option<&UserId>, Option<&IdentityId>) {
    match p {
        Principal::User(u) => (Some(u), None),
        Principal::Identity(i) => (None, Some(i)),
    }
}

pub async fn add_org_member(conn: &mut Conn, org: &OrgId, who: &Principal, role: OrgRole) -> Result<MembershipId> {
    let id = MembershipId::new();
    let (u, i) = ids(who);
    let now = now_ms();
    sqlx::query(
        "INSERT INTO org_memberships (id, org_id, user_id, identity_id, role, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6)",
    )
    .bind(&id)
    .bind(org.as_str())
    .bind(u)
    .bind(i)
    .bind(role.as_str())
    .bind(now)
    .execute(conn)
    .await?;
    Ok(id)
}

pub async fn org_role(conn: &mut Conn, org: &OrgId, who: &Principal) -> Result<Option<OrgRole>> {
    let (col, id) = who.column();
    let sql = format!("SELECT role FROM org_memberships WHERE org_id = $1 AND {col} = $2");
    let role: Option<String> =
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(org.as_str()).bind(id).fetch_optional(conn).await?;
    Ok(role.and_then(|r| r.parse().ok()))
}

/// Whether `who` administers an organization or the instance (a `superAdmin` user): whom
/// the UI's organization pages are for. One round trip.
pub async fn is_some_admin(conn: &mut Conn, who: &Principal) -> Result<bool> {
    let (col, id) = who.column();
    let sql = format!(
        "SELECT (SELECT COUNT(*) FROM org_memberships WHERE {col} = $1 AND role = 'admin')
              + (SELECT COUNT(*) FROM users WHERE id = $1 AND super_admin = TRUE)"
    );
    let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(id).fetch_one(conn).await?;
    Ok(n > 0)
}

pub async fn set_org_role(conn: &mut Conn, org: &OrgId, who: &Principal, role: OrgRole) -> Result<bool> {
    let (col, id) = who.column();
    let sql = format!("UPDATE org_memberships SET role = $1, updated_at = $2 WHERE org_id = $3 AND {col} = $4");
    let done = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(role.as_str())
        .bind(now_ms())
        .bind(org.as_str())
        .bind(id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn add_project_member(
    conn: &mut Conn,
    project: &ProjectId,
    who: &Principal,
    role: ProjectRole,
) -> Result<MembershipRow> {
    let id = MembershipId::new();
    let (u, i) = ids(who);
    let now = now_ms();
    sqlx::query(
        "INSERT INTO project_memberships (id, project_id, user_id, identity_id, role, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6)",
    )
    .bind(&id)
    .bind(project.as_str())
    .bind(u)
    .bind(i)
    .bind(role.as_str())
    .bind(now)
    .execute(conn)
    .await?;
    Ok(MembershipRow {
        id,
        user_id: u.cloned(),
        identity_id: i.cloned(),
        role: role.as_str().to_string(),
        created_at: now,
        updated_at: now,
    })
}

pub async fn project_membership(
    conn: &mut Conn,
    project: &ProjectId,
    who: &Principal,
) -> Result<Option<MembershipRow>> {
    let (col, id) = who.column();
    let sql = format!(
        "SELECT id, user_id, identity_id, role, created_at, updated_at FROM project_memberships WHERE project_id = $1 AND {col} = $2"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(project.as_str()).bind(id).fetch_optional(conn).await?)
}

pub async fn project_role(conn: &mut Conn, project: &ProjectId, who: &Principal) -> Result<Option<ProjectRole>> {
    Ok(project_membership(conn, project, who).await?.and_then(|m| m.role.parse().ok()))
}

pub async fn set_project_role(
    conn: &mut Conn,
    project: &ProjectId,
    who: &Principal,
    role: ProjectRole,
) -> Result<bool> {
    let (col, id) = who.column();
    let sql = format!("UPDATE project_memberships SET role = $1, updated_at = $2 WHERE project_id = $3 AND {col} = $4");
    let done = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(role.as_str())
        .bind(now_ms())
        .bind(project.as_str())
        .bind(id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn remove_project_member(conn: &mut Conn, project: &ProjectId, who: &Principal) -> Result<bool> {
    let (col, id) = who.column();
    let sql = format!("DELETE FROM project_memberships WHERE project_id = $1 AND {col} = $2");
    let done = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(project.as_str()).bind(id).execute(conn).await?;
    Ok(done.rows_affected() == 1)
}

pub async fn list_project_members(conn: &mut Conn, project: &ProjectId) -> Result<Vec<MembershipRow>> {
    Ok(sqlx::query_as(
        "SELECT id, user_id, identity_id, role, created_at, updated_at FROM project_memberships
         WHERE project_id = $1 ORDER BY created_at",
    )
    .bind(project.as_str())
    .fetch_all(conn)
    .await?)
}

/// A principal's membership row in an organization.
pub async fn org_membership(conn: &mut Conn, org: &OrgId, who: &Principal) -> Result<Option<MembershipRow>> {
    let (col, id) = who.column();
    let sql = format!(
        "SELECT id, user_id, identity_id, role, created_at, updated_at FROM org_memberships WHERE org_id = $1 AND {col} = $2"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(org.as_str()).bind(id).fetch_optional(conn).await?)
}

/// An organization membership by its id, within that organization.
pub async fn org_membership_by_id(conn: &mut Conn, org: &OrgId, id: &MembershipId) -> Result<Option<MembershipRow>> {
    Ok(sqlx::query_as(
        "SELECT id, user_id, identity_id, role, created_at, updated_at FROM org_memberships WHERE org_id = $1 AND id = $2",
    )
    .bind(org.as_str())
    .bind(id)
    .fetch_optional(conn)
    .await?)
}

/// Number of admins of an organization (users and identities).
pub async fn count_org_admins(conn: &mut Conn, org: &OrgId) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM org_memberships WHERE org_id = $1 AND role = 'admin'")
        .bind(org.as_str())
        .fetch_one(conn)
        .await?)
}

/// A membership joined with the identity it belongs to. `client_id` is set when the
/// identity has universal auth.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct IdentityMemberRow {
    pub id: MembershipId,
    pub role: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub identity_id: IdentityId,
    pub name: String,
    pub client_id: Option<String>,
}

/// A membership joined with the user it belongs to.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct UserMemberRow {
    pub id: MembershipId,
    pub role: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub user_id: UserId,
    pub email: String,
    pub username: String,
    pub first_name: String,
    pub last_name: String,
    #[sqlx(try_from = "crate::flag::Flag")]
    pub super_admin: bool,
}

const IDENTITY_MEMBER_COLUMNS: &str =
    "m.id, m.role, m.created_at, m.updated_at, i.id AS identity_id, i.name, ua.client_id";
const USER_MEMBER_COLUMNS: &str = "m.id, m.role, m.created_at, m.updated_at, u.id AS user_id, u.email, u.username, \
     u.first_name, u.last_name, (u.super_admin = TRUE) AS super_admin";

/// Identities of an organization with their organization role, by name.
pub async fn list_org_identities(conn: &mut Conn, org: &OrgId) -> Result<Vec<IdentityMemberRow>> {
    let sql = format!(
        "SELECT {IDENTITY_MEMBER_COLUMNS} FROM org_memberships m JOIN identities i ON i.id = m.identity_id
         LEFT JOIN universal_auths ua ON ua.identity_id = i.id WHERE m.org_id = $1 ORDER BY i.name, i.id"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(org.as_str()).fetch_all(conn).await?)
}

/// Users of an organization with their organization role, by email.
pub async fn list_org_users(conn: &mut Conn, org: &OrgId) -> Result<Vec<UserMemberRow>> {
    let sql = format!(
        "SELECT {USER_MEMBER_COLUMNS} FROM org_memberships m JOIN users u ON u.id = m.user_id
         WHERE m.org_id = $1 ORDER BY u.email"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(org.as_str()).fetch_all(conn).await?)
}

/// Identities that are members of a project, in the order they were added.
pub async fn list_project_identities(conn: &mut Conn, project: &ProjectId) -> Result<Vec<IdentityMemberRow>> {
    let sql = format!(
        "SELECT {IDENTITY_MEMBER_COLUMNS} FROM project_memberships m JOIN identities i ON i.id = m.identity_id
         LEFT JOIN universal_auths ua ON ua.identity_id = i.id WHERE m.project_id = $1 ORDER BY m.created_at, m.id"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(project.as_str()).fetch_all(conn).await?)
}

/// Users that are members of a project, in the order they were added.
pub async fn list_project_users(conn: &mut Conn, project: &ProjectId) -> Result<Vec<UserMemberRow>> {
    let sql = format!(
        "SELECT {USER_MEMBER_COLUMNS} FROM project_memberships m JOIN users u ON u.id = m.user_id
         WHERE m.project_id = $1 ORDER BY m.created_at, m.id"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(project.as_str()).fetch_all(conn).await?)
}

/// A project membership by its id, within that project.
pub async fn project_membership_by_id(
    conn: &mut Conn,
    project: &ProjectId,
    id: &MembershipId,
) -> Result<Option<MembershipRow>> {
    Ok(sqlx::query_as(
        "SELECT id, user_id, identity_id, role, created_at, updated_at FROM project_memberships
         WHERE project_id = $1 AND id = $2",
    )
    .bind(project.as_str())
    .bind(id)
    .fetch_optional(conn)
    .await?)
}
