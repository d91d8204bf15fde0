//! Listing a folder is served from opened folder contents kept between reads; a write
//! through the API, or by another server on the same database, shows in the very next
//! read (the project's change counter is checked on every request).

use crate::secret_support::*;
use serde_json::json;
use sluice_testkit::{ApiClient, TestApp};

const EXPAND: (&str, &str) = ("expandSecretReferences", "true");

fn value_of(list: &serde_json::Value, key: &str) -> Option<String> {
    values(list).into_iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

#[tokio::test]
async fn every_kind_of_write_through_the_api_shows_in_the_next_list() {
    let app = TestApp::spawn().await;
    put(&app.api, &app, "dev", "/", "HOST", "db-1").await;
    put(&app.api, &app, "dev", "/", "URL", "postgres://${HOST}/app").await;
    folder(&app, "prod", "/", "db").await;
    put(&app.api, &app, "prod", "/db", "PORT", "5432").await;
    put(&app.api, &app, "dev", "/", "DSN", "${HOST}:${prod.db.PORT}").await;
    let first = list(&app.api, &app, "dev", "/", &[EXPAND]).await.expect(200);
    assert_eq!(value_of(&first, "URL").as_deref(), Some("postgres://db-1/app"));
    assert_eq!(value_of(&first, "DSN").as_deref(), Some("db-1:5432"));

    // An update, of the secret itself and of one that another secret references.
    let body = json!({"workspaceId": app.project_id(), "environment": "dev", "secretPath": "/", "secretValue": "db-2"});
    app.api.patch(&format!("{RAW}/HOST"), body).await.expect(200);
    let body =
        json!({"workspaceId": app.project_id(), "environment": "prod", "secretPath": "/db", "secretValue": "6432"});
    app.api.patch(&format!("{RAW}/PORT"), body).await.expect(200);
    let after = list(&app.api, &app, "dev", "/", &[EXPAND]).await.expect(200);
    assert_eq!(value_of(&after, "HOST").as_deref(), Some("db-2"));
    assert_eq!(value_of(&after, "URL").as_deref(), Some("postgres://db-2/app"));
    assert_eq!(value_of(&after, "DSN").as_deref(), Some("db-2:6432"), "a referenced folder is not read stale");

    // A create, a comment, a rename and a delete.
    put(&app.api, &app, "dev", "/", "NEW", "fresh").await;
    let body = json!({"workspaceId": app.project_id(), "environment": "dev", "secretPath": "/",
                      "secretComment": "the database host", "newSecretName": "DB_HOST"});
    app.api.patch(&format!("{RAW}/HOST"), body).await.expect(200);
    let body = json!({"workspaceId": app.project_id(), "environment": "dev", "secretPath": "/"});
    app.api.delete_json(&format!("{RAW}/URL"), body).await.expect(200);
    let after = list(&app.api, &app, "dev", "/", &[EXPAND]).await.expect(200);
    let keys: Vec<String> = values(&after).into_iter().map(|(k, _)| k).collect();
    assert_eq!(keys, ["DB_HOST", "DSN", "NEW"]);
    let host = after["secrets"].as_array().expect("secrets").iter().find(|s| s["secretKey"] == "DB_HOST").cloned();
    assert_eq!(host.map(|s| s["secretComment"].clone()), Some(json!("the database host")));
    assert_eq!(value_of(&after, "DSN").as_deref(), Some("${HOST}:6432"), "the renamed reference no longer resolves");

    // A batch write, and the same list without values (comments still shown).
    let body = json!({"workspaceId": app.project_id(), "environment": "dev", "secretPath": "/",
                      "secrets": [{"secretKey": "NEW", "secretValue": "batched"}]});
    app.api.patch(BATCH, body).await.expect(200);
    let after = list(&app.api, &app, "dev", "/", &[EXPAND]).await.expect(200);
    assert_eq!(value_of(&after, "NEW").as_deref(), Some("batched"));
    app.shutdown().await;
}

#[tokio::test]
async fn a_write_by_another_server_on_the_same_database_shows_in_the_next_list() {
    let app = TestApp::spawn().await;
    put(&app.api, &app, "dev", "/", "HOST", "db-1").await;
    put(&app.api, &app, "dev", "/", "URL", "postgres://${HOST}/app").await;
    let mut settings = app.settings().clone();
    settings.listen = ([127, 0, 0, 1], 0).into();
    let other = sluice_server::start(settings).await.expect("a second server starts");
    let other_api = ApiClient::new(other.url(), Some(app.creds.access_token.clone()));

    for round in 0..3 {
        // Read on this server (kept), write on the other, read here again.
        let before = list(&app.api, &app, "dev", "/", &[EXPAND]).await.expect(200);
        let host = format!("db-{}", round + 2);
        let body =
            json!({"workspaceId": app.project_id(), "environment": "dev", "secretPath": "/", "secretValue": host});
        other_api.patch(&format!("{RAW}/HOST"), body).await.expect(200);
        let after = list(&app.api, &app, "dev", "/", &[EXPAND]).await.expect(200);
        assert_ne!(value_of(&before, "HOST"), value_of(&after, "HOST"));
        assert_eq!(value_of(&after, "HOST"), Some(host.clone()), "round {round}");
        assert_eq!(value_of(&after, "URL"), Some(format!("postgres://{host}/app")), "round {round}");
    }
    // And the other way round: a delete here is gone there.
    list(&other_api, &app, "dev", "/", &[]).await.expect(200);
    let body = json!({"workspaceId": app.project_id(), "environment": "dev", "secretPath": "/"});
    app.api.delete_json(&format!("{RAW}/URL"), body).await.expect(200);
    let there = list(&other_api, &app, "dev", "/", &[]).await.expect(200);
    assert_eq!(values(&there).into_iter().map(|(k, _)| k).collect::<Vec<_>>(), ["HOST"]);
    other.shutdown().await;
    app.shutdown().await;
}

/// Whole list answers are kept between reads: the same list twice is the same answer (same
/// `ETag`), and every change that shows in a list, not only secret writes, makes it afresh:
/// a tag renamed or deleted, an environment renamed, a secret import added, a folder renamed.
#[tokio::test]
async fn a_kept_list_answer_follows_tags_environments_imports_and_folders() {
    let app = TestApp::spawn().await;
    let pid = app.project_id().to_string();
    let tags = format!("/api/v1/projects/{pid}/tags");
    let tag =
        app.api.post(&tags, json!({"slug": "db"})).await.expect(200)["tag"]["id"].as_str().expect("id").to_string();
    let body =
        json!({"workspaceId": pid, "environment": "dev", "secretPath": "/", "secretValue": "v", "tagIds": [tag]});
    app.api.post(&format!("{RAW}/TAGGED"), body).await.expect(200);
    let tag_slugs = |list: &serde_json::Value| -> Vec<String> {
        list["secrets"][0]["tags"]
            .as_array()
            .expect("tags")
            .iter()
            .map(|t| t["slug"].as_str().unwrap_or("").to_string())
            .collect()
    };
    let first = list(&app.api, &app, "dev", "/", &[]).await;
    let again = list(&app.api, &app, "dev", "/", &[]).await;
    assert_eq!((first.status, again.status), (200, 200));
    assert_eq!(again.headers.get("etag"), first.headers.get("etag"), "the same answer");
    assert_eq!(tag_slugs(&again.expect(200)), ["db"]);

    app.api.patch(&format!("{tags}/{tag}"), json!({"slug": "database"})).await.expect(200);
    assert_eq!(tag_slugs(&list(&app.api, &app, "dev", "/", &[]).await.expect(200)), ["database"], "tag renamed");
    app.api.delete(&format!("{tags}/{tag}")).await.expect(200);
    assert!(tag_slugs(&list(&app.api, &app, "dev", "/", &[]).await.expect(200)).is_empty(), "tag deleted");

    // The environment's slug is in every secret of the answer.
    let envs = app.api.get(&format!("/api/v1/workspace/{pid}")).await.expect(200);
    let dev = envs["workspace"]["environments"]
        .as_array()
        .expect("envs")
        .iter()
        .find(|e| e["slug"] == "dev")
        .expect("dev")["id"]
        .as_str()
        .expect("id")
        .to_string();
    let before = list(&app.api, &app, "dev", "/", &[]).await.expect(200);
    assert_eq!(before["secrets"][0]["environment"], "dev");
    app.api.patch(&format!("/api/v1/projects/{pid}/environments/{dev}"), json!({"slug": "develop"})).await.expect(200);
    let after = list(&app.api, &app, "develop", "/", &[]).await.expect(200);
    assert_eq!(after["secrets"][0]["environment"], "develop", "environment renamed");

    // An import appears in `imports` of the answer with include_imports.
    put(&app.api, &app, "staging", "/", "FROM_STAGING", "s").await;
    let with = [("include_imports", "true")];
    assert_eq!(list(&app.api, &app, "develop", "/", &with).await.expect(200)["imports"], json!([]));
    import(&app, "develop", "/", "staging", "/").await.expect(200);
    let imported = list(&app.api, &app, "develop", "/", &with).await.expect(200);
    assert_eq!(imported["imports"][0]["secrets"][0]["secretKey"], "FROM_STAGING", "import added");

    // A folder renamed: a recursive list shows the new path.
    folder(&app, "develop", "/", "api").await;
    put(&app.api, &app, "develop", "/api", "IN_API", "a").await;
    let rec = [("recursive", "true")];
    let paths = |list: &serde_json::Value| -> Vec<String> {
        list["secrets"]
            .as_array()
            .expect("secrets")
            .iter()
            .map(|s| s["secretPath"].as_str().unwrap_or("").to_string())
            .collect()
    };
    assert!(paths(&list(&app.api, &app, "develop", "/", &rec).await.expect(200)).contains(&"/api".to_string()));
    let body = json!({"workspaceId": pid, "environment": "develop", "path": "/", "name": "backend"});
    app.api.patch(&format!("{FOLDERS}/api"), body).await.expect(200);
    let renamed = paths(&list(&app.api, &app, "develop", "/", &rec).await.expect(200));
    assert!(renamed.contains(&"/backend".to_string()) && !renamed.contains(&"/api".to_string()), "{renamed:?}");
    app.shutdown().await;
}
