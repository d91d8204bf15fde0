//! Secret version retention: each secret keeps its project's `pitVersionLimit` newest
//! versions (default 10), set at Infisical's paths by project admins, pruned at once when
//! set, and the SQLite file gives the space back.

use crate::access_support::*;
use crate::secret_support::*;
use serde_json::{Value, json};
use sluice_testkit::TestApp;

fn patch_value(app: &TestApp, v: &str) -> Value {
    json!({"workspaceId": app.project_id(), "environment": "dev", "secretPath": "/", "secretValue": v})
}

/// Writes `values` as successive versions of `key` (created by the first).
async fn write_versions(app: &TestApp, key: &str, values: impl IntoIterator<Item = String>) -> String {
    let mut id = None;
    for v in values {
        let out = match id {
            None => put(&app.api, app, "dev", "/", key, &v).await,
            Some(_) => app.api.patch(&format!("{RAW}/{key}"), patch_value(app, &v)).await.expect(200)["secret"].clone(),
        };
        id.get_or_insert_with(|| out["id"].as_str().expect("id").to_string());
    }
    id.expect("at least one value")
}

async fn stored_versions(app: &TestApp, secret_id: &str) -> Vec<i64> {
    let mut conn = app.state().store.read().await.expect("conn");
    let id = sluice_domain::SecretId::from_trusted(secret_id);
    sluice_storage::secrets::versions(&mut conn, &id).await.expect("versions").iter().map(|v| v.version).collect()
}

/// The value of version `n` of `key` through the API; None when it is gone (404).
async fn version_value(app: &TestApp, key: &str, n: i64) -> Option<String> {
    let r = get(&app.api, app, "dev", "/", key, &[("version", &n.to_string())]).await;
    match r.status {
        200 => Some(r.body["secret"]["secretValue"].as_str().expect("value").to_string()),
        404 => None,
        other => panic!("version {n} of {key}: {other} {}", r.body),
    }
}

async fn limit_of(app: &TestApp) -> i64 {
    let p = app.api.get(&format!("/api/v1/projects/{}", app.project_id())).await.expect(200);
    p["project"]["pitVersionLimit"].as_i64().expect("pitVersionLimit")
}

#[tokio::test]
async fn many_writes_to_one_secret_keep_exactly_the_newest_ten_versions() {
    let app = TestApp::spawn().await;
    assert_eq!(limit_of(&app).await, 10);
    let id = write_versions(&app, "TOKEN", (1..=25).map(|i| format!("v{i}"))).await;
    assert_eq!(stored_versions(&app, &id).await, (16..=25).collect::<Vec<_>>());
    assert_eq!(version_value(&app, "TOKEN", 25).await.as_deref(), Some("v25"));
    assert_eq!(version_value(&app, "TOKEN", 16).await.as_deref(), Some("v16"));
    assert_eq!(version_value(&app, "TOKEN", 15).await, None);
    let live = get(&app.api, &app, "dev", "/", "TOKEN", &[]).await.expect(200);
    assert_eq!((live["secret"]["version"].as_i64(), live["secret"]["secretValue"].as_str()), (Some(25), Some("v25")));

    // Deleting writes one more version; the history (by name) still holds the newest ten.
    let body = json!({"workspaceId": app.project_id(), "environment": "dev", "secretPath": "/"});
    app.api.delete_json(&format!("{RAW}/TOKEN"), body).await.expect(200);
    assert_eq!(stored_versions(&app, &id).await, (17..=26).collect::<Vec<_>>());
    assert_eq!(version_value(&app, "TOKEN", 25).await.as_deref(), Some("v25"));
    app.shutdown().await;
}

