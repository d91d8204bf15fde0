//! Project memberships of identities and users, roles, organization users added without
//! email, and isolation between organizations.

use crate::access_support::*;
use serde_json::json;
use sluice_testkit::TestApp;

fn memberships_path(app: &TestApp, identity: &str) -> String {
    format!("/api/v1/projects/{}/identity-memberships/{identity}", app.project_id())
}

#[tokio::test]
async fn identity_memberships_grant_and_change_roles() {
    let app = TestApp::spawn().await;
    let m = machine(&app, "member").await;
    let project = format!("/api/v1/projects/{}", app.project_id());
    assert_eq!(m.client.get(&project).await.status, 404, "not a member yet");

    let path = memberships_path(&app, &m.identity_id);
    let added = app.api.post(&path, json!({"role": "viewer"})).await.expect(200);
    let row = &added["identityMembership"];
    assert_eq!((row["identityId"].as_str(), row["role"].as_str()), (Some(m.identity_id.as_str()), Some("viewer")));
    m.client.get(&project).await.expect(200);
    let write = m.client.post(&format!("{project}/environments"), json!({"name": "N", "slug": "n"})).await;
    assert_eq!(write.status, 403, "viewers cannot write");
    let again = app.api.post(&path, json!({"role": "viewer"})).await;
    assert_eq!(again.status, 400);

    let got = app.api.get(&path).await.expect(200);
    let membership = &got["identityMembership"];
    assert_eq!(membership["roles"][0]["role"], "viewer");
    assert_eq!(membership["roles"][0]["isTemporary"], false);
    assert_eq!(membership["identity"]["name"].as_str().map(|n| n.starts_with("machine-")), Some(true));
    assert_eq!(membership["identity"]["authMethods"], json!(["universal-auth"]));

    let roles = app.api.patch(&path, json!({"roles": [{"role": "developer", "isTemporary": false}]})).await.expect(200);
    assert_eq!(roles["roles"][0]["role"], "member", "Infisical's developer is our member");
    let list = m.client.get(&format!("{project}/identity-memberships")).await.expect(200);
    let mine = list["identityMemberships"]
        .as_array()
        .expect("list")
        .iter()
        .find(|x| x["identityId"] == m.identity_id.as_str())
        .cloned();
    assert_eq!(mine.expect("listed")["roles"][0]["role"], "member");
    let manage = m.client.post(&memberships_path(&app, &app.creds.identity_id), json!({"role": "viewer"})).await;
    assert_eq!(manage.status, 403, "members cannot manage memberships: {}", manage.text);
    let manage = m.client.patch(&path, json!({"role": "admin"})).await;
    assert_eq!(manage.status, 403, "nor promote themselves");

    let removed = app.api.delete(&path).await.expect(200);
    assert_eq!(removed["identityMembership"]["identityId"], m.identity_id.as_str());
    assert_eq!(m.client.get(&project).await.status, 404, "cached roles were dropped at once");
    assert_eq!(app.api.get(&path).await.status, 404);

    for action in [
        "create-identity-project-membership",
        "update-identity-project-membership",
        "delete-identity-project-membership",
    ] {
        let entries = audit_rows(&app, action).await;
        assert_eq!(entries.len(), 1, "{action}");
        assert_eq!(entries[0].project_id.as_deref(), Some(app.project_id()));
    }
    app.shutdown().await;
}

#[tokio::test]
async fn membership_roles_are_validated() {
    let app = TestApp::spawn().await;
    let m = machine(&app, "member").await;
    let path = memberships_path(&app, &m.identity_id);
    let cases = [
        (json!({"role": "no-access"}), "body.role"),
        (json!({"role": "owner"}), "body.role"),
        (json!({"roles": []}), "body.roles"),
        (json!({"roles": [{"role": "viewer", "isTemporary": true}]}), "body.roles[0].isTemporary"),
        (json!({"roles": [{"role": "viewer"}, {"role": "no-access"}]}), "body.roles[1].role"),
        (json!({}), "body.roles"),
    ];
    for (body, field) in cases {
        let resp = app.api.post(&path, body.clone()).await;
        assert_eq!(resp.status, 422, "{body}: {}", resp.text);
        assert!(resp.message().starts_with(field), "{body}: {}", resp.message());
    }
    let no_access = app.api.post(&path, json!({"role": "no-access"})).await;
    assert!(no_access.message().contains("remove the membership"), "{}", no_access.message());
    assert_eq!(app.api.get(&path).await.status, 404, "nothing was added");
    // Several roles: the strongest wins.
    let added = app.api.post(&path, json!({"roles": [{"role": "viewer"}, {"role": "admin"}]})).await.expect(200);
    assert_eq!(added["identityMembership"]["role"], "admin");
    // Infisical's older path.
    let old = format!("/api/v2/workspace/{}/identity-memberships/{}", app.project_id(), m.identity_id);
    app.api.patch(&old, json!({"role": "viewer"})).await.expect(200);
    assert_eq!(app.api.get(&old).await.expect(200)["identityMembership"]["roles"][0]["role"], "viewer");
    app.shutdown().await;
}

