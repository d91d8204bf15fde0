//! Reading a folder or one secret is served from what was kept between reads (opened
//! folder contents, whole answers); a write through the API, or by another server on the
//! same PostgreSQL database, shows in the very next read (the project's change counter is
//! checked on every request). A SQLite file has one server: a second one is refused.

use crate::secret_support::*;
use serde_json::json;
use sluice_storage::Backend;
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
async fn a_sqlite_file_is_served_by_one_server_at_a_time() {
    let mut app = TestApp::spawn().await;
    if app.state().store.backend() != Backend::Sqlite {
        return app.shutdown().await;
    }
    put(&app.api, &app, "dev", "/", "HOST", "db-1").await;
    let mut settings = app.settings().clone();
    settings.listen = ([127, 0, 0, 1], 0).into();
    let err = sluice_server::start(settings.clone()).await.err().expect("a second server is refused");
    let message = format!("{err:#}");
    assert!(message.contains("is in use by another Sluice server"), "{message}");
    assert!(message.contains("several nodes share a PostgreSQL database"), "{message}");
    let got = get(&app.api, &app, "dev", "/", "HOST", &[]).await.expect(200);
    assert_eq!(got["secret"]["secretValue"], "db-1", "the first server is untouched");

    // Once it stops, the file is free for the next one.
    app.stop().await;
    let next = sluice_server::start(settings).await.expect("the next server starts");
    let api = ApiClient::new(next.url(), Some(app.creds.access_token.clone()));
    assert_eq!(get(&api, &app, "dev", "/", "HOST", &[]).await.expect(200)["secret"]["secretValue"], "db-1");
    next.shutdown().await;
}