#[tokio::test]
async fn setting_the_limit_at_infisicals_paths_prunes_every_secret_and_is_audited() {
    let app = TestApp::spawn().await;
    let long = write_versions(&app, "LONG", (1..=12).map(|i| format!("l{i}"))).await;
    let short = write_versions(&app, "SHORT", (1..=2).map(|i| format!("s{i}"))).await;
    let gone = write_versions(&app, "GONE", (1..=6).map(|i| format!("g{i}"))).await;
    let body = json!({"workspaceId": app.project_id(), "environment": "dev", "secretPath": "/"});
    app.api.delete_json(&format!("{RAW}/GONE"), body).await.expect(200);

    // Infisical's older path, naming the project by slug as its web app does.
    let slug = app.api.get(&format!("/api/v1/projects/{}", app.project_id())).await.expect(200)["project"]["slug"]
        .as_str()
        .expect("slug")
        .to_string();
    let set = app.api.put(&format!("/api/v1/workspace/{slug}/version-limit"), json!({"pitVersionLimit": 3})).await;
    let set = set.expect(200);
    assert_eq!(set["message"], "Successfully changed project version limit");
    assert_eq!(
        (set["workspace"]["id"].as_str(), set["workspace"]["pitVersionLimit"].as_i64()),
        (Some(app.project_id()), Some(3))
    );
    assert_eq!(limit_of(&app).await, 3);
    assert_eq!(stored_versions(&app, &long).await, [10, 11, 12]);
    assert_eq!(stored_versions(&app, &short).await, [1, 2]);
    assert_eq!(stored_versions(&app, &gone).await, [5, 6, 7], "a deleted secret's history is pruned too");
    assert_eq!(version_value(&app, "LONG", 10).await.as_deref(), Some("l10"));
    assert_eq!(version_value(&app, "LONG", 9).await, None);

    // Later writes keep to the new limit.
    app.api.patch(&format!("{RAW}/LONG"), patch_value(&app, "l13")).await.expect(200);
    assert_eq!(stored_versions(&app, &long).await, [11, 12, 13]);

    // The current path by id, and the project update body.
    let by_id = app
        .api
        .put(&format!("/api/v1/projects/{}/version-limit", app.project_id()), json!({"pitVersionLimit": 2}))
        .await
        .expect(200);
    assert_eq!(by_id["project"]["pitVersionLimit"], 2);
    assert_eq!(stored_versions(&app, &long).await, [12, 13]);
    let patched = app
        .api
        .patch(&format!("/api/v1/projects/{}", app.project_id()), json!({"pitVersionLimit": 1}))
        .await
        .expect(200);
    assert_eq!(patched["project"]["pitVersionLimit"], 1);
    assert_eq!(stored_versions(&app, &long).await, [13]);
    // Raising the limit keeps what is there (nothing comes back) and lets history grow again.
    app.api.patch(&format!("/api/v1/projects/{}", app.project_id()), json!({"pitVersionLimit": 100})).await.expect(200);
    app.api.patch(&format!("{RAW}/LONG"), patch_value(&app, "l14")).await.expect(200);
    assert_eq!(stored_versions(&app, &long).await, [13, 14]);

    let audits = audit_rows(&app, "update-project").await;
    let limits: Vec<(i64, i64, i64)> = audits
        .iter()
        .map(|a| {
            let m = &a.metadata;
            (
                m["oldPitVersionLimit"].as_i64().expect("old"),
                m["pitVersionLimit"].as_i64().expect("new"),
                m["prunedVersions"].as_i64().expect("pruned"),
            )
        })
        .collect();
    // 10 → 3: LONG's 3..9 and GONE's 1..4; 3 → 2: one each of LONG and GONE; 2 → 1: one
    // each of LONG, GONE and SHORT; raising prunes nothing.
    assert_eq!(limits, [(10, 3, 11), (3, 2, 2), (2, 1, 3), (1, 100, 0)]);
    assert!(audits.iter().all(|a| a.project_id.as_deref() == Some(app.project_id())));
    app.shutdown().await;
}