#[tokio::test]
async fn another_organization_learns_nothing() {
    let app = TestApp::spawn().await;
    let (other_org_id, stranger) = other_org(&app).await;
    let real = app.project_id().to_string();
    let fake = uuid::Uuid::new_v4().to_string();
    let env_id = app.api.get(&format!("/api/v1/projects/{real}")).await.expect(200)["project"]["environments"][0]["id"]
        .as_str()
        .expect("env")
        .to_string();
    let probes: Vec<(&str, String, Option<serde_json::Value>)> = vec![
        ("GET", "/api/v1/projects/{p}".into(), None),
        ("GET", "/api/v1/workspace/{p}".into(), None),
        ("PATCH", "/api/v1/projects/{p}".into(), Some(json!({"name": "mine now"}))),
        ("DELETE", "/api/v1/projects/{p}".into(), None),
        ("POST", "/api/v1/projects/{p}/environments".into(), Some(json!({"name": "x", "slug": "x"}))),
        ("GET", format!("/api/v1/projects/{{p}}/environments/{env_id}"), None),
        ("GET", "/api/v1/projects/{p}/identity-memberships".into(), None),
        (
            "POST",
            format!("/api/v1/projects/{{p}}/identity-memberships/{}", stranger.identity_id),
            Some(json!({"role": "admin"})),
        ),
        ("GET", "/api/v1/projects/{p}/memberships".into(), None),
        ("GET", "/api/v1/projects/{p}/audit-logs".into(), None),
    ];
    for (method, path, body) in probes {
        let method: reqwest::Method = method.parse().expect("method");
        let a = stranger.client.send(method.clone(), &path.replace("{p}", &real), body.as_ref()).await;
        let b = stranger.client.send(method.clone(), &path.replace("{p}", &fake), body.as_ref()).await;
        assert_eq!((a.status, b.status), (404, 404), "{method} {path}: {} / {}", a.text, b.text);
        assert_eq!(
            without(&error_shape(&a).to_string(), &real),
            without(&error_shape(&b).to_string(), &fake),
            "{method} {path}"
        );
    }
    let listed = stranger.client.get("/api/v1/projects").await.expect(200);
    assert_eq!(listed["projects"], json!([]));
    let by_slug = stranger.client.get("/api/v1/projects/slug/default").await;
    assert_eq!(by_slug.status, 404);
    let orgs = stranger.client.get("/api/v1/organization").await.expect(200);
    assert_eq!(orgs["organizations"].as_array().expect("orgs").len(), 1);
    assert_eq!(orgs["organizations"][0]["id"], other_org_id.as_str());
    let peek = stranger.client.get(&format!("/api/v1/organization/{}", app.org_id())).await;
    assert_eq!(peek.status, 404);

    // And an identity of the other organization cannot be added to this project.
    let path = memberships_path(&app, &stranger.identity_id);
    let resp = app.api.post(&path, json!({"role": "admin"})).await;
    let unknown = app.api.post(&memberships_path(&app, &fake), json!({"role": "admin"})).await;
    assert_eq!((resp.status, unknown.status), (404, 404));
    assert_eq!(without(resp.message(), &stranger.identity_id), without(unknown.message(), &fake));
    app.shutdown().await;
}

