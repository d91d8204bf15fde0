//! The seed's flow through the API: create, first sync, no-op syncs, changes converging,
//! deletion, and Railway's own variables left alone.

use super::support::*;

#[tokio::test]
async fn first_sync_pushes_only_the_sources_keys_and_redeploys_once() {
    let env = start().await;
    env.put("dev", "/", "API_KEY", "k-1").await;
    env.put("dev", "/", "DB_PASS", "p-1").await;
    let sync =
        env.create_sync(env.sync_body("shop-api", opts("overwrite-destination", Some("SLUICE_{{secretKey}}")))).await;
    assert_eq!(sync["syncStatus"], "pending");
    let id = sync["id"].as_str().expect("id").to_string();
    env.app.drain().await;
    env.app.assert_idle().await;

    let vars = env.api_vars();
    assert_eq!(vars.get("SLUICE_API_KEY"), Some(&val("k-1")));
    assert_eq!(vars.get("SLUICE_DB_PASS"), Some(&val("p-1")));
    // Keys outside the schema, references and sealed variables are untouched.
    assert_eq!(vars.get("LOG_LEVEL"), Some(&val("${{shared.LOG_LEVEL}}")));
    assert!(vars.contains_key("DATABASE_URL"));
    assert_eq!(vars.get("STRIPE_SECRET_KEY"), Some(&None));
    assert_eq!(env.count("variables"), 1, "one read: {:?}", env.calls());
    assert_eq!(env.count("variableCollectionUpsert"), 1);
    assert_eq!(env.count("variableDelete"), 0);
    assert_eq!(env.redeploys_of_api(), 1, "one redeploy after the write");

    let s = env.sync(&id).await;
    assert_eq!(s["syncStatus"], "succeeded");
    assert!(s["lastSyncedAt"].is_string());
    assert!(s["lastSyncMessage"].is_null());
    let runs = env.runs(&id).await;
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["status"], "succeeded");
    assert_eq!(runs[0]["trigger"], "create");
    let text = serde_json::to_string(&runs).expect("json");
    assert!(!text.contains("k-1") && !text.contains("p-1"), "no values in run records: {text}");
}

#[tokio::test]
async fn a_sync_with_nothing_to_change_reads_once_and_writes_nothing() {
    let env = start().await;
    env.put("dev", "/", "API_KEY", "k-1").await;
    let id =
        env.create_sync(env.sync_body("s", opts("overwrite-destination", Some("SLUICE_{{secretKey}}")))).await["id"]
            .as_str()
            .expect("id")
            .to_string();
    env.app.drain().await;
    env.fake.clear_requests();
    env.fake.clear_deploys();

    env.trigger(&id).await;
    env.app.drain().await;
    assert_eq!(env.calls(), vec!["variables".to_string()], "1 read, 0 writes");
    assert_eq!(env.redeploys_of_api(), 0, "no redeploy when nothing changed");
    let runs = env.runs(&id).await;
    assert_eq!(runs[0]["status"], "succeeded");
    assert_eq!(runs[0]["trigger"], "manual");
}

