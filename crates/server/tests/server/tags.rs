//! Project tags: CRUD at Infisical's current and older paths (in each one's shape), tags on
//! secrets through v3, v4 and the batch routes, the `tagSlugs` filter, who may do what, and
//! the audit of tag writes.

use crate::secret_support::*;
use serde_json::{Value, json};
use sluice_testkit::{ApiClient, TestApp};

fn tags_url(app: &TestApp) -> String {
    format!("/api/v1/projects/{}/tags", app.project_id())
}

fn ws_tags_url(app: &TestApp) -> String {
    format!("/api/v1/workspace/{}/tags", app.project_id())
}

/// Creates a tag at the current path; returns its id.
pub async fn tag(api: &ApiClient, app: &TestApp, slug: &str, color: &str) -> String {
    let created = api.post(&tags_url(app), json!({"slug": slug, "color": color})).await.expect(200);
    created["tag"]["id"].as_str().expect("id").to_string()
}

fn slugs(secret: &Value) -> Vec<String> {
    secret["tags"].as_array().expect("tags").iter().map(|t| t["slug"].as_str().expect("slug").to_string()).collect()
}

fn keys(list: &Value) -> Vec<String> {
    list["secrets"].as_array().expect("secrets").iter().map(|s| s["secretKey"].as_str().expect("key").into()).collect()
}

#[tokio::test]
async fn tags_crud_at_both_paths_in_each_paths_shape() {
    let app = TestApp::spawn().await;
    let created = app.api.post(&tags_url(&app), json!({"slug": "prod", "color": "#ef4444"})).await.expect(200);
    let t = &created["tag"];
    assert_eq!(t["slug"], "prod");
    assert_eq!(t["name"], "prod");
    assert_eq!(t["color"], "#ef4444");
    assert_eq!(t["projectId"], app.project_id());
    assert_eq!(t["createdByActorType"], "identity");
    assert!(t["createdAt"].as_str().is_some_and(|s| s.ends_with('Z')), "{t}");
    let id = t["id"].as_str().expect("id").to_string();

    // The older path: `{workspaceTag}` / `{workspaceTags}`; older clients send `name`.
    let ws = app.api.post(&ws_tags_url(&app), json!({"name": "db", "color": "blue"})).await.expect(200);
    assert_eq!(ws["workspaceTag"]["slug"], "db");
    assert_eq!(ws["workspaceTag"], ws["tag"]);
    let ws_id = ws["workspaceTag"]["id"].as_str().expect("id").to_string();
    let ws_list = app.api.get(&ws_tags_url(&app)).await.expect(200);
    let listed: Vec<&str> =
        ws_list["workspaceTags"].as_array().expect("list").iter().map(|t| t["slug"].as_str().expect("slug")).collect();
    assert_eq!(listed, ["db", "prod"]);
    assert_eq!(app.api.get(&tags_url(&app)).await.expect(200)["tags"], ws_list["workspaceTags"]);

    // Read by id and by slug at both paths.
    assert_eq!(app.api.get(&format!("{}/{id}", tags_url(&app))).await.expect(200)["tag"], *t);
    assert_eq!(app.api.get(&format!("{}/slug/prod", tags_url(&app))).await.expect(200)["tag"]["id"], id.as_str());
    assert_eq!(app.api.get(&format!("{}/{id}", ws_tags_url(&app))).await.expect(200)["workspaceTag"]["slug"], "prod");
    assert_eq!(app.api.get(&format!("{}/slug/db", ws_tags_url(&app))).await.expect(200)["workspaceTag"]["id"], ws_id);

    // Edit: slug and color; a taken slug is refused.
    let patched = app.api.patch(&format!("{}/{id}", tags_url(&app)), json!({"slug": "production"})).await.expect(200);
    assert_eq!(patched["tag"]["slug"], "production");
    assert_eq!(patched["tag"]["color"], "#ef4444", "absent color stays");
    let recolored =
        app.api.patch(&format!("{}/{id}", ws_tags_url(&app)), json!({"color": "#22c55e"})).await.expect(200);
    assert_eq!(recolored["workspaceTag"]["color"], "#22c55e");
    let taken = app.api.patch(&format!("{}/{id}", tags_url(&app)), json!({"slug": "db"})).await;
    assert_eq!(taken.status, 400, "{}", taken.text);
    assert_eq!(app.api.post(&tags_url(&app), json!({"slug": "db"})).await.status, 400);

    // Delete at each path; then 404.
    let deleted = app.api.delete(&format!("{}/{id}", tags_url(&app))).await.expect(200);
    assert_eq!(deleted["tag"]["slug"], "production");
    assert_eq!(
        app.api.delete(&format!("{}/{ws_id}", ws_tags_url(&app))).await.expect(200)["workspaceTag"]["slug"],
        "db"
    );
    assert_eq!(app.api.get(&format!("{}/{id}", tags_url(&app))).await.status, 404);
    assert_eq!(app.api.get(&format!("{}/slug/db", tags_url(&app))).await.status, 404);
    assert_eq!(app.api.get(&tags_url(&app)).await.expect(200)["tags"], json!([]));

    // Every write is audited with the slug (tags are not secret).
    let logs = app.api.get(&format!("/api/v1/projects/{}/audit-logs", app.project_id())).await.expect(200);
    let kinds: Vec<&str> = logs["auditLogs"]
        .as_array()
        .expect("logs")
        .iter()
        .map(|e| e["event"]["type"].as_str().expect("type"))
        .collect();
    for kind in ["create-tag", "update-tag", "delete-tag"] {
        assert!(kinds.contains(&kind), "{kind} missing in {kinds:?}");
    }
    let entry = logs["auditLogs"]
        .as_array()
        .expect("logs")
        .iter()
        .find(|e| e["event"]["type"] == "delete-tag")
        .expect("delete");
    assert_eq!(entry["target"]["type"], "tag");
    app.shutdown().await;
}

