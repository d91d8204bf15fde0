//! Railway secret syncs over HTTP against the fake Railway: the seed page's sample, every
//! validation rule and message, what queues a run (and what does not), triggers,
//! deleting, reads, permissions, the duplicate-destination check and the run history.

use crate::sync_support::*;
use serde_json::{Value, json};
use sluice_domain::{App, ConnectionId, OrgId, OrgRole, ProjectRole, SyncId};
use sluice_storage::connections::{self, ConnectionRow};
use sluice_storage::jobs;
use sluice_testkit::TestApp;

/// (kind, state, payload) of a sync's jobs, newest first.
pub async fn jobs_of(app: &TestApp, sync_id: &str) -> Vec<(String, String, Value)> {
    let mut conn = app.state().store.read().await.expect("conn");
    let sync_id = SyncId::parse(sync_id).expect("a sync id");
    let rows = jobs::list_for_sync(&mut conn, &sync_id, 100).await.expect("jobs");
    rows.into_iter()
        .map(|j| (j.kind.to_string(), j.state.to_string(), serde_json::from_str(&j.payload).expect("payload")))
        .collect()
}

async fn queued(app: &TestApp) -> i64 {
    let mut conn = app.state().store.read().await.expect("conn");
    jobs::outstanding(&mut conn).await.expect("outstanding").0
}

/// A server with a team-token connection and the folder `/app` in dev.
async fn with_connection() -> (sluice_railway_fake::FakeRailway, TestApp, String) {
    let (fake, app) = start().await;
    let c = connection(&app, "shop", "team-token", WORKSPACE_TOKEN).await;
    folder(&app, app.project_id(), "dev", "/app").await;
    (fake, app, c["id"].as_str().expect("id").to_string())
}

async fn create(app: &TestApp, body: Value) -> Value {
    app.api.post(SYNCS, body).await.expect(200)["secretSync"].clone()
}

fn manual(mut body: Value) -> Value {
    body["isAutoSyncEnabled"] = json!(false);
    body
}

#[tokio::test]
async fn options_and_the_project_id_rule() {
    let (_fake, app) = start().await;
    let body = app.api.get("/api/v1/secret-syncs/options").await.expect(200);
    assert_eq!(
        body,
        json!({"secretSyncOptions": [{"name": "Railway", "destination": "railway", "connection": "railway",
            "canImportSecrets": true, "canRemoveSecretsOnDeletion": true}]})
    );
    for path in ["/api/v1/secret-syncs", SYNCS, "/api/v1/secret-syncs?projectId=", &format!("{SYNCS}/sync-name/x")] {
        let resp = app.api.get(path).await;
        assert_eq!(resp.status, 422, "{path}: {}", resp.text);
        assert_eq!(resp.message(), "query.projectId: Project ID required");
    }
    let empty = app.api.get(&format!("/api/v1/secret-syncs?projectId={}", app.project_id())).await.expect(200);
    assert_eq!(empty, json!({"secretSyncs": []}));
    app.shutdown().await;
}

#[tokio::test]
async fn the_seed_pages_sample_request_creates_a_sync_with_every_field_of_its_sample_response() {
    let (_fake, app, cid) = with_connection().await;
    folder(&app, app.project_id(), "dev", "/my-secrets").await;
    let mut body = seed_sample_request();
    assert_eq!(body["isEnabled"], true, "the page's own body, with the docs' spellings");
    assert_eq!(body["syncOptions"]["autoSyncEnabled"], true);
    body["projectId"] = json!(app.project_id());
    body["connectionId"] = json!(cid);
    let resp = app.api.post(SYNCS, body.clone()).await;
    let got = resp.expect(200);

    let sample = seed_sample_response();
    let mut paths = Vec::new();
    key_paths(&sample, "", &mut paths);
    for path in &paths {
        assert!(at(&got, path).is_some(), "{path} is in the sample response but not in ours: {got}");
    }
    let s = &got["secretSync"];
    for extra in ["isAutoSyncEnabled", "syncAttempt", "nextSyncAttemptAt"] {
        assert!(s.get(extra).is_some(), "{extra} missing");
    }
    // Values as the sample shows them, where they are not ids or times.
    for path in [
        "secretSync.name",
        "secretSync.description",
        "secretSync.isEnabled",
        "secretSync.version",
        "secretSync.environment.slug",
        "secretSync.environment.name",
        "secretSync.folder.path",
        "secretSync.destination",
        "secretSync.destinationConfig",
        "secretSync.connection.app",
        "secretSync.importStatus",
        "secretSync.removeStatus",
        "secretSync.lastSyncMessage",
    ] {
        assert_eq!(at(&got, path), at(&sample, path), "{path}");
    }
    // The sample's options as shown, plus Sluice's own options (their defaults).
    let mut options = at(&sample, "secretSync.syncOptions").cloned().expect("sample options");
    options["redeployPolicy"] = json!("affected");
    options["deleteOnlyOwned"] = json!(true);
    options["driftPolicy"] = json!("report");
    options["driftCheckIntervalMinutes"] = json!(15);
    options["massDeletionGuard"] = json!({"enabled": true, "percent": 50, "minKeys": 5});
    assert_eq!(s["syncOptions"], options);
    assert_eq!(s["isAutoSyncEnabled"], true);
    assert_eq!(s["syncStatus"], "pending", "auto-sync on: the first run is queued");
    assert_eq!(s["syncAttempt"], 0);
    assert_eq!(s["nextSyncAttemptAt"], Value::Null);
    assert_eq!(s["projectId"], app.project_id());
    assert_eq!(s["connectionId"], cid.as_str());
    assert_eq!(s["connection"], json!({"app": "railway", "name": "shop", "id": cid}));
    assert_eq!(s["folderId"], s["folder"]["id"]);
    assert_eq!(s["environment"]["id"].as_str().map(str::len), Some(36));
    assert!(s["createdAt"].as_str().is_some_and(|t| t.len() == 24 && t.ends_with('Z')), "{s}");
    assert_eq!(s["lastSyncedAt"], Value::Null);

    let id = s["id"].as_str().expect("id");
    let jobs = jobs_of(&app, id).await;
    assert_eq!(jobs.len(), 1);
    assert_eq!((jobs[0].0.as_str(), jobs[0].1.as_str()), ("sync", "queued"));
    assert_eq!(jobs[0].2["trigger"], "create");
    assert_eq!(jobs[0].2["actor"]["id"], app.creds.identity_id.as_str());
    let audit = audit_entries(&app, app.org_id(), "create-secret-sync").await;
    assert_eq!(audit[0]["syncId"], id);
    assert_eq!(audit[0]["destinationConfig"], body["destinationConfig"]);
    // The sample's Railway ids do not exist at the fake: a few attempts, then a failure that
    // names the project rather than blaming the token.
    app.drain_all().await;
    let failed = app.api.get(&format!("{SYNCS}/{id}")).await.expect(200)["secretSync"].clone();
    assert_eq!(failed["syncStatus"], "failed");
    assert!(failed["lastSyncMessage"].as_str().is_some_and(|m| m.contains("project")), "{failed}");
    app.assert_idle().await;
    app.shutdown().await;
}

