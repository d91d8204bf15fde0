//! Secret imports (`/api/v1/secret-imports`): shapes, precedence (own secrets win; the
//! later import wins), transitive imports, reordering, and the imports that are refused.

use crate::secret_support::*;
use serde_json::{Value, json};
use sluice_testkit::TestApp;

fn import_keys(list: &Value) -> Vec<(String, String, Vec<String>)> {
    list["imports"]
        .as_array()
        .expect("imports")
        .iter()
        .map(|i| {
            let keys = i["secrets"]
                .as_array()
                .expect("secrets")
                .iter()
                .map(|s| s["secretKey"].as_str().unwrap_or("").to_string())
                .collect();
            (
                i["environment"].as_str().unwrap_or("").to_string(),
                i["secretPath"].as_str().unwrap_or("").to_string(),
                keys,
            )
        })
        .collect()
}

#[tokio::test]
async fn imports_bring_secrets_with_infisicals_precedence() {
    let app = TestApp::spawn().await;
    let pid = app.project_id().to_string();
    folder(&app, "staging", "/", "shared").await;
    folder(&app, "prod", "/", "shared").await;
    folder(&app, "dev", "/", "app").await;
    put(&app.api, &app, "staging", "/shared", "TOKEN", "from-staging").await;
    put(&app.api, &app, "staging", "/shared", "ONLY_STAGING", "s").await;
    put(&app.api, &app, "prod", "/shared", "TOKEN", "from-prod").await;
    put(&app.api, &app, "prod", "/shared", "OWN", "from-prod").await;
    put(&app.api, &app, "dev", "/app", "OWN", "mine").await;
    let first = import(&app, "dev", "/app", "staging", "/shared").await.expect(200);
    assert_eq!(first["message"], "Successfully created secret import");
    let imp = &first["secretImport"];
    assert_eq!((imp["importPath"].clone(), imp["position"].clone()), (json!("/shared"), json!(1)));
    assert_eq!(imp["importEnv"]["slug"], "staging");
    assert_eq!(imp["importEnv"]["name"], "Staging");
    assert!(imp["importEnv"]["id"].is_string() && imp["id"].is_string() && imp["folderId"].is_string());
    let second = import(&app, "dev", "/app", "prod", "/shared/").await.expect(200);
    assert_eq!(second["secretImport"]["position"], 2);

    let listed = app
        .api
        .get(&format!("{IMPORTS}{}", query(&[("workspaceId", &pid), ("environment", "dev"), ("path", "/app")])))
        .await
        .expect(200);
    let order: Vec<&str> = listed["secretImports"]
        .as_array()
        .expect("imports")
        .iter()
        .filter_map(|i| i["importEnv"]["slug"].as_str())
        .collect();
    assert_eq!(order, ["staging", "prod"]);

    let secrets = list(&app.api, &app, "dev", "/app", &[("include_imports", "true")]).await.expect(200);
    assert_eq!(values(&secrets), [("OWN".into(), "mine".into())]);
    assert_eq!(
        import_keys(&secrets),
        [
            ("staging".into(), "/shared".into(), vec!["ONLY_STAGING".into(), "TOKEN".into()]),
            ("prod".into(), "/shared".into(), vec!["OWN".into(), "TOKEN".into()]),
        ]
    );
    let folder_id = &secrets["imports"][0]["folderId"];
    assert!(folder_id.as_str().is_some_and(|f| !f.is_empty()), "{secrets}");
    // Without include_imports the list has an empty `imports`.
    assert_eq!(list(&app.api, &app, "dev", "/app", &[]).await.expect(200)["imports"], json!([]));
    // get: own wins; among imports the later one wins; imports only when asked.
    assert_eq!(
        get(&app.api, &app, "dev", "/app", "OWN", &[("include_imports", "true")]).await.expect(200)["secret"]["secretValue"],
        "mine"
    );
    let token =
        get(&app.api, &app, "dev", "/app", "TOKEN", &[("includeImports", "true")]).await.expect(200)["secret"].clone();
    assert_eq!(
        (token["secretValue"].clone(), token["environment"].clone(), token["secretPath"].clone()),
        (json!("from-prod"), json!("prod"), json!("/shared"))
    );
    assert_eq!(get(&app.api, &app, "dev", "/app", "TOKEN", &[]).await.status, 404);
    // The engine's view agrees.
    let mut conn = app.state().store.read().await.expect("conn");
    let project = sluice_domain::ProjectId::from_trusted(pid.clone());
    let path = sluice_domain::FolderPath::parse("/app").expect("path");
    let opts = sluice_core::secrets::ResolveOptions { include_imports: true, expand: true };
    let resolved = sluice_core::secrets::resolve_folder(&app.state().core, &mut conn, &project, "dev", &path, opts)
        .await
        .expect("resolve");
    let merged: Vec<(String, String)> =
        resolved.merged.iter().map(|(k, v)| (k.to_string(), v.expose().to_string())).collect();
    assert_eq!(
        merged,
        [("ONLY_STAGING".into(), "s".into()), ("OWN".into(), "mine".into()), ("TOKEN".into(), "from-prod".into())]
    );
    drop(conn);

    // Moving the staging import last flips which TOKEN wins.
    let id = first["secretImport"]["id"].as_str().expect("id");
    let body = json!({"workspaceId": pid, "environment": "dev", "path": "/app", "import": {"position": 2}});
    let moved = app.api.patch(&format!("{IMPORTS}/{id}"), body).await.expect(200);
    assert_eq!(
        (moved["message"].clone(), moved["secretImport"]["position"].clone()),
        (json!("Successfully updated secret import"), json!(2))
    );
    assert_eq!(
        get(&app.api, &app, "dev", "/app", "TOKEN", &[("include_imports", "true")]).await.expect(200)["secret"]["secretValue"],
        "from-staging"
    );
    // The raw import listing.
    let raw = app
        .api
        .get(&format!(
            "{IMPORTS}/secrets/raw{}",
            query(&[("workspaceId", &pid), ("environment", "dev"), ("path", "/app")])
        ))
        .await
        .expect(200);
    assert_eq!(raw["secrets"][0]["environment"], "prod");
    assert_eq!(raw["secrets"][1]["environmentInfo"]["slug"], "staging");
    // Deleting the first import renumbers the rest.
    let second_id = second["secretImport"]["id"].as_str().expect("id");
    let del = json!({"workspaceId": pid, "environment": "dev", "path": "/app"});
    assert_eq!(
        app.api.delete_json(&format!("{IMPORTS}/{second_id}"), del.clone()).await.expect(200)["message"],
        "Successfully deleted secret import"
    );
    let left = app
        .api
        .get(&format!("{IMPORTS}{}", query(&[("workspaceId", &pid), ("environment", "dev"), ("path", "/app")])))
        .await
        .expect(200);
    assert_eq!(
        left["secretImports"].as_array().map(|a| a.iter().map(|i| i["position"].clone()).collect::<Vec<_>>()),
        Some(vec![json!(1)])
    );
    assert_eq!(app.api.delete_json(&format!("{IMPORTS}/{second_id}"), del).await.status, 404);
    app.shutdown().await;
}

