//! "Synced" means the app running on Railway has the new values: which services a change
//! redeploys, a build in flight that would otherwise swallow the redeploy, deletions without
//! a deploy each, following a deployment until it is live, and targets that are gone.

use super::support::*;
use serde_json::{Value, json};
use sluice_railway_fake::{DeployCause, DeploymentStatus, GoneAnswer, GoneTarget};

/// A sync of production's shared variables, without a key schema, importing first (so the
/// shared `PUBLIC_URL` is kept) with Sluice's `LOG_LEVEL` winning.
async fn shared_sync(env: &Env, log_level: &str) -> String {
    env.put("dev", "/", "LOG_LEVEL", log_level).await;
    let mut body = env.sync_body("shared", opts("import-prioritize-source", None));
    let d = body["destinationConfig"].as_object_mut().expect("object");
    d.remove("serviceId");
    d.remove("serviceName");
    env.create_sync(body).await["id"].as_str().expect("id").to_string()
}

fn running_value(env: &Env, service: &str, key: &str) -> Option<String> {
    env.fake.running(PRODUCTION, service).and_then(|r| r.variables.get(key).cloned().flatten())
}

fn deploys_of(env: &Env, service: &str) -> Vec<DeployCause> {
    env.fake.deploys().iter().filter(|d| d.service_id == service).map(|d| d.cause).collect()
}

#[tokio::test]
async fn a_shared_change_redeploys_exactly_the_services_that_reference_it_and_they_run_it() {
    let env = start().await;
    let worker_before = env.fake.running(PRODUCTION, WORKER).expect("worker runs").deployment_id;
    assert_eq!(running_value(&env, API, "LOG_LEVEL").as_deref(), Some("info"));
    let id = shared_sync(&env, "debug").await;
    env.app.drain().await;

    assert_eq!(env.fake.variables(PRODUCTION, None).get("LOG_LEVEL"), Some(&val("debug")));
    // api references ${{shared.LOG_LEVEL}}; worker references nothing shared.
    assert_eq!(deploys_of(&env, API), [DeployCause::DeploymentRedeploy], "api once");
    assert!(deploys_of(&env, WORKER).is_empty(), "worker is left alone");
    assert_eq!(running_value(&env, API, "LOG_LEVEL").as_deref(), Some("debug"), "the app runs the new value");
    assert_eq!(env.fake.running(PRODUCTION, WORKER).expect("worker").deployment_id, worker_before);

    let s = env.sync(&id).await;
    assert_eq!(s["syncStatus"], "succeeded", "{s}");
    let runs = env.runs(&id).await;
    let run = runs.iter().find(|r| r["trigger"] == "create").expect("the first run");
    assert_eq!(run["deploys"].as_array().map(Vec::len), Some(1), "{run}");
    assert_eq!(run["deploys"][0]["serviceName"], "api");
    assert_eq!(run["deploys"][0]["state"], "live");
    let live = env.fake.running(PRODUCTION, API).expect("api").deployment_id;
    assert_eq!(run["deploys"][0]["deploymentId"], live.as_str(), "the run names the deployment");

    // The plan says so before anything is written.
    env.put("dev", "/", "LOG_LEVEL", "warn").await;
    let plan = env.app.api.post(&format!("{SYNCS}/{id}/plan"), json!({})).await.expect(200);
    assert_eq!(plan["plan"]["redeploys"], json!(["api"]), "{plan}");
    env.app.drain().await;
    assert_eq!(running_value(&env, API, "LOG_LEVEL").as_deref(), Some("warn"));
}

#[tokio::test]
async fn a_shared_key_no_service_references_redeploys_nothing() {
    let env = start().await;
    env.put("dev", "/", "FEATURE_FLAG", "on").await;
    let mut body = env.sync_body("shared", opts("overwrite-destination", Some("SL_{{secretKey}}")));
    let d = body["destinationConfig"].as_object_mut().expect("object");
    d.remove("serviceId");
    d.remove("serviceName");
    let id = env.create_sync(body).await["id"].as_str().expect("id").to_string();
    env.app.drain().await;
    assert_eq!(env.fake.variables(PRODUCTION, None).get("SL_FEATURE_FLAG"), Some(&val("on")));
    assert!(env.fake.deploys().is_empty(), "{:?}", env.fake.deploys());
    assert_eq!(env.count("deployments"), 0);
    assert_eq!(env.sync(&id).await["syncStatus"], "succeeded");
}

