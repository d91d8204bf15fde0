//! Secrets through Infisical's raw API (v3 and v4): the shapes the SDKs need, versions,
//! every parameter, batch routes, bad input, permissions, ETags and audit.

use crate::secret_support::*;
use serde_json::{Value, json};
use sluice_testkit::TestApp;

fn assert_sdk_shape(s: &Value, app: &TestApp, env: &str, path: &str) {
    for field in [
        "id",
        "_id",
        "workspace",
        "environment",
        "version",
        "type",
        "secretKey",
        "secretValue",
        "secretComment",
        "secretPath",
        "createdAt",
        "updatedAt",
        "tags",
        "skipMultilineEncoding",
        "secretReminderNote",
        "secretReminderRepeatDays",
        "secretMetadata",
        "secretValueHidden",
    ] {
        assert!(s.get(field).is_some(), "{field} missing in {s}");
    }
    assert_eq!(s["id"], s["_id"]);
    assert_eq!(s["workspace"], app.project_id());
    assert_eq!(s["environment"], env);
    assert_eq!(s["secretPath"], path);
    assert_eq!(s["type"], "shared");
    assert!(s["secretComment"].is_string(), "secretComment must never be null: {s}");
    assert_eq!(s["tags"], json!([]));
    assert!(s["createdAt"].as_str().is_some_and(|t| t.ends_with('Z') && t.len() == 24), "{s}");
}

#[tokio::test]
async fn create_get_list_answer_in_the_shapes_the_sdks_need() {
    let app = TestApp::spawn().await;
    // The Node SDK omits `type`; the Python SDK sends `type: shared` and drops nulls.
    let created = put(&app.api, &app, "dev", "/", "DB_HOST", "db.internal").await;
    assert_sdk_shape(&created, &app, "dev", "/");
    assert_eq!(created["version"], 1);
    assert_eq!(created["secretComment"], "");
    assert_eq!(created["secretValue"], "db.internal");
    assert_eq!(created["secretValueHidden"], false);
    let body = json!({"workspaceId": app.project_id(), "environment": "dev", "secretPath": "/", "secretValue": "x",
        "type": "shared", "skipMultilineEncoding": true, "secretComment": "the port"});
    let port = app.api.post(&format!("{RAW}/DB_PORT"), body).await.expect(200)["secret"].clone();
    assert_eq!(port["skipMultilineEncoding"], true);
    assert_eq!(port["secretComment"], "the port");

    let got = get(&app.api, &app, "dev", "/", "DB_HOST", &[("type", "shared")]).await.expect(200);
    assert_sdk_shape(&got["secret"], &app, "dev", "/");
    assert_eq!(got["secret"]["id"], created["id"]);
    assert_eq!(got["secret"]["secretValue"], "db.internal");

    let listed = list(&app.api, &app, "dev", "/", &[]).await.expect(200);
    assert_eq!(listed["imports"], json!([]), "imports is always present");
    assert_eq!(values(&listed), [("DB_HOST".into(), "db.internal".into()), ("DB_PORT".into(), "x".into())]);
    for s in listed["secrets"].as_array().expect("list") {
        assert_sdk_shape(s, &app, "dev", "/");
    }
    // Other environments are separate.
    assert_eq!(list(&app.api, &app, "prod", "/", &[]).await.expect(200)["secrets"], json!([]));
    app.shutdown().await;
}