#[tokio::test]
async fn the_auto_sync_spellings_must_agree() {
    let (_fake, app, cid) = with_connection().await;
    let base = sync_body(&app, "s", &cid, "/app");
    let cases = [
        (json!({"isAutoSyncEnabled": true, "isEnabled": false}), ["body.isAutoSyncEnabled", "body.isEnabled"]),
        (
            json!({"isEnabled": true, "syncOptions": {"autoSyncEnabled": false}}),
            ["body.isEnabled", "body.syncOptions.autoSyncEnabled"],
        ),
        (
            json!({"isAutoSyncEnabled": false, "syncOptions": {"autoSyncEnabled": true}}),
            ["body.isAutoSyncEnabled", "body.syncOptions.autoSyncEnabled"],
        ),
    ];
    for (flags, fields) in cases {
        let mut body = base.clone();
        for (k, v) in flags.as_object().expect("flags") {
            if k == "syncOptions" {
                body["syncOptions"]["autoSyncEnabled"] = v["autoSyncEnabled"].clone();
            } else {
                body[k] = v.clone();
            }
        }
        let resp = app.api.post(SYNCS, body).await;
        assert_eq!(resp.status, 422, "{}", resp.text);
        for f in fields {
            assert!(resp.message().contains(f), "{} should name {f}", resp.message());
        }
        let paths: Vec<&str> =
            resp.body["details"].as_array().expect("details").iter().filter_map(|d| d["path"].as_str()).collect();
        assert_eq!(paths, fields);
    }
    // Agreeing spellings are fine; the docs' spelling alone turns auto-sync off.
    let mut body = base.clone();
    body["isEnabled"] = json!(false);
    body["syncOptions"]["autoSyncEnabled"] = json!(false);
    let s = create(&app, body).await;
    assert_eq!(s["isAutoSyncEnabled"], false);
    assert_eq!(s["isEnabled"], false);
    assert_eq!(s["syncOptions"]["autoSyncEnabled"], false);
    assert_eq!(s["syncStatus"], Value::Null, "auto-sync off: nothing queued");
    assert_eq!(queued(&app).await, 0);
    let list = app.api.get(&format!("{SYNCS}?projectId={}", app.project_id())).await.expect(200);
    assert_eq!(list["secretSyncs"].as_array().map(Vec::len), Some(1), "the refused bodies created nothing");
    app.shutdown().await;
}

