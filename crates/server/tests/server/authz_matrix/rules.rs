//! The matrix's one table: for every operation of the OpenAPI document ("METHOD path" as
//! the document writes it), who may call it and a valid request (path, query and body,
//! with `{placeholders}` filled from the fixtures), so that only authorization can refuse.
//!
//! The project under test is `{project}` (organization `{org}`); a role in it is
//! [`Access::Read`] (viewer and up), [`Access::Write`] (member and up) or
//! [`Access::Admin`]; organization admins are admins of every project. A request that
//! destroys or consumes what it names takes a [`Fresh`] object per allowed case
//! (`{fresh}`, `{fresh_name}`), and the long-lived fixture of the same kind in the
//! refused cases (so a refusal that let the call through shows at the end, when the
//! fixtures are read back).

/// Who may call an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone: the body carries the credentials (logins, token renewal), or nothing is
    /// private (status). Every principal gets the rule's success status.
    Public,
    /// Any valid token, whatever its organization (answers about the caller).
    Authenticated,
    /// Any signed-in user (not machine identities), whatever their organization.
    User,
    /// Members of `{org}`.
    OrgMember,
    /// Admins of `{org}`.
    OrgAdmin,
    /// The user who set the instance up (`superAdmin`), whatever the organization.
    InstanceAdmin,
    /// Viewers of `{project}` and up.
    Read,
    /// Members (developers) of `{project}` and up.
    Write,
    /// Admins of `{project}`.
    Admin,
}

/// An object made for each allowed case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fresh {
    None,
    /// A project with the same members as `{project}`.
    Project,
    Folder,
    /// An import in a fresh folder (`{fresh_name}` is the folder's name).
    Import,
    Tag,
    Connection,
    Sync,
    Channel,
    Environment,
    Secret,
    /// An identity of `{org}` (no auth method, no project).
    Identity,
    /// An identity of `{org}` with universal auth attached.
    UaIdentity,
    /// An identity of `{org}` with OIDC auth attached.
    OidcIdentity,
    /// A client secret of `{identity}`.
    ClientSecret,
    /// An identity of `{org}` that is a viewer of `{project}`.
    IdentityMember,
    /// A user of `{org}` (`{fresh}`: organization membership id, `{fresh_name}`: email).
    OrgUser,
    /// A user of `{org}` who is a viewer of `{project}` (`{fresh}`: project membership id).
    UserMember,
    /// An access token of a machine identity (in the body of renew and revoke).
    AccessToken,
    /// A JWT for `{oidc_identity}` signed by the local issuer.
    Jwt,
    /// The caller's own token, freshly minted (logout ends it).
    CallerToken,
}

impl Fresh {
    /// The fixture a refused case names instead: (`{fresh}`, `{fresh_name}`).
    pub fn fixture(self) -> (&'static str, &'static str) {
        match self {
            Fresh::None | Fresh::AccessToken | Fresh::Jwt | Fresh::CallerToken => ("", ""),
            Fresh::Project => ("project", "project_slug"),
            Fresh::Folder => ("folder", "folder_name"),
            Fresh::Import => ("import", "folder_name"),
            Fresh::Tag => ("tag", "tag_slug"),
            Fresh::Connection => ("conn", "conn_name"),
            Fresh::Sync => ("sync", "sync_name"),
            Fresh::Channel => ("channel", ""),
            Fresh::Environment => ("env_id", ""),
            Fresh::Secret => ("", "secret_name"),
            Fresh::Identity => ("bare_identity", ""),
            Fresh::UaIdentity => ("identity", ""),
            Fresh::OidcIdentity => ("oidc_identity", ""),
            Fresh::ClientSecret => ("client_secret", ""),
            Fresh::IdentityMember => ("member_identity", ""),
            Fresh::OrgUser => ("org_membership", "user_email"),
            Fresh::UserMember => ("user_membership", "user_email"),
        }
    }
}

/// One operation's rule.
#[derive(Clone, Debug)]
pub struct Rule {
    /// "METHOD path" as in the OpenAPI document.
    pub op: &'static str,
    pub access: Access,
    /// The request's path and query, with placeholders.
    pub path: &'static str,
    /// The JSON body with placeholders ("" for none).
    pub body: &'static str,
    pub fresh: Fresh,
    /// The status the allowed cases get, when not any 2xx (a valid request that still
    /// cannot succeed, such as confirming a plan that is not held: it proves the caller
    /// got past authorization to the check behind it).
    pub ok: Option<u16>,
}

impl Rule {
    pub fn method(&self) -> reqwest::Method {
        self.op.split(' ').next().expect("method").parse().expect("an HTTP method")
    }

    fn fresh(mut self, f: Fresh) -> Self {
        self.fresh = f;
        self
    }

    fn ok(mut self, status: u16) -> Self {
        self.ok = Some(status);
        self
    }
}