#[tokio::test]
async fn every_change_is_a_version_and_versions_outlive_the_secret() {
    let app = TestApp::spawn().await;
    put(&app.api, &app, "dev", "/", "TOKEN", "one").await;
    let patch =
        |v: &str| json!({"workspaceId": app.project_id(), "environment": "dev", "secretPath": "/", "secretValue": v});
    let two = app.api.patch(&format!("{RAW}/TOKEN"), patch("two")).await.expect(200)["secret"].clone();
    assert_eq!(two["version"], 2);
    // A comment-only update keeps the value and makes version 3.
    let body = json!({"workspaceId": app.project_id(), "environment": "dev", "secretComment": "rotated"});
    let three = app.api.patch(&format!("{RAW}/TOKEN"), body).await.expect(200)["secret"].clone();
    assert_eq!(
        (three["version"].clone(), three["secretValue"].clone(), three["secretComment"].clone()),
        (json!(3), json!("two"), json!("rotated"))
    );
    let v1 = get(&app.api, &app, "dev", "/", "TOKEN", &[("version", "1")]).await.expect(200)["secret"].clone();
    assert_eq!(
        (v1["version"].clone(), v1["secretValue"].clone(), v1["secretComment"].clone()),
        (json!(1), json!("one"), json!(""))
    );
    assert_eq!(v1["id"], two["id"]);
    let deleted = app
        .api
        .delete_json(
            &format!("{RAW}/TOKEN"),
            json!({"workspaceId": app.project_id(), "environment": "dev", "secretPath": "/"}),
        )
        .await
        .expect(200)["secret"]
        .clone();
    assert_eq!((deleted["secretKey"].clone(), deleted["secretValue"].clone()), (json!("TOKEN"), json!("two")));
    let gone = get(&app.api, &app, "dev", "/", "TOKEN", &[]).await;
    assert_eq!(gone.status, 404);
    assert_eq!(gone.message(), "Secret with name 'TOKEN' not found");
    // The history is still there, by name.
    let v2 = get(&app.api, &app, "dev", "/", "TOKEN", &[("version", "2")]).await.expect(200)["secret"].clone();
    assert_eq!(v2["secretValue"], "two");
    let mut conn = app.state().store.read().await.expect("conn");
    let id = sluice_domain::SecretId::from_trusted(two["id"].as_str().expect("id"));
    let history = sluice_storage::secrets::versions(&mut conn, &id).await.expect("versions");
    let actions: Vec<(i64, &str, Option<&str>)> =
        history.iter().map(|v| (v.version, v.action.as_str(), v.actor_id.as_deref())).collect();
    let me = Some(app.creds.identity_id.as_str());
    assert_eq!(actions, [(1, "created", me), (2, "updated", me), (3, "updated", me), (4, "deleted", me)]);
    assert_eq!(get(&app.api, &app, "dev", "/", "TOKEN", &[("version", "9")]).await.status, 404);
    drop(conn);
    app.shutdown().await;
}

#[tokio::test]
async fn renames_duplicates_and_missing_secrets_use_infisicals_words() {
    let app = TestApp::spawn().await;
    put(&app.api, &app, "dev", "/", "OLD", "v").await;
    put(&app.api, &app, "dev", "/", "OTHER", "o").await;
    let dup = app
        .api
        .post(&format!("{RAW}/OLD"), json!({"workspaceId": app.project_id(), "environment": "dev", "secretValue": "x"}))
        .await;
    assert_eq!((dup.status, dup.message()), (400, "Secret already exist: OLD"));
    let rename = |to: &str| json!({"workspaceId": app.project_id(), "environment": "dev", "secretPath": "/", "newSecretName": to});
    let clash = app.api.patch(&format!("{RAW}/OLD"), rename("OTHER")).await;
    assert_eq!((clash.status, clash.message()), (400, "Secret with new name already exists: OTHER"));
    let renamed = app.api.patch(&format!("{RAW}/OLD"), rename("NEW")).await.expect(200)["secret"].clone();
    assert_eq!(
        (renamed["secretKey"].clone(), renamed["secretValue"].clone(), renamed["version"].clone()),
        (json!("NEW"), json!("v"), json!(2))
    );
    assert_eq!(get(&app.api, &app, "dev", "/", "NEW", &[]).await.expect(200)["secret"]["secretValue"], "v");
    assert_eq!(get(&app.api, &app, "dev", "/", "OLD", &[]).await.status, 404);
    let missing = app.api.patch(&format!("{RAW}/NOPE"), rename("X")).await;
    assert_eq!((missing.status, missing.message()), (404, "Secret with name 'NOPE' not found"));
    let body = json!({"workspaceId": app.project_id(), "environment": "dev", "secretPath": "/", "secretName": "NOPE"});
    assert_eq!(app.api.delete_json(&format!("{RAW}/NOPE"), body).await.status, 404);
    app.shutdown().await;
}