#[tokio::test]
async fn redeploy_policy_none_writes_only() {
    let env = start().await;
    let mut o = opts("import-prioritize-source", None);
    o["redeployPolicy"] = json!("none");
    env.put("dev", "/", "LOG_LEVEL", "debug").await;
    let mut body = env.sync_body("shared", o);
    let d = body["destinationConfig"].as_object_mut().expect("object");
    d.remove("serviceId");
    d.remove("serviceName");
    let sync = env.create_sync(body).await;
    assert_eq!(sync["syncOptions"]["redeployPolicy"], "none");
    env.app.drain().await;
    assert_eq!(env.fake.variables(PRODUCTION, None).get("LOG_LEVEL"), Some(&val("debug")));
    assert!(env.fake.deploys().is_empty(), "nothing redeployed: {:?}", env.fake.deploys());
    assert_eq!(running_value(&env, API, "LOG_LEVEL").as_deref(), Some("info"), "until its next deploy");
    let id = sync["id"].as_str().expect("id");
    assert_eq!(env.sync(id).await["syncStatus"], "succeeded");

    // A PATCH that does not mention the policy (an Infisical client) keeps it.
    let patch = json!({"syncOptions": {"initialSyncBehavior": "import-prioritize-source"}});
    let patched = env.app.api.patch(&format!("{SYNCS}/{id}"), patch).await.expect(200);
    assert_eq!(patched["secretSync"]["syncOptions"]["redeployPolicy"], "none");
    let bad = json!({"syncOptions": {"initialSyncBehavior": "overwrite-destination", "redeployPolicy": "all"}});
    let resp = env.app.api.patch(&format!("{SYNCS}/{id}"), bad).await;
    assert_eq!(resp.status, 422);
    assert!(resp.message().contains("syncOptions.redeployPolicy"), "{}", resp.message());
}

#[tokio::test]
async fn a_write_during_a_build_waits_for_it_then_redeploys_so_the_app_runs_the_new_values() {
    let env = start().await;
    env.put("dev", "/", "API_KEY", "k-1").await;
    let id =
        env.create_sync(env.sync_body("s", opts("overwrite-destination", Some("SLUICE_{{secretKey}}")))).await["id"]
            .as_str()
            .expect("id")
            .to_string();
    env.app.drain().await;
    assert_eq!(running_value(&env, API, "SLUICE_API_KEY").as_deref(), Some("k-1"));
    let checked = env.sync(&id).await["lastDriftCheckAt"].as_str().expect("checked by the first run").to_string();

    // A git push starts a build; then the secret changes and the sync writes.
    let build = env.fake.push_deployment(PRODUCTION, API, Some(DeploymentStatus::Building));
    env.put("dev", "/", "API_KEY", "k-2").await;
    env.app.drain().await;
    assert_eq!(env.api_vars().get("SLUICE_API_KEY"), Some(&val("k-2")), "written");
    let s = env.sync(&id).await;
    assert_eq!(s["syncStatus"], "running", "not Synced while the app does not run it: {s}");
    // The run that wrote and now waits records the destination as it left it.
    assert_eq!(s["driftStatus"], "in-sync");
    assert!(s["lastDriftCheckAt"].as_str() > Some(checked.as_str()), "the waiting run's drift report: {s}");
    let message = s["lastSyncMessage"].as_str().unwrap_or_default();
    assert!(message.contains(&build) && message.contains("BUILDING"), "{message}");
    let runs = env.runs(&id).await;
    assert_eq!(runs[0]["status"], "deploying");
    assert_eq!(runs[0]["deploys"][0]["state"], "waiting");
    assert!(runs[0]["nextAttemptAt"].is_string());

    // The build finishes with the values it was snapshotted with: the old ones.
    env.fake.advance_deployments();
    assert_eq!(running_value(&env, API, "SLUICE_API_KEY").as_deref(), Some("k-1"), "the build took the old value");

    env.app.drain_all().await;
    assert_eq!(running_value(&env, API, "SLUICE_API_KEY").as_deref(), Some("k-2"), "redeployed after the build");
    let redeploys: Vec<_> =
        env.fake.deploys().into_iter().filter(|d| d.cause == DeployCause::DeploymentRedeploy).collect();
    assert_eq!(redeploys.len(), 2, "one per change: {redeploys:?}");
    let s = env.sync(&id).await;
    assert_eq!(s["syncStatus"], "succeeded", "{s}");
    let last = &env.runs(&id).await[0];
    assert_eq!(last["deploys"][0]["state"], "live");
    assert_eq!(last["deploys"][0]["deploymentId"], env.fake.running(PRODUCTION, API).expect("api").deployment_id);
}