#[tokio::test]
async fn create_validates_every_field_with_infisicals_messages() {
    let (_fake, app, cid) = with_connection().await;
    let pid = app.project_id().to_string();
    let base = manual(sync_body(&app, "s", &cid, "/app"));
    let with = |path: &str, v: Value| {
        let mut b = base.clone();
        let mut target = &mut b;
        let parts: Vec<&str> = path.split('.').collect();
        for p in &parts[..parts.len() - 1] {
            target = &mut target[*p];
        }
        target[parts[parts.len() - 1]] = v;
        b
    };
    let cases: Vec<(Value, u16, &str, String)> = vec![
        (
            with("name", json!("My Sync")),
            422,
            "body.name",
            "name field can only contain lowercase letters, numbers, and hyphens".into(),
        ),
        (with("name", json!("")), 422, "body.name", "name field must be at least 1 lowercase character".into()),
        (
            with("name", json!("a".repeat(257))),
            422,
            "body.name",
            "name field must be at most 256 lowercase characters".into(),
        ),
        (
            with("description", json!("d".repeat(257))),
            422,
            "body.description",
            "description must be at most 256 characters".into(),
        ),
        (with("projectId", json!(" ")), 422, "body.projectId", "Project ID required".into()),
        (with("connectionId", json!("nope")), 422, "body.connectionId", "Invalid UUID \"nope\"".into()),
        (
            with("environment", json!("Dev")),
            422,
            "body.environment",
            "environment field can only contain lowercase letters".into(),
        ),
        (with("secretPath", json!(" ")), 422, "body.secretPath", "Secret path required".into()),
        (
            with("secretPath", json!("/a b")),
            422,
            "body.secretPath",
            "only letters, digits, underscores and hyphens".into(),
        ),
        (
            with("syncOptions", json!({})),
            422,
            "body.syncOptions.initialSyncBehavior",
            "initialSyncBehavior is required".into(),
        ),
        (
            with("syncOptions.initialSyncBehavior", json!("sometimes")),
            422,
            "body.syncOptions.initialSyncBehavior",
            "unknown initial sync behavior".into(),
        ),
        (
            with("syncOptions.keySchema", json!("PREFIX_")),
            422,
            "body.syncOptions.keySchema",
            sluice_domain::key_schema::KEY_SCHEMA_MESSAGE.into(),
        ),
        (
            with("syncOptions.keySchema", json!("{{secretKey}}{{secretKey}}")),
            422,
            "body.syncOptions.keySchema",
            sluice_domain::key_schema::KEY_SCHEMA_MESSAGE.into(),
        ),
        (
            with("syncOptions.keySchema", json!("A={{secretKey}}")),
            422,
            "body.syncOptions.keySchema",
            sluice_domain::key_schema::KEY_SCHEMA_MESSAGE.into(),
        ),
        (
            with("destinationConfig", json!({"environmentId": "e"})),
            422,
            "body.destinationConfig.projectId",
            "Railway project ID required".into(),
        ),
        (
            with("destinationConfig.projectId", json!("  ")),
            422,
            "body.destinationConfig.projectId",
            "Railway project ID required".into(),
        ),
        (
            with("destinationConfig", json!({"projectId": "p"})),
            422,
            "body.destinationConfig.environmentId",
            "Railway environment ID required".into(),
        ),
        (
            with("secretPath", json!("/missing")),
            400,
            "",
            format!(
                "Could not find folder with path \"/missing\" in environment \"dev\" for project with ID \"{pid}\""
            ),
        ),
        (
            with("environment", json!("qa")),
            400,
            "",
            format!("Could not find folder with path \"/app\" in environment \"qa\" for project with ID \"{pid}\""),
        ),
        (with("projectId", json!(uuid::Uuid::new_v4().to_string())), 404, "", "not found".into()),
    ];
    for (body, status, field, message) in cases {
        let resp = app.api.post(SYNCS, body.clone()).await;
        assert_eq!(resp.status, status, "{body}: {}", resp.text);
        if status == 422 {
            assert_eq!(resp.body["details"][0]["path"], field, "{}", resp.text);
        }
        assert!(resp.message().contains(&message), "{body}: {} should contain {message}", resp.message());
    }
    // Connections: unknown, of another organization, not Railway.
    let unknown = ConnectionId::new();
    let resp = app.api.post(SYNCS, with("connectionId", json!(unknown.as_str()))).await;
    assert_eq!(resp.status, 404);
    assert_eq!(resp.message(), format!("Could not find App Connection with ID {unknown}"));
    let (_, _, outsider) = other_org(&app).await;
    let theirs = outsider
        .post(
            CONNECTIONS,
            json!({"name": "theirs", "method": "team-token", "credentials": {"apiToken": WORKSPACE_TOKEN}}),
        )
        .await
        .expect(200)["appConnection"]["id"]
        .clone();
    let resp = app.api.post(SYNCS, with("connectionId", theirs.clone())).await;
    assert_eq!(resp.status, 404);
    assert_eq!(resp.message(), format!("Could not find App Connection with ID {}", theirs.as_str().expect("id")));
    let github = github_connection(&app).await;
    let resp = app.api.post(SYNCS, with("connectionId", json!(github))).await;
    assert_eq!(resp.status, 400);
    assert_eq!(resp.message(), format!("GitHub Connection with ID {github} cannot be used to connect to Railway"));

    // Several problems at once are reported together.
    let mut bad = with("name", json!("Bad"));
    bad["destinationConfig"] = json!({});
    let resp = app.api.post(SYNCS, bad).await;
    assert_eq!(resp.body["details"].as_array().map(Vec::len), Some(2), "{}", resp.text);

    // A trailing slash is dropped; names are unique per project.
    let s = create(&app, with("secretPath", json!(" /app/ "))).await;
    assert_eq!(s["folder"]["path"], "/app");
    let resp = app.api.post(SYNCS, base.clone()).await;
    assert_eq!(resp.status, 400);
    assert_eq!(
        resp.message(),
        format!("A Secret Sync with the name \"s\" already exists for the project with ID \"{pid}\"")
    );
    let list = app.api.get(&format!("{SYNCS}?projectId={pid}")).await.expect(200);
    assert_eq!(list["secretSyncs"].as_array().map(Vec::len), Some(1), "nothing else was created");
    assert_eq!(queued(&app).await, 0);
    app.shutdown().await;
}

