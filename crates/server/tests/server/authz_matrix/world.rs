//! The authorization matrix's world: one server (with the fake Railway and a local OIDC
//! issuer), the principals every operation is tried as, the fixtures the requests point
//! at (named by `{placeholders}`), and fresh objects made per allowed case for the
//! operations that destroy or consume what they touch.

use super::rules::Access;
use crate::sync_support::{self, ACCOUNT_TOKEN};
use serde_json::{Value, json};
use sluice_crypto::tokens;
use sluice_domain::{OrgId, OrgRole, ProjectId, ProjectRole};
use sluice_railway_fake::FakeRailway;
use sluice_server::features::auth::service::{TokenLifetime, issue_token};
use sluice_server::features::identities::service::create_identity;
use sluice_storage::memberships::{self, Principal};
use sluice_testkit::TestApp;
use sluice_testkit::oidc_issuer::{OidcIssuer, SigningKey};
use std::collections::HashMap;
use std::sync::atomic::AtomicUsize;

/// The audience the matrix's OIDC identity accepts.
pub const AUDIENCE: &str = "sluice-matrix";

/// What a principal is to the organization and project under test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    /// No usable credentials (none, garbage, revoked, expired, logged out): always 401.
    Invalid,
    /// Valid credentials of another organization.
    Stranger,
    /// A member of the organization, with this role in the project (none: no access).
    Member(Option<ProjectRole>),
    /// An admin of the organization (so of every project in it).
    OrgAdmin,
}

/// Someone an operation is tried as.
pub struct Who {
    pub name: &'static str,
    pub standing: Standing,
    /// `None`: no `Authorization` header.
    pub token: Option<String>,
    /// The principal behind a valid token (to mint a fresh token for calls that end it).
    pub principal: Option<Principal>,
    /// The user who set the instance up (`superAdmin`).
    pub instance_admin: bool,
}

impl Who {
    fn new(name: &'static str, standing: Standing, token: String, principal: Principal) -> Who {
        Who { name, standing, token: Some(token), principal: Some(principal), instance_admin: false }
    }

    fn invalid(name: &'static str, token: Option<String>) -> Who {
        Who { name, standing: Standing::Invalid, token, principal: None, instance_admin: false }
    }

    /// Whether a valid token of a user (not a machine identity).
    fn is_user(&self) -> bool {
        self.standing != Standing::Invalid && matches!(self.principal, Some(Principal::User(_)))
    }
}

impl Who {
    /// Whether `access` lets this principal through.
    pub fn allowed(&self, access: Access) -> bool {
        use Standing::*;
        let role = match self.standing {
            Invalid => return access == Access::Public,
            Stranger => None,
            Member(role) => role,
            OrgAdmin => Some(ProjectRole::Admin),
        };
        match access {
            Access::Public | Access::Authenticated => true,
            Access::User => self.is_user(),
            Access::OrgMember => matches!(self.standing, Member(_) | OrgAdmin),
            Access::OrgAdmin => self.standing == OrgAdmin,
            Access::InstanceAdmin => self.instance_admin,
            Access::Read => role.is_some_and(ProjectRole::can_read),
            Access::Write => role.is_some_and(ProjectRole::can_write),
            Access::Admin => role.is_some_and(ProjectRole::can_administer),
        }
    }
}

/// A project member, as the membership API names them.
pub enum Member {
    /// An identity id.
    Identity(String),
    /// A user's email.
    User(String),
}

/// The server, its principals and the fixtures' ids.
pub struct World {
    pub app: TestApp,
    /// Kept running: the connections and syncs talk to it.
    _fake: FakeRailway,
    pub issuer: OidcIssuer,
    pub key: SigningKey,
    pub principals: Vec<Who>,
    /// `{name}` → value, substituted into every request.
    pub vars: HashMap<&'static str, String>,
    /// The principals with a role in the project under test (a fresh project gets the
    /// same members).
    pub members: Vec<(Member, ProjectRole)>,
    /// Fresh objects made so far.
    pub made: AtomicUsize,
}

/// A fresh 8-character id for names and keys.
pub fn uniq() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..8].to_string()
}

/// A new identity in `org` with a token; optionally a role in `project`.
pub async fn identity(
    app: &TestApp,
    org: &str,
    org_role: OrgRole,
    project: Option<(&str, ProjectRole)>,
) -> (String, String, Principal) {
    let mut tx = app.state().store.write().await.expect("tx");
    let ident = create_identity(&mut tx, &OrgId::from_trusted(org), &format!("matrix-{}", uniq()), org_role)
        .await
        .expect("identity");
    let who = Principal::Identity(ident.id.clone());
    if let Some((p, role)) = project {
        memberships::add_project_member(&mut tx, &ProjectId::from_trusted(p), &who, role).await.expect("member");
    }
    tx.commit().await.expect("commit");
    let token = token_for(app, &who).await;
    (ident.id.into_string(), token, who)
}