fn r(op: &'static str, access: Access, path: &'static str, body: &'static str) -> Rule {
    Rule { op, access, path, body, fresh: Fresh::None, ok: None }
}

const LOGIN: &str = r#"{"email": "{admin_email}", "password": "{admin_password}"}"#;
const SYNC: &str = r#"{"name": "s-{uniq}", "projectId": "{project}", "connectionId": "{conn}",
    "environment": "dev", "secretPath": "/",
    "syncOptions": {"initialSyncBehavior": "overwrite-destination", "keySchema": "M{UNIQ}_{{secretKey}}"},
    "destinationConfig": {"projectId": "33333333-3333-4333-8333-333333333333", "projectName": "shop",
        "environmentId": "44444444-4444-4444-8444-444444444444", "environmentName": "production",
        "serviceId": "66666666-6666-4666-8666-666666666666", "serviceName": "api"}}"#;
const DESTINATION: &str = r#"{"connectionId": "{conn}", "projectId": "{project}",
    "destinationConfig": {"projectId": "33333333-3333-4333-8333-333333333333",
        "environmentId": "44444444-4444-4444-8444-444444444444", "serviceId": "66666666-6666-4666-8666-666666666666"}}"#;
const CONNECTION: &str = r#"{"name": "c-{uniq}", "method": "account-token", "organizationId": "{org}",
    "credentials": {"apiToken": "a0000000-0000-4000-8000-000000000001"}}"#;
const FOLDER_IN: &str = r#"{"workspaceId": "{project}", "environment": "dev", "name": "f{uniq}", "path": "/"}"#;
const FOLDER_PATCH: &str =
    r#"{"workspaceId": "{project}", "environment": "dev", "name": "mx", "description": "d{uniq}"}"#;
const FOLDER_DELETE: &str = r#"{"workspaceId": "{project}", "environment": "dev", "path": "/"}"#;
const UA_SETTINGS: &str = r#"{"accessTokenTTL": 3600, "accessTokenMaxTTL": 7200}"#;
const OIDC_SETTINGS: &str = r#"{"oidcDiscoveryUrl": "{issuer}", "boundIssuer": "{issuer}",
    "boundAudiences": "{audience}", "boundSubject": "*"}"#;
const ENV_IN: &str = r#"{"name": "E{uniq}", "slug": "e{uniq}"}"#;
const ENV_PATCH: &str = r#"{"name": "Staging"}"#;
const VIEWER: &str = r#"{"role": "viewer"}"#;
const MEMBER: &str = r#"{"role": "member"}"#;
const TAG_IN: &str = r#"{"slug": "t{uniq}"}"#;
const TAG_PATCH: &str = r##"{"color": "#ef4444"}"##;
const V3_SECRET: &str = r#"{"workspaceId": "{project}", "environment": "dev", "secretValue": "v-{uniq}"}"#;
const V3_WHERE: &str = r#"{"workspaceId": "{project}", "environment": "dev"}"#;
const V4_SECRET: &str = r#"{"projectId": "{project}", "environment": "dev", "secretValue": "v-{uniq}"}"#;
const V4_WHERE: &str = r#"{"projectId": "{project}", "environment": "dev"}"#;
const V3_BATCH_IN: &str = r#"{"workspaceId": "{project}", "environment": "dev",
    "secrets": [{"secretKey": "B{UNIQ}", "secretValue": "v"}]}"#;
const V3_BATCH_PATCH: &str = r#"{"workspaceId": "{project}", "environment": "dev",
    "secrets": [{"secretKey": "MATRIX_KEY", "secretValue": "v-{uniq}"}]}"#;
const V3_BATCH_DELETE: &str =
    r#"{"workspaceId": "{project}", "environment": "dev", "secrets": [{"secretKey": "{fresh_name}"}]}"#;
const V4_BATCH_IN: &str = r#"{"projectId": "{project}", "environment": "dev",
    "secrets": [{"secretKey": "B{UNIQ}", "secretValue": "v"}]}"#;
const V4_BATCH_PATCH: &str = r#"{"projectId": "{project}", "environment": "dev",
    "secrets": [{"secretKey": "MATRIX_KEY", "secretValue": "v-{uniq}"}]}"#;
const V4_BATCH_DELETE: &str =
    r#"{"projectId": "{project}", "environment": "dev", "secrets": [{"secretKey": "{fresh_name}"}]}"#;
const IMPORT_IN: &str = r#"{"workspaceId": "{project}", "environment": "dev", "path": "/{fresh_name}",
    "import": {"environment": "prod", "path": "/"}}"#;
const IMPORT_PATCH: &str =
    r#"{"workspaceId": "{project}", "environment": "dev", "path": "/mx", "import": {"position": 1}}"#;