#[tokio::test]
async fn a_redeploy_is_followed_until_live_and_a_failed_one_fails_the_sync() {
    let env = start().await;
    env.fake.state().set_knobs(sluice_railway_fake::Knobs {
        deploy_lifecycle: sluice_railway_fake::DeployLifecycle::Manual,
        ..Default::default()
    });
    env.put("dev", "/", "API_KEY", "k-1").await;
    let id =
        env.create_sync(env.sync_body("s", opts("overwrite-destination", Some("SLUICE_{{secretKey}}")))).await["id"]
            .as_str()
            .expect("id")
            .to_string();
    env.app.drain().await;
    let s = env.sync(&id).await;
    assert_eq!(s["syncStatus"], "running", "{s}");
    let run = &env.runs(&id).await[0];
    assert_eq!((run["status"].as_str(), run["deploys"][0]["state"].as_str()), (Some("deploying"), Some("deploying")));
    assert_eq!(run["deploys"][0]["status"], "QUEUED");

    // Still building at the next look: one cheap read, no new deployment.
    env.fake.clear_requests();
    env.fake.advance_deployment(run["deploys"][0]["deploymentId"].as_str().expect("id"), DeploymentStatus::Building);
    env.app.run_next().await;
    assert_eq!(env.calls(), ["variables", "deployment"], "a poll reads, finds nothing to write, checks");
    assert_eq!(env.sync(&id).await["syncStatus"], "running");
    // A long build: many looks, and they do not use up the retries an outage needs.
    for _ in 0..10 {
        env.app.run_next().await;
    }
    env.fake.inject(sluice_railway_fake::Fault::http_status(503).for_root_field("deployment"));
    env.app.run_next().await;
    let s = env.sync(&id).await;
    assert_eq!(s["syncStatus"], "pending", "an outage mid-wait is retried: {s}");

    env.fake.advance_deployments();
    env.app.drain_all().await;
    assert_eq!(env.sync(&id).await["syncStatus"], "succeeded");
    assert_eq!(running_value(&env, API, "SLUICE_API_KEY").as_deref(), Some("k-1"));

    // A change whose deployment fails: the sync says so.
    env.put("dev", "/", "API_KEY", "k-2").await;
    env.app.drain().await;
    let deployment = env.runs(&id).await[0]["deploys"][0]["deploymentId"].as_str().expect("id").to_string();
    let checked = env.sync(&id).await["lastDriftCheckAt"].as_str().expect("checked").to_string();
    env.fake.advance_deployment(&deployment, DeploymentStatus::Failed);
    env.app.drain_all().await;
    let s = env.sync(&id).await;
    assert_eq!(s["syncStatus"], "failed", "{s}");
    // The run that failed for good records the destination as it found it.
    assert_eq!(s["driftStatus"], "in-sync");
    assert!(s["lastDriftCheckAt"].as_str() > Some(checked.as_str()), "the failed run's drift report: {s}");
    let message = s["lastSyncMessage"].as_str().unwrap_or_default();
    assert!(message.contains(&deployment) && message.contains("FAILED") && message.contains("api"), "{message}");
    assert_eq!(env.api_vars().get("SLUICE_API_KEY"), Some(&val("k-2")), "the values stay written");
}

#[tokio::test]
async fn changes_and_deletions_cause_at_most_one_deploy_per_service() {
    let env = start().await;
    for (k, v) in [("A", "1"), ("B", "2"), ("C", "3"), ("D", "4")] {
        env.put("dev", "/", k, v).await;
    }
    let mut body = env.sync_body("w", opts("overwrite-destination", Some("SLUICE_{{secretKey}}")));
    body["destinationConfig"]["serviceId"] = json!(WORKER);
    body["destinationConfig"]["serviceName"] = json!("worker");
    env.create_sync(body).await;
    env.app.drain().await;
    env.fake.clear_requests();
    env.fake.clear_deploys();
    // Someone adds a variable by hand while the sync runs: it must survive the whole-set write.
    env.fake.set_variable(PRODUCTION, Some(WORKER), "HAND_MADE", "keep", false);

    env.put("dev", "/", "A", "1-new").await;
    env.put("dev", "/", "E", "5").await;
    env.delete("dev", "/", "C").await;
    env.delete("dev", "/", "D").await;
    env.app.drain().await;

    let vars = env.fake.variables(PRODUCTION, Some(WORKER));
    assert_eq!(vars.get("SLUICE_A"), Some(&val("1-new")));
    assert_eq!(vars.get("SLUICE_E"), Some(&val("5")));
    assert!(!vars.contains_key("SLUICE_C") && !vars.contains_key("SLUICE_D"));
    assert_eq!(vars.get("HAND_MADE"), Some(&val("keep")));
    assert_eq!(
        vars.get("API_INTERNAL_URL"),
        Some(&val("http://${{ api.RAILWAY_PRIVATE_DOMAIN }}:8080")),
        "kept as a template"
    );
    assert_eq!(env.count("variableDelete"), 0, "{:?}", env.calls());
    assert_eq!(env.count("variableCollectionUpsert"), 1);
    assert_eq!(deploys_of(&env, WORKER), [DeployCause::DeploymentRedeploy], "one deploy for K changes and D deletions");
    assert_eq!(running_value(&env, WORKER, "SLUICE_A").as_deref(), Some("1-new"));
    assert_eq!(running_value(&env, WORKER, "SLUICE_C"), None);
}