#[tokio::test]
async fn changes_converge_with_one_upsert_of_changed_keys_and_deletes_per_removed_key() {
    let env = start().await;
    for (k, v) in [("A", "1"), ("B", "2"), ("C", "3"), ("D", "4")] {
        env.put("dev", "/", k, v).await;
    }
    env.create_sync(env.sync_body("s", opts("overwrite-destination", Some("SLUICE_{{secretKey}}")))).await;
    env.app.drain().await;
    env.fake.clear_requests();
    env.fake.clear_deploys();

    env.put("dev", "/", "A", "1-new").await;
    env.put("dev", "/", "E", "5").await;
    env.delete("dev", "/", "C").await;
    env.delete("dev", "/", "D").await;
    let report = env.app.drain().await;
    assert_eq!(report.runs, 1, "four changes coalesce into one run");

    let vars = env.api_vars();
    assert_eq!(vars.get("SLUICE_A"), Some(&val("1-new")));
    assert_eq!(vars.get("SLUICE_B"), Some(&val("2")));
    assert_eq!(vars.get("SLUICE_E"), Some(&val("5")));
    assert!(!vars.contains_key("SLUICE_C") && !vars.contains_key("SLUICE_D"));
    // The plan's read, and the target again just before deleting; api holds a sealed
    // variable, so the deletions go one at a time.
    assert_eq!(env.count("variables"), 2, "{:?}", env.calls());
    assert_eq!(env.count("variableCollectionUpsert"), 1);
    assert_eq!(env.count("variableDelete"), 2);
    assert_eq!(env.count("deploymentRedeploy"), 1, "one redeploy requested: {:?}", env.calls());
    assert_eq!(env.count("serviceInstanceRedeploy"), 0);
}

#[tokio::test]
async fn overwrite_without_a_schema_deletes_unmanaged_keys_but_never_sealed_or_references_of_others() {
    let env = start().await;
    env.put("dev", "/", "QUEUE_NAME", "jobs-v2").await;
    let mut body = env.sync_body("worker", opts("overwrite-destination", None));
    body["destinationConfig"]["serviceId"] = serde_json::json!(WORKER);
    body["destinationConfig"]["serviceName"] = serde_json::json!("worker");
    env.create_sync(body).await;
    env.app.drain().await;
    let vars = env.fake.variables(PRODUCTION, Some(WORKER));
    // Without a key schema every key is managed: API_INTERNAL_URL leaves, QUEUE_NAME is updated.
    assert_eq!(vars, [("QUEUE_NAME".to_string(), val("jobs-v2"))].into_iter().collect());
    // The api service (another target) is untouched.
    assert!(env.api_vars().contains_key("DATABASE_URL"));
}

#[tokio::test]
async fn disable_secret_deletion_keeps_removed_keys() {
    let env = start().await;
    env.put("dev", "/", "A", "1").await;
    env.put("dev", "/", "B", "2").await;
    let mut o = opts("overwrite-destination", Some("SLUICE_{{secretKey}}"));
    o["disableSecretDeletion"] = serde_json::json!(true);
    env.create_sync(env.sync_body("s", o)).await;
    env.app.drain().await;
    env.delete("dev", "/", "B").await;
    env.app.drain().await;
    assert_eq!(env.api_vars().get("SLUICE_B"), Some(&val("2")));
    assert_eq!(env.count("variableDelete"), 0);
}

#[tokio::test]
async fn remove_secrets_and_delete_with_removal() {
    let env = start().await;
    env.put("dev", "/", "A", "1").await;
    env.put("dev", "/", "B", "2").await;
    let id =
        env.create_sync(env.sync_body("s", opts("overwrite-destination", Some("SLUICE_{{secretKey}}")))).await["id"]
            .as_str()
            .expect("id")
            .to_string();
    env.app.drain().await;
    assert!(env.api_vars().contains_key("SLUICE_A"));

    env.app.api.post(&format!("{SYNCS}/{id}/remove-secrets"), serde_json::json!({})).await.expect(200);
    env.app.drain().await;
    let vars = env.api_vars();
    assert!(!vars.contains_key("SLUICE_A") && !vars.contains_key("SLUICE_B"));
    assert!(vars.contains_key("DATABASE_URL"), "unmanaged keys stay");
    assert_eq!(env.sync(&id).await["removeStatus"], "succeeded");

    // Sync again, then delete with removal: the row goes only after the keys are gone.
    env.trigger(&id).await;
    env.app.drain().await;
    assert!(env.api_vars().contains_key("SLUICE_A"));
    let deleting = env.app.api.delete(&format!("{SYNCS}/{id}?removeSecrets=true")).await.expect(200);
    assert_eq!(deleting["secretSync"]["removeStatus"], "pending");
    assert_eq!(env.app.api.get(&format!("{SYNCS}/{id}")).await.status, 200, "still there until removed");
    env.app.drain().await;
    assert!(!env.api_vars().contains_key("SLUICE_A"));
    assert_eq!(env.app.api.get(&format!("{SYNCS}/{id}")).await.status, 404);
}