#[tokio::test]
async fn bad_input_names_the_field_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let pid = app.project_id().to_string();
    let before = last_event(&app).await;
    let cases: Vec<(sluice_testkit::Response, u16, &str)> = vec![
        (app.api.post(&format!("{RAW}/BAD%20KEY"), json!({"workspaceId": pid, "environment": "dev", "secretValue": "v"})).await, 422, "params.secretName"),
        (app.api.post(&format!("{RAW}/K"), json!({"workspaceId": pid, "secretValue": "v"})).await, 422, "body.environment"),
        (app.api.post(&format!("{RAW}/K"), json!({"environment": "dev", "secretValue": "v"})).await, 422, "body.workspaceId"),
        (app.api.post(&format!("{RAW}/K"), json!({"workspaceId": pid, "environment": "dev"})).await, 422, "body.secretValue"),
        (app.api.post(&format!("{RAW}/K"), json!({"workspaceId": pid, "environment": "dev", "secretValue": 5})).await, 422, "body.secretValue"),
        (app.api.post(&format!("{RAW}/K"), json!({"workspaceId": pid, "environment": "dev", "secretValue": "v", "secretPath": "/a b"})).await, 422, "body.secretPath"),
        (app.api.post(&format!("{RAW}/K"), json!({"workspaceId": pid, "environment": "dev", "secretValue": "v", "type": "weird"})).await, 422, "body.type"),
        (app.api.post(&format!("{RAW}/K"), json!({"workspaceId": pid, "environment": "dev", "secretValue": "v", "tagIds": ["t1"]})).await, 422, "body.tagIds"),
        (app.api.post(&format!("{RAW}/K"), json!({"workspaceId": pid, "environment": "dev", "secretValue": "v", "secretReminderRepeatDays": 0})).await, 422, "body.secretReminderRepeatDays"),
        (app.api.post(&format!("{RAW}/K"), json!({"workspaceId": pid, "environment": "dev", "secretValue": "v", "secretMetadata": "x"})).await, 422, "body.secretMetadata"),
        (app.api.patch(&format!("{RAW}/K"), json!({"workspaceId": pid, "environment": "dev", "newSecretName": "a b"})).await, 422, "body.newSecretName"),
        (get(&app.api, &app, "dev", "/", "K", &[("version", "abc")]).await, 422, "query.version"),
        (get(&app.api, &app, "dev", "/", "K", &[("viewSecretValue", "maybe")]).await, 422, "query.viewSecretValue"),
        (list(&app.api, &app, "dev", "/a//b", &[]).await, 422, "query.secretPath"),
        (app.api.get(&format!("{RAW}{}", query(&[("workspaceId", &pid)]))).await, 422, "query.environment"),
    ];
    for (resp, status, field) in cases {
        assert_eq!(resp.status, status, "{field}: {}", resp.text);
        assert!(resp.message().starts_with(field), "{field}: {}", resp.message());
    }
    let personal = app
        .api
        .post(
            &format!("{RAW}/K"),
            json!({"workspaceId": pid, "environment": "dev", "secretValue": "v", "type": "personal"}),
        )
        .await;
    assert_eq!(personal.status, 400);
    assert!(personal.message().contains("Personal secrets"), "{}", personal.message());
    assert_eq!(get(&app.api, &app, "dev", "/", "K", &[("type", "personal")]).await.status, 400);
    let no_env =
        app.api.post(&format!("{RAW}/K"), json!({"workspaceId": pid, "environment": "qa", "secretValue": "v"})).await;
    assert_eq!(
        (no_env.status, no_env.message().to_string()),
        (404, format!("Environment with slug 'qa' in project with ID '{pid}' not found"))
    );
    let no_folder = app
        .api
        .post(
            &format!("{RAW}/K"),
            json!({"workspaceId": pid, "environment": "dev", "secretPath": "/nope", "secretValue": "v"}),
        )
        .await;
    assert_eq!(
        (no_folder.status, no_folder.message()),
        (404, "Folder with path '/nope' in environment with slug 'dev' not found")
    );
    assert_eq!(
        get(&app.api, &app, "dev", "/nope", "K", &[]).await.message(),
        "Folder with path '/nope' in environment with slug 'dev' not found"
    );
    // Infisical lists a missing folder as empty.
    assert_eq!(list(&app.api, &app, "dev", "/nope", &[]).await.expect(200), json!({"secrets": [], "imports": []}));
    assert_eq!(
        app.api.get(&format!("{RAW}{}", query(&[("workspaceId", "not-a-uuid"), ("environment", "dev")]))).await.status,
        404
    );
    assert_eq!(list(&app.api, &app, "dev", "/", &[]).await.expect(200)["secrets"], json!([]), "nothing was created");
    assert_eq!(last_event(&app).await, before, "no change event");
    app.shutdown().await;
}

