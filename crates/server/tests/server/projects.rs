//! Projects and environments at Infisical's paths (current and older), their shapes,
//! validation and who may change them.

use crate::access_support::*;
use serde_json::{Value, json};
use sluice_testkit::TestApp;

fn env_slugs(project: &Value) -> Vec<String> {
    project["environments"]
        .as_array()
        .expect("environments")
        .iter()
        .map(|e| e["slug"].as_str().expect("slug").to_string())
        .collect()
}

#[tokio::test]
async fn projects_are_created_with_default_environments_in_infisicals_shape() {
    let app = TestApp::spawn().await;
    let created = app
        .api
        .post(
            "/api/v1/projects",
            json!({"projectName": "Shop API", "projectDescription": "the shop", "type": "secret-manager"}),
        )
        .await
        .expect(200);
    let p = &created["project"];
    let id = p["id"].as_str().expect("id").to_string();
    assert_eq!(p["_id"], id.as_str());
    assert_eq!((p["name"].as_str(), p["slug"].as_str()), (Some("Shop API"), Some("shop-api")));
    assert_eq!(p["description"], "the shop");
    assert_eq!(p["orgId"], app.org_id());
    assert_eq!((p["version"].as_i64(), p["type"].as_str()), (Some(3), Some("secret-manager")));
    assert_eq!(env_slugs(p), ["dev", "staging", "prod"]);
    let env = &p["environments"][0];
    assert!(env["id"].as_str().is_some() && env["name"] == "Development", "{env}");
    assert!(p["createdAt"].as_str().is_some_and(|t| t.ends_with('Z')));

    let same_name = app.api.post("/api/v1/projects", json!({"projectName": "Shop API"})).await.expect(200);
    let second_slug = same_name["project"]["slug"].as_str().expect("slug");
    assert!(second_slug.starts_with("shop-api-") && second_slug != "shop-api", "{second_slug}");

    let got = app.api.get(&format!("/api/v1/projects/{id}")).await.expect(200);
    assert_eq!(got["project"], created["project"]);
    let by_slug = app.api.get("/api/v1/projects/slug/shop-api").await.expect(200);
    assert_eq!(by_slug["id"], id.as_str());
    let listed = app.api.get("/api/v1/projects").await.expect(200);
    let ids: Vec<&str> = listed["projects"].as_array().expect("list").iter().filter_map(|p| p["id"].as_str()).collect();
    assert!(ids.contains(&id.as_str()) && ids.contains(&app.project_id()), "{ids:?}");

    // Infisical's older paths answer through the same code.
    let old =
        app.api.post("/api/v2/workspace", json!({"projectName": "legacy", "slug": "legacy-app"})).await.expect(200);
    assert_eq!(old["project"]["slug"], "legacy-app");
    let workspaces = app.api.get("/api/v1/workspace").await.expect(200);
    assert_eq!(workspaces["workspaces"], app.api.get("/api/v1/projects").await.expect(200)["projects"]);
    let ws = app.api.get(&format!("/api/v1/workspace/{id}")).await.expect(200);
    assert_eq!(ws["workspace"]["id"], id.as_str());

    let entries = audit_rows(&app, "create-project").await;
    assert_eq!(entries.len(), 3);
    assert_eq!(entries[0].project_id.as_deref(), Some(id.as_str()));
    app.shutdown().await;
}

#[tokio::test]
async fn project_requests_are_validated_and_change_nothing_when_refused() {
    let app = TestApp::spawn().await;
    let cases = [
        (json!({"projectName": "  "}), "body.projectName"),
        (json!({"projectName": "x".repeat(65)}), "body.projectName"),
        (json!({"projectName": "ok", "slug": "Bad Slug"}), "body.slug"),
        (json!({"projectName": "ok", "slug": "-bad"}), "body.slug"),
        (json!({"projectName": "ok", "type": "kms"}), "body.type"),
        (json!({"projectName": "ok", "projectDescription": "d".repeat(1025)}), "body.projectDescription"),
        (json!({"projectName": "ok", "projectDescription": "a\u{0}b"}), "body.projectDescription"),
        (json!({"projectName": "o\u{0}k"}), "body.projectName"),
        (json!({"projectName": "ok", "organizationId": "nope"}), "body.organizationId"),
        (json!({"projectDescription": "no name"}), "body"),
    ];
    for (body, field) in cases {
        let resp = app.api.post("/api/v1/projects", body.clone()).await;
        assert_eq!(resp.status, 422, "{body}: {}", resp.text);
        assert!(resp.message().starts_with(field), "{body}: {}", resp.message());
    }
    let dup = app.api.post("/api/v1/projects", json!({"projectName": "again", "slug": "default"})).await;
    assert_eq!(dup.status, 400);
    assert_eq!(dup.message(), "A project with the slug \"default\" already exists in this organization");
    let count = scalar(&app, "SELECT COUNT(*) FROM projects", &[]).await;
    assert_eq!(count, 1, "only the default project exists");
    app.shutdown().await;
}