#[tokio::test]
async fn imports_are_followed_transitively_and_may_be_retargeted() {
    let app = TestApp::spawn().await;
    let pid = app.project_id().to_string();
    folder(&app, "dev", "/", "a").await;
    folder(&app, "dev", "/", "b").await;
    folder(&app, "dev", "/", "c").await;
    put(&app.api, &app, "dev", "/b", "FROM_B", "b").await;
    put(&app.api, &app, "dev", "/c", "FROM_C", "c").await;
    put(&app.api, &app, "dev", "/c", "FROM_B", "c-loses").await;
    import(&app, "dev", "/b", "dev", "/c").await.expect(200);
    let a_imports_b = import(&app, "dev", "/a", "dev", "/b").await.expect(200);
    let secrets = list(&app.api, &app, "dev", "/a", &[("include_imports", "true")]).await.expect(200);
    assert_eq!(import_keys(&secrets), [("dev".into(), "/b".into(), vec!["FROM_B".into(), "FROM_C".into()])]);
    assert_eq!(
        secrets["imports"][0]["secrets"][0]["secretValue"], "b",
        "the imported folder's own secret wins over its imports"
    );
    // Retarget a → c.
    let id = a_imports_b["secretImport"]["id"].as_str().expect("id");
    let body =
        json!({"workspaceId": pid, "environment": "dev", "path": "/a", "import": {"environment": "dev", "path": "/c"}});
    assert_eq!(app.api.patch(&format!("{IMPORTS}/{id}/"), body).await.expect(200)["secretImport"]["importPath"], "/c");
    let after = list(&app.api, &app, "dev", "/a", &[("include_imports", "true")]).await.expect(200);
    assert_eq!(import_keys(&after), [("dev".into(), "/c".into(), vec!["FROM_B".into(), "FROM_C".into()])]);
    // An import of a path that does not exist (yet) brings nothing.
    import(&app, "dev", "/a", "prod", "/later").await.expect(200);
    let later = list(&app.api, &app, "dev", "/a", &[("include_imports", "true")]).await.expect(200);
    assert_eq!(later["imports"][1]["folderId"], "");
    assert_eq!(later["imports"][1]["secrets"], json!([]));
    app.shutdown().await;
}

