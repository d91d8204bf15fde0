//! Folders (`/api/v1/folders`, `/api/v2/folders`): create, list, get, rename (the subtree
//! and its secrets move, nothing is re-encrypted), delete (with the secrets inside).

use crate::secret_support::*;
use serde_json::{Value, json};
use sluice_testkit::TestApp;

fn names(list: &Value) -> Vec<String> {
    list["folders"].as_array().expect("folders").iter().map(|f| f["name"].as_str().unwrap_or("").to_string()).collect()
}

#[tokio::test]
async fn folders_are_created_listed_and_read_in_infisicals_shape() {
    let app = TestApp::spawn().await;
    let pid = app.project_id().to_string();
    let app_folder = folder(&app, "dev", "/", "app").await;
    for field in [
        "id",
        "name",
        "envId",
        "parentId",
        "path",
        "version",
        "isReserved",
        "description",
        "createdAt",
        "updatedAt",
        "projectId",
        "environment",
    ] {
        assert!(app_folder.get(field).is_some(), "{field} missing: {app_folder}");
    }
    assert_eq!((app_folder["name"].clone(), app_folder["path"].clone()), (json!("app"), json!("/app")));
    assert_eq!(app_folder["environment"]["envSlug"], "dev");
    // The CLI's older `directory`, and the Python SDK's v2 path with projectId.
    let body =
        json!({"workspaceId": pid, "environment": "dev", "name": "api", "directory": "/app", "description": "the API"});
    let api = app.api.post(FOLDERS, body).await.expect(200)["folder"].clone();
    assert_eq!(
        (api["path"].clone(), api["parentId"].clone(), api["description"].clone()),
        (json!("/app/api"), app_folder["id"].clone(), json!("the API"))
    );
    let v2 = json!({"projectId": pid, "environment": "dev", "name": "worker", "path": "/app/", "description": null});
    app.api.post("/api/v2/folders/", v2).await.expect(200);
    folder(&app, "prod", "/", "app").await;

    let list_q = |extra: &[(&str, &str)]| {
        let mut q = vec![("workspaceId", pid.as_str()), ("environment", "dev")];
        q.extend_from_slice(extra);
        format!("{FOLDERS}{}", query(&q))
    };
    assert_eq!(names(&app.api.get(&list_q(&[])).await.expect(200)), ["app"]);
    assert_eq!(names(&app.api.get(&list_q(&[("path", "/app")])).await.expect(200)), ["api", "worker"]);
    assert_eq!(names(&app.api.get(&list_q(&[("directory", "/app")])).await.expect(200)), ["api", "worker"]);
    let deep = app.api.get(&list_q(&[("recursive", "True")])).await.expect(200);
    let paths: Vec<&str> =
        deep["folders"].as_array().expect("folders").iter().filter_map(|f| f["path"].as_str()).collect();
    assert_eq!(paths, ["/app", "/app/api", "/app/worker"]);
    assert_eq!(app.api.get(&list_q(&[("path", "/missing")])).await.expect(200), json!({"folders": []}));
    let v2_list = app
        .api
        .get(&format!(
            "/api/v2/folders{}",
            query(&[("projectId", &pid), ("environment", "dev"), ("path", "/app"), ("recursive", "False")])
        ))
        .await;
    assert_eq!(names(&v2_list.expect(200)), ["api", "worker"]);

    let id = api["id"].as_str().expect("id");
    let got = app.api.get(&format!("{FOLDERS}/{id}")).await.expect(200)["folder"].clone();
    assert_eq!((got["path"].clone(), got["projectId"].clone()), (json!("/app/api"), json!(pid)));
    assert_eq!(got["environment"]["envName"], "Development");
    assert_eq!(app.api.get(&format!("/api/v2/folders/{id}/")).await.expect(200)["folder"]["id"], api["id"]);
    assert_eq!(app.api.get(&format!("{FOLDERS}/not-an-id")).await.status, 404);
    let stranger = outsider(&app).await;
    let hidden = stranger.get(&format!("{FOLDERS}/{id}")).await;
    assert_eq!((hidden.status, hidden.message().to_string()), (404, format!("Folder with ID '{id}' not found")));
    app.shutdown().await;
}