#[tokio::test]
async fn deletions_next_to_a_sealed_variable_are_made_one_by_one_and_say_so() {
    let env = start().await;
    env.put("dev", "/", "A", "1").await;
    env.put("dev", "/", "B", "2").await;
    let id =
        env.create_sync(env.sync_body("s", opts("overwrite-destination", Some("SLUICE_{{secretKey}}")))).await["id"]
            .as_str()
            .expect("id")
            .to_string();
    env.app.drain().await;
    env.delete("dev", "/", "B").await;
    env.app.drain().await;
    let vars = env.api_vars();
    assert!(!vars.contains_key("SLUICE_B"));
    assert_eq!(vars.get("STRIPE_SECRET_KEY"), Some(&None), "the sealed variable survives");
    assert_eq!(env.count("variableDelete"), 1);
    let run = &env.runs(&id).await[0];
    let notes = run["notes"].as_array().cloned().unwrap_or_default();
    assert!(notes.iter().any(|n| n.as_str().is_some_and(|n| n.contains("one at a time"))), "{run}");
}

#[tokio::test]
async fn the_remove_job_redeploys_what_it_changed() {
    let env = start().await;
    env.put("dev", "/", "A", "1").await;
    let id =
        env.create_sync(env.sync_body("s", opts("overwrite-destination", Some("SLUICE_{{secretKey}}")))).await["id"]
            .as_str()
            .expect("id")
            .to_string();
    env.app.drain().await;
    assert_eq!(running_value(&env, API, "SLUICE_A").as_deref(), Some("1"));
    env.app.api.post(&format!("{SYNCS}/{id}/remove-secrets"), json!({})).await.expect(200);
    env.app.drain().await;
    assert!(!env.api_vars().contains_key("SLUICE_A"));
    assert_eq!(running_value(&env, API, "SLUICE_A"), None, "the app no longer has it");
    assert_eq!(env.sync(&id).await["removeStatus"], "succeeded");
}

async fn gone_case(answer: GoneAnswer, target: fn() -> GoneTarget, names: &str) {
    let env = start().await;
    env.put("dev", "/", "A", "1").await;
    let id =
        env.create_sync(env.sync_body("s", opts("overwrite-destination", Some("SLUICE_{{secretKey}}")))).await["id"]
            .as_str()
            .expect("id")
            .to_string();
    env.app.drain().await;
    env.fake.mark_gone(target(), answer);
    env.trigger(&id).await;
    env.app.drain_all().await;
    let s = env.sync(&id).await;
    assert_eq!(s["syncStatus"], "failed", "{s}");
    let message = s["lastSyncMessage"].as_str().unwrap_or_default();
    assert!(message.contains(names) && message.contains("no longer exists"), "{message}");
    assert!(!message.contains("refused the credentials"), "not blamed on the token: {message}");
    let runs = env.runs(&id).await;
    let failed: Vec<&Value> = runs.iter().filter(|r| r["trigger"] == "manual").collect();
    assert_eq!(failed.len(), 3, "a bounded number of attempts: {runs:?}");
}

#[tokio::test]
async fn a_deleted_service_fails_the_sync_naming_it_after_bounded_attempts() {
    gone_case(GoneAnswer::NotAuthorized, || GoneTarget::Service(API.to_string()), "service \"api\"").await;
}

#[tokio::test]
async fn a_deleted_environment_answering_problem_processing_request_is_named_too() {
    gone_case(
        GoneAnswer::ProblemProcessingRequest,
        || GoneTarget::Environment(PRODUCTION.to_string()),
        "environment \"production\"",
    )
    .await;
}