#[tokio::test]
async fn self_imports_cycles_duplicates_and_replication_are_refused() {
    let app = TestApp::spawn().await;
    let pid = app.project_id().to_string();
    folder(&app, "dev", "/", "a").await;
    folder(&app, "staging", "/", "b").await;
    folder(&app, "prod", "/", "c").await;
    let own = import(&app, "dev", "/a", "dev", "/a/").await;
    assert_eq!((own.status, own.message()), (400, "A folder cannot import itself"));
    import(&app, "dev", "/a", "staging", "/b").await.expect(200);
    let dup = import(&app, "dev", "/a", "staging", "/b").await;
    assert_eq!((dup.status, dup.message()), (400, "This folder already imports staging:/b"));
    let back = import(&app, "staging", "/b", "dev", "/a").await;
    assert_eq!((back.status, back.message()), (400, "Cyclic import not allowed: staging:/b -> dev:/a -> staging:/b"));
    import(&app, "staging", "/b", "prod", "/c").await.expect(200);
    let long = import(&app, "prod", "/c", "dev", "/a").await;
    assert_eq!(
        (long.status, long.message()),
        (400, "Cyclic import not allowed: prod:/c -> dev:/a -> staging:/b -> prod:/c")
    );
    let body = json!({"workspaceId": pid, "environment": "dev", "path": "/a", "import": {"environment": "prod", "path": "/c"}, "isReplication": true});
    let repl = app.api.post(IMPORTS, body).await;
    assert_eq!(repl.status, 400);
    assert!(repl.message().contains("replication"), "{}", repl.message());
    let no_env = import(&app, "dev", "/a", "qa", "/").await;
    assert_eq!(
        (no_env.status, no_env.message().to_string()),
        (404, format!("Environment with slug 'qa' in project with ID '{pid}' not found"))
    );
    let no_folder = import(&app, "dev", "/missing", "prod", "/c").await;
    assert_eq!(no_folder.status, 404);
    let no_target = app
        .api
        .post(
            IMPORTS,
            json!({"workspaceId": pid, "environment": "dev", "path": "/a", "import": {"environment": "prod"}}),
        )
        .await;
    assert!(no_target.status == 422 && no_target.message().starts_with("body.import.path"), "{}", no_target.text);
    let bad_pos = app
        .api
        .patch(
            &format!("{IMPORTS}/{}", uuid::Uuid::new_v4()),
            json!({"workspaceId": pid, "environment": "dev", "path": "/a", "import": {"position": 0}}),
        )
        .await;
    assert!(bad_pos.status == 422 && bad_pos.message().starts_with("body.import.position"), "{}", bad_pos.text);
    let viewer = member(&app, "viewer").await;
    let body =
        json!({"workspaceId": pid, "environment": "prod", "path": "/c", "import": {"environment": "dev", "path": "/"}});
    assert_eq!(viewer.post(IMPORTS, body).await.status, 403);
    let listed = viewer
        .get(&format!("{IMPORTS}{}", query(&[("workspaceId", &pid), ("environment", "dev"), ("path", "/a")])))
        .await
        .expect(200);
    assert_eq!(listed["secretImports"].as_array().map(Vec::len), Some(1));
    let stranger = outsider(&app).await;
    assert_eq!(
        stranger
            .get(&format!("{IMPORTS}{}", query(&[("workspaceId", &pid), ("environment", "dev"), ("path", "/a")])))
            .await
            .status,
        404
    );
    app.shutdown().await;
}