#[tokio::test]
async fn query_parameters_select_what_is_shown() {
    let app = TestApp::spawn().await;
    folder(&app, "dev", "/", "app").await;
    folder(&app, "dev", "/app", "api").await;
    put(&app.api, &app, "dev", "/", "ROOT_KEY", "r").await;
    put(&app.api, &app, "dev", "/app", "APP_KEY", "a").await;
    put(&app.api, &app, "dev", "/app/api", "API_KEY", "b").await;
    // recursive: the folder and everything below, each secret with its own path.
    let all = list(&app.api, &app, "dev", "/app", &[("recursive", "true")]).await.expect(200);
    let paths: Vec<(String, String)> = all["secrets"]
        .as_array()
        .expect("secrets")
        .iter()
        .map(|s| (s["secretKey"].as_str().unwrap_or("").into(), s["secretPath"].as_str().unwrap_or("").into()))
        .collect();
    assert_eq!(paths, [("APP_KEY".into(), "/app".into()), ("API_KEY".into(), "/app/api".into())]);
    assert_eq!(values(&list(&app.api, &app, "dev", "/app", &[("recursive", "false")]).await.expect(200)).len(), 1);
    // viewSecretValue=false masks values.
    let hidden = list(&app.api, &app, "dev", "/", &[("viewSecretValue", "false")]).await.expect(200);
    assert_eq!(hidden["secrets"][0]["secretValueHidden"], true);
    assert_ne!(hidden["secrets"][0]["secretValue"], "r");
    let one = get(&app.api, &app, "dev", "/app/", "APP_KEY", &[("viewSecretValue", "False")]).await.expect(200);
    assert_eq!(one["secret"]["secretValueHidden"], true);
    // No secret carries these tags: the filter matches nothing; an empty one filters nothing.
    assert_eq!(list(&app.api, &app, "dev", "/", &[("tagSlugs", "prod,db")]).await.expect(200)["secrets"], json!([]));
    assert_eq!(values(&list(&app.api, &app, "dev", "/", &[("tagSlugs", "")]).await.expect(200)).len(), 1);
    // The project by slug (machine identities), trailing slashes, and v4 with projectId.
    let by_slug = app
        .api
        .get(&format!("{RAW}/{}", query(&[("workspaceSlug", "default"), ("environment", "dev")])))
        .await
        .expect(200);
    assert_eq!(values(&by_slug), [("ROOT_KEY".into(), "r".into())]);
    let v4 = app
        .api
        .get(&format!(
            "/api/v4/secrets{}",
            query(&[
                ("projectId", app.project_id()),
                ("environment", "dev"),
                ("secretPath", "/app"),
                ("includeImports", "true"),
                ("includePersonalOverrides", "false")
            ])
        ))
        .await
        .expect(200);
    assert_eq!(values(&v4), [("APP_KEY".into(), "a".into())]);
    let v4_one = app
        .api
        .get(&format!(
            "/api/v4/secrets/API_KEY{}",
            query(&[
                ("projectId", app.project_id()),
                ("environment", "dev"),
                ("secretPath", "/app/api"),
                ("type", "shared")
            ])
        ))
        .await
        .expect(200);
    assert_eq!(v4_one["secret"]["secretValue"], "b");
    app.shutdown().await;
}