/// A new access token for `who`.
pub async fn token_for(app: &TestApp, who: &Principal) -> String {
    let mut tx = app.state().store.write().await.expect("tx");
    let life = TokenLifetime { ttl: 3600, max_ttl: 3600, num_uses_limit: 0 };
    let token = issue_token(&mut tx, who, None, life).await.expect("token");
    tx.commit().await.expect("commit");
    token.access_token.expose().to_string()
}

/// The text at a JSON pointer of an answer (an id, mostly).
pub fn id_at(v: &Value, pointer: &str) -> String {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or_else(|| panic!("no {pointer} in {v}")).to_string()
}

impl World {
    pub async fn build() -> World {
        let (fake, app) = sync_support::start().await;
        let key = SigningKey::rsa("matrix");
        let issuer = OidcIssuer::start(&[&key]).await;
        let mut w = World {
            app,
            _fake: fake,
            issuer,
            key,
            principals: Vec::new(),
            vars: HashMap::new(),
            members: Vec::new(),
            made: AtomicUsize::new(0),
        };
        w.fixtures().await;
        w.principals().await;
        w
    }

    pub fn var(&self, name: &str) -> &str {
        self.vars.get(name).map(String::as_str).unwrap_or_else(|| panic!("no fixture {{{name}}}"))
    }

    /// Replaces every `{name}` of a known fixture (and the given extras) in `text`.
    pub fn fill(&self, text: &str, extra: &HashMap<&'static str, String>) -> String {
        let mut out = text.to_string();
        for (k, v) in extra.iter().chain(self.vars.iter()) {
            out = out.replace(&format!("{{{k}}}"), v);
        }
        out
    }

    async fn fixtures(&mut self) {
        let app = &self.app;
        let api = &app.api;
        let project = app.project_id().to_string();
        let org = app.org_id().to_string();
        self.vars.insert("project", project.clone());
        self.vars.insert("org", org.clone());
        self.vars.insert("admin_email", app.creds.admin_email.clone());
        self.vars.insert("admin_password", app.creds.admin_password.clone());
        self.vars.insert("client_id", app.creds.client_id.clone());
        self.vars.insert("client_secret_value", app.creds.client_secret.clone());
        self.vars.insert("issuer", self.issuer.url.clone());
        self.vars.insert("audience", AUDIENCE.to_string());

        let p = api.get(&format!("/api/v1/projects/{project}")).await.expect(200);
        self.vars.insert("project_slug", id_at(&p, "/project/slug"));
        let staging = p["project"]["environments"]
            .as_array()
            .expect("environments")
            .iter()
            .find(|e| e["slug"] == "staging")
            .expect("staging")["id"]
            .as_str()
            .expect("env id")
            .to_string();
        self.vars.insert("env_id", staging);

        sync_support::put_secret(app, "dev", "/", "MATRIX_KEY", "matrix-value").await;
        self.vars.insert("secret_name", "MATRIX_KEY".to_string());
        let folder = api
            .post("/api/v1/folders", json!({"workspaceId": project, "environment": "dev", "name": "mx", "path": "/"}))
            .await
            .expect(200);
        self.vars.insert("folder", id_at(&folder, "/folder/id"));
        self.vars.insert("folder_name", "mx".to_string());
        let import = json!({"workspaceId": project, "environment": "dev", "path": "/mx",
            "import": {"environment": "prod", "path": "/"}});
        let import = api.post("/api/v1/secret-imports", import).await.expect(200);
        self.vars.insert("import", id_at(&import, "/secretImport/id"));
        let tag = api.post(&format!("/api/v1/projects/{project}/tags"), json!({"slug": "matrix"})).await.expect(200);
        self.vars.insert("tag", id_at(&tag, "/tag/id"));
        self.vars.insert("tag_slug", "matrix".to_string());
        let conn = sync_support::connection(app, "matrix-conn", "account-token", ACCOUNT_TOKEN).await;
        self.vars.insert("conn", id_at(&conn, "/id"));
        self.vars.insert("conn_name", "matrix-conn".to_string());
        let sync = api
            .post(sync_support::SYNCS, sync_support::sync_body(app, "matrix-sync", self.var("conn"), "/"))
            .await
            .expect(200);
        self.vars.insert("sync", id_at(&sync, "/secretSync/id"));
        // Run it once, so its drift can be checked.
        api.post(&format!("{}/{}/sync-secrets", sync_support::SYNCS, self.var("sync")), json!({})).await.expect(200);
        app.drain_all().await;
        self.vars.insert("sync_name", "matrix-sync".to_string());
        let channel = json!({"name": "matrix-channel", "type": "webhook", "url": "https://hooks.example.com/matrix"});
        let channel = api.post(&format!("/api/v1/projects/{project}/notification-channels"), channel).await.expect(200);
        self.vars.insert("channel", id_at(&channel, "/notificationChannel/id"));

        // An identity with universal auth and a client secret; one with OIDC; one bare.
        let (ua, _, _) = identity(app, &org, OrgRole::Member, None).await;
        let ua_path = format!("/api/v1/auth/universal-auth/identities/{ua}");
        api.post(&ua_path, json!({})).await.expect(200);
        let cs = api.post(&format!("{ua_path}/client-secrets"), json!({})).await.expect(200);
        self.vars.insert("client_secret", id_at(&cs, "/clientSecretData/id"));
        self.vars.insert("identity", ua);
        let (oidc, _, _) = identity(app, &org, OrgRole::Member, Some((&project, ProjectRole::Viewer))).await;
        let oidc_body = json!({"oidcDiscoveryUrl": self.issuer.url, "boundIssuer": self.issuer.url,
            "boundAudiences": AUDIENCE, "boundSubject": "*"});
        api.post(&format!("/api/v1/auth/oidc-auth/identities/{oidc}"), oidc_body).await.expect(200);
        self.vars.insert("oidc_identity", oidc);
        let (bare, _, _) = identity(app, &org, OrgRole::Member, None).await;
        self.vars.insert("bare_identity", bare);
        // An identity that is only a project member (for membership reads and refused edits).
        let (member, _, _) = identity(app, &org, OrgRole::Member, Some((&project, ProjectRole::Viewer))).await;
        self.vars.insert("member_identity", member);

        // A user of the organization who is a project member.
        let (email, org_membership) = self.org_user().await;
        let membership = self.project_user(&email).await;
        self.vars.insert("user_email", email);
        self.vars.insert("org_membership", org_membership);
        self.vars.insert("user_membership", membership);
    }