#[tokio::test]
async fn bad_limits_are_refused_in_infisicals_shape_and_change_nothing() {
    let app = TestApp::spawn().await;
    let id = write_versions(&app, "KEY", (1..=4).map(|i| format!("k{i}"))).await;
    let path = format!("/api/v1/workspace/{}/version-limit", app.project_id());
    let cases = [
        (json!({"pitVersionLimit": 0}), "Number must be greater than or equal to 1"),
        (json!({"pitVersionLimit": -5}), "Number must be greater than or equal to 1"),
        (json!({"pitVersionLimit": 101}), "Number must be less than or equal to 100"),
        (json!({"pitVersionLimit": 1e12}), "Number must be less than or equal to 100"),
        (json!({"pitVersionLimit": "3"}), "Expected number, received string"),
        (json!({"pitVersionLimit": 2.5}), "Expected integer, received float"),
        (json!({"pitVersionLimit": null}), "Expected number, received null"),
    ];
    for (body, why) in &cases {
        let r = app.api.put(&path, body.clone()).await;
        assert_eq!(r.status, 422, "{body}: {}", r.body);
        let shape = error_shape(&r);
        assert_eq!(shape["error"], "ValidationFailure", "{body}: {shape}");
        assert_eq!(shape["message"], format!("body.pitVersionLimit: {why}"), "{body}");
        let patch = app.api.patch(&format!("/api/v1/projects/{}", app.project_id()), body.clone()).await;
        if body["pitVersionLimit"].is_null() {
            // In an update body, null is "not given" (the other fields change as asked).
            assert_eq!(patch.status, 200, "{}", patch.body);
        } else {
            assert_eq!((patch.status, patch.message()), (422, format!("body.pitVersionLimit: {why}").as_str()));
        }
    }
    let missing = app.api.put(&path, json!({})).await;
    assert_eq!(missing.status, 422, "{}", missing.body);
    assert!(missing.message().contains("pitVersionLimit"), "{}", missing.body);

    // Not a project admin: refused; an unknown project: 404.
    let member = project_member(&app, "member").await;
    let refused = member.client.put(&path, json!({"pitVersionLimit": 1})).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    let unknown = app.api.put("/api/v1/workspace/no-such-project/version-limit", json!({"pitVersionLimit": 1})).await;
    assert_eq!(unknown.status, 404, "{}", unknown.body);

    assert_eq!(limit_of(&app).await, 10);
    assert_eq!(stored_versions(&app, &id).await, [1, 2, 3, 4]);
    assert!(audit_rows(&app, "update-project").await.iter().all(|a| a.metadata.get("pitVersionLimit").is_none()));
    app.shutdown().await;
}

#[tokio::test]
async fn the_sqlite_file_shrinks_after_a_bulk_prune() {
    let app = TestApp::spawn().await;
    if app.db.is_postgres() {
        eprintln!("skipped: SQLite file size (PostgreSQL's autovacuum reclaims space by itself)");
        app.shutdown().await;
        return;
    }
    assert_eq!(scalar(&app, "PRAGMA auto_vacuum", &[]).await, 2, "a new database is auto_vacuum = INCREMENTAL");
    // 20 secrets × 10 versions of ~32 KiB each (stored encrypted, at full size): ~6 MiB.
    let big = |i: usize, v: usize| format!("{i}-{v}-{}", "x".repeat(32 * 1024));
    for i in 0..20 {
        write_versions(&app, &format!("BIG_{i}"), (0..10).map(|v| big(i, v))).await;
    }
    let file = app.db.dir.path().join("sluice.db");
    let size = || {
        let wal = std::fs::metadata(app.db.dir.path().join("sluice.db-wal")).map(|m| m.len()).unwrap_or(0);
        std::fs::metadata(&file).expect("db file").len() + wal
    };
    app.state().store.reclaim_free_pages().await.expect("checkpoint");
    let before = size();
    assert!(before > 5 * 1024 * 1024, "{before}");
    let path = format!("/api/v1/workspace/{}/version-limit", app.project_id());
    app.api.put(&path, json!({"pitVersionLimit": 1})).await.expect(200);
    let after = size();
    assert!(after < before / 3, "the file did not shrink: {before} → {after} bytes");
    app.shutdown().await;
}

#[tokio::test]
async fn the_projects_page_shows_and_sets_the_version_limit() {
    let app = TestApp::spawn().await;
    let id = write_versions(&app, "KEY", (1..=6).map(|i| format!("k{i}"))).await;
    let b = crate::ui::Browser::sign_in(&app).await;
    let list = b.get("/projects").await;
    list.assert_contains(&format!("id=\"limit-{}\" name=\"pit_version_limit\"", app.project_id()));
    list.assert_contains("value=\"10\"");
    let path = format!("/projects/{}/version-limit", app.project_id());
    let bad = b.post(&path, &[("pit_version_limit", "0"), ("csrf", &list.csrf())]).await;
    assert_eq!((bad.status, bad.location()), (303, "/projects"));
    b.get("/projects").await.assert_contains("Number must be greater than or equal to 1");
    assert_eq!(limit_of(&app).await, 10);
    let done = b.post(&path, &[("pit_version_limit", "4"), ("csrf", &list.csrf())]).await;
    assert_eq!((done.status, done.location()), (303, "/projects"));
    b.get("/projects").await.assert_contains("keeps the newest 4 versions of each secret");
    assert_eq!(limit_of(&app).await, 4);
    assert_eq!(stored_versions(&app, &id).await, [3, 4, 5, 6]);
    app.shutdown().await;
}