#[tokio::test]
async fn v4_writes_metadata_and_reminders_round_trip() {
    let app = TestApp::spawn().await;
    let pid = app.project_id().to_string();
    let body = json!({"projectId": pid, "environment": "staging", "secretValue": "v", "secretReminderNote": "rotate",
        "secretReminderRepeatDays": 30, "secretMetadata": [{"key": "owner", "value": "ops"}]});
    let made = app.api.post("/api/v4/secrets/META/", body).await.expect(200)["secret"].clone();
    assert_eq!(
        (made["secretReminderNote"].clone(), made["secretReminderRepeatDays"].clone()),
        (json!("rotate"), json!(30))
    );
    assert_eq!(made["secretMetadata"], json!([{"key": "owner", "value": "ops", "isEncrypted": false}]));
    let upd = json!({"projectId": pid, "environment": "staging", "metadata": {"team": "core"}});
    let changed = app.api.patch("/api/v4/secrets/META", upd).await.expect(200)["secret"].clone();
    assert_eq!(changed["secretMetadata"], json!([{"key": "team", "value": "core", "isEncrypted": false}]));
    assert_eq!(changed["secretReminderNote"], "rotate", "absent fields are kept");
    let gone = app
        .api
        .delete_json("/api/v4/secrets/META", json!({"projectId": pid, "environment": "staging"}))
        .await
        .expect(200);
    assert_eq!(gone["secret"]["secretKey"], "META");
    app.shutdown().await;
}