#[tokio::test]
async fn bad_tags_name_the_field_and_only_members_write_them() {
    let app = TestApp::spawn().await;
    let url = tags_url(&app);
    let cases = [
        (json!({}), "body.slug"),
        (json!({"slug": "Not A Slug"}), "body.slug"),
        (json!({"slug": "x".repeat(65)}), "body.slug"),
        (json!({"slug": "ok", "color": "x".repeat(40)}), "body.color"),
        (json!({"slug": "ok", "color": "red; background: url(x)"}), "body.color"),
    ];
    for (body, field) in cases {
        let resp = app.api.post(&url, body).await;
        assert_eq!(resp.status, 422, "{field}: {}", resp.text);
        assert!(resp.message().starts_with(field), "{field}: {}", resp.message());
    }
    assert_eq!(app.api.patch(&format!("{url}/not-a-uuid"), json!({})).await.status, 422);

    let id = tag(&app.api, &app, "ops", "#000").await;
    let viewer = member(&app, "viewer").await;
    assert_eq!(viewer.get(&url).await.expect(200)["tags"][0]["slug"], "ops", "viewers read tags");
    assert_eq!(viewer.post(&url, json!({"slug": "mine"})).await.status, 403);
    assert_eq!(viewer.patch(&format!("{url}/{id}"), json!({"slug": "mine"})).await.status, 403);
    assert_eq!(viewer.delete(&format!("{url}/{id}")).await.status, 403);
    let writer = member(&app, "member").await;
    writer.post(&url, json!({"slug": "mine"})).await.expect(200);
    // Someone outside the organization learns nothing.
    let stranger = outsider(&app).await;
    assert_eq!(stranger.get(&url).await.status, 404);
    assert_eq!(stranger.get(&format!("{url}/{id}")).await.status, 404);
    app.shutdown().await;
}