#[tokio::test]
async fn admins_update_and_delete_projects() {
    let app = TestApp::spawn().await;
    let created = app.api.post("/api/v1/projects", json!({"projectName": "temp"})).await.expect(200);
    let id = created["project"]["id"].as_str().expect("id").to_string();
    let path = format!("/api/v1/projects/{id}");
    let updated =
        app.api.patch(&path, json!({"name": "Renamed", "description": "new", "slug": "renamed"})).await.expect(200);
    assert_eq!(updated["project"]["name"], "Renamed");
    assert_eq!(updated["project"]["slug"], "renamed");
    assert_eq!(updated["project"]["description"], "new");
    let taken = app.api.patch(&path, json!({"slug": "default"})).await;
    assert_eq!(taken.status, 400);
    let bad = app.api.patch(&path, json!({"slug": "UPPER"})).await;
    assert_eq!(bad.status, 422);
    assert!(bad.message().starts_with("body.slug"));

    let viewer = project_member(&app, "viewer").await;
    let resp = viewer.client.patch(&format!("/api/v1/projects/{}", app.project_id()), json!({"name": "nope"})).await;
    assert_eq!(resp.status, 403, "{}", resp.text);
    assert!(resp.message().contains("viewer"), "{}", resp.message());
    let resp = viewer.client.delete(&format!("/api/v1/projects/{}", app.project_id())).await;
    assert_eq!(resp.status, 403);

    let deleted = app.api.delete(&path).await.expect(200);
    assert_eq!(deleted["project"]["id"], id.as_str());
    let gone = app.api.get(&path).await;
    assert_eq!((gone.status, gone.message().to_string()), (404, format!("Project with ID '{id}' not found")));
    assert_eq!(audit_rows(&app, "update-project").await.len(), 1);
    assert_eq!(audit_rows(&app, "delete-project").await.len(), 1);
    app.shutdown().await;
}

#[tokio::test]
async fn any_organization_member_may_create_a_project_and_administers_it() {
    let app = TestApp::spawn().await;
    let member = machine(&app, "member").await;
    let listed = member.client.get("/api/v1/projects").await.expect(200);
    assert_eq!(listed["projects"], json!([]), "a member sees only projects it belongs to");
    let created = member.client.post("/api/v1/projects", json!({"projectName": "mine"})).await.expect(200);
    let id = created["project"]["id"].as_str().expect("id");
    member.client.patch(&format!("/api/v1/projects/{id}"), json!({"name": "still mine"})).await.expect(200);
    let listed = member.client.get("/api/v1/projects").await.expect(200);
    assert_eq!(listed["projects"].as_array().expect("list").len(), 1);
    app.shutdown().await;
}