    /// A new user of the organization: (email, organization membership id).
    async fn org_user(&self) -> (String, String) {
        let email = format!("u{}@example.com", uniq());
        let users = format!("/api/v1/organization/{}/users", self.app.org_id());
        let added =
            self.app.api.post(&users, json!({"email": email, "password": "a long matrix password"})).await.expect(200);
        (email, id_at(&added, "/membership/id"))
    }

    /// Adds a user of the organization to the project as a viewer: the membership id.
    async fn project_user(&self, email: &str) -> String {
        let path = format!("/api/v1/projects/{}/memberships", self.app.project_id());
        let rows = self.app.api.post(&path, json!({"emails": [email], "roleSlugs": ["viewer"]})).await.expect(200);
        id_at(&rows, "/memberships/0/id")
    }

    async fn principals(&mut self) {
        let app = &self.app;
        let org = app.org_id().to_string();
        let project = app.project_id().to_string();
        let mut list = vec![Who::invalid("no token", None), Who::invalid("garbage token", Some("not-a-token".into()))];

        // A universal-auth token revoked through the API.
        let m = crate::access_support::machine(app, "member").await;
        app.anonymous().post("/api/v1/auth/token/revoke", json!({"accessToken": m.token})).await.expect(200);
        list.push(Who::invalid("revoked token", Some(m.token)));
        // A user session logged out.
        let user = crate::access_support::admin_user(app).await;
        user.post("/api/v1/auth/logout", json!({})).await.expect(200);
        list.push(Who::invalid("logged-out user", user.token.clone()));
        // A token past its expiry (the clock moved in storage, no sleeping).
        let (_, expired, _) = identity(app, &org, OrgRole::Admin, None).await;
        crate::access_support::expire_token(app, &expired, false).await;
        list.push(Who::invalid("expired token", Some(expired)));

        // Another organization's admin (with a project of its own).
        let (other_org, other_project, other) = sync_support::other_org(app).await;
        let other_token = other.token.clone().expect("token");
        let other_principal = principal_of(app, &other_token).await;
        self.vars.insert("other_org", other_org);
        self.vars.insert("other_org_project", other_project);
        self.vars.insert("other_token", other_token.clone());
        list.push(Who::new("other organization's admin", Standing::Stranger, other_token, other_principal));

        // Members of this organization.
        let (_, t, p) = identity(app, &org, OrgRole::Member, None).await;
        list.push(Who::new("org member without access", Standing::Member(None), t, p));
        for (name, role) in
            [("viewer", ProjectRole::Viewer), ("member", ProjectRole::Member), ("project admin", ProjectRole::Admin)]
        {
            let (id, t, p) = identity(app, &org, OrgRole::Member, Some((&project, role))).await;
            self.members.push((Member::Identity(id), role));
            list.push(Who::new(name, Standing::Member(Some(role)), t, p));
        }
        // An admin of another project of this organization.
        let body = json!({"projectName": "Theirs", "organizationId": org});
        let their_project = id_at(&app.api.post("/api/v1/projects", body).await.expect(200), "/project/id");
        let (_, t, p) = identity(app, &org, OrgRole::Member, Some((&their_project, ProjectRole::Admin))).await;
        self.vars.insert("their_project", their_project);
        list.push(Who::new("another project's admin", Standing::Member(None), t, p));
        // The organization's admins: its machine identity and its user.
        let token = app.creds.access_token.clone();
        let p = principal_of(app, &token).await;
        list.push(Who::new("org admin", Standing::OrgAdmin, token, p));
        let admin_user = crate::access_support::admin_user(app).await.token.expect("token");
        let p = principal_of(app, &admin_user).await;
        list.push(Who { instance_admin: true, ..Who::new("org admin user", Standing::OrgAdmin, admin_user, p) });
        if super::long_mode() {
            list.extend(self.user_principals().await);
        }
        self.principals = list;
    }