#[tokio::test]
async fn tag_ids_on_every_write_route_show_in_tags_and_filter_lists() {
    let app = TestApp::spawn().await;
    let pid = app.project_id().to_string();
    let prod = tag(&app.api, &app, "prod", "#ef4444").await;
    let db = tag(&app.api, &app, "db", "#3b82f6").await;

    // v3 create and update.
    let body = json!({"workspaceId": pid, "environment": "dev", "secretValue": "h", "tagIds": [prod, db]});
    let created = app.api.post(&format!("{RAW}/DB_HOST"), body).await.expect(200)["secret"].clone();
    assert_eq!(slugs(&created), ["db", "prod"]);
    let t = &created["tags"][0];
    assert_eq!(
        (t["id"].as_str(), t["name"].as_str(), t["color"].as_str()),
        (Some(db.as_str()), Some("db"), Some("#3b82f6"))
    );
    let kept = app
        .api
        .patch(&format!("{RAW}/DB_HOST"), json!({"workspaceId": pid, "environment": "dev", "secretValue": "h2"}))
        .await
        .expect(200)["secret"]
        .clone();
    assert_eq!(slugs(&kept), ["db", "prod"], "absent tagIds keeps the tags");
    let body = json!({"workspaceId": pid, "environment": "dev", "tagIds": [db]});
    let retagged = app.api.patch(&format!("{RAW}/DB_HOST"), body).await.expect(200)["secret"].clone();
    assert_eq!(slugs(&retagged), ["db"]);

    // v4 create and update.
    let body = json!({"projectId": pid, "environment": "dev", "secretValue": "p", "tagIds": [prod]});
    let v4 = app.api.post("/api/v4/secrets/API_KEY", body).await.expect(200)["secret"].clone();
    assert_eq!(slugs(&v4), ["prod"]);
    let body = json!({"projectId": pid, "environment": "dev", "tagIds": [prod, db]});
    assert_eq!(slugs(&app.api.patch("/api/v4/secrets/API_KEY", body).await.expect(200)["secret"]), ["db", "prod"]);

    // Batch create and update (v3 and v4).
    let body = json!({"workspaceId": pid, "environment": "dev", "secrets": [
        {"secretKey": "PLAIN", "secretValue": "1"},
        {"secretKey": "CACHE_URL", "secretValue": "2", "tagIds": [prod]}]});
    let batch = app.api.post(BATCH, body).await.expect(200)["secrets"].clone();
    assert_eq!((slugs(&batch[0]), slugs(&batch[1])), (vec![], vec!["prod".to_string()]));
    let body = json!({"projectId": pid, "environment": "dev", "secrets": [{"secretKey": "PLAIN", "tagIds": [db]}]});
    let batch = app.api.patch("/api/v4/secrets/batch", body).await.expect(200)["secrets"].clone();
    assert_eq!(slugs(&batch[0]), ["db"]);

    // Reads carry the tags: get (v3, v4) and list.
    let one = get(&app.api, &app, "dev", "/", "CACHE_URL", &[]).await.expect(200);
    assert_eq!(slugs(&one["secret"]), ["prod"]);
    let q = query(&[("projectId", &pid), ("environment", "dev")]);
    assert_eq!(slugs(&app.api.get(&format!("/api/v4/secrets/DB_HOST{q}")).await.expect(200)["secret"]), ["db"]);
    let all = list(&app.api, &app, "dev", "/", &[]).await.expect(200);
    assert_eq!(keys(&all), ["API_KEY", "CACHE_URL", "DB_HOST", "PLAIN"]);

    // tagSlugs: any of the slugs; unknown slugs match nothing; empty filters nothing.
    let prod_only = list(&app.api, &app, "dev", "/", &[("tagSlugs", "prod")]).await.expect(200);
    assert_eq!(keys(&prod_only), ["API_KEY", "CACHE_URL"]);
    let either = list(&app.api, &app, "dev", "/", &[("tagSlugs", "prod, db")]).await.expect(200);
    assert_eq!(keys(&either), ["API_KEY", "CACHE_URL", "DB_HOST", "PLAIN"]);
    assert_eq!(
        keys(&list(&app.api, &app, "dev", "/", &[("tagSlugs", "nope")]).await.expect(200)),
        Vec::<String>::new()
    );
    let v4_list = app
        .api
        .get(&format!("/api/v4/secrets{}", query(&[("projectId", &pid), ("environment", "dev"), ("tagSlugs", "db")])))
        .await
        .expect(200);
    assert_eq!(keys(&v4_list), ["API_KEY", "DB_HOST", "PLAIN"]);

    // Deleting a tag unlinks it; deleting a secret drops its links.
    app.api.delete(&format!("{}/{db}", tags_url(&app))).await.expect(200);
    assert_eq!(
        slugs(&get(&app.api, &app, "dev", "/", "DB_HOST", &[]).await.expect(200)["secret"]),
        Vec::<String>::new()
    );
    let del = json!({"workspaceId": pid, "environment": "dev"});
    app.api.delete_json(&format!("{RAW}/API_KEY"), del).await.expect(200);
    let body = json!({"workspaceId": pid, "environment": "dev", "secretValue": "again"});
    assert_eq!(slugs(&app.api.post(&format!("{RAW}/API_KEY"), body).await.expect(200)["secret"]), Vec::<String>::new());
    app.shutdown().await;
}

#[tokio::test]
async fn tag_ids_of_another_project_or_unknown_are_refused_and_change_nothing() {
    let app = TestApp::spawn().await;
    let pid = app.project_id().to_string();
    // A tag in a project of another organization.
    let stranger = outsider(&app).await;
    let theirs = stranger.post("/api/v1/projects", json!({"projectName": "Theirs"})).await.expect(200);
    let their_pid = theirs["project"]["id"].as_str().expect("id").to_string();
    let their_tag =
        stranger.post(&format!("/api/v1/projects/{their_pid}/tags"), json!({"slug": "prod"})).await.expect(200)["tag"]
            ["id"]
            .as_str()
            .expect("id")
            .to_string();
    let unknown = uuid::Uuid::now_v7().to_string();
    for bad in [&their_tag, &unknown] {
        let body = json!({"workspaceId": pid, "environment": "dev", "secretValue": "v", "tagIds": [bad]});
        let resp = app.api.post(&format!("{RAW}/K"), body).await;
        assert_eq!(resp.status, 422, "{}", resp.text);
        assert!(resp.message().starts_with("body.tagIds[0]"), "{}", resp.message());
        let body = json!({"workspaceId": pid, "environment": "dev", "secrets": [{"secretKey": "B", "secretValue": "v", "tagIds": [bad]}]});
        let resp = app.api.post(BATCH, body).await;
        assert_eq!(resp.status, 422, "{}", resp.text);
        assert!(resp.message().starts_with("body.secrets[0].tagIds[0]"), "{}", resp.message());
    }
    assert_eq!(keys(&list(&app.api, &app, "dev", "/", &[]).await.expect(200)), Vec::<String>::new(), "nothing written");
    // Their tag cannot be read, edited or deleted through our project.
    let ours = format!("{}/{their_tag}", tags_url(&app));
    assert_eq!(app.api.get(&ours).await.status, 404);
    assert_eq!(app.api.delete(&ours).await.status, 404);
    app.shutdown().await;
}