#[tokio::test]
async fn environments_are_managed_by_admins_and_keep_their_secrets() {
    let app = TestApp::spawn().await;
    let base = format!("/api/v1/projects/{}/environments", app.project_id());
    let created = app.api.post(&base, json!({"name": "QA", "slug": "qa", "position": 2})).await.expect(200);
    assert_eq!(created["message"], "Successfully created new environment");
    assert_eq!(created["projectId"], app.project_id());
    let env = &created["environment"];
    let env_id = env["id"].as_str().expect("id").to_string();
    assert_eq!((env["slug"].as_str(), env["position"].as_i64()), (Some("qa"), Some(2)));
    let project = app.api.get(&format!("/api/v1/projects/{}", app.project_id())).await.expect(200);
    assert_eq!(env_slugs(&project["project"]), ["dev", "qa", "staging", "prod"]);

    for (body, field) in [
        (json!({"name": "X", "slug": "Not A Slug"}), "body.slug"),
        (json!({"name": "", "slug": "x"}), "body.name"),
        (json!({"name": "X", "slug": "x", "position": 0}), "body.position"),
        (json!({"name": "X"}), "body"),
    ] {
        let resp = app.api.post(&base, body.clone()).await;
        assert_eq!(resp.status, 422, "{body}: {}", resp.text);
        assert!(resp.message().starts_with(field), "{body}: {}", resp.message());
    }
    let dup = app.api.post(&base, json!({"name": "Dev again", "slug": "dev"})).await;
    assert_eq!((dup.status, dup.message()), (400, "Environment with slug 'dev' already exists in this project"));

    // A secret in the environment (stored directly: this test is about environments).
    let folder = scalar_text(&app, "SELECT id FROM folders WHERE environment_id = $1 AND path = '/'", &env_id).await;
    let now = sluice_storage::now_ms();
    exec(
        &app,
        "INSERT INTO secrets (id, project_id, environment_id, folder_id, key, secret_type, version, value_ct, comment_ct,
           skip_multiline_encoding, metadata, created_at, updated_at)
         VALUES ($1, $2, $3, $4, 'API_KEY', 'shared', 1, $5, $5, FALSE, '[]', $6, $6)",
        &[
            Bind::Text(&uuid::Uuid::now_v7().to_string()),
            Bind::Text(app.project_id()),
            Bind::Text(&env_id),
            Bind::Text(&folder),
            Bind::Bytes(b"ciphertext"),
            Bind::Int(now),
        ],
    )
    .await;
    let renamed =
        app.api.patch(&format!("{base}/{env_id}"), json!({"slug": "quality", "name": "Quality", "position": 4})).await;
    let renamed = renamed.expect(200);
    assert_eq!(renamed["environment"]["id"], env_id.as_str(), "the id stays, so secrets stay");
    assert_eq!(renamed["environment"]["position"], 4);
    let secrets_under_new_slug = scalar(
        &app,
        "SELECT COUNT(*) FROM secrets s JOIN environments e ON e.id = s.environment_id WHERE e.project_id = $1 AND e.slug = $2",
        &[app.project_id(), "quality"],
    )
    .await;
    assert_eq!(secrets_under_new_slug, 1);
    let project = app.api.get(&format!("/api/v1/projects/{}", app.project_id())).await.expect(200);
    assert_eq!(env_slugs(&project["project"]), ["dev", "staging", "prod", "quality"]);
    let got = app.api.get(&format!("{base}/{env_id}")).await.expect(200);
    assert_eq!(got["environment"]["slug"], "quality");
    let taken = app.api.patch(&format!("{base}/{env_id}"), json!({"slug": "prod"})).await;
    assert_eq!(taken.status, 400);

    let viewer = project_member(&app, "viewer").await;
    viewer.client.get(&format!("{base}/{env_id}")).await.expect(200);
    let resp = viewer.client.post(&base, json!({"name": "N", "slug": "n"})).await;
    assert_eq!(resp.status, 403);
    let member = project_member(&app, "member").await;
    assert_eq!(member.client.delete(&format!("{base}/{env_id}")).await.status, 403, "environments are admin business");

    // Infisical's older path.
    let old = format!("/api/v1/workspace/{}/environments", app.project_id());
    let via_old = app.api.post(&old, json!({"name": "Old", "slug": "old"})).await.expect(200);
    let old_id = via_old["environment"]["id"].as_str().expect("id");
    app.api.delete(&format!("{old}/{old_id}")).await.expect(200);

    let other_project = app.api.post("/api/v1/projects", json!({"projectName": "other"})).await.expect(200);
    let other_id = other_project["project"]["id"].as_str().expect("id");
    let cross = app.api.get(&format!("/api/v1/projects/{other_id}/environments/{env_id}")).await;
    assert_eq!(cross.status, 404, "an environment is reached only through its own project");
    app.shutdown().await;
}

#[tokio::test]
async fn the_last_environment_cannot_be_deleted() {
    let app = TestApp::spawn().await;
    let project = app.api.get(&format!("/api/v1/projects/{}", app.project_id())).await.expect(200);
    let ids: Vec<String> = project["project"]["environments"]
        .as_array()
        .expect("envs")
        .iter()
        .map(|e| e["id"].as_str().expect("id").to_string())
        .collect();
    let base = format!("/api/v1/projects/{}/environments", app.project_id());
    for id in &ids[..2] {
        let out = app.api.delete(&format!("{base}/{id}")).await.expect(200);
        assert_eq!(out["message"], "Successfully deleted environment");
    }
    let last = app.api.delete(&format!("{base}/{}", ids[2])).await;
    assert_eq!(last.status, 400);
    assert!(last.message().contains("last environment"), "{}", last.message());
    app.api.get(&format!("{base}/{}", ids[2])).await.expect(200);
    assert_eq!(audit_rows(&app, "delete-environment").await.len(), 2);
    app.shutdown().await;
}