/// A connection row of another app, as a later Sluice (or a restored Infisical export) may hold.
async fn github_connection(app: &TestApp) -> String {
    let id = ConnectionId::new();
    let mut tx = app.state().store.write().await.expect("tx");
    connections::insert(
        &mut tx,
        &ConnectionRow {
            id: id.clone(),
            org_id: OrgId::from_trusted(app.org_id()),
            project_id: None,
            app: App::Other("github".into()),
            method: "oauth".into(),
            name: "gh".into(),
            description: None,
            data_key_wrapped: vec![0; 8],
            credentials_ct: vec![0; 8],
            credentials_hash: "0".repeat(64),
            version: 1,
            created_at: 0,
            updated_at: 0,
            sync_concurrency: None,
        },
    )
    .await
    .expect("insert");
    tx.commit().await.expect("commit");
    id.into_string()
}

#[tokio::test]
async fn who_may_do_what() {
    let (_fake, app, cid) = with_connection().await;
    let s = create(&app, manual(sync_body(&app, "s", &cid, "/app"))).await;
    let id = s["id"].as_str().expect("id");
    let url = format!("{SYNCS}/{id}");
    let pid = app.project_id();

    let viewer = project_member(&app, ProjectRole::Viewer).await;
    viewer.get(&url).await.expect(200);
    viewer.get(&format!("{SYNCS}?projectId={pid}")).await.expect(200);
    viewer.get(&format!("{SYNCS}/sync-name/s?projectId={pid}")).await.expect(200);
    viewer.get(&format!("{url}/runs")).await.expect(200);
    for resp in [
        viewer.post(SYNCS, sync_body(&app, "v", &cid, "/app")).await,
        viewer.patch(&url, json!({"name": "x"})).await,
        viewer.delete(&url).await,
        viewer.post(&format!("{url}/sync-secrets"), json!({})).await,
        viewer.post(&format!("{url}/import-secrets?importBehavior=prioritize-source"), json!({})).await,
        viewer.post(&format!("{url}/remove-secrets"), json!({})).await,
        viewer.post(&format!("{url}/plan"), json!({})).await,
    ] {
        assert_eq!(resp.status, 403, "{}", resp.text);
        assert!(resp.message().starts_with("You are not allowed to"), "{}", resp.message());
    }

    // A project member who is in the organization may use its connections.
    let member = project_member(&app, ProjectRole::Member).await;
    let m = member.post(SYNCS, manual(sync_body(&app, "by-member", &cid, "/app"))).await.expect(200);
    member
        .patch(&format!("{SYNCS}/{}", m["secretSync"]["id"].as_str().expect("id")), json!({"description": "mine"}))
        .await
        .expect(200);
    // A project member outside the organization may not.
    let stranger = identity_in(&app, &other_org(&app).await.0, OrgRole::Member, Some((pid, ProjectRole::Member))).await;
    let resp = stranger.post(SYNCS, manual(sync_body(&app, "stranger", &cid, "/app"))).await;
    assert_eq!(resp.status, 403, "{}", resp.text);
    assert!(resp.message().contains("not a member of its organization"), "{}", resp.message());

    // Outsiders learn nothing: the project's 404, or the sync's.
    let (_, _, outsider) = other_org(&app).await;
    let resp = outsider.get(&format!("{SYNCS}?projectId={pid}")).await;
    assert_eq!(resp.status, 404);
    assert_eq!(resp.message(), format!("Project with ID '{pid}' not found"));
    let resp = outsider.post(SYNCS, sync_body(&app, "o", &cid, "/app")).await;
    assert_eq!(resp.status, 404);
    let missing = SyncId::new();
    for (resp, which) in [
        (outsider.get(&url).await, id.to_string()),
        (outsider.patch(&url, json!({"name": "x"})).await, id.to_string()),
        (outsider.delete(&url).await, id.to_string()),
        (outsider.post(&format!("{url}/sync-secrets"), json!({})).await, id.to_string()),
        (app.api.get(&format!("{SYNCS}/{missing}")).await, missing.to_string()),
        (app.api.post(&format!("{SYNCS}/{missing}/sync-secrets"), json!({})).await, missing.to_string()),
    ] {
        assert_eq!(resp.status, 404, "{}", resp.text);
        assert_eq!(resp.message(), format!("Could not find Railway Sync with ID \"{which}\""));
    }
    let resp = app.api.get(&format!("{SYNCS}/sync-name/nope?projectId={pid}")).await;
    assert_eq!(resp.status, 404);
    assert_eq!(resp.message(), "Could not find Railway Sync with name \"nope\"");
    for path in [format!("{SYNCS}/not-a-uuid"), format!("{SYNCS}/not-a-uuid/runs")] {
        let resp = app.api.get(&path).await;
        assert_eq!(resp.status, 422, "{}", resp.text);
        assert_eq!(resp.body["details"][0]["path"], "params.syncId");
    }
    let resp = app.api.post(&format!("{SYNCS}/not-a-uuid/sync-secrets"), json!({})).await;
    assert_eq!(resp.status, 422);
    app.shutdown().await;
}