#[tokio::test]
async fn organization_admins_add_users_who_then_join_projects() {
    let app = TestApp::spawn().await;
    let users = format!("/api/v1/organization/{}/users", app.org_id());
    let added = app
        .api
        .post(&users, json!({"email": "Dev@Example.com", "password": "a long first password", "firstName": "Dee"}))
        .await
        .expect(200);
    let membership = &added["membership"];
    assert_eq!((membership["role"].as_str(), membership["status"].as_str()), (Some("member"), Some("accepted")));
    assert_eq!(membership["user"]["email"], "dev@example.com");
    assert!(!added.to_string().contains("a long first password"));
    let dev_login = json!({"email": "dev@example.com", "password": "a long first password"});
    let token = app.anonymous().post("/api/v1/auth/login", dev_login).await.expect(200)["accessToken"]
        .as_str()
        .expect("t")
        .to_string();
    let dev = app.client_with(&token);

    for (body, field) in [
        (json!({"email": "new@example.com"}), "body.password"),
        (json!({"email": "new@example.com", "password": "short"}), "body.password"),
        (json!({"email": "dev@example.com", "password": "another password"}), "body.password"),
        (json!({"email": "not an email", "password": "long enough"}), "body.email"),
        (json!({"email": "new@example.com", "password": "long enough", "role": "owner"}), "body.role"),
    ] {
        let resp = app.api.post(&users, body.clone()).await;
        assert_eq!(resp.status, 422, "{body}: {}", resp.text);
        assert!(resp.message().starts_with(field), "{body}: {}", resp.message());
    }
    let not_admin = dev.post(&users, json!({"email": "x@example.com", "password": "long enough"})).await;
    assert_eq!(not_admin.status, 403);
    let listed = dev.get(&users).await.expect(200);
    assert_eq!(listed["users"].as_array().expect("users").len(), 2, "members may list the organization's users");

    let project = format!("/api/v1/projects/{}", app.project_id());
    assert_eq!(dev.get(&project).await.status, 404);
    let members = format!("{project}/memberships");
    let nobody = app.api.post(&members, json!({"emails": ["stranger@example.com"]})).await;
    assert_eq!((nobody.status, nobody.message()), (404, "User 'stranger@example.com' not found"));
    let rows =
        app.api.post(&members, json!({"emails": ["dev@example.com"], "roleSlugs": ["viewer"]})).await.expect(200);
    let membership_id = rows["memberships"][0]["id"].as_str().expect("id").to_string();
    assert_eq!(rows["memberships"][0]["role"], "viewer");
    dev.get(&project).await.expect(200);
    let write = dev.patch(&project, json!({"name": "nope"})).await;
    assert_eq!(write.status, 403);

    let list = app.api.get(&members).await.expect(200);
    let entry =
        list["memberships"].as_array().expect("list").iter().find(|m| m["id"] == membership_id.as_str()).cloned();
    let entry = entry.expect("listed");
    assert_eq!(entry["user"]["email"], "dev@example.com");
    assert_eq!(entry["roles"][0]["role"], "viewer");
    let roles =
        app.api.patch(&format!("{members}/{membership_id}"), json!({"roles": [{"role": "admin"}]})).await.expect(200);
    assert_eq!(roles["roles"][0]["role"], "admin");
    dev.patch(&project, json!({"description": "set by dev"})).await.expect(200);
    app.api.delete(&format!("{members}/{membership_id}")).await.expect(200);
    assert_eq!(dev.get(&project).await.status, 404);

    // Organization roles: admins of the organization administer every project.
    let users_list = app.api.get(&users).await.expect(200);
    let dev_membership = users_list["users"]
        .as_array()
        .expect("users")
        .iter()
        .find(|u| u["user"]["email"] == "dev@example.com")
        .cloned();
    let dev_membership = dev_membership.expect("dev listed")["id"].as_str().expect("id").to_string();
    let path = format!("/api/v2/organizations/{}/memberships/{dev_membership}", app.org_id());
    app.api.patch(&path, json!({"role": "admin"})).await.expect(200);
    dev.get(&project).await.expect(200);
    app.api.patch(&path, json!({"role": "member"})).await.expect(200);
    assert_eq!(dev.get(&project).await.status, 404, "roles were forgotten after the organization role changed");

    assert_eq!(audit_rows(&app, "add-org-member").await.len(), 1);
    assert_eq!(audit_rows(&app, "add-project-members").await.len(), 1);
    assert_eq!(audit_rows(&app, "update-user-project-role").await.len(), 1);
    assert_eq!(audit_rows(&app, "remove-project-member").await.len(), 1);
    app.shutdown().await;
}

#[tokio::test]
async fn users_create_organizations_they_administer() {
    let app = TestApp::spawn().await;
    let user = admin_user(&app).await;
    let created = user.post("/api/v2/organizations", json!({"name": "Side Project"})).await.expect(200);
    let org = &created["organization"];
    assert_eq!((org["slug"].as_str(), org["userRole"].as_str()), (Some("side-project"), Some("admin")));
    let orgs = user.get("/api/v1/organization").await.expect(200);
    assert_eq!(orgs["organizations"].as_array().expect("orgs").len(), 2);
    let one = user.get(&format!("/api/v1/organization/{}", org["id"].as_str().expect("id"))).await.expect(200);
    assert_eq!(one["organization"]["name"], "Side Project");
    // Belonging to two organizations, the user says where a project goes.
    let ambiguous = user.post("/api/v1/projects", json!({"projectName": "where"})).await;
    assert_eq!(ambiguous.status, 422);
    assert!(ambiguous.message().starts_with("body.organizationId"), "{}", ambiguous.message());
    let placed =
        user.post("/api/v1/projects", json!({"projectName": "here", "organizationId": org["id"]})).await.expect(200);
    assert_eq!(placed["project"]["orgId"], org["id"]);
    let resp = app.api.post("/api/v2/organizations", json!({"name": "Machines cannot"})).await;
    assert_eq!(resp.status, 403);
    let resp = user.post("/api/v2/organizations", json!({"name": ""})).await;
    assert_eq!(resp.status, 422);
    app.shutdown().await;
}