#[tokio::test]
async fn the_secrets_page_shows_tag_chips_and_filters_by_tag() {
    let app = TestApp::spawn().await;
    let pid = app.project_id().to_string();
    let prod = tag(&app.api, &app, "prod", "#ef4444").await;
    let body = json!({"workspaceId": pid, "environment": "dev", "secretValue": "v", "tagIds": [prod]});
    app.api.post(&format!("{RAW}/TAGGED_KEY"), body).await.expect(200);
    put(&app.api, &app, "dev", "/", "PLAIN_KEY", "v").await;

    let b = crate::ui::Browser::sign_in(&app).await;
    let page = b.get(&format!("/projects/{pid}/secrets/dev")).await;
    assert_eq!(page.status, 200);
    page.assert_contains(r##"<span class="tag-chip" data-tag-color="#ef4444" data-tag="prod">prod</span>"##);
    page.assert_contains(r#"<option value="prod">prod</option>"#);
    page.assert_contains("PLAIN_KEY");
    let filtered = b.get(&format!("/projects/{pid}/secrets/dev?path=%2F&tag=prod")).await;
    filtered.assert_contains("TAGGED_KEY");
    filtered.assert_contains(r#"<option value="prod" selected>prod</option>"#);
    assert!(!filtered.body.contains("PLAIN_KEY"), "the tag filter hides untagged secrets");

    // The sync wizard's source step asks for tags.
    let wizard = b.get(&format!("/projects/{pid}/syncs/new/railway")).await;
    assert_eq!(wizard.status, 200, "{}", wizard.body);
    wizard.assert_contains(r#"name="tag_slugs""#);
    app.shutdown().await;
}

#[tokio::test]
async fn the_secrets_page_marks_a_value_with_a_broken_reference() {
    let app = TestApp::spawn().await;
    let pid = app.project_id().to_string();
    put(&app.api, &app, "dev", "/", "URL", "postgres://${DB_HOST}/app").await;
    put(&app.api, &app, "dev", "/", "FINE", "v").await;
    let b = crate::ui::Browser::sign_in(&app).await;
    let page = b.get(&format!("/projects/{pid}/secrets/dev")).await;
    assert_eq!(page.status, 200);
    page.assert_contains(
        r#"URL <span class="badge badge-mini badge-retrying" data-broken-reference title="secret reference ${DB_HOST} points to a secret that does not exist">broken reference</span>"#,
    );
    assert_eq!(page.body.matches("data-broken-reference").count(), 1, "only the broken one");
    assert!(!page.body.contains("postgres://"), "values stay masked");
    app.shutdown().await;
}

/// Revealing a value with references shows both what was written and what reads and
/// syncs get; a plain value shows once.
#[tokio::test]
async fn revealing_a_value_with_references_shows_what_it_expands_to() {
    let app = TestApp::spawn().await;
    let pid = app.project_id().to_string();
    put(&app.api, &app, "dev", "/", "PORT", "8080").await;
    put(&app.api, &app, "dev", "/", "URL", "http://localhost:${PORT}/").await;
    let b = crate::ui::Browser::sign_in(&app).await;

    // What the Reveal button fetches.
    let reveal = |key: &str| format!("/projects/{pid}/secrets/dev/reveal?path=%2F&key={key}");
    let got: serde_json::Value = serde_json::from_str(&b.get(&reveal("URL")).await.body).expect("json");
    assert_eq!(got["value"], "http://localhost:${PORT}/");
    assert_eq!(got["expandedValue"], "http://localhost:8080/");
    let plain: serde_json::Value = serde_json::from_str(&b.get(&reveal("PORT")).await.body).expect("json");
    assert_eq!((plain["value"].as_str(), &plain["expandedValue"]), (Some("8080"), &serde_json::Value::Null));

    // Without JavaScript: the page revealed by its link.
    let page = b.get(&format!("/projects/{pid}/secrets/dev?path=%2F&reveal=URL")).await;
    page.assert_contains(r#"<span class="revealed ref">http://localhost:${PORT}/</span>"#);
    page.assert_contains(r#"reads and syncs as <span class="revealed">http://localhost:8080/</span>"#);
    app.shutdown().await;
}