#[tokio::test]
async fn reads_return_the_same_object_and_are_audited() {
    let (_fake, app, cid) = with_connection().await;
    let a = create(&app, manual(sync_body(&app, "b-sync", &cid, "/app"))).await;
    let b = create(&app, manual(sync_body(&app, "a-sync", &cid, "/app"))).await;
    let pid = app.project_id();
    let one = app.api.get(&format!("{SYNCS}/{}", a["id"].as_str().expect("id"))).await.expect(200);
    assert_eq!(one["secretSync"], a);
    let by_name = app.api.get(&format!("{SYNCS}/sync-name/b-sync?projectId={pid}")).await.expect(200);
    assert_eq!(by_name["secretSync"], a);
    let list = app.api.get(&format!("{SYNCS}?projectId={pid}")).await.expect(200);
    assert_eq!(list["secretSyncs"], json!([b, a]), "by name");
    let all = app.api.get(&format!("/api/v1/secret-syncs?projectId={pid}")).await.expect(200);
    assert_eq!(all["secretSyncs"], list["secretSyncs"]);
    let audit = audit_entries(&app, app.org_id(), "get-secret-syncs").await;
    assert_eq!(audit[0]["count"], 2);
    assert_eq!(audit[0]["syncIds"], json!([b["id"], a["id"]]));
    assert_eq!(audit_entries(&app, app.org_id(), "get-secret-sync").await.len(), 2);
    app.shutdown().await;
}

#[tokio::test]
async fn a_patch_replaces_options_wholesale_and_queues_only_when_a_run_would_differ() {
    let (_fake, app, cid) = with_connection().await;
    folder(&app, app.project_id(), "dev", "/other").await;
    let s = create(&app, manual(sync_body(&app, "s", &cid, "/app"))).await;
    let id = s["id"].as_str().expect("id");
    let url = format!("{SYNCS}/{id}");
    let patch = |body: Value| {
        let url = url.clone();
        let api = app.api.clone();
        async move { api.patch(&url, body).await.expect(200)["secretSync"].clone() }
    };

    // Auto-sync off: nothing queues, whatever changes.
    let p = patch(json!({"name": "renamed", "description": "d", "syncOptions": {"initialSyncBehavior": "import-prioritize-source"}})).await;
    assert_eq!((p["name"].as_str(), p["description"].as_str()), (Some("renamed"), Some("d")));
    assert_eq!(p["syncOptions"]["keySchema"], Value::Null, "syncOptions is replaced, not merged");
    assert_eq!(p["syncOptions"]["initialSyncBehavior"], "import-prioritize-source");
    assert_eq!(p["syncStatus"], Value::Null);
    assert_eq!(queued(&app).await, 0);

    // Switching auto-sync on queues a run.
    let p = patch(json!({"isAutoSyncEnabled": true})).await;
    assert_eq!(p["syncStatus"], "pending");
    assert_eq!(jobs_of(&app, id).await[0].2["trigger"], "enable");
    app.drain().await;
    app.assert_idle().await;

    // With auto-sync on: metadata edits queue nothing (Infisical re-syncs here) …
    patch(json!({"name": "again", "description": null})).await;
    assert_eq!(queued(&app).await, 0, "a rename does not queue a run");
    // … nor does re-sending the same destination …
    patch(json!({"destinationConfig": sync_body(&app, "s", &cid, "/app")["destinationConfig"]})).await;
    assert_eq!(queued(&app).await, 0);
    // … but a different destination, options, source or connection does.
    let changes = [
        json!({"destinationConfig": {"projectId": RW_PROJECT, "projectName": "shop", "environmentId": RW_STAGING, "environmentName": "staging"}}),
        json!({"syncOptions": {"initialSyncBehavior": "overwrite-destination", "keySchema": "{{environment}}_{{secretKey}}", "disableSecretDeletion": true}}),
        json!({"secretPath": "/other/"}),
        json!({"connectionId": connection(&app, "second", "team-token", WORKSPACE_TOKEN).await["id"]}),
    ];
    for change in changes {
        let p = patch(change.clone()).await;
        assert_eq!(p["syncStatus"], "pending", "{change}");
        let jobs = jobs_of(&app, id).await;
        assert_eq!((jobs[0].1.as_str(), jobs[0].2["trigger"].as_str()), ("queued", Some("update")), "{change}");
        app.drain().await;
        app.assert_idle().await;
    }
    let now = app.api.get(&url).await.expect(200)["secretSync"].clone();
    assert_eq!(now["destinationConfig"]["environmentId"], RW_STAGING);
    assert!(now["destinationConfig"].get("serviceId").is_none(), "shared variables: no service");
    assert_eq!(now["syncOptions"]["keySchema"], "{{environment}}_{{secretKey}}");
    assert_eq!(now["syncOptions"]["disableSecretDeletion"], true);
    assert_eq!(now["folder"]["path"], "/other");
    // Switching off with a change queues nothing.
    patch(json!({"isEnabled": false, "secretPath": "/app"})).await;
    assert_eq!(queued(&app).await, 0);

    // Refusals change nothing.
    create(&app, manual(sync_body(&app, "taken", &cid, "/app"))).await;
    let cases = [
        (
            json!({"name": "taken"}),
            400,
            format!(
                "A Secret Sync with the name \"taken\" already exists for the project with ID \"{}\"",
                app.project_id()
            ),
        ),
        (
            json!({"secretPath": "/missing"}),
            400,
            format!(
                "Could not find folder with path \"/missing\" in environment \"dev\" for project with ID \"{}\"",
                app.project_id()
            ),
        ),
        (json!({"syncOptions": {"keySchema": "X_{{secretKey}}"}}), 422, "initialSyncBehavior is required".to_string()),
        (json!({"destinationConfig": {"projectId": RW_PROJECT}}), 422, "Railway environment ID required".to_string()),
        (json!({"isAutoSyncEnabled": true, "isEnabled": false}), 422, "body.isAutoSyncEnabled".to_string()),
        (json!({"name": "Nope"}), 422, "name field can only contain".to_string()),
        (json!({"connectionId": ConnectionId::new().as_str()}), 404, "Could not find App Connection".to_string()),
    ];
    let before = app.api.get(&url).await.expect(200)["secretSync"].clone();
    for (body, status, message) in cases {
        let resp = app.api.patch(&url, body.clone()).await;
        assert_eq!(resp.status, status, "{body}: {}", resp.text);
        assert!(resp.message().contains(&message), "{body}: {}", resp.message());
    }
    assert_eq!(app.api.get(&url).await.expect(200)["secretSync"], before);
    let updates = audit_entries(&app, app.org_id(), "update-secret-sync").await;
    assert_eq!(updates.len(), 9);
    assert_eq!(updates.last().expect("first")["syncQueued"], Value::Null);
    app.assert_idle().await;
    app.shutdown().await;
}