/// Lets Railway finish every deployment and the sync follow them, until the queue is empty.
async fn settle_deploys(env: &Env) {
    for _ in 0..10 {
        env.fake.advance_deployments();
        env.app.run_next().await;
        if sluice_engine::drain::outstanding(&env.app.state().engine).await.expect("queue") == (0, 0) {
            return;
        }
    }
    panic!("the deploys did not settle");
}

/// A sync of api with Railway's deployments moved along by hand.
async fn manual_deploys(env: &Env, behavior: &str) -> String {
    env.fake.state().set_knobs(sluice_railway_fake::Knobs {
        deploy_lifecycle: sluice_railway_fake::DeployLifecycle::Manual,
        ..Default::default()
    });
    env.create_sync(env.sync_body("s", opts(behavior, Some("SLUICE_{{secretKey}}")))).await["id"]
        .as_str()
        .expect("id")
        .to_string()
}

#[tokio::test]
async fn a_change_made_while_a_deploy_is_followed_runs_at_once() {
    let env = start().await;
    env.put("dev", "/", "A", "1").await;
    let id = manual_deploys(&env, "overwrite-destination").await;
    env.app.drain().await;
    assert_eq!(env.runs(&id).await[0]["status"], "deploying", "the follow-up is scheduled for later");

    env.put("dev", "/", "A", "2").await;
    env.app.drain().await;
    assert_eq!(env.api_vars().get("SLUICE_A"), Some(&val("2")), "written without waiting for the next look");
    let run = &env.runs(&id).await[0];
    assert_eq!(run["trigger"], "secret-change", "the run says what started it: {run}");
    settle_deploys(&env).await;
    assert_eq!(env.sync(&id).await["syncStatus"], "succeeded");
    assert_eq!(running_value(&env, API, "SLUICE_A").as_deref(), Some("2"));
}

#[tokio::test]
async fn a_change_during_the_first_syncs_deploy_is_not_undone_by_its_import() {
    let env = start().await;
    env.fake.set_variable(PRODUCTION, Some(API), "SLUICE_A", "railway", false);
    env.put("dev", "/", "A", "sluice").await;
    env.put("dev", "/", "B", "new").await;
    let id = manual_deploys(&env, "import-prioritize-destination").await;
    env.app.drain().await;
    // The first sync imported Railway's value over Sluice's, as asked.
    assert_eq!(env.api_vars().get("SLUICE_A"), Some(&val("railway")));
    assert_eq!(env.runs(&id).await[0]["status"], "deploying");

    // Edited while Railway deploys: the edit wins, it is not imported over again.
    env.put("dev", "/", "A", "edited").await;
    env.app.drain().await;
    assert_eq!(env.api_vars().get("SLUICE_A"), Some(&val("edited")));
    let secret =
        env.app.api.get(&format!("/api/v3/secrets/raw/A?workspaceId={}&environment=dev", env.app.project_id())).await;
    assert_eq!(secret.expect(200)["secret"]["secretValue"], "edited");
    settle_deploys(&env).await;
    assert_eq!(env.sync(&id).await["syncStatus"], "succeeded");
}

#[tokio::test]
async fn a_deploy_given_up_on_does_not_fail_the_next_change() {
    let env = start().await;
    env.put("dev", "/", "A", "1").await;
    let id = manual_deploys(&env, "overwrite-destination").await;
    env.app.drain().await;
    // Half an hour passes with the build still queued.
    let mut tx = env.app.state().store.write().await.expect("tx");
    sqlx::query("UPDATE sync_deploys SET since = since - 3600000").execute(&mut *tx).await.expect("time passes");
    tx.commit().await.expect("commit");
    env.app.run_next().await;
    let s = env.sync(&id).await;
    assert_eq!(s["syncStatus"], "failed", "{s}");
    assert!(s["lastSyncMessage"].as_str().is_some_and(|m| m.contains("still not live")), "{s}");

    // The next change waits for its own deploy, from now.
    env.put("dev", "/", "A", "2").await;
    env.app.drain().await;
    let s = env.sync(&id).await;
    assert_eq!(s["syncStatus"], "running", "following the new deploy, not failed at once: {s}");
    settle_deploys(&env).await;
    assert_eq!(env.sync(&id).await["syncStatus"], "succeeded");
    assert_eq!(running_value(&env, API, "SLUICE_A").as_deref(), Some("2"));
}
