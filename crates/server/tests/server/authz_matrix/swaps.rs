//! Id swapping: the admin of the project under test (or of its organization) puts the id
//! of another project's (or another organization's) folder, import, environment,
//! membership, tag, channel, sync, connection, identity or client secret into a request
//! under their own project. Each must be refused (403/404), and the object, read back by
//! its owner before and after, must be unchanged.

use super::world::{World, id_at, identity, uniq};
use crate::sync_support::{ACCOUNT_TOKEN, CONNECTIONS, SYNCS};
use reqwest::Method;
use serde_json::{Value, json};
use sluice_domain::{OrgRole, ProjectRole};
use sluice_testkit::ApiClient;

/// One swapped request and where its target is read back.
struct Swap {
    /// "project admin" or "org admin" of the organization under test.
    by: &'static str,
    method: Method,
    path: String,
    body: Option<Value>,
    /// Read back by the object's owner (the app's admin, or the other organization's).
    owner: ApiClient,
    read: String,
    /// The refusals that are right (403/404, or a field error where the id is input).
    want: &'static [u16],
}

/// Runs every swap; returns how many ran.
pub async fn run(w: &World, failures: &mut Vec<String>) -> usize {
    let swaps = build(w).await;
    let n = swaps.len();
    for s in swaps {
        let token = match s.by {
            "org admin" => w.app.creds.access_token.clone(),
            name => w.principals.iter().find(|p| p.name == name).and_then(|p| p.token.clone()).expect("principal"),
        };
        let before = s.owner.get(&s.read).await;
        let resp = ApiClient::new(w.app.url(), Some(token)).send(s.method.clone(), &s.path, s.body.as_ref()).await;
        let after = s.owner.get(&s.read).await;
        let what = format!("swap {} {} as {}", s.method, s.path, s.by);
        if !s.want.contains(&resp.status) {
            failures.push(format!("{what}: want {:?}, got {} {}", s.want, resp.status, resp.text));
        }
        if before.status != 200 {
            failures.push(format!("{what}: the owner cannot read {} ({})", s.read, before.status));
        } else if before.body != after.body {
            failures.push(format!("{what}: {} changed: {} → {}", s.read, before.text, after.text));
        }
    }
    n
}