#[tokio::test]
async fn triggers_always_queue_and_a_deleted_source_folder_is_refused() {
    let (_fake, app, cid) = with_connection().await;
    let s = create(&app, manual(sync_body(&app, "s", &cid, "/app"))).await;
    let id = s["id"].as_str().expect("id");
    let url = format!("{SYNCS}/{id}");

    // Manual trigger with auto-sync off; twice in a row just queues (one job).
    for _ in 0..2 {
        let t = app.api.post(&format!("{url}/sync-secrets"), json!({})).await.expect(200)["secretSync"].clone();
        assert_eq!(t["syncStatus"], "pending");
    }
    let jobs = jobs_of(&app, id).await;
    assert_eq!(jobs.len(), 1, "the second trigger rides on the queued job");
    assert_eq!(jobs[0].2["trigger"], "manual");

    for (q, field_msg) in [("", "importBehavior is required"), ("?importBehavior=sometimes", "unknown import behavior")]
    {
        let resp = app.api.post(&format!("{url}/import-secrets{q}"), json!({})).await;
        assert_eq!(resp.status, 422, "{}", resp.text);
        assert_eq!(resp.body["details"][0]["path"], "query.importBehavior");
        assert!(resp.message().contains(field_msg), "{}", resp.message());
    }
    let i = app
        .api
        .post(&format!("{url}/import-secrets?importBehavior=prioritize-destination"), json!({}))
        .await
        .expect(200);
    assert_eq!(i["secretSync"]["importStatus"], "pending");
    let r = app.api.post(&format!("{url}/remove-secrets"), json!({})).await.expect(200);
    assert_eq!(r["secretSync"]["removeStatus"], "pending");
    let jobs = jobs_of(&app, id).await;
    let import = jobs.iter().find(|j| j.0 == "import").expect("import job");
    assert_eq!(import.2["importBehavior"], "prioritize-destination");
    assert!(jobs.iter().any(|j| j.0 == "remove" && j.2["deleteSyncOnComplete"] == false));
    app.drain().await;
    app.assert_idle().await;

    // The source folder is deleted: the sync stays, without a source.
    let folder_id = s["folderId"].as_str().expect("folder");
    delete_folder(&app, folder_id).await;
    let g = app.api.get(&url).await.expect(200)["secretSync"].clone();
    assert_eq!(
        (g["folderId"].clone(), g["folder"].clone(), g["environment"].clone()),
        (Value::Null, Value::Null, Value::Null)
    );
    let msg = "Invalid source configuration: folder no longer exists. Please configure a valid source and try again.";
    for resp in [
        app.api.post(&format!("{url}/sync-secrets"), json!({})).await,
        app.api.post(&format!("{url}/import-secrets?importBehavior=prioritize-source"), json!({})).await,
        app.api.post(&format!("{url}/remove-secrets"), json!({})).await,
        app.api.delete(&format!("{url}?removeSecrets=true")).await,
    ] {
        assert_eq!(resp.status, 400, "{}", resp.text);
        assert_eq!(resp.message(), msg);
    }
    let resp = app.api.patch(&url, json!({"environment": "staging"})).await;
    assert_eq!(resp.status, 400);
    assert_eq!(resp.message(), "Must specify both source environment and secret path");
    folder(&app, app.project_id(), "staging", "/app").await;
    let fixed = app.api.patch(&url, json!({"environment": "staging", "secretPath": "/app"})).await.expect(200);
    assert_eq!(fixed["secretSync"]["environment"]["slug"], "staging");
    app.assert_idle().await;
    app.shutdown().await;
}