#[tokio::test]
async fn a_failed_removal_keeps_the_sync() {
    let env = start().await;
    env.put("dev", "/", "A", "1").await;
    let id =
        env.create_sync(env.sync_body("s", opts("overwrite-destination", Some("SLUICE_{{secretKey}}")))).await["id"]
            .as_str()
            .expect("id")
            .to_string();
    env.app.drain().await;
    env.fake.inject(sluice_railway_fake::Fault::not_authorized().times(5));
    env.app.api.delete(&format!("{SYNCS}/{id}?removeSecrets=true")).await.expect(200);
    env.app.drain().await;
    let s = env.sync(&id).await;
    assert_eq!(s["removeStatus"], "failed");
    assert!(s["lastRemoveMessage"].as_str().is_some_and(|m| m.contains("Not Authorized")), "{s}");
    assert!(env.api_vars().contains_key("SLUICE_A"));
}

/// After "Remove from Railway" the badge no longer says "Synced": Railway does not hold
/// the sync's variables any more. The next sync brings "Synced" back.
#[tokio::test]
async fn after_a_removal_the_badge_says_removed_until_the_next_sync() {
    let env = start().await;
    env.put("dev", "/", "A", "1").await;
    let body = env.sync_body("s", opts("overwrite-destination", Some("SLUICE_{{secretKey}}")));
    let id = env.create_sync(body).await["id"].as_str().expect("id").to_string();
    env.app.drain_all().await;
    let browser = crate::ui::Browser::sign_in(&env.app).await;
    let url = format!("/projects/{}/syncs/{id}", env.app.project_id());
    let badge = |body: &str| body.split("data-badge=").nth(1).and_then(|s| s.split('<').next()).map(str::to_string);
    assert_eq!(badge(&browser.get(&url).await.body).as_deref(), Some("\"synced\">Synced"));

    env.app
        .api
        .post(&format!("/api/v1/secret-syncs/railway/{id}/remove-secrets"), serde_json::json!({}))
        .await
        .expect(200);
    env.app.drain_all().await;
    assert_eq!(env.api_vars().get("SLUICE_A"), None, "removed at Railway");
    let page = browser.get(&url).await;
    assert_eq!(badge(&page.body).as_deref(), Some("\"never\">Removed from Railway"), "{}", page.body);

    env.put("dev", "/", "A", "2").await;
    env.app.drain_all().await;
    assert_eq!(env.api_vars().get("SLUICE_A"), Some(&val("2")));
    assert_eq!(badge(&browser.get(&url).await.body).as_deref(), Some("\"synced\">Synced"));
}

/// The wizard's Review step leaves out an empty description (not "None") and says what no
/// key schema means.
#[tokio::test]
async fn the_review_step_shows_nothing_for_an_empty_description() {
    let env = start().await;
    env.put("dev", "/", "A", "1").await;
    let browser = crate::ui::Browser::sign_in(&env.app).await;
    let url = format!("/projects/{}/syncs/new/railway", env.app.project_id());
    let csrf = browser.get(&url).await.csrf();
    let review = |description: &'static str| {
        let (browser, url, csrf, connection) = (&browser, url.clone(), csrf.clone(), env.connection_id.clone());
        async move {
            let fields = [
                ("csrf", csrf.as_str()),
                ("step", "details"),
                ("go", "next"),
                ("environment", "dev"),
                ("secret_path", "/"),
                ("connection_id", connection.as_str()),
                ("rw_project", RW_PROJECT),
                ("rw_environment", PRODUCTION),
                ("rw_service", API),
                ("initial_behavior", "overwrite-destination"),
                ("key_schema", ""),
                ("auto_sync", "true"),
                ("redeploy", "true"),
                ("drift_policy", "report"),
                ("name", "reviewed"),
                ("description", description),
            ];
            let posted = browser.post(&url, &fields).await;
            browser.follow(posted).await
        }
    };
    let page = review("").await;
    assert_eq!(page.status, 200, "{}", page.body);
    page.assert_contains("id=\"step-title\"");
    page.assert_contains("None: keys keep their names");
    assert!(!page.body.contains("<dt>Description</dt>"), "no empty description row: {}", page.body);
    let page = review("For the API").await;
    page.assert_contains("<dt>Description</dt><dd data-review-description>For the API</dd>");
    env.app.assert_idle().await;
}