#[tokio::test]
async fn batch_routes_are_all_or_nothing() {
    let app = TestApp::spawn().await;
    let pid = app.project_id().to_string();
    folder(&app, "dev", "/", "app").await;
    put(&app.api, &app, "dev", "/", "EXISTING", "e").await;
    let create =
        |secrets: Value| json!({"workspaceId": pid, "environment": "dev", "secretPath": "/", "secrets": secrets});
    let refused = app
        .api
        .post(
            BATCH,
            create(json!([{"secretKey": "A", "secretValue": "1"}, {"secretKey": "EXISTING", "secretValue": "2"}])),
        )
        .await;
    assert_eq!((refused.status, refused.message()), (400, "Secret already exist: EXISTING"));
    assert_eq!(get(&app.api, &app, "dev", "/", "A", &[]).await.status, 404, "nothing of a refused batch is written");
    let twice = app
        .api
        .post(BATCH, create(json!([{"secretKey": "A", "secretValue": "1"}, {"secretKey": "A", "secretValue": "2"}])))
        .await;
    assert_eq!(twice.status, 422);
    assert!(twice.message().starts_with("body.secrets[1].secretKey"), "{}", twice.message());
    let bad = app
        .api
        .post(
            BATCH,
            create(json!([{"secretKey": "OK", "secretValue": "1"}, {"secretKey": "NOT OK", "secretValue": "2"}])),
        )
        .await;
    assert!(bad.status == 422 && bad.message().starts_with("body.secrets[1].secretKey"), "{}", bad.text);
    assert_eq!(app.api.post(BATCH, create(json!([]))).await.status, 422);
    let made = app.api.post(BATCH, create(json!([{"secretKey": "A", "secretValue": "1", "secretComment": "c"}, {"secretKey": "B", "secretValue": "2"}]))).await.expect(200);
    assert_eq!(made["secrets"].as_array().map(Vec::len), Some(2));
    assert_eq!(made["secrets"][0]["secretComment"], "c");

    let update = |mode: Option<&str>, secrets: Value| {
        let mut b = json!({"workspaceId": pid, "environment": "dev", "secretPath": "/", "secrets": secrets});
        if let Some(m) = mode {
            b["mode"] = json!(m);
        }
        b
    };
    let missing = app
        .api
        .patch(
            BATCH,
            update(None, json!([{"secretKey": "A", "secretValue": "x"}, {"secretKey": "ZZZ", "secretValue": "y"}])),
        )
        .await;
    assert_eq!((missing.status, missing.message()), (404, "Secret does not exist: ZZZ in path /"));
    assert_eq!(
        get(&app.api, &app, "dev", "/", "A", &[]).await.expect(200)["secret"]["secretValue"],
        "1",
        "rolled back"
    );
    assert_eq!(app.api.patch(BATCH, update(Some("merge"), json!([{"secretKey": "A"}]))).await.status, 422);
    let upserted = app
        .api
        .patch(
            BATCH,
            update(
                Some("upsert"),
                json!([
                    {"secretKey": "A", "secretValue": "1b", "newSecretName": "A2"},
                    {"secretKey": "NEW", "secretValue": "n"},
                    {"secretKey": "DEEP", "secretValue": "d", "secretPath": "/app"}
                ]),
            ),
        )
        .await
        .expect(200);
    let got: Vec<(Value, Value, Value)> = upserted["secrets"]
        .as_array()
        .expect("secrets")
        .iter()
        .map(|s| (s["secretKey"].clone(), s["version"].clone(), s["secretPath"].clone()))
        .collect();
    assert_eq!(
        got,
        [
            (json!("A2"), json!(2), json!("/")),
            (json!("NEW"), json!(1), json!("/")),
            (json!("DEEP"), json!(1), json!("/app"))
        ]
    );

    let delete =
        |secrets: Value| json!({"workspaceId": pid, "environment": "dev", "secretPath": "/", "secrets": secrets});
    let partial = app.api.delete_json(BATCH, delete(json!([{"secretKey": "B"}, {"secretKey": "GHOST"}]))).await;
    assert_eq!((partial.status, partial.message()), (404, "Secret does not exist: GHOST in path /"));
    assert_eq!(get(&app.api, &app, "dev", "/", "B", &[]).await.status, 200, "rolled back");
    let removed = app
        .api
        .delete_json(BATCH, delete(json!([{"secretKey": "B", "type": "shared"}, {"secretKey": "NEW"}])))
        .await
        .expect(200);
    assert_eq!(removed["secrets"][0]["secretValue"], "2");
    assert_eq!(
        values(&list(&app.api, &app, "dev", "/", &[]).await.expect(200))
            .iter()
            .map(|(k, _)| k.as_str())
            .collect::<Vec<_>>(),
        ["A2", "EXISTING"]
    );
    // v4 batch paths answer the same way.
    let v4 = json!({"projectId": pid, "environment": "dev", "secrets": [{"secretKey": "V4", "secretValue": "4"}]});
    assert_eq!(app.api.post("/api/v4/secrets/batch", v4).await.expect(200)["secrets"][0]["secretKey"], "V4");
    app.shutdown().await;
}