/// Hourly housekeeping keeps a server's database from growing without bound: each sync
/// keeps its newest runs, finished jobs and audit entries go after their retention, expired
/// sessions go; what is recent, running or queued stays.
#[tokio::test]
async fn housekeeping_keeps_recent_history_and_deletes_the_rest() {
    use crate::sync_support::{self, ACCOUNT_TOKEN, SYNCS};
    let fake = sluice_railway_fake::FakeRailway::start(sluice_railway_fake::Seed::example()).await.expect("fake");
    let url = fake.graphql_url();
    let app = TestApp::spawn_with(Box::new(move |s| {
        s.railway_api_url = url;
        s.engine.retention.runs_per_sync = 2;
    }))
    .await;
    let conn = sync_support::connection(&app, "rw", "account-token", ACCOUNT_TOKEN).await;
    put(&app.api, &app, "dev", "/", "KEY", "v0").await;
    let created =
        app.api.post(SYNCS, sync_support::sync_body(&app, "kept", conn["id"].as_str().expect("id"), "/")).await;
    let id = created.expect(200)["secretSync"]["id"].as_str().expect("id").to_string();
    app.drain_all().await;
    for i in 1..=3 {
        app.api.patch(&format!("{RAW}/KEY"), patch_value(&app, &format!("v{i}"))).await.expect(200);
        app.drain_all().await;
    }
    let runs = |app: &TestApp| {
        let path = format!("{SYNCS}/{}/runs?limit=100", id);
        let api = app.api.clone();
        async move { api.get(&path).await.expect(200) }
    };
    let before = runs(&app).await;
    assert_eq!(before["totalCount"], 4, "a run per change: {before}");
    let newest: Vec<Value> = before["runs"].as_array().expect("runs")[..2].iter().map(|r| r["id"].clone()).collect();

    // Age what should go: an audit entry a year and a day old, a job finished eight days
    // ago, an expired session; and sign in once so that a live session exists.
    let sql = crate::secret_support::exec;
    // 366 days and 8 days, in milliseconds.
    sql(&app, "UPDATE audit_log SET created_at = created_at - 31622400000 WHERE action = 'create-secret'", &[]).await;
    let aged_jobs =
        sql(&app, "UPDATE jobs SET finished_at = finished_at - 691200000 WHERE finished_at IS NOT NULL", &[]).await;
    assert!(aged_jobs >= 4);
    app.api
        .post(
            &format!("{RAW}/QUEUED"),
            json!({"workspaceId": app.project_id(), "environment": "dev",
        "secretPath": "/", "secretValue": "q"}),
        )
        .await
        .expect(200);
    app.api.post(&format!("{SYNCS}/{id}/sync-secrets"), json!({})).await.expect(200);
    let _first = crate::ui::Browser::sign_in(&app).await;
    let _second = crate::ui::Browser::sign_in(&app).await;
    sql(&app, "UPDATE sessions SET expires_at = 1 WHERE id IN (SELECT id FROM sessions LIMIT 1)", &[]).await;
    let sessions_before = count(&app, "SELECT COUNT(*) FROM sessions").await;

    let pruned = sluice_engine::housekeeping::run(&app.state().engine).await.expect("housekeeping");
    assert_eq!(pruned.runs, 2, "{pruned:?}");
    assert!(pruned.jobs >= 4 && pruned.audit >= 1 && pruned.sessions == 1, "{pruned:?}");
    let after = runs(&app).await;
    assert_eq!(after["totalCount"], 2);
    let kept: Vec<Value> = after["runs"].as_array().expect("runs").iter().map(|r| r["id"].clone()).collect();
    assert_eq!(kept, newest, "the newest runs are kept");
    let created = count(&app, "SELECT COUNT(*) FROM audit_log WHERE action = 'create-secret'").await;
    assert_eq!(created, 1, "the year-old creation went, QUEUED's of just now stays");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM jobs WHERE state = 'queued'").await, 1, "the queued job stays");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM sessions").await, sessions_before - 1);
    let again = sluice_engine::housekeeping::run(&app.state().engine).await.expect("housekeeping");
    assert_eq!(again, Default::default(), "nothing more to do");
    app.drain_all().await;
}

async fn count(app: &TestApp, sql: &'static str) -> i64 {
    let mut conn = app.state().store.read().await.expect("conn");
    sqlx::query_scalar(sql).fetch_one(&mut *conn).await.expect("count")
}