#[tokio::test]
async fn a_write_by_another_server_on_the_same_database_shows_in_the_next_read() {
    let app = TestApp::spawn().await;
    if app.state().store.backend() != Backend::Postgres {
        return app.shutdown().await;
    }
    put(&app.api, &app, "dev", "/", "HOST", "db-1").await;
    put(&app.api, &app, "dev", "/", "URL", "postgres://${HOST}/app").await;
    let mut settings = app.settings().clone();
    settings.listen = ([127, 0, 0, 1], 0).into();
    let other = sluice_server::start(settings).await.expect("a second server starts");
    let other_api = ApiClient::new(other.url(), Some(app.creds.access_token.clone()));

    for round in 0..3 {
        // Read on this server (kept), write on the other, read here again.
        let before = list(&app.api, &app, "dev", "/", &[EXPAND]).await.expect(200);
        let one = get(&app.api, &app, "dev", "/", "URL", &[EXPAND]).await.expect(200);
        let host = format!("db-{}", round + 2);
        let body =
            json!({"workspaceId": app.project_id(), "environment": "dev", "secretPath": "/", "secretValue": host});
        other_api.patch(&format!("{RAW}/HOST"), body).await.expect(200);
        let after = list(&app.api, &app, "dev", "/", &[EXPAND]).await.expect(200);
        assert_ne!(value_of(&before, "HOST"), value_of(&after, "HOST"));
        assert_eq!(value_of(&after, "HOST"), Some(host.clone()), "round {round}");
        assert_eq!(value_of(&after, "URL"), Some(format!("postgres://{host}/app")), "round {round}");
        let one_after = get(&app.api, &app, "dev", "/", "URL", &[EXPAND]).await.expect(200);
        assert_ne!(one["secret"]["secretValue"], one_after["secret"]["secretValue"], "round {round}");
        assert_eq!(one_after["secret"]["secretValue"], format!("postgres://{host}/app"), "round {round}");
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
    let dev = environment_id(&app, &pid, "dev").await;
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

/// One secret's answer is kept between reads too (same `ETag`), and every write that shows in it makes it afresh: its value, comment and
/// tags, a secret it references, a rename and a delete, its tag renamed, its environment
/// renamed; a past version is read as it was.
#[tokio::test]
async fn a_kept_secret_answer_follows_every_write_that_shows_in_it() {
    let app = TestApp::spawn().await;
    let pid = app.project_id().to_string();
    let one = |key: &'static str, extra: &'static [(&'static str, &'static str)]| {
        let app = &app;
        async move { get(&app.api, app, "dev", "/", key, extra).await }
    };
    let value = |r: &serde_json::Value| r["secret"]["secretValue"].as_str().unwrap_or("").to_string();
    put(&app.api, &app, "dev", "/", "HOST", "db-1").await;
    put(&app.api, &app, "dev", "/", "URL", "postgres://${HOST}/app").await;

    let first = one("URL", &[EXPAND]).await;
    let again = one("URL", &[EXPAND]).await;
    assert_eq!((first.status, again.status), (200, 200));
    let etag = first.headers.get("etag").expect("an ETag").to_str().expect("ascii").to_string();
    assert_eq!(again.headers.get("etag").map(|v| v.to_str().unwrap_or("")), Some(etag.as_str()), "the same answer");
    assert_eq!(value(&first.expect(200)), "postgres://db-1/app");
    assert_eq!(value(&one("URL", &[]).await.expect(200)), "postgres://${HOST}/app", "another query, another answer");

    // A secret it references changes, then the secret itself.
    let patch = |key: &str, body: serde_json::Value| {
        let mut body = body;
        body["workspaceId"] = json!(pid);
        body["environment"] = json!("dev");
        body["secretPath"] = json!("/");
        let path = format!("{RAW}/{key}");
        let api = app.api.clone();
        async move { api.patch(&path, body).await.expect(200) }
    };
    patch("HOST", json!({"secretValue": "db-2"})).await;
    assert_eq!(value(&one("URL", &[EXPAND]).await.expect(200)), "postgres://db-2/app", "the referenced secret changed");
    patch("URL", json!({"secretValue": "mysql://${HOST}/app", "secretComment": "the app's database"})).await;
    let after = one("URL", &[EXPAND]).await.expect(200);
    assert_eq!(value(&after), "mysql://db-2/app");
    assert_eq!(after["secret"]["secretComment"], "the app's database");
    assert_eq!(value(&one("URL", &[("version", "1")]).await.expect(200)), "postgres://${HOST}/app", "a past version");

    // Tags: attached, renamed.
    let tags = format!("/api/v1/projects/{pid}/tags");
    let tag =
        app.api.post(&tags, json!({"slug": "db"})).await.expect(200)["tag"]["id"].as_str().expect("id").to_string();
    assert_eq!(one("URL", &[]).await.expect(200)["secret"]["tags"], json!([]));
    patch("URL", json!({"tagIds": [tag]})).await;
    assert_eq!(one("URL", &[]).await.expect(200)["secret"]["tags"][0]["slug"], "db", "tag attached");
    app.api.patch(&format!("{tags}/{tag}"), json!({"slug": "database"})).await.expect(200);
    assert_eq!(one("URL", &[]).await.expect(200)["secret"]["tags"][0]["slug"], "database", "tag renamed");

    // Renamed, then deleted.
    patch("URL", json!({"newSecretName": "DATABASE_URL"})).await;
    assert_eq!(one("URL", &[]).await.status, 404, "the old name is gone");
    assert_eq!(value(&one("DATABASE_URL", &[EXPAND]).await.expect(200)), "mysql://db-2/app");
    let body = json!({"workspaceId": pid, "environment": "dev", "secretPath": "/"});
    app.api.delete_json(&format!("{RAW}/DATABASE_URL"), body).await.expect(200);
    assert_eq!(one("DATABASE_URL", &[EXPAND]).await.status, 404, "deleted");

    // The environment renamed: the old slug no longer finds it, the new one does.
    assert_eq!(value(&one("HOST", &[]).await.expect(200)), "db-2");
    let dev = environment_id(&app, &pid, "dev").await;
    app.api.patch(&format!("/api/v1/projects/{pid}/environments/{dev}"), json!({"slug": "develop"})).await.expect(200);
    assert_eq!(one("HOST", &[]).await.status, 404, "environment renamed");
    let renamed = get(&app.api, &app, "develop", "/", "HOST", &[]).await.expect(200);
    assert_eq!(renamed["secret"]["environment"], "develop");
    app.shutdown().await;
}

/// The id of the project's environment `slug`.
async fn environment_id(app: &TestApp, project: &str, slug: &str) -> String {
    let envs = app.api.get(&format!("/api/v1/workspace/{project}")).await.expect(200);
    envs["workspace"]["environments"].as_array().expect("envs").iter().find(|e| e["slug"] == slug).expect("environment")
        ["id"]
        .as_str()
        .expect("id")
        .to_string()
}