#[tokio::test]
async fn bad_folder_requests_are_refused_with_the_reason() {
    let app = TestApp::spawn().await;
    let pid = app.project_id().to_string();
    folder(&app, "dev", "/", "app").await;
    let create = |name: &str, path: &str| json!({"workspaceId": pid, "environment": "dev", "name": name, "path": path});
    let missing_parent = app.api.post(FOLDERS, create("x", "/nope/deeper")).await;
    assert_eq!(
        (missing_parent.status, missing_parent.message()),
        (404, "Folder with path '/nope/deeper' in environment with slug 'dev' not found")
    );
    let dup = app.api.post(FOLDERS, create("app", "/")).await;
    assert_eq!((dup.status, dup.message()), (400, "Folder with name 'app' already exists in '/'"));
    let bad = app.api.post(FOLDERS, create("a b", "/")).await;
    assert!(bad.status == 422 && bad.message().starts_with("body.name"), "{}", bad.text);
    let unnamed = app.api.post(FOLDERS, json!({"workspaceId": pid, "environment": "dev"})).await;
    assert!(unnamed.status == 422 && unnamed.message().starts_with("body.name"), "{}", unnamed.text);
    let bad_path = app.api.post(FOLDERS, create("x", "/a//b")).await;
    assert!(bad_path.status == 422 && bad_path.message().starts_with("body.path"), "{}", bad_path.text);
    let viewer = member(&app, "viewer").await;
    let refused = viewer.post(FOLDERS, create("v", "/")).await;
    assert_eq!(refused.status, 403, "{}", refused.text);
    let root = app
        .api
        .get(&format!("{FOLDERS}{}", query(&[("workspaceId", &pid), ("environment", "dev"), ("recursive", "yes")])))
        .await;
    assert!(root.status == 422 && root.message().starts_with("query.recursive"), "{}", root.text);
    app.shutdown().await;
}

#[tokio::test]
async fn renaming_a_folder_moves_its_subtree_secrets_and_imports() {
    let app = TestApp::spawn().await;
    let pid = app.project_id().to_string();
    let shared = folder(&app, "dev", "/", "shared").await;
    folder(&app, "dev", "/shared", "db").await;
    folder(&app, "staging", "/", "svc").await;
    put(&app.api, &app, "dev", "/shared", "TOKEN", "t").await;
    put(&app.api, &app, "dev", "/shared/db", "URL", "u").await;
    import(&app, "staging", "/svc", "dev", "/shared/db").await.expect(200);
    let id = shared["id"].as_str().expect("id");
    let body = json!({"workspaceId": pid, "environment": "dev", "name": "common", "path": "/"});
    let renamed = app.api.patch(&format!("{FOLDERS}/{id}/"), body).await.expect(200)["folder"].clone();
    assert_eq!(
        (renamed["name"].clone(), renamed["path"].clone(), renamed["id"].clone()),
        (json!("common"), json!("/common"), json!(id))
    );
    assert_eq!(get(&app.api, &app, "dev", "/common", "TOKEN", &[]).await.expect(200)["secret"]["secretValue"], "t");
    assert_eq!(get(&app.api, &app, "dev", "/common/db", "URL", &[]).await.expect(200)["secret"]["secretValue"], "u");
    assert_eq!(get(&app.api, &app, "dev", "/shared", "TOKEN", &[]).await.status, 404);
    // The import that pointed into the moved subtree follows it.
    let imported = list(&app.api, &app, "staging", "/svc", &[("include_imports", "true")]).await.expect(200);
    assert_eq!(imported["imports"][0]["secretPath"], "/common/db");
    assert_eq!(imported["imports"][0]["secrets"][0]["secretValue"], "u");
    // A description-only change, a clash, the root, and the Python SDK's v2 path.
    let describe = json!({"workspaceId": pid, "environment": "dev", "description": "shared by all"});
    assert_eq!(
        app.api.patch(&format!("{FOLDERS}/{id}"), describe).await.expect(200)["folder"]["description"],
        "shared by all"
    );
    folder(&app, "dev", "/", "taken").await;
    let clash = app
        .api
        .patch(&format!("{FOLDERS}/{id}"), json!({"workspaceId": pid, "environment": "dev", "name": "taken"}))
        .await;
    assert_eq!((clash.status, clash.message()), (400, "Folder with name 'taken' already exists in '/'"));
    let by_name = json!({"projectId": pid, "environment": "dev", "name": "common2", "path": "/"});
    assert_eq!(app.api.patch("/api/v2/folders/common", by_name).await.expect(200)["folder"]["path"], "/common2");
    let viewer = member(&app, "viewer").await;
    assert_eq!(
        viewer
            .patch(&format!("{FOLDERS}/{id}"), json!({"workspaceId": pid, "environment": "dev", "name": "x"}))
            .await
            .status,
        403
    );
    app.shutdown().await;
}