const IMPORT_DELETE: &str = r#"{"workspaceId": "{project}", "environment": "dev", "path": "/{fresh_name}"}"#;
const PROJECT_IN: &str = r#"{"projectName": "p-{uniq}", "organizationId": "{org}"}"#;
const ORG_USER_IN: &str = r#"{"email": "n{uniq}@example.com", "password": "a long matrix password"}"#;

/// Every operation's rule.
pub fn rules() -> Vec<Rule> {
    use Access::*;
    use Fresh as F;
    vec![
        // Status and bootstrap.
        r("GET /api/ready", Public, "/api/ready", ""),
        r("GET /api/status", Public, "/api/status", ""),
        r(
            "POST /api/v1/admin/bootstrap",
            Public,
            "/api/v1/admin/bootstrap",
            r#"{"email": "b{uniq}@example.com", "password": "a long matrix password", "organization": "B"}"#,
        )
        .ok(400),
        // App connections (they belong to the organization).
        r("GET /api/v1/app-connections", OrgMember, "/api/v1/app-connections?organizationId={org}", ""),
        r("GET /api/v1/app-connections/options", Authenticated, "/api/v1/app-connections/options", ""),
        r("GET /api/v1/app-connections/railway", OrgMember, "/api/v1/app-connections/railway?organizationId={org}", ""),
        r("POST /api/v1/app-connections/railway", OrgAdmin, "/api/v1/app-connections/railway", CONNECTION),
        r(
            "GET /api/v1/app-connections/railway/available",
            OrgMember,
            "/api/v1/app-connections/railway/available?organizationId={org}",
            "",
        ),
        r(
            "GET /api/v1/app-connections/railway/connection-name/{connectionName}",
            OrgMember,
            "/api/v1/app-connections/railway/connection-name/{conn_name}?organizationId={org}",
            "",
        ),
        r(
            "GET /api/v1/app-connections/railway/{connectionId}",
            OrgMember,
            "/api/v1/app-connections/railway/{conn}",
            "",
        ),
        r(
            "DELETE /api/v1/app-connections/railway/{connectionId}",
            OrgAdmin,
            "/api/v1/app-connections/railway/{fresh}",
            "",
        )
        .fresh(F::Connection),
        r(
            "PATCH /api/v1/app-connections/railway/{connectionId}",
            OrgAdmin,
            "/api/v1/app-connections/railway/{conn}",
            r#"{"description": "d-{uniq}"}"#,
        ),
        r(
            "GET /api/v1/app-connections/railway/{connectionId}/projects",
            OrgMember,
            "/api/v1/app-connections/railway/{conn}/projects",
            "",
        ),
        // Logins and tokens.
        r("POST /api/v1/auth/login", Public, "/api/v1/auth/login", LOGIN),
        r("POST /api/v1/auth/session", Public, "/api/v1/auth/session", LOGIN),
        r("POST /api/v1/auth/logout", Authenticated, "/api/v1/auth/logout", "{}").fresh(F::CallerToken),
        r(
            "POST /api/v1/auth/universal-auth/login",
            Public,
            "/api/v1/auth/universal-auth/login",
            r#"{"clientId": "{client_id}", "clientSecret": "{client_secret_value}"}"#,
        ),
        r(
            "POST /api/v1/auth/oidc-auth/login",
            Public,
            "/api/v1/auth/oidc-auth/login",
            r#"{"identityId": "{oidc_identity}", "jwt": "{fresh}"}"#,
        )
        .fresh(F::Jwt),
        r("POST /api/v1/auth/token/renew", Public, "/api/v1/auth/token/renew", r#"{"accessToken": "{fresh}"}"#)
            .fresh(F::AccessToken),
        r("POST /api/v1/auth/token/revoke", Public, "/api/v1/auth/token/revoke", r#"{"accessToken": "{fresh}"}"#)
            .fresh(F::AccessToken),
        r("GET /api/v1/users/me", Authenticated, "/api/v1/users/me", ""),
        r("GET /api/v2/users/me", Authenticated, "/api/v2/users/me", ""),
        // Sign-in locks of the organization's accounts (organization admins).
        r(
            "GET /api/v1/organization/{organizationId}/login-locks",
            OrgAdmin,
            "/api/v1/organization/{org}/login-locks",
            "",
        ),
        r(
            "DELETE /api/v1/organization/{organizationId}/login-locks/{kind}/{account}",
            OrgAdmin,
            "/api/v1/organization/{org}/login-locks/identity/{identity}",
            "",
        ),
        // Sign-in locks of client addresses (instance admins).
        r("GET /api/v1/admin/login-locks", InstanceAdmin, "/api/v1/admin/login-locks", ""),
        r("DELETE /api/v1/admin/login-locks/ip/{address}", InstanceAdmin, "/api/v1/admin/login-locks/ip/192.0.2.7", ""),
        // Auth methods of identities (organization admins).
        r(
            "GET /api/v1/auth/universal-auth/identities/{identityId}",
            OrgAdmin,
            "/api/v1/auth/universal-auth/identities/{identity}",
            "",
        ),
        r(
            "POST /api/v1/auth/universal-auth/identities/{identityId}",
            OrgAdmin,
            "/api/v1/auth/universal-auth/identities/{fresh}",
            UA_SETTINGS,
        )
        .fresh(F::Identity),
        r(
            "DELETE /api/v1/auth/universal-auth/identities/{identityId}",
            OrgAdmin,
            "/api/v1/auth/universal-auth/identities/{fresh}",
            "",
        )
        .fresh(F::UaIdentity),
        r(
            "PATCH /api/v1/auth/universal-auth/identities/{identityId}",
            OrgAdmin,
            "/api/v1/auth/universal-auth/identities/{identity}",
            UA_SETTINGS,
        ),
        r(
            "GET /api/v1/auth/universal-auth/identities/{identityId}/client-secrets",
            OrgAdmin,
            "/api/v1/auth/universal-auth/identities/{identity}/client-secrets",
            "",
        ),
        r(
            "POST /api/v1/auth/universal-auth/identities/{identityId}/client-secrets",
            OrgAdmin,
            "/api/v1/auth/universal-auth/identities/{identity}/client-secrets",
            r#"{"description": "matrix"}"#,
        ),
        r(
            "GET /api/v1/auth/universal-auth/identities/{identityId}/client-secrets/{clientSecretId}",
            OrgAdmin,
            "/api/v1/auth/universal-auth/identities/{identity}/client-secrets/{client_secret}",
            "",
        ),
        r(
            "POST /api/v1/auth/universal-auth/identities/{identityId}/client-secrets/{clientSecretId}/revoke",
            OrgAdmin,
            "/api/v1/auth/universal-auth/identities/{identity}/client-secrets/{fresh}/revoke",
            "{}",
        )
        .fresh(F::ClientSecret),
        r(
            "GET /api/v1/auth/oidc-auth/identities/{identityId}",
            OrgAdmin,
            "/api/v1/auth/oidc-auth/identities/{oidc_identity}",
            "",
        ),
        r(
            "POST /api/v1/auth/oidc-auth/identities/{identityId}",
            OrgAdmin,
            "/api/v1/auth/oidc-auth/identities/{fresh}",
            OIDC_SETTINGS,
        )
        .fresh(F::Identity),
        r(
            "DELETE /api/v1/auth/oidc-auth/identities/{identityId}",
            OrgAdmin,
            "/api/v1/auth/oidc-auth/identities/{fresh}",
            "",
        )
        .fresh(F::OidcIdentity),
        r(
            "PATCH /api/v1/auth/oidc-auth/identities/{identityId}",
            OrgAdmin,
            "/api/v1/auth/oidc-auth/identities/{oidc_identity}",
            OIDC_SETTINGS,
        ),
        // Identities.
        r("GET /api/v1/identities", OrgAdmin, "/api/v1/identities?orgId={org}", ""),
        r(
            "POST /api/v1/identities",
            OrgAdmin,
            "/api/v1/identities",
            r#"{"name": "i-{uniq}", "organizationId": "{org}", "role": "member"}"#,
        ),
        r("GET /api/v1/identities/{identityId}", OrgAdmin, "/api/v1/identities/{identity}", ""),
        r("DELETE /api/v1/identities/{identityId}", OrgAdmin, "/api/v1/identities/{fresh}", "").fresh(F::Identity),
        r("PATCH /api/v1/identities/{identityId}", OrgAdmin, "/api/v1/identities/{identity}", r#"{"role": "member"}"#),
        r(
            "GET /api/v2/organizations/{organizationId}/identity-memberships",
            OrgAdmin,
            "/api/v2/organizations/{org}/identity-memberships",
            "",
        ),
        // Organizations.
        r("GET /api/v1/organization", Authenticated, "/api/v1/organization", ""),
        r("POST /api/v2/organizations", User, "/api/v2/organizations", r#"{"name": "o-{uniq}"}"#),
        r("GET /api/v1/organization/{organizationId}", OrgMember, "/api/v1/organization/{org}", ""),
        r("GET /api/v1/organization/{organizationId}/users", OrgMember, "/api/v1/organization/{org}/users", ""),
        r(
            "POST /api/v1/organization/{organizationId}/users",
            OrgAdmin,
            "/api/v1/organization/{org}/users",
            ORG_USER_IN,
        ),
        r(
            "PATCH /api/v2/organizations/{organizationId}/memberships/{membershipId}",
            OrgAdmin,
            "/api/v2/organizations/{org}/memberships/{fresh}",
            r#"{"role": "member"}"#,
        )
        .fresh(F::OrgUser),
        r("GET /api/v1/organization/audit-logs", OrgAdmin, "/api/v1/organization/audit-logs?organizationId={org}", ""),
        // Projects.
        r("GET /api/v1/projects", Authenticated, "/api/v1/projects", ""),
        r("POST /api/v1/projects", OrgMember, "/api/v1/projects", PROJECT_IN),
        r("POST /api/v2/workspace", OrgMember, "/api/v2/workspace", PROJECT_IN),
        r("GET /api/v1/workspace", Authenticated, "/api/v1/workspace", ""),
        r("GET /api/v1/projects/slug/{slug}", Read, "/api/v1/projects/slug/{project_slug}", ""),
        r("GET /api/v2/workspace/{slug}", Read, "/api/v2/workspace/{project_slug}", ""),
        r("GET /api/v1/projects/{projectId}", Read, "/api/v1/projects/{project}", ""),
        r("GET /api/v1/workspace/{workspaceId}", Read, "/api/v1/workspace/{project}", ""),
        r("PATCH /api/v1/projects/{projectId}", Admin, "/api/v1/projects/{project}", r#"{"description": "d-{uniq}"}"#),
        r("DELETE /api/v1/projects/{projectId}", Admin, "/api/v1/projects/{fresh}", "").fresh(F::Project),
        r("DELETE /api/v1/workspace/{workspaceId}", Admin, "/api/v1/workspace/{fresh}", "").fresh(F::Project),
        r(
            "PUT /api/v1/projects/{projectId}/version-limit",
            Admin,
            "/api/v1/projects/{project}/version-limit",
            r#"{"pitVersionLimit": 10}"#,
        ),
        r(
            "PUT /api/v1/workspace/{workspaceId}/version-limit",
            Admin,
            "/api/v1/workspace/{project}/version-limit",
            r#"{"pitVersionLimit": 10}"#,
        ),
        r("GET /api/v1/projects/{projectId}/audit-logs", Admin, "/api/v1/projects/{project}/audit-logs", ""),
        // Environments.
        r("POST /api/v1/projects/{projectId}/environments", Admin, "/api/v1/projects/{project}/environments", ENV_IN),
        r(
            "POST /api/v1/workspace/{workspaceId}/environments",
            Admin,
            "/api/v1/workspace/{project}/environments",
            ENV_IN,
        ),
        r(
            "GET /api/v1/projects/{projectId}/environments/{envId}",
            Read,
            "/api/v1/projects/{project}/environments/{env_id}",
            "",
        ),
        r(
            "PATCH /api/v1/projects/{projectId}/environments/{envId}",
            Admin,
            "/api/v1/projects/{project}/environments/{env_id}",
            ENV_PATCH,
        ),
        r(
            "PATCH /api/v1/workspace/{workspaceId}/environments/{envId}",
            Admin,
            "/api/v1/workspace/{project}/environments/{env_id}",
            ENV_PATCH,
        ),
        r(
            "DELETE /api/v1/projects/{projectId}/environments/{envId}",
            Admin,
            "/api/v1/projects/{project}/environments/{fresh}",
            "",
        )
        .fresh(F::Environment),
        r(
            "DELETE /api/v1/workspace/{workspaceId}/environments/{envId}",
            Admin,
            "/api/v1/workspace/{project}/environments/{fresh}",
            "",
        )
        .fresh(F::Environment),
        // Project memberships: identities.
        r(
            "GET /api/v1/projects/{projectId}/identity-memberships",
            Read,
            "/api/v1/projects/{project}/identity-memberships",
            "",
        ),
        r(
            "GET /api/v2/workspace/{projectId}/identity-memberships",
            Read,
            "/api/v2/workspace/{project}/identity-memberships",
            "",
        ),
        r(
            "GET /api/v1/projects/{projectId}/identity-memberships/{identityId}",
            Read,
            "/api/v1/projects/{project}/identity-memberships/{member_identity}",
            "",
        ),
        r(
            "GET /api/v2/workspace/{projectId}/identity-memberships/{identityId}",
            Read,
            "/api/v2/workspace/{project}/identity-memberships/{member_identity}",
            "",
        ),
        r(
            "POST /api/v1/projects/{projectId}/identity-memberships/{identityId}",
            Admin,
            "/api/v1/projects/{project}/identity-memberships/{fresh}",
            VIEWER,
        )
        .fresh(F::Identity),
        r(
            "POST /api/v2/workspace/{projectId}/identity-memberships/{identityId}",
            Admin,
            "/api/v2/workspace/{project}/identity-memberships/{fresh}",
            VIEWER,
        )
        .fresh(F::Identity),
        r(
            "PATCH /api/v1/projects/{projectId}/identity-memberships/{identityId}",
            Admin,
            "/api/v1/projects/{project}/identity-memberships/{fresh}",
            MEMBER,
        )
        .fresh(F::IdentityMember),
        r(
            "PATCH /api/v2/workspace/{projectId}/identity-memberships/{identityId}",
            Admin,
            "/api/v2/workspace/{project}/identity-memberships/{fresh}",
            MEMBER,
        )
        .fresh(F::IdentityMember),
        r(
            "DELETE /api/v1/projects/{projectId}/identity-memberships/{identityId}",
            Admin,
            "/api/v1/projects/{project}/identity-memberships/{fresh}",
            "",
        )
        .fresh(F::IdentityMember),
        r(
            "DELETE /api/v2/workspace/{projectId}/identity-memberships/{identityId}",
            Admin,
            "/api/v2/workspace/{project}/identity-memberships/{fresh}",
            "",
        )
        .fresh(F::IdentityMember),
        // Project memberships: users.
        r("GET /api/v1/projects/{projectId}/memberships", Read, "/api/v1/projects/{project}/memberships", ""),
        r(
            "POST /api/v1/projects/{projectId}/memberships",
            Admin,
            "/api/v1/projects/{project}/memberships",
            r#"{"emails": ["{fresh_name}"], "roleSlugs": ["viewer"]}"#,
        )
        .fresh(F::OrgUser),
        r(
            "POST /api/v2/workspace/{projectId}/memberships",
            Admin,
            "/api/v2/workspace/{project}/memberships",
            r#"{"emails": ["{fresh_name}"], "roleSlugs": ["viewer"]}"#,
        )
        .fresh(F::OrgUser),
        r(
            "DELETE /api/v1/projects/{projectId}/memberships",
            Admin,
            "/api/v1/projects/{project}/memberships",
            r#"{"emails": ["{fresh_name}"]}"#,
        )
        .fresh(F::UserMember),
        r(
            "GET /api/v1/projects/{projectId}/memberships/{membershipId}",
            Read,
            "/api/v1/projects/{project}/memberships/{user_membership}",
            "",
        ),
        r(
            "PATCH /api/v1/projects/{projectId}/memberships/{membershipId}",
            Admin,
            "/api/v1/projects/{project}/memberships/{fresh}",
            r#"{"roles": [{"role": "member"}]}"#,
        )
        .fresh(F::UserMember),
        r(
            "DELETE /api/v1/projects/{projectId}/memberships/{membershipId}",
            Admin,
            "/api/v1/projects/{project}/memberships/{fresh}",
            "",
        )
        .fresh(F::UserMember),
        // Notification channels.
        r(
            "GET /api/v1/projects/{projectId}/notification-channels",
            Admin,
            "/api/v1/projects/{project}/notification-channels",
            "",
        ),
        r(
            "POST /api/v1/projects/{projectId}/notification-channels",
            Admin,
            "/api/v1/projects/{project}/notification-channels",
            r#"{"name": "n-{uniq}", "type": "webhook", "url": "https://hooks.example.com/{uniq}"}"#,
        ),
        r(
            "GET /api/v1/projects/{projectId}/notification-channels/{channelId}",
            Admin,
            "/api/v1/projects/{project}/notification-channels/{channel}",
            "",
        ),
        r(
            "PATCH /api/v1/projects/{projectId}/notification-channels/{channelId}",
            Admin,
            "/api/v1/projects/{project}/notification-channels/{channel}",
            r#"{"name": "matrix-channel"}"#,
        ),
        r(
            "DELETE /api/v1/projects/{projectId}/notification-channels/{channelId}",
            Admin,
            "/api/v1/projects/{project}/notification-channels/{fresh}",
            "",
        )
        .fresh(F::Channel),
        r(
            "GET /api/v1/projects/{projectId}/notification-channels/{channelId}/deliveries",
            Admin,
            "/api/v1/projects/{project}/notification-channels/{channel}/deliveries",
            "",
        ),
        r(
            "POST /api/v1/projects/{projectId}/notification-channels/{channelId}/rotate-secret",
            Admin,
            "/api/v1/projects/{project}/notification-channels/{channel}/rotate-secret",
            "{}",
        ),
        r(
            "POST /api/v1/projects/{projectId}/notification-channels/{channelId}/test",
            Admin,
            "/api/v1/projects/{project}/notification-channels/{channel}/test",
            "{}",
        ),
        // Tags, under both paths.
        r("GET /api/v1/projects/{projectId}/tags", Read, "/api/v1/projects/{project}/tags", ""),
        r("POST /api/v1/projects/{projectId}/tags", Write, "/api/v1/projects/{project}/tags", TAG_IN),
        r(
            "GET /api/v1/projects/{projectId}/tags/slug/{tagSlug}",
            Read,
            "/api/v1/projects/{project}/tags/slug/{tag_slug}",
            "",
        ),
        r("GET /api/v1/projects/{projectId}/tags/{tagId}", Read, "/api/v1/projects/{project}/tags/{tag}", ""),
        r("PATCH /api/v1/projects/{projectId}/tags/{tagId}", Write, "/api/v1/projects/{project}/tags/{tag}", TAG_PATCH),
        r("DELETE /api/v1/projects/{projectId}/tags/{tagId}", Write, "/api/v1/projects/{project}/tags/{fresh}", "")
            .fresh(F::Tag),
        r("GET /api/v1/workspace/{workspaceId}/tags", Read, "/api/v1/workspace/{project}/tags", ""),
        r("POST /api/v1/workspace/{workspaceId}/tags", Write, "/api/v1/workspace/{project}/tags", TAG_IN),
        r(
            "GET /api/v1/workspace/{workspaceId}/tags/slug/{tagSlug}",
            Read,
            "/api/v1/workspace/{project}/tags/slug/{tag_slug}",
            "",
        ),
        r("GET /api/v1/workspace/{workspaceId}/tags/{tagId}", Read, "/api/v1/workspace/{project}/tags/{tag}", ""),
        r(
            "PATCH /api/v1/workspace/{workspaceId}/tags/{tagId}",
            Write,
            "/api/v1/workspace/{project}/tags/{tag}",
            TAG_PATCH,
        ),
        r("DELETE /api/v1/workspace/{workspaceId}/tags/{tagId}", Write, "/api/v1/workspace/{project}/tags/{fresh}", "")
            .fresh(F::Tag),
        // Folders, v1 and v2.
        r("GET /api/v1/folders", Read, "/api/v1/folders?workspaceId={project}&environment=dev", ""),
        r("POST /api/v1/folders", Write, "/api/v1/folders", FOLDER_IN),
        r("GET /api/v1/folders/{folderId}", Read, "/api/v1/folders/{folder}", ""),
        r("PATCH /api/v1/folders/{folderId}", Write, "/api/v1/folders/{folder}", FOLDER_PATCH),
        r("DELETE /api/v1/folders/{folderId}", Write, "/api/v1/folders/{fresh}", FOLDER_DELETE).fresh(F::Folder),
        r("GET /api/v2/folders", Read, "/api/v2/folders?workspaceId={project}&environment=dev", ""),
        r("POST /api/v2/folders", Write, "/api/v2/folders", FOLDER_IN),
        r("GET /api/v2/folders/{folderId}", Read, "/api/v2/folders/{folder}", ""),
        r("PATCH /api/v2/folders/{folderId}", Write, "/api/v2/folders/{folder}", FOLDER_PATCH),
        r("DELETE /api/v2/folders/{folderId}", Write, "/api/v2/folders/{fresh}", FOLDER_DELETE).fresh(F::Folder),
        // Secret imports.
        r(
            "GET /api/v1/secret-imports",
            Read,
            "/api/v1/secret-imports?workspaceId={project}&environment=dev&path=/mx",
            "",
        ),
        r("POST /api/v1/secret-imports", Write, "/api/v1/secret-imports", IMPORT_IN).fresh(F::Folder),
        r(
            "GET /api/v1/secret-imports/secrets/raw",
            Read,
            "/api/v1/secret-imports/secrets/raw?workspaceId={project}&environment=dev&path=/mx",
            "",
        ),
        r("PATCH /api/v1/secret-imports/{secretImportId}", Write, "/api/v1/secret-imports/{import}", IMPORT_PATCH),
        r("DELETE /api/v1/secret-imports/{secretImportId}", Write, "/api/v1/secret-imports/{fresh}", IMPORT_DELETE)
            .fresh(F::Import),
        // Secrets, v3 (raw) and v4.
        r("GET /api/v3/secrets/raw", Read, "/api/v3/secrets/raw?workspaceId={project}&environment=dev", ""),
        r(
            "GET /api/v3/secrets/raw/{secretName}",
            Read,
            "/api/v3/secrets/raw/MATRIX_KEY?workspaceId={project}&environment=dev",
            "",
        ),
        r("POST /api/v3/secrets/raw/{secretName}", Write, "/api/v3/secrets/raw/K{UNIQ}", V3_SECRET),
        r("PATCH /api/v3/secrets/raw/{secretName}", Write, "/api/v3/secrets/raw/MATRIX_KEY", V3_SECRET),
        r("DELETE /api/v3/secrets/raw/{secretName}", Write, "/api/v3/secrets/raw/{fresh_name}", V3_WHERE)
            .fresh(F::Secret),
        r("POST /api/v3/secrets/batch/raw", Write, "/api/v3/secrets/batch/raw", V3_BATCH_IN),
        r("PATCH /api/v3/secrets/batch/raw", Write, "/api/v3/secrets/batch/raw", V3_BATCH_PATCH),
        r("DELETE /api/v3/secrets/batch/raw", Write, "/api/v3/secrets/batch/raw", V3_BATCH_DELETE).fresh(F::Secret),
        r("GET /api/v4/secrets", Read, "/api/v4/secrets?projectId={project}&environment=dev", ""),
        r(
            "GET /api/v4/secrets/{secretName}",
            Read,
            "/api/v4/secrets/MATRIX_KEY?projectId={project}&environment=dev",
            "",
        ),
        r("POST /api/v4/secrets/{secretName}", Write, "/api/v4/secrets/K{UNIQ}", V4_SECRET),
        r("PATCH /api/v4/secrets/{secretName}", Write, "/api/v4/secrets/MATRIX_KEY", V4_SECRET),
        r("DELETE /api/v4/secrets/{secretName}", Write, "/api/v4/secrets/{fresh_name}", V4_WHERE).fresh(F::Secret),
        r("POST /api/v4/secrets/batch", Write, "/api/v4/secrets/batch", V4_BATCH_IN),
        r("PATCH /api/v4/secrets/batch", Write, "/api/v4/secrets/batch", V4_BATCH_PATCH),
        r("DELETE /api/v4/secrets/batch", Write, "/api/v4/secrets/batch", V4_BATCH_DELETE).fresh(F::Secret),
        // Secret syncs.
        r("GET /api/v1/secret-syncs", Read, "/api/v1/secret-syncs?projectId={project}", ""),
        r("GET /api/v1/secret-syncs/options", Authenticated, "/api/v1/secret-syncs/options", ""),
        r("GET /api/v1/secret-syncs/railway", Read, "/api/v1/secret-syncs/railway?projectId={project}", ""),
        r("POST /api/v1/secret-syncs/railway", Write, "/api/v1/secret-syncs/railway", SYNC),
        r(
            "POST /api/v1/secret-syncs/railway/check-destination",
            Read,
            "/api/v1/secret-syncs/railway/check-destination",
            DESTINATION,
        ),
        r("POST /api/v1/secret-syncs/railway/plan", Write, "/api/v1/secret-syncs/railway/plan", SYNC),
        r(
            "GET /api/v1/secret-syncs/railway/sync-name/{syncName}",
            Read,
            "/api/v1/secret-syncs/railway/sync-name/{sync_name}?projectId={project}",
            "",
        ),
        r("GET /api/v1/secret-syncs/railway/{syncId}", Read, "/api/v1/secret-syncs/railway/{sync}", ""),
        r(
            "PATCH /api/v1/secret-syncs/railway/{syncId}",
            Write,
            "/api/v1/secret-syncs/railway/{sync}",
            r#"{"description": "d-{uniq}"}"#,
        ),
        r("DELETE /api/v1/secret-syncs/railway/{syncId}", Write, "/api/v1/secret-syncs/railway/{fresh}", "")
            .fresh(F::Sync),
        r(
            "POST /api/v1/secret-syncs/railway/{syncId}/check-drift",
            Write,
            "/api/v1/secret-syncs/railway/{sync}/check-drift",
            "{}",
        ),
        r("GET /api/v1/secret-syncs/railway/{syncId}/drift", Read, "/api/v1/secret-syncs/railway/{sync}/drift", ""),
        r(
            "POST /api/v1/secret-syncs/railway/{syncId}/confirm-plan",
            Write,
            "/api/v1/secret-syncs/railway/{sync}/confirm-plan",
            r#"{"planHash": "0123"}"#,
        )
        .ok(400),
        r(
            "POST /api/v1/secret-syncs/railway/{syncId}/import-secrets",
            Write,
            "/api/v1/secret-syncs/railway/{sync}/import-secrets?importBehavior=prioritize-destination",
            "{}",
        ),
        r("GET /api/v1/secret-syncs/railway/{syncId}/keys", Read, "/api/v1/secret-syncs/railway/{sync}/keys", ""),
        r("POST /api/v1/secret-syncs/railway/{syncId}/plan", Write, "/api/v1/secret-syncs/railway/{sync}/plan", "{}"),
        r(
            "POST /api/v1/secret-syncs/railway/{syncId}/remove-orphans",
            Write,
            "/api/v1/secret-syncs/railway/{sync}/remove-orphans",
            "{}",
        )
        .ok(400),
        r(
            "POST /api/v1/secret-syncs/railway/{syncId}/remove-secrets",
            Write,
            "/api/v1/secret-syncs/railway/{sync}/remove-secrets",
            "{}",
        ),
        r("GET /api/v1/secret-syncs/railway/{syncId}/runs", Read, "/api/v1/secret-syncs/railway/{sync}/runs", ""),
        r(
            "POST /api/v1/secret-syncs/railway/{syncId}/sync-secrets",
            Write,
            "/api/v1/secret-syncs/railway/{sync}/sync-secrets",
            "{}",
        ),
    ]
}