#[tokio::test]
async fn viewers_read_members_write_and_other_organizations_see_nothing() {
    let app = TestApp::spawn().await;
    put(&app.api, &app, "dev", "/", "SHARED", "s").await;
    let viewer = member(&app, "viewer").await;
    assert_eq!(get(&viewer, &app, "dev", "/", "SHARED", &[]).await.expect(200)["secret"]["secretValue"], "s");
    let body = json!({"workspaceId": app.project_id(), "environment": "dev", "secretValue": "v"});
    let refused = viewer.post(&format!("{RAW}/VIEWER"), body.clone()).await;
    assert_eq!(refused.status, 403, "{}", refused.text);
    assert!(refused.message().contains("not allowed to create on secrets"), "{}", refused.message());
    let del = json!({"workspaceId": app.project_id(), "environment": "dev"});
    assert_eq!(viewer.delete_json(&format!("{RAW}/SHARED"), del.clone()).await.status, 403);
    let writer = member(&app, "member").await;
    writer.post(&format!("{RAW}/WRITER"), body.clone()).await.expect(200);
    let stranger = outsider(&app).await;
    let hidden = get(&stranger, &app, "dev", "/", "SHARED", &[]).await;
    assert_eq!(
        (hidden.status, hidden.message().to_string()),
        (404, format!("Project with ID '{}' not found", app.project_id()))
    );
    assert_eq!(list(&stranger, &app, "dev", "/", &[]).await.status, 404);
    assert_eq!(stranger.post(&format!("{RAW}/X"), body).await.status, 404);
    assert_eq!(stranger.delete_json(&format!("{RAW}/SHARED"), del).await.status, 404);
    assert_eq!(
        app.anonymous()
            .get(&format!("{RAW}{}", query(&[("workspaceId", app.project_id()), ("environment", "dev")])))
            .await
            .status,
        401
    );
    app.shutdown().await;
}

#[tokio::test]
async fn lists_carry_an_etag_and_answer_304_while_nothing_changed() {
    let app = TestApp::spawn().await;
    put(&app.api, &app, "dev", "/", "A", "1").await;
    let first = list(&app.api, &app, "dev", "/", &[]).await;
    let tag = first.headers.get("etag").and_then(|v| v.to_str().ok()).expect("etag").to_string();
    let url = format!("{RAW}{}", query(&[("workspaceId", app.project_id()), ("environment", "dev")]));
    let again = reqwest::Client::new()
        .get(format!("{}{url}", app.url()))
        .bearer_auth(&app.creds.access_token)
        .header("if-none-match", &tag)
        .send()
        .await
        .expect("send");
    assert_eq!(again.status().as_u16(), 304);
    put(&app.api, &app, "dev", "/", "B", "2").await;
    let changed = reqwest::Client::new()
        .get(format!("{}{url}", app.url()))
        .bearer_auth(&app.creds.access_token)
        .header("if-none-match", &tag)
        .send()
        .await
        .expect("send");
    assert_eq!(changed.status().as_u16(), 200);
    assert_ne!(changed.headers().get("etag").and_then(|v| v.to_str().ok()), Some(tag.as_str()));
    app.shutdown().await;
}

#[tokio::test]
async fn audit_entries_name_keys_and_never_values() {
    let app = TestApp::spawn().await;
    put(&app.api, &app, "dev", "/", "AUDITED", "value-that-must-not-leak").await;
    let body =
        json!({"workspaceId": app.project_id(), "environment": "dev", "secretValue": "second-value-not-to-leak"});
    app.api.patch(&format!("{RAW}/AUDITED"), body).await.expect(200);
    let mut conn = app.state().store.read().await.expect("conn");
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT action, metadata FROM audit_log WHERE action LIKE '%-secret' ORDER BY created_at")
            .fetch_all(&mut *conn)
            .await
            .expect("audit");
    assert_eq!(rows.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(), ["create-secret", "update-secret"]);
    for (_, meta) in &rows {
        assert!(meta.contains("AUDITED") && !meta.contains("not-to-leak") && !meta.contains("must-not-leak"), "{meta}");
    }
    drop(conn);
    app.shutdown().await;
}