#[tokio::test]
async fn deleting_now_or_after_removing_the_variables() {
    let (_fake, app, cid) = with_connection().await;
    let s = create(&app, sync_body(&app, "s", &cid, "/app")).await;
    let id = s["id"].as_str().expect("id");
    let url = format!("{SYNCS}/{id}");
    let resp = app.api.delete(&format!("{url}?removeSecrets=maybe")).await;
    assert_eq!(resp.status, 422);
    assert_eq!(resp.body["details"][0]["path"], "query.removeSecrets");

    // Without removeSecrets: gone at once, its queued run cancelled, the row echoed.
    assert_eq!(queued(&app).await, 1);
    let echoed = app.api.delete(&format!("{url}?removeSecrets=false")).await.expect(200)["secretSync"].clone();
    assert_eq!(echoed, s);
    assert_eq!(app.api.get(&url).await.status, 404);
    assert_eq!(queued(&app).await, 0, "the queued run was cancelled");
    let audit = audit_entries(&app, app.org_id(), "delete-secret-sync").await;
    assert_eq!((audit[0]["syncId"].as_str(), audit[0]["removeSecrets"].as_bool()), (Some(id), Some(false)));

    // With removeSecrets: the sync stays until the removal has run.
    let s = create(&app, manual(sync_body(&app, "t", &cid, "/app"))).await;
    let id = s["id"].as_str().expect("id");
    let url = format!("{SYNCS}/{id}");
    let d = app.api.delete(&format!("{url}?removeSecrets=true")).await.expect(200)["secretSync"].clone();
    assert_eq!(d["removeStatus"], "pending");
    assert_eq!(app.api.get(&url).await.expect(200)["secretSync"]["removeStatus"], "pending");
    let jobs = jobs_of(&app, id).await;
    assert_eq!((jobs[0].0.as_str(), jobs[0].2["deleteSyncOnComplete"].as_bool()), ("remove", Some(true)));
    assert_eq!(jobs[0].2["trigger"], "delete");
    app.drain().await;
    app.assert_idle().await;
    app.shutdown().await;
}

#[tokio::test]
async fn check_destination_compares_railway_ids_across_the_organization() {
    let (_fake, app, cid) = with_connection().await;
    let pid = app.project_id().to_string();
    let s = create(&app, manual(sync_body(&app, "s", &cid, "/app"))).await;
    let check = |body: Value| {
        let api = app.api.clone();
        async move { api.post(&format!("{SYNCS}/check-destination"), body).await }
    };
    let dest = sync_body(&app, "x", &cid, "/app")["destinationConfig"].clone();
    let same = check(json!({"projectId": pid, "destinationConfig": dest})).await.expect(200);
    assert_eq!(same, json!({"hasDuplicate": true, "duplicateProjectId": pid}));
    let mut renamed = dest.clone();
    renamed["projectName"] = json!("another name");
    renamed["serviceName"] = json!("renamed");
    assert_eq!(
        check(json!({"projectId": pid, "destinationConfig": renamed})).await.expect(200)["hasDuplicate"],
        true,
        "names are ignored"
    );
    let excluded =
        check(json!({"projectId": pid, "destinationConfig": dest, "excludeSyncId": s["id"]})).await.expect(200);
    assert_eq!(excluded, json!({"hasDuplicate": false}));
    let mut worker = dest.clone();
    worker["serviceId"] = json!(RW_WORKER);
    assert_eq!(check(json!({"projectId": pid, "destinationConfig": worker})).await.expect(200)["hasDuplicate"], false);
    let mut shared = dest.clone();
    shared["serviceId"] = json!("");
    assert_eq!(check(json!({"projectId": pid, "destinationConfig": shared})).await.expect(200)["hasDuplicate"], false);
    assert_eq!(check(json!({"projectId": pid})).await.expect(200), json!({"hasDuplicate": false}));
    assert_eq!(
        check(json!({"projectId": pid, "destinationConfig": {"nonsense": 1}})).await.expect(200)["hasDuplicate"],
        false
    );
    let resp = check(json!({"destinationConfig": dest})).await;
    assert_eq!(resp.status, 422);
    assert_eq!(resp.message(), "body.projectId: Project ID required");
    let resp = check(json!({"projectId": pid, "excludeSyncId": "x"})).await;
    assert_eq!(resp.status, 422);

    // A sync in another project of the organization: reported, but its project is told
    // only to those who can access it.
    let second = second_project(&app).await;
    let mut body = manual(sync_body(&app, "elsewhere", &cid, "/app"));
    body["projectId"] = json!(second);
    body["destinationConfig"] = worker.clone();
    create(&app, body).await;
    let admin_view = check(json!({"projectId": pid, "destinationConfig": worker})).await.expect(200);
    assert_eq!(admin_view, json!({"hasDuplicate": true, "duplicateProjectId": second}));
    let member = project_member(&app, ProjectRole::Member).await;
    let member_view = member
        .post(&format!("{SYNCS}/check-destination"), json!({"projectId": pid, "destinationConfig": worker}))
        .await;
    assert_eq!(member_view.expect(200), json!({"hasDuplicate": true}));
    // Another organization's syncs are not compared.
    let (_, other_project, outsider) = other_org(&app).await;
    let theirs = outsider
        .post(&format!("{SYNCS}/check-destination"), json!({"projectId": other_project, "destinationConfig": worker}))
        .await;
    assert_eq!(theirs.expect(200), json!({"hasDuplicate": false}));

    // A sync whose stored destination this build cannot read is no duplicate, and does
    // not stop the check for the others.
    let mut tx = app.state().store.write().await.expect("tx");
    sqlx::query("UPDATE secret_syncs SET destination_config = '{\"bucket\":\"b\"}' WHERE project_id = $1")
        .bind(&second)
        .execute(&mut *tx)
        .await
        .expect("update");
    tx.commit().await.expect("commit");
    assert_eq!(check(json!({"projectId": pid, "destinationConfig": worker})).await.expect(200)["hasDuplicate"], false);
    assert_eq!(check(json!({"projectId": pid, "destinationConfig": dest})).await.expect(200)["hasDuplicate"], true);
    app.shutdown().await;
}