    /// Long mode: the same roles held by users (signed in with a password) instead of
    /// machine identities, since users reach their memberships by another path.
    async fn user_principals(&mut self) -> Vec<Who> {
        let project = self.app.project_id().to_string();
        let mut out = Vec::new();
        for (name, role) in [
            ("user without access", None),
            ("viewer user", Some("viewer")),
            ("member user", Some("member")),
            ("project admin user", Some("admin")),
        ] {
            let (email, _) = self.org_user().await;
            if let Some(role) = role {
                let path = format!("/api/v1/projects/{project}/memberships");
                self.app.api.post(&path, json!({"emails": [email], "roleSlugs": [role]})).await.expect(200);
                self.members.push((Member::User(email.clone()), role.parse().expect("role")));
            }
            let login = json!({"email": email, "password": "a long matrix password"});
            let token =
                id_at(&self.app.anonymous().post("/api/v1/auth/login", login).await.expect(200), "/accessToken");
            let principal = principal_of(&self.app, &token).await;
            let role = role.map(|r| r.parse::<ProjectRole>().expect("role"));
            out.push(Who::new(name, Standing::Member(role), token, principal));
        }
        out
    }

    /// Mints a token for a principal whose call ends its own token (logout).
    pub async fn fresh_token(&self, who: &Who) -> Option<String> {
        match &who.principal {
            Some(p) => Some(token_for(&self.app, p).await),
            None => who.token.clone(),
        }
    }

    /// Moves a fresh project's members in line with the project under test's.
    pub async fn mirror_members(&self, project: &str) {
        for (who, role) in &self.members {
            let (path, body) = match who {
                Member::Identity(id) => {
                    (format!("/api/v1/projects/{project}/identity-memberships/{id}"), json!({"role": role.as_str()}))
                }
                Member::User(email) => (
                    format!("/api/v1/projects/{project}/memberships"),
                    json!({"emails": [email], "roleSlugs": [role.as_str()]}),
                ),
            };
            self.app.api.post(&path, body).await.expect(200);
        }
    }
}

/// The principal a token belongs to, read from storage.
pub async fn principal_of(app: &TestApp, token: &str) -> Principal {
    use sqlx::Row;
    let mut conn = app.state().store.read().await.expect("conn");
    let row = sqlx::query("SELECT user_id, identity_id FROM access_tokens WHERE token_hash = $1")
        .bind(tokens::digest(token))
        .fetch_one(&mut *conn)
        .await
        .expect("token row");
    match (row.get::<Option<String>, _>("user_id"), row.get::<Option<String>, _>("identity_id")) {
        (Some(u), _) => Principal::User(sluice_domain::UserId::from_trusted(&u)),
        (_, Some(i)) => Principal::Identity(sluice_domain::IdentityId::from_trusted(&i)),
        _ => panic!("a token of nobody"),
    }
}