async fn build(w: &World) -> Vec<Swap> {
    let app = &w.app;
    let api = &app.api;
    let a = w.var("project").to_string();
    let b = w.var("their_project").to_string();
    let org = w.var("org").to_string();
    let other = app.client_with(w.var("other_token"));
    let c_org = w.var("other_org").to_string();
    let c_project = w.var("other_org_project").to_string();

    // Another project of this organization, with one of each object.
    let folder = api
        .post("/api/v1/folders", json!({"workspaceId": b, "environment": "dev", "name": "bx", "path": "/"}))
        .await
        .expect(200);
    let b_folder = id_at(&folder, "/folder/id");
    let import =
        json!({"workspaceId": b, "environment": "dev", "path": "/bx", "import": {"environment": "prod", "path": "/"}});
    let b_import = id_at(&api.post("/api/v1/secret-imports", import).await.expect(200), "/secretImport/id");
    let b_tag =
        id_at(&api.post(&format!("/api/v1/projects/{b}/tags"), json!({"slug": "theirs"})).await.expect(200), "/tag/id");
    let channel = json!({"name": "theirs", "type": "webhook", "url": "https://hooks.example.com/theirs"});
    let b_channel = id_at(
        &api.post(&format!("/api/v1/projects/{b}/notification-channels"), channel).await.expect(200),
        "/notificationChannel/id",
    );
    let project_b = api.get(&format!("/api/v1/projects/{b}")).await.expect(200);
    let b_env = id_at(&project_b, "/project/environments/1/id");
    let mut sync = crate::sync_support::sync_body(app, "their-sync", w.var("conn"), "/");
    sync["projectId"] = json!(b);
    sync["syncOptions"]["keySchema"] = json!("THEIRS_{{secretKey}}");
    let b_sync = id_at(&api.post(SYNCS, sync).await.expect(200), "/secretSync/id");
    let (b_identity, _, _) = identity(app, &org, OrgRole::Member, Some((&b, ProjectRole::Viewer))).await;
    let email = format!("b{}@example.com", uniq());
    let users = format!("/api/v1/organization/{org}/users");
    api.post(&users, json!({"email": email, "password": "a long matrix password"})).await.expect(200);
    let rows = api
        .post(&format!("/api/v1/projects/{b}/memberships"), json!({"emails": [email], "roleSlugs": ["viewer"]}))
        .await
        .expect(200);
    let b_membership = id_at(&rows, "/memberships/0/id");

    // Another organization's connection, identity, client secret and user membership.
    let conn = json!({"name": "their-conn", "method": "account-token", "organizationId": c_org,
        "credentials": {"apiToken": ACCOUNT_TOKEN}});
    let c_conn = id_at(&other.post(CONNECTIONS, conn).await.expect(200), "/appConnection/id");
    let ident = json!({"name": "their-identity", "organizationId": c_org, "role": "member"});
    let c_identity = id_at(&other.post("/api/v1/identities", ident).await.expect(200), "/identity/id");
    let ua = format!("/api/v1/auth/universal-auth/identities/{c_identity}");
    other.post(&ua, json!({})).await.expect(200);
    let c_secret =
        id_at(&other.post(&format!("{ua}/client-secrets"), json!({})).await.expect(200), "/clientSecretData/id");
    let c_users = format!("/api/v1/organization/{c_org}/users");
    let added = other
        .post(&c_users, json!({"email": format!("c{}@example.com", uniq()), "password": "a long matrix password"}))
        .await
        .expect(200);
    let c_membership = id_at(&added, "/membership/id");

    let pa = "project admin";
    let oa = "org admin";
    let own = api.clone();
    let theirs = other.clone();
    let s = |by, method: Method, path: String, body: Option<Value>, owner: &ApiClient, read: String| Swap {
        by,
        method,
        path,
        body,
        owner: owner.clone(),
        read,
        want: &[403, 404],
    };
    let in_a = |extra: Value| {
        let mut v = json!({"workspaceId": a, "environment": "dev"});
        v.as_object_mut().expect("object").extend(extra.as_object().expect("object").clone());
        v
    };
    let mut out = Vec::new();
    let read_folder = format!("/api/v1/folders/{b_folder}");
    for (m, body) in [
        (Method::GET, None),
        (Method::PATCH, Some(in_a(json!({"name": "bx", "description": "swapped"})))),
        (Method::DELETE, Some(in_a(json!({"path": "/"})))),
    ] {
        out.push(s(pa, m.clone(), format!("/api/v1/folders/{b_folder}"), body.clone(), &own, read_folder.clone()));
        out.push(s(pa, m, format!("/api/v2/folders/{b_folder}"), body, &own, read_folder.clone()));
    }
    let read_imports = format!("/api/v1/secret-imports?workspaceId={b}&environment=dev&path=/bx");
    out.push(s(
        pa,
        Method::PATCH,
        format!("/api/v1/secret-imports/{b_import}"),
        Some(in_a(json!({"path": "/mx", "import": {"position": 1}}))),
        &own,
        read_imports.clone(),
    ));
    out.push(s(
        pa,
        Method::DELETE,
        format!("/api/v1/secret-imports/{b_import}"),
        Some(in_a(json!({"path": "/mx"}))),
        &own,
        read_imports,
    ));
    let read_env = format!("/api/v1/projects/{b}/environments/{b_env}");
    for base in ["projects", "workspace"] {
        let path = format!("/api/v1/{base}/{a}/environments/{b_env}");
        out.push(s(pa, Method::PATCH, path.clone(), Some(json!({"name": "Swapped"})), &own, read_env.clone()));
        out.push(s(pa, Method::DELETE, path, None, &own, read_env.clone()));
    }
    out.push(s(pa, Method::GET, format!("/api/v1/projects/{a}/environments/{b_env}"), None, &own, read_env));
    let read_membership = format!("/api/v1/projects/{b}/memberships/{b_membership}");
    let path = format!("/api/v1/projects/{a}/memberships/{b_membership}");
    out.push(s(pa, Method::GET, path.clone(), None, &own, read_membership.clone()));
    out.push(s(
        pa,
        Method::PATCH,
        path.clone(),
        Some(json!({"roles": [{"role": "admin"}]})),
        &own,
        read_membership.clone(),
    ));
    out.push(s(pa, Method::DELETE, path, None, &own, read_membership));
    let read_identity = format!("/api/v1/projects/{b}/identity-memberships/{b_identity}");
    for base in ["/api/v1/projects", "/api/v2/workspace"] {
        let path = format!("{base}/{a}/identity-memberships/{b_identity}");
        out.push(s(pa, Method::GET, path.clone(), None, &own, read_identity.clone()));
        out.push(s(pa, Method::PATCH, path.clone(), Some(json!({"role": "admin"})), &own, read_identity.clone()));
        out.push(s(pa, Method::DELETE, path, None, &own, read_identity.clone()));
    }
    let read_tag = format!("/api/v1/projects/{b}/tags/{b_tag}");
    for base in ["projects", "workspace"] {
        let path = format!("/api/v1/{base}/{a}/tags/{b_tag}");
        out.push(s(pa, Method::GET, path.clone(), None, &own, read_tag.clone()));
        out.push(s(pa, Method::PATCH, path.clone(), Some(json!({"slug": "swapped"})), &own, read_tag.clone()));
        out.push(s(pa, Method::DELETE, path, None, &own, read_tag.clone()));
    }
    let read_channel = format!("/api/v1/projects/{b}/notification-channels/{b_channel}");
    let path = format!("/api/v1/projects/{a}/notification-channels/{b_channel}");
    out.push(s(pa, Method::GET, path.clone(), None, &own, read_channel.clone()));
    out.push(s(pa, Method::PATCH, path.clone(), Some(json!({"name": "swapped"})), &own, read_channel.clone()));
    out.push(s(pa, Method::GET, format!("{path}/deliveries"), None, &own, read_channel.clone()));
    out.push(s(pa, Method::POST, format!("{path}/rotate-secret"), Some(json!({})), &own, read_channel.clone()));
    out.push(s(pa, Method::POST, format!("{path}/test"), Some(json!({})), &own, read_channel.clone()));
    out.push(s(pa, Method::DELETE, path, None, &own, read_channel));
    let read_sync = format!("{SYNCS}/{b_sync}");
    out.push(s(pa, Method::PATCH, read_sync.clone(), Some(json!({"description": "swapped"})), &own, read_sync.clone()));
    out.push(s(pa, Method::POST, format!("{read_sync}/sync-secrets"), Some(json!({})), &own, read_sync.clone()));
    out.push(s(pa, Method::DELETE, read_sync.clone(), None, &own, read_sync));

    // Another organization's objects, named under this project or organization.
    let a_sync = format!("{SYNCS}/{}", w.var("sync"));
    out.push(s(pa, Method::PATCH, a_sync.clone(), Some(json!({"connectionId": c_conn})), &own, a_sync.clone()));
    let mut create = crate::sync_support::sync_body(app, "swapped", &c_conn, "/");
    create["syncOptions"]["keySchema"] = json!("SWAP_{{secretKey}}");
    let list_syncs = format!("{SYNCS}?projectId={a}");
    out.push(s(pa, Method::POST, SYNCS.to_string(), Some(create.clone()), &own, list_syncs.clone()));
    out.push(s(pa, Method::POST, format!("{SYNCS}/plan"), Some(create), &own, list_syncs));
    let members = format!("/api/v1/projects/{a}/identity-memberships");
    out.push(s(
        pa,
        Method::POST,
        format!("{members}/{c_identity}"),
        Some(json!({"role": "viewer"})),
        &own,
        members.clone(),
    ));
    let secrets = format!("/api/v3/secrets/raw?workspaceId={a}&environment=dev");
    let tagged = in_a(json!({"secretValue": "v", "tagIds": [b_tag]}));
    // A tag id is input to a secret write: another project's answers the field error
    // "not found in this project" (422), and nothing is written.
    let mut tag_swap = s(pa, Method::POST, "/api/v3/secrets/raw/SWAPPED_TAG".into(), Some(tagged), &own, secrets);
    tag_swap.want = &[404, 422];
    out.push(tag_swap);
    let read_conn = format!("{CONNECTIONS}/{c_conn}");
    out.push(s(oa, Method::GET, read_conn.clone(), None, &theirs, read_conn.clone()));
    out.push(s(oa, Method::GET, format!("{read_conn}/projects"), None, &theirs, read_conn.clone()));
    out.push(s(
        oa,
        Method::PATCH,
        read_conn.clone(),
        Some(json!({"description": "swapped"})),
        &theirs,
        read_conn.clone(),
    ));
    out.push(s(oa, Method::DELETE, read_conn.clone(), None, &theirs, read_conn));
    let read_ident = format!("/api/v1/identities/{c_identity}");
    out.push(s(oa, Method::GET, read_ident.clone(), None, &theirs, read_ident.clone()));
    out.push(s(oa, Method::PATCH, read_ident.clone(), Some(json!({"role": "admin"})), &theirs, read_ident.clone()));
    out.push(s(oa, Method::DELETE, read_ident.clone(), None, &theirs, read_ident));
    out.push(s(oa, Method::PATCH, ua.clone(), Some(json!({"accessTokenTTL": 60})), &theirs, ua.clone()));
    let read_secret = format!("{ua}/client-secrets/{c_secret}");
    let mine = format!("/api/v1/auth/universal-auth/identities/{}/client-secrets/{c_secret}", w.var("identity"));
    out.push(s(oa, Method::GET, mine.clone(), None, &theirs, read_secret.clone()));
    out.push(s(oa, Method::POST, format!("{mine}/revoke"), Some(json!({})), &theirs, read_secret.clone()));
    out.push(s(oa, Method::POST, format!("{read_secret}/revoke"), Some(json!({})), &theirs, read_secret));
    out.push(s(
        oa,
        Method::PATCH,
        format!("/api/v2/organizations/{org}/memberships/{c_membership}"),
        Some(json!({"role": "admin"})),
        &theirs,
        c_users.clone(),
    ));
    let c_folders = format!("/api/v1/folders?workspaceId={c_project}&environment=dev");
    let folder_in_c = json!({"workspaceId": c_project, "environment": "dev", "name": "swapped", "path": "/"});
    out.push(s(oa, Method::POST, "/api/v1/folders".into(), Some(folder_in_c), &theirs, c_folders));
    out
}