#[tokio::test]
async fn deleting_a_folder_deletes_its_secrets_and_keeps_their_history() {
    let app = TestApp::spawn().await;
    let pid = app.project_id().to_string();
    let gone = folder(&app, "dev", "/", "gone").await;
    folder(&app, "dev", "/gone", "inner").await;
    folder(&app, "dev", "/", "byname").await;
    let secret = put(&app.api, &app, "dev", "/gone/inner", "DEEP", "d").await;
    put(&app.api, &app, "dev", "/", "KEEP", "k").await;
    let del = json!({"workspaceId": pid, "environment": "dev", "path": "/"});
    let viewer = member(&app, "viewer").await;
    assert_eq!(
        viewer.delete_json(&format!("{FOLDERS}/{}", gone["id"].as_str().unwrap_or("")), del.clone()).await.status,
        403
    );
    let deleted =
        app.api.delete_json(&format!("{FOLDERS}/{}", gone["id"].as_str().unwrap_or("")), del.clone()).await.expect(200);
    assert_eq!(deleted["folder"]["name"], "gone");
    assert_eq!(get(&app.api, &app, "dev", "/gone/inner", "DEEP", &[]).await.status, 404);
    assert_eq!(get(&app.api, &app, "dev", "/", "KEEP", &[]).await.expect(200)["secret"]["secretValue"], "k");
    let mut conn = app.state().store.read().await.expect("conn");
    let id = sluice_domain::SecretId::from_trusted(secret["id"].as_str().expect("id"));
    let history = sluice_storage::secrets::versions(&mut conn, &id).await.expect("versions");
    assert_eq!(history.iter().map(|v| v.action.as_str()).collect::<Vec<_>>(), ["created", "deleted"]);
    drop(conn);
    // By name under `path`, through the v2 path the Python SDK uses.
    let v2 = json!({"projectId": pid, "environment": "dev", "path": "/", "forceDelete": false});
    app.api.delete_json("/api/v2/folders/byname", v2).await.expect(200);
    let again = app.api.delete_json("/api/v1/folders/byname", del.clone()).await;
    assert_eq!(
        (again.status, again.message()),
        (404, "Folder with path '/byname' in environment with slug 'dev' not found")
    );
    let mut conn = app.state().store.read().await.expect("conn");
    let env = sluice_storage::environments::get_by_slug(
        &mut conn,
        &sluice_domain::ProjectId::from_trusted(pid.clone()),
        "dev",
    )
    .await
    .expect("env")
    .expect("dev");
    let root = sluice_storage::folders::get_by_path(&mut conn, &env.id, &sluice_domain::FolderPath::root())
        .await
        .expect("root")
        .expect("root");
    drop(conn);
    let refused = app.api.delete_json(&format!("{FOLDERS}/{}", root.id), del).await;
    assert_eq!((refused.status, refused.message()), (400, "The root folder cannot be deleted"));
    app.shutdown().await;
}

/// A NUL in free text: SQLite stores it; PostgreSQL cannot, and the answer is a 400 that
/// says so (it was a 500), with nothing created.
#[tokio::test]
async fn a_nul_in_free_text_is_refused_naming_the_field_and_nothing_changes() {
    // PostgreSQL cannot store the NUL character in text; before, these fields took it on
    // SQLite and answered a 400 that did not name the field on PostgreSQL.
    let app = TestApp::spawn().await;
    let user = crate::access_support::admin_user(&app).await;
    let project = app.project_id();
    let ua = format!("/api/v1/auth/universal-auth/identities/{}/client-secrets", app.creds.identity_id);
    let secrets_before = app.api.get(&ua).await.expect(200)["clientSecretData"].as_array().map(Vec::len);
    let cases = [
        (
            &app.api,
            FOLDERS.to_string(),
            json!({"workspaceId": project, "environment": "dev", "name": "nul", "path": "/", "description": "a\u{0}b"}),
            "body.description",
        ),
        (
            &app.api,
            "/api/v1/app-connections/railway".to_string(),
            json!({"name": "nul", "method": "account-token", "description": "a\u{0}b", "credentials": {"apiToken": "t"}}),
            "body.description",
        ),
        (&app.api, ua.clone(), json!({"description": "a\u{0}b"}), "body.description"),
        (&user, "/api/v2/organizations".to_string(), json!({"name": "Org\u{0}"}), "body.name"),
        (
            &app.api,
            format!("/api/v1/organization/{}/users", app.org_id()),
            json!({"email": "nul@sluice.local", "password": "a long enough password", "firstName": "a\u{0}"}),
            "body.firstName",
        ),
    ];
    for (client, path, body, field) in cases {
        let resp = client.post(&path, body).await;
        assert_eq!(resp.status, 422, "{path}: {}", resp.text);
        assert!(resp.text.contains(field) && resp.text.contains("\\u0000"), "{path} names {field}: {}", resp.text);
    }
    let folders = app.api.get(&format!("{FOLDERS}?workspaceId={project}&environment=dev")).await.expect(200);
    assert!(folders["folders"].as_array().is_some_and(|f| f.iter().all(|f| f["name"] != "nul")), "{folders}");
    let connections = app.api.get("/api/v1/app-connections/railway").await.expect(200);
    assert!(connections.to_string().find("\"nul\"").is_none(), "no connection created: {connections}");
    let secrets = app.api.get(&ua).await.expect(200);
    assert_eq!(
        secrets["clientSecretData"].as_array().map(Vec::len),
        secrets_before,
        "no client secret created: {secrets}"
    );
    app.shutdown().await;
}