/// A second project in the app's organization, with the folder `/app` in dev.
async fn second_project(app: &TestApp) -> String {
    let state = app.state();
    let mut tx = state.store.write().await.expect("tx");
    let admin = sluice_storage::memberships::Principal::Identity(sluice_domain::IdentityId::from_trusted(
        app.creds.identity_id.clone(),
    ));
    let project = sluice_server::features::projects::service::create_project(
        &mut tx,
        state,
        &OrgId::from_trusted(app.org_id()),
        "second",
        &sluice_domain::Slug::from_trusted("second"),
        "",
        &admin,
    )
    .await
    .expect("project");
    tx.commit().await.expect("commit");
    folder(app, project.id.as_str(), "dev", "/app").await;
    project.id.into_string()
}

#[tokio::test]
async fn the_run_history_pages_newest_first() {
    let (_fake, app, cid) = with_connection().await;
    let s = create(&app, manual(sync_body(&app, "s", &cid, "/app"))).await;
    let url = format!("{SYNCS}/{}", s["id"].as_str().expect("id"));
    let empty = app.api.get(&format!("{url}/runs")).await.expect(200);
    assert_eq!(empty, json!({"runs": [], "totalCount": 0, "limit": 20, "offset": 0}));
    for (q, field) in [
        ("?limit=0", "query.limit"),
        ("?limit=101", "query.limit"),
        ("?offset=-1", "query.offset"),
        ("?limit=x", "query.limit"),
    ] {
        let resp = app.api.get(&format!("{url}/runs{q}")).await;
        assert_eq!(resp.status, 422, "{q}: {}", resp.text);
        assert_eq!(resp.body["details"][0]["path"], field);
    }
    for _ in 0..2 {
        app.api.post(&format!("{url}/sync-secrets"), json!({})).await.expect(200);
        app.drain().await;
    }
    app.assert_idle().await;
    let page = app.api.get(&format!("{url}/runs?limit=1&offset=1")).await.expect(200);
    assert_eq!(
        (page["totalCount"].as_i64(), page["limit"].as_i64(), page["offset"].as_i64()),
        (Some(2), Some(1), Some(1))
    );
    let all = app.api.get(&format!("{url}/runs")).await.expect(200);
    let runs = all["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 2);
    assert_eq!(page["runs"][0], runs[1], "offset 1 is the older run");
    let run = &runs[0];
    assert_eq!(run["kind"], "sync");
    assert_eq!(run["trigger"], "manual");
    assert_eq!(run["actor"], json!({"type": "identity", "id": app.creds.identity_id, "name": "dev-identity"}));
    assert!(["succeeded", "failed"].contains(&run["status"].as_str().expect("status")), "{run}");
    assert!(run["startedAt"].as_str().is_some_and(|t| t.ends_with('Z')) && run["finishedAt"].is_string(), "{run}");
    assert!(run["plan"].is_array() && run["counts"].is_object() && run["railwayCalls"].is_array(), "{run}");
    assert!(runs[0]["startedAt"].as_str() >= runs[1]["startedAt"].as_str());
    app.shutdown().await;
}

/// The harness itself: a test that ends with a job still queued fails, so no test can
/// pass on work it never ran.
#[tokio::test]
async fn a_test_that_leaves_a_job_in_the_queue_fails_when_it_ends() {
    let (_fake, app, cid) = with_connection().await;
    create(&app, sync_body(&app, "s", &cid, "/app")).await;
    assert_eq!(queued(&app).await, 1, "auto-sync queued the first run");
    let ended = tokio::spawn(app.shutdown()).await;
    let panic = ended.expect_err("ending the test fails it").into_panic();
    let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(message.contains("jobs left behind when the test ended"), "{message}");

    let (_fake, mut app, cid) = with_connection().await;
    create(&app, sync_body(&app, "s", &cid, "/app")).await;
    app.leaves_jobs();
    app.shutdown().await;
}