/// Arriving at the wizard's Details step, the name is suggested from where the sync writes.
#[tokio::test]
async fn the_details_step_suggests_a_name_from_the_destination() {
    let env = start().await;
    let browser = crate::ui::Browser::sign_in(&env.app).await;
    let url = format!("/projects/{}/syncs/new/railway", env.app.project_id());
    let csrf = browser.get(&url).await.csrf();
    let fields = [
        ("csrf", csrf.as_str()),
        ("step", "options"),
        ("go", "next"),
        ("options_posted", "1"),
        ("environment", "dev"),
        ("secret_path", "/"),
        ("connection_id", env.connection_id.as_str()),
        ("rw_project", RW_PROJECT),
        ("rw_project_name", "shop"),
        ("rw_environment", PRODUCTION),
        ("rw_environment_name", "production"),
        ("rw_service", API),
        ("rw_service_name", "api"),
        ("initial_behavior", "overwrite-destination"),
        ("auto_sync", "true"),
        ("redeploy", "true"),
        ("drift_policy", "report"),
    ];
    let posted = browser.post(&url, &fields).await;
    let page = browser.follow(posted).await;
    assert_eq!(page.status, 200, "{}", page.body);
    page.assert_contains(r#"<input id="w-name" name="name" value="shop-api-production""#);
    env.app.assert_idle().await;
}

/// A worker claims its next job in the transaction that records its run's outcome (one
/// turn less per run on SQLite's single writer, two round trips less on PostgreSQL): with
/// the connection's concurrency at 1, that claim sees the job the outcome just ended. A
/// stopping worker claims nothing more.
#[tokio::test]
async fn a_worker_claims_its_next_job_with_its_outcome_and_none_when_stopping() {
    use sluice_engine::drain::outstanding;
    use sluice_engine::{dispatch, run, worker};
    let env = start_with(|s| s.engine.per_connection_limit = 1).await;
    env.put("dev", "/", "X", "v0").await;
    let schema = || opts("overwrite-destination", Some("SLUICE_{{secretKey}}"));
    let mut worker_body = env.sync_body("to-worker", schema());
    worker_body["destinationConfig"]["serviceId"] = serde_json::json!(WORKER);
    let mut staging_body = env.sync_body("to-staging", schema());
    staging_body["destinationConfig"]["environmentId"] = serde_json::json!(STAGING);
    for body in [env.sync_body("to-api", schema()), worker_body, staging_body] {
        env.create_sync(body).await;
    }
    env.app.drain_all().await;
    env.put("dev", "/", "X", "v1").await;
    let engine = env.app.state().engine.clone();
    dispatch::dispatch_all(&engine).await.expect("dispatch");
    assert_eq!(outstanding(&engine).await.expect("jobs"), (3, 0));

    let first = worker::claim(&engine, None).await.expect("claim").expect("a job");
    let (_keep, running) = tokio::sync::watch::channel(false);
    let next = run::execute_and_claim(&engine, first, &running).await;
    let second = next.expect("the outcome's transaction claimed the next job");
    assert_eq!(outstanding(&engine).await.expect("jobs"), (1, 1), "one run ended, the next one began");
    let (_stop, stopping) = tokio::sync::watch::channel(true);
    assert!(run::execute_and_claim(&engine, second, &stopping).await.is_none(), "a stopping worker claims nothing");
    assert_eq!(outstanding(&engine).await.expect("jobs"), (1, 0), "the last job waits for a worker");
    env.app.drain_all().await;
    assert_eq!(outstanding(&engine).await.expect("jobs"), (0, 0));
    assert_eq!(env.api_vars().get("SLUICE_X"), Some(&val("v1")));
}

/// A next claim that fails inside an outcome's transaction is undone alone: the run's
/// outcome is recorded, no other sync is left leased or running, and the worker's own claim
/// takes the job later. (The failure is a trigger refusing the claim's update of a job.)
#[tokio::test]
async fn a_failed_next_claim_leaves_the_outcome_recorded_and_nothing_half_claimed() {
    use sluice_engine::drain::outstanding;
    use sluice_engine::{dispatch, run, worker};
    let env = start_with(|s| s.engine.per_connection_limit = 1).await;
    env.put("dev", "/", "X", "v0").await;
    let schema = || opts("overwrite-destination", Some("SLUICE_{{secretKey}}"));
    let mut worker_body = env.sync_body("to-worker", schema());
    worker_body["destinationConfig"]["serviceId"] = serde_json::json!(WORKER);
    let first_id = env.create_sync(env.sync_body("to-api", schema())).await["id"].as_str().expect("id").to_string();
    let second_id = env.create_sync(worker_body).await["id"].as_str().expect("id").to_string();
    env.app.drain_all().await;
    env.put("dev", "/", "X", "v1").await;
    let engine = env.app.state().engine.clone();
    dispatch::dispatch_all(&engine).await.expect("dispatch");
    let first = worker::claim(&engine, None).await.expect("claim").expect("a job");
    let ran = first.job.sync_id.to_string();
    let other = if ran == first_id { &second_id } else { &first_id };

    let store = env.app.state().store.clone();
    let refuse: &[&'static str] = match store.backend() {
        sluice_storage::Backend::Sqlite => &[
            "CREATE TRIGGER refuse_claims BEFORE UPDATE OF lease_epoch ON jobs BEGIN SELECT RAISE(ABORT, 'claims refused'); END",
        ],
        sluice_storage::Backend::Postgres => &[
            "CREATE FUNCTION refuse_claim() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'claims refused'; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER refuse_claims BEFORE UPDATE OF lease_epoch ON jobs FOR EACH ROW EXECUTE FUNCTION refuse_claim()",
        ],
    };
    for statement in refuse {
        sqlx::query(*statement).execute(&mut *store.write_one().await.expect("conn")).await.expect("trigger");
    }
    let (_keep, running) = tokio::sync::watch::channel(false);
    assert!(run::execute_and_claim(&engine, first, &running).await.is_none(), "the refused claim is undone");
    assert_eq!(outstanding(&engine).await.expect("jobs"), (1, 0), "the run's job ended, the other one waits");
    assert_eq!(env.sync(&ran).await["syncStatus"], "succeeded", "the outcome is recorded");
    let waiting = env.sync(other).await;
    assert_eq!(waiting["syncStatus"], "pending", "the other sync is not left running: {waiting}");

    let drop = match store.backend() {
        sluice_storage::Backend::Sqlite => "DROP TRIGGER refuse_claims",
        sluice_storage::Backend::Postgres => "DROP TRIGGER refuse_claims ON jobs",
    };
    sqlx::query(drop).execute(&mut *store.write_one().await.expect("conn")).await.expect("drop");
    env.app.drain_all().await;
    assert_eq!(outstanding(&engine).await.expect("jobs"), (0, 0));
    assert_eq!(env.sync(other).await["syncStatus"], "succeeded");
}
