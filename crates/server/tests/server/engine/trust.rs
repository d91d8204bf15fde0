//! Syncs left running unattended: the ownership ledger (a key a person added at Railway is
//! never deleted), orphans after a key-schema change, the mass-deletion guard (an emptied
//! folder writes nothing until its plan is confirmed), and drift checks (each key state,
//! each policy, the schedule drained deterministically).

use super::support::*;
use serde_json::{Value, json};
use sluice_domain::ProjectRole;
use sluice_storage::now_ms;

const SCHEMA: &str = "SLUICE_{{secretKey}}";

fn id_of(v: &Value) -> String {
    v["id"].as_str().expect("id").to_string()
}

/// Puts `secrets` in dev `/`, creates a sync to the api service with `options`, runs it.
async fn synced(env: &Env, secrets: &[(&str, &str)], options: Value) -> String {
    for (k, v) in secrets {
        env.put("dev", "/", k, v).await;
    }
    let id = id_of(&env.create_sync(env.sync_body("s", options)).await);
    env.app.drain_all().await;
    assert_eq!(env.sync(&id).await["syncStatus"], "succeeded");
    env.fake.clear_requests();
    id
}

fn schema_opts() -> Value {
    opts("overwrite-destination", Some(SCHEMA))
}

async fn owned(env: &Env, id: &str) -> Vec<String> {
    let body = env.app.api.get(&format!("{SYNCS}/{id}/keys")).await.expect(200);
    body["keys"].as_array().expect("keys").iter().map(|k| k["key"].as_str().expect("key").to_string()).collect()
}

async fn secret_value(env: &Env, key: &str) -> Option<String> {
    let pid = env.app.project_id();
    let r = env.app.api.get(&format!("/api/v3/secrets/raw/{key}?workspaceId={pid}&environment=dev&secretPath=/")).await;
    (r.status == 200).then(|| r.body["secret"]["secretValue"].as_str().unwrap_or_default().to_string())
}

fn plan_entry<'a>(run: &'a Value, key: &str) -> &'a Value {
    run["plan"].as_array().expect("plan").iter().find(|e| e["key"] == key).unwrap_or(&Value::Null)
}

#[tokio::test]
async fn a_key_a_person_added_survives_syncs_removal_and_deletion() {
    let env = start().await;
    let id = synced(&env, &[("A", "1"), ("B", "2")], schema_opts()).await;
    assert_eq!(owned(&env, &id).await, ["SLUICE_A", "SLUICE_B"]);
    // Someone adds a variable in Railway's dashboard that matches the key schema.
    env.fake.set_variable(PRODUCTION, Some(API), "SLUICE_MANUAL", "by-hand", false);

    env.put("dev", "/", "C", "3").await;
    env.delete("dev", "/", "B").await;
    env.app.drain_all().await;
    let vars = env.api_vars();
    assert_eq!(vars.get("SLUICE_MANUAL"), Some(&val("by-hand")), "not ours: left alone");
    assert!(!vars.contains_key("SLUICE_B"), "ours and gone from the source: deleted");
    let runs = env.runs(&id).await;
    let manual = plan_entry(&runs[0], "SLUICE_MANUAL");
    assert_eq!(manual["action"], "skip");
    assert_eq!(manual["reason"], "not-owned");
    assert!(manual["detail"].as_str().unwrap_or_default().contains("not ours, left alone"), "{manual}");
    assert_eq!(owned(&env, &id).await, ["SLUICE_A", "SLUICE_C"]);

    // "Remove secrets" removes exactly what the sync wrote.
    env.app.api.post(&format!("{SYNCS}/{id}/remove-secrets"), json!({})).await.expect(200);
    env.app.drain_all().await;
    let vars = env.api_vars();
    assert!(!vars.contains_key("SLUICE_A") && !vars.contains_key("SLUICE_C"), "{vars:?}");
    assert_eq!(vars.get("SLUICE_MANUAL"), Some(&val("by-hand")));
    assert!(owned(&env, &id).await.is_empty());

    // Written again, then the sync is deleted with its secrets: the person's key stays.
    env.trigger(&id).await;
    env.app.drain_all().await;
    assert!(env.api_vars().contains_key("SLUICE_A"));
    env.app.api.delete(&format!("{SYNCS}/{id}?removeSecrets=true")).await.expect(200);
    env.app.drain_all().await;
    let vars = env.api_vars();
    assert!(!vars.contains_key("SLUICE_A") && !vars.contains_key("SLUICE_C"), "{vars:?}");
    assert_eq!(vars.get("SLUICE_MANUAL"), Some(&val("by-hand")));
}

#[tokio::test]
async fn with_delete_only_owned_off_every_matching_key_absent_from_the_source_goes() {
    let env = start().await;
    let mut o = schema_opts();
    o["deleteOnlyOwned"] = json!(false);
    let id = synced(&env, &[("A", "1"), ("B", "2")], o).await;
    assert_eq!(env.sync(&id).await["syncOptions"]["deleteOnlyOwned"], false);
    env.fake.set_variable(PRODUCTION, Some(API), "SLUICE_MANUAL", "by-hand", false);
    env.put("dev", "/", "C", "3").await;
    env.app.drain_all().await;
    assert!(!env.api_vars().contains_key("SLUICE_MANUAL"), "Infisical's behaviour: deleted");
}

#[tokio::test]
async fn the_first_sync_claims_by_its_initial_behaviour() {
    let env = start().await;
    // Overwrite: what the schema matches at Railway and the folder lacks is removed (the
    // seed's promise), even though this sync never wrote it.
    env.fake.set_variable(PRODUCTION, Some(API), "SLUICE_STALE", "old", false);
    let id = synced(&env, &[("A", "1")], schema_opts()).await;
    assert!(!env.api_vars().contains_key("SLUICE_STALE"));
    assert_eq!(owned(&env, &id).await, ["SLUICE_A"]);

    // Import with Railway's values winning: imported keys join the ledger only once a sync
    // writes them.
    let env = start().await;
    env.fake.set_variable(PRODUCTION, Some(API), "SLUICE_X", "from-railway", false);
    let id = synced(&env, &[("A", "1")], opts("import-prioritize-destination", Some(SCHEMA))).await;
    assert_eq!(secret_value(&env, "X").await.as_deref(), Some("from-railway"), "imported");
    assert_eq!(owned(&env, &id).await, ["SLUICE_A"], "X was imported, not written");
    env.delete("dev", "/", "X").await;
    env.app.drain_all().await;
    assert_eq!(env.api_vars().get("SLUICE_X"), Some(&val("from-railway")), "not written by the sync: kept");
    env.put("dev", "/", "X", "from-sluice").await;
    env.app.drain_all().await;
    assert_eq!(owned(&env, &id).await, ["SLUICE_A", "SLUICE_X"], "written now: owned");
}

#[tokio::test]
async fn orphans_after_a_schema_change_are_listed_and_removable() {
    let env = start().await;
    let id = synced(&env, &[("A", "1"), ("B", "2")], schema_opts()).await;
    let patched = env
        .app
        .api
        .patch(
            &format!("{SYNCS}/{id}"),
            json!({"syncOptions": opts("overwrite-destination", Some("APP_{{secretKey}}"))}),
        )
        .await
        .expect(200);
    assert_eq!(patched["secretSync"]["orphanedKeys"], json!(["SLUICE_A", "SLUICE_B"]));
    env.app.drain_all().await;
    let vars = env.api_vars();
    assert_eq!((vars.get("APP_A"), vars.get("SLUICE_A")), (Some(&val("1")), Some(&val("1"))), "orphans are left");
    let plan = env.app.api.post(&format!("{SYNCS}/{id}/plan"), json!({})).await.expect(200);
    assert_eq!(plan["plan"]["orphanedKeys"], json!(["SLUICE_A", "SLUICE_B"]));

    let queued = env.app.api.post(&format!("{SYNCS}/{id}/remove-orphans"), json!({})).await.expect(200);
    assert!(queued["jobId"].is_string());
    env.app.drain_all().await;
    let vars = env.api_vars();
    assert!(!vars.contains_key("SLUICE_A") && !vars.contains_key("SLUICE_B"), "{vars:?}");
    assert_eq!((vars.get("APP_A"), vars.get("APP_B")), (Some(&val("1")), Some(&val("2"))));
    assert_eq!(owned(&env, &id).await, ["APP_A", "APP_B"]);
    assert!(env.sync(&id).await["orphanedKeys"].is_null(), "no orphans left");
    let again = env.app.api.post(&format!("{SYNCS}/{id}/remove-orphans"), json!({})).await;
    assert_eq!(again.status, 400);
    assert!(again.body["message"].as_str().unwrap_or_default().contains("no orphaned keys"), "{}", again.body);
}

#[tokio::test]
async fn an_emptied_folder_is_held_with_nothing_written_until_its_plan_is_confirmed() {
    let env = start().await;
    let keys = ["A", "B", "C", "D", "E", "F"];
    let pairs: Vec<(&str, &str)> = keys.iter().map(|k| (*k, "v")).collect();
    let id = synced(&env, &pairs, schema_opts()).await;
    env.fake.clear_deploys();
    for k in keys {
        env.delete("dev", "/", k).await;
    }
    env.app.drain_all().await;

    let s = env.sync(&id).await;
    assert_eq!(s["syncStatus"], "held");
    let hash = s["heldPlanHash"].as_str().expect("held plan hash").to_string();
    assert!(s["lastSyncMessage"].as_str().unwrap_or_default().contains("would delete 6 of the 6 keys"), "{s}");
    assert_eq!(env.calls(), ["variables"], "read once, wrote nothing");
    assert_eq!(env.api_vars().keys().filter(|k| k.starts_with("SLUICE_")).count(), 6);
    assert_eq!(env.redeploys_of_api(), 0);
    let runs = env.runs(&id).await;
    assert_eq!(runs[0]["status"], "held");
    assert_eq!(plan_entry(&runs[0], "SLUICE_A")["action"], "delete", "the held run shows its plan");

    // The wrong plan is refused, saying so; a run without a confirmation is held again.
    let wrong = env.app.api.post(&format!("{SYNCS}/{id}/confirm-plan"), json!({"planHash": "0123"})).await;
    assert_eq!(wrong.status, 400);
    assert!(wrong.body["message"].as_str().unwrap_or_default().contains("The plan changed"), "{}", wrong.body);
    let missing = env.app.api.post(&format!("{SYNCS}/{id}/confirm-plan"), json!({})).await;
    assert_eq!(missing.status, 422);
    env.trigger(&id).await;
    env.app.drain_all().await;
    assert_eq!(env.sync(&id).await["syncStatus"], "held");
    assert_eq!(env.api_vars().keys().filter(|k| k.starts_with("SLUICE_")).count(), 6);

    // A viewer cannot release it.
    let viewer = crate::sync_support::project_member(&env.app, ProjectRole::Viewer).await;
    let refused = viewer.post(&format!("{SYNCS}/{id}/confirm-plan"), json!({"planHash": hash})).await;
    assert_eq!(refused.status, 403);

    let released = env.app.api.post(&format!("{SYNCS}/{id}/confirm-plan"), json!({"planHash": hash})).await.expect(200);
    assert!(released["jobId"].is_string());
    env.app.drain_all().await;
    let s = env.sync(&id).await;
    assert_eq!(s["syncStatus"], "succeeded");
    assert!(s["heldPlanHash"].is_null());
    assert_eq!(env.api_vars().keys().filter(|k| k.starts_with("SLUICE_")).count(), 0);
    // (The api service holds a sealed variable, so the deletions go one at a time and
    // Railway may deploy after each; Sluice itself asks for one redeploy.)
    assert_eq!(env.count("deploymentRedeploy"), 1, "one redeploy for the confirmed deletions");

    // Every hold and release is audited.
    let audit = audit_actions(&env).await;
    assert!(audit.iter().any(|a| a == "secret-sync-held"), "{audit:?}");
    assert!(audit.iter().any(|a| a == "secret-sync-confirm-plan"), "{audit:?}");
}

async fn audit_actions(env: &Env) -> Vec<String> {
    let mut conn = env.app.state().store.read().await.expect("conn");
    sqlx::query_scalar("SELECT action FROM audit_log").fetch_all(&mut *conn).await.expect("audit")
}

#[tokio::test]
async fn a_changed_plan_needs_a_new_confirmation() {
    let env = start().await;
    let keys: Vec<String> = (0..10).map(|i| format!("K{i}")).collect();
    let pairs: Vec<(&str, &str)> = keys.iter().map(|k| (k.as_str(), "v")).collect();
    let id = synced(&env, &pairs, schema_opts()).await;
    for k in &keys[..6] {
        env.delete("dev", "/", k).await;
    }
    env.app.drain_all().await;
    let first = env.sync(&id).await["heldPlanHash"].as_str().expect("held").to_string();
    env.delete("dev", "/", &keys[6]).await;
    env.app.drain_all().await;
    let second = env.sync(&id).await["heldPlanHash"].as_str().expect("held").to_string();
    assert_ne!(first, second, "the plan changed: a new fingerprint");
    let stale = env.app.api.post(&format!("{SYNCS}/{id}/confirm-plan"), json!({"planHash": first})).await;
    assert_eq!(stale.status, 400);
    assert_eq!(env.api_vars().keys().filter(|k| k.starts_with("SLUICE_")).count(), 10, "nothing written");
    env.app.api.post(&format!("{SYNCS}/{id}/confirm-plan"), json!({"planHash": second})).await.expect(200);
    env.app.drain_all().await;
    assert_eq!(env.api_vars().keys().filter(|k| k.starts_with("SLUICE_")).count(), 3);
    // Below the threshold nothing is held: 2 of 3 (fewer than 5 keys, some left).
    env.delete("dev", "/", &keys[7]).await;
    env.delete("dev", "/", &keys[8]).await;
    env.app.drain_all().await;
    assert_eq!(env.sync(&id).await["syncStatus"], "succeeded");
}

#[tokio::test]
async fn a_drift_check_reports_each_key_state_with_one_read_and_writes_nothing() {
    let env = start().await;
    let id = synced(&env, &[("A", "1"), ("B", "2"), ("C", "3"), ("D", "4")], schema_opts()).await;
    // A sync run records the state it left: in sync.
    let left = env.app.api.get(&format!("{SYNCS}/{id}/drift")).await.expect(200);
    assert_eq!(left["drift"]["status"], "in-sync", "{left}");
    assert_eq!(left["drift"]["counts"]["inSync"], 4);
    assert_eq!(env.sync(&id).await["driftStatus"], "in-sync");

    env.fake.set_variable(PRODUCTION, Some(API), "SLUICE_A", "edited-at-railway", false);
    assert!(env.fake.remove_variable(PRODUCTION, Some(API), "SLUICE_B"));
    env.fake.set_variable(PRODUCTION, Some(API), "SLUICE_C", "3", true);
    env.fake.set_variable(PRODUCTION, Some(API), "SLUICE_NEW", "value-added-by-hand", false);
    env.fake.clear_requests();
    let queued = env.app.api.post(&format!("{SYNCS}/{id}/check-drift"), json!({})).await.expect(200);
    assert!(queued["jobId"].is_string());
    env.app.drain_all().await;
    assert_eq!(env.calls(), ["variables"], "a drift check costs one Railway read");

    let report = env.app.api.get(&format!("{SYNCS}/{id}/drift")).await.expect(200)["drift"].clone();
    assert_eq!(report["status"], "drifted");
    assert_eq!(report["policy"], "report");
    let states: Vec<(String, String)> = report["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| {
            (e["key"].as_str().unwrap_or_default().to_string(), e["state"].as_str().unwrap_or_default().to_string())
        })
        .collect();
    let want = [
        ("SLUICE_A", "changed-at-destination"),
        ("SLUICE_B", "deleted-at-destination"),
        ("SLUICE_C", "sealed"),
        ("SLUICE_D", "in-sync"),
        ("SLUICE_NEW", "added-at-destination"),
    ];
    assert_eq!(states, want.map(|(k, s)| (k.to_string(), s.to_string())));
    assert_eq!(report["counts"]["changedAtDestination"], 1);
    let text = report.to_string();
    for value in ["edited-at-railway", "value-added-by-hand", "\"1\"", "\"4\""] {
        assert!(!text.contains(value), "no values in the report: {text}");
    }
    let s = env.sync(&id).await;
    assert_eq!(s["driftStatus"], "drifted");
    assert!(s["lastDriftCheckAt"].is_string());
    assert_eq!(s["driftCheckStatus"], "succeeded");
    // Policy `report`: nothing written.
    assert_eq!(env.api_vars().get("SLUICE_A"), Some(&val("edited-at-railway")));
    let runs = env.runs(&id).await;
    assert_eq!(runs[0]["kind"], "drift");
    assert!(runs[0]["notes"][0].as_str().unwrap_or_default().starts_with("Drifted: 1 changed"), "{}", runs[0]);
}

#[tokio::test]
async fn heal_puts_sluices_values_back() {
    let env = start().await;
    let mut o = schema_opts();
    o["driftPolicy"] = json!("heal");
    let id = synced(&env, &[("A", "1"), ("B", "2")], o).await;
    env.fake.set_variable(PRODUCTION, Some(API), "SLUICE_A", "edited-at-railway", false);
    assert!(env.fake.remove_variable(PRODUCTION, Some(API), "SLUICE_B"));
    env.app.api.post(&format!("{SYNCS}/{id}/check-drift"), json!({})).await.expect(200);
    env.app.drain_all().await;
    let vars = env.api_vars();
    assert_eq!((vars.get("SLUICE_A"), vars.get("SLUICE_B")), (Some(&val("1")), Some(&val("2"))));
    let s = env.sync(&id).await;
    assert_eq!(s["driftStatus"], "in-sync", "the healing sync left it in sync");
    let runs = env.runs(&id).await;
    assert_eq!((runs[0]["kind"].as_str(), runs[0]["trigger"].as_str()), (Some("sync"), Some("drift")));
}

#[tokio::test]
async fn adopt_takes_railways_values_into_sluice() {
    let env = start().await;
    let mut o = schema_opts();
    o["driftPolicy"] = json!("adopt");
    let id = synced(&env, &[("A", "1"), ("B", "2")], o).await;
    env.fake.set_variable(PRODUCTION, Some(API), "SLUICE_A", "from-railway", false);
    env.fake.set_variable(PRODUCTION, Some(API), "SLUICE_NEW", "new-at-railway", false);
    assert!(env.fake.remove_variable(PRODUCTION, Some(API), "SLUICE_B"));
    env.app.api.post(&format!("{SYNCS}/{id}/check-drift"), json!({})).await.expect(200);
    env.app.drain_all().await;
    assert_eq!(secret_value(&env, "A").await.as_deref(), Some("from-railway"));
    assert_eq!(secret_value(&env, "NEW").await.as_deref(), Some("new-at-railway"));
    assert_eq!(secret_value(&env, "B").await.as_deref(), Some("2"), "a deletion at Railway never deletes a secret");
    assert_eq!(env.api_vars().get("SLUICE_B"), Some(&val("2")), "the next sync wrote it back");
    assert!(owned(&env, &id).await.contains(&"SLUICE_NEW".to_string()), "adopted keys are the sync's");
    // Recorded as a change made by the sync.
    let authors: Vec<(String, Option<String>)> = {
        let mut conn = env.app.state().store.read().await.expect("conn");
        sqlx::query_as("SELECT actor_type, actor_id FROM secret_versions WHERE key IN ('A', 'NEW') AND version > 1 OR (key = 'NEW')")
            .fetch_all(&mut *conn)
            .await
            .expect("versions")
    };
    assert_eq!(authors.len(), 2, "{authors:?}");
    assert!(authors.iter().all(|(kind, who)| kind == "platform" && who.as_deref() == Some(id.as_str())), "{authors:?}");
    assert_eq!(env.sync(&id).await["driftStatus"], "in-sync");
}

/// Adopting reads the source after Railway's read, which may take a while: a secret written
/// in Sluice meanwhile is seen (read at the project's counter then, not at the one the
/// check began with), so the adopted value updates it instead of failing to create it again.
#[tokio::test]
async fn adopt_sees_a_secret_written_while_railway_was_being_read() {
    use sluice_engine::{run, worker};
    use sluice_railway_fake::Fault;
    let env = start().await;
    let mut o = schema_opts();
    o["driftPolicy"] = json!("adopt");
    let id = synced(&env, &[("A", "1")], o).await;
    env.fake.set_variable(PRODUCTION, Some(API), "SLUICE_A", "changed-at-railway", false);
    env.fake.set_variable(PRODUCTION, Some(API), "SLUICE_NEW", "new-at-railway", false);
    env.app.api.post(&format!("{SYNCS}/{id}/check-drift"), json!({})).await.expect(200);
    let engine = env.app.state().engine.clone();
    let job = worker::claim(&engine, None).await.expect("claim").expect("the drift check");
    env.fake.inject(Fault::held().for_root_field("variables"));
    let check = tokio::spawn({
        let engine = engine.clone();
        async move { run::execute(&engine, job).await }
    });
    env.fake.held_request_arrived().await;
    env.put("dev", "/", "NEW", "written-meanwhile").await;
    env.fake.release_held();
    check.await.expect("the check");
    let runs = env.runs(&id).await;
    assert_eq!(
        (runs[0]["kind"].as_str(), runs[0]["status"].as_str()),
        (Some("drift"), Some("succeeded")),
        "{}",
        runs[0]
    );
    assert_eq!(secret_value(&env, "A").await.as_deref(), Some("changed-at-railway"));
    assert_eq!(secret_value(&env, "NEW").await.as_deref(), Some("new-at-railway"), "Railway's value adopted over it");
    env.app.drain_all().await;
    assert_eq!(env.api_vars().get("SLUICE_NEW"), Some(&val("new-at-railway")));
}

#[tokio::test]
async fn scheduled_checks_run_when_due_and_wait_while_the_token_is_rate_limited() {
    let env = start().await;
    let id = synced(&env, &[("A", "1")], schema_opts()).await;
    let next = env.sync(&id).await["nextDriftCheckAt"].as_str().expect("scheduled").to_string();
    let next_ms = time::OffsetDateTime::parse(&next, &time::format_description::well_known::Rfc3339)
        .expect("time")
        .unix_timestamp()
        * 1000;
    let from_now = next_ms - now_ms();
    assert!((12 * 60_000..=17 * 60_000).contains(&from_now), "15 minutes ± 10 %: {from_now} ms");

    let engine = &env.app.state().engine;
    assert_eq!(sluice_engine::drift::schedule_due(engine, now_ms()).await.expect("schedule"), 0, "not due yet");
    let later = now_ms() + 17 * 60_000;
    assert_eq!(sluice_engine::drift::schedule_due(engine, later).await.expect("schedule"), 1);
    env.app.drain_all().await;
    let runs = env.runs(&id).await;
    assert_eq!((runs[0]["kind"].as_str(), runs[0]["trigger"].as_str()), (Some("drift"), Some("schedule")));

    // Railway is pausing the token (Retry-After): the check waits for the pause to end.
    let pause_end = later + 3_600_000;
    {
        let mut tx = env.app.state().store.write().await.expect("tx");
        sqlx::query("UPDATE railway_paces SET paused_until = $1")
            .bind(pause_end)
            .execute(&mut *tx)
            .await
            .expect("pause");
        tx.commit().await.expect("commit");
    }
    let much_later = later + 40 * 60_000;
    assert_eq!(sluice_engine::drift::schedule_due(engine, much_later).await.expect("schedule"), 0, "paused");
    let moved = env.sync(&id).await["nextDriftCheckAt"].as_str().expect("rescheduled").to_string();
    assert!(moved > sluice_api_types::iso(pause_end - 1), "after the pause: {moved}");

    // Interval 0 turns scheduled checks off.
    let mut o = schema_opts();
    o["driftCheckIntervalMinutes"] = json!(0);
    env.app.api.patch(&format!("{SYNCS}/{id}"), json!({"syncOptions": o})).await.expect(200);
    env.app.drain_all().await;
    assert_eq!(sluice_engine::drift::schedule_due(engine, much_later * 2).await.expect("schedule"), 0);
    assert!(env.sync(&id).await["nextDriftCheckAt"].is_null());
}

#[tokio::test]
async fn sluice_options_are_validated_and_kept_by_clients_that_do_not_send_them() {
    let env = start().await;
    for (field, value, path) in [
        ("driftPolicy", json!("fix"), "body.syncOptions.driftPolicy"),
        ("driftCheckIntervalMinutes", json!(3), "body.syncOptions.driftCheckIntervalMinutes"),
        ("driftCheckIntervalMinutes", json!(-1), "body.syncOptions.driftCheckIntervalMinutes"),
        ("massDeletionGuard", json!({"percent": 0}), "body.syncOptions.massDeletionGuard.percent"),
        ("massDeletionGuard", json!({"minKeys": -2}), "body.syncOptions.massDeletionGuard.minKeys"),
    ] {
        let mut o = schema_opts();
        o[field] = value;
        let r = env.app.api.post(SYNCS, env.sync_body("bad", o)).await;
        assert_eq!(r.status, 422, "{field}: {}", r.body);
        assert_eq!(r.body["details"][0]["path"], path, "{}", r.body);
    }
    let mut o = schema_opts();
    o["driftPolicy"] = json!("heal");
    o["deleteOnlyOwned"] = json!(false);
    o["massDeletionGuard"] = json!({"percent": 80});
    let id = id_of(&env.create_sync(env.sync_body("s", o)).await);
    env.app.drain_all().await;
    // An Infisical client's PATCH knows none of them: the sync keeps its own.
    let infisical =
        json!({"syncOptions": {"initialSyncBehavior": "overwrite-destination", "keySchema": "X_{{secretKey}}"}});
    let s = env.app.api.patch(&format!("{SYNCS}/{id}"), infisical).await.expect(200)["secretSync"].clone();
    assert_eq!(s["syncOptions"]["driftPolicy"], "heal");
    assert_eq!(s["syncOptions"]["deleteOnlyOwned"], false);
    assert_eq!(s["syncOptions"]["massDeletionGuard"], json!({"enabled": true, "percent": 80, "minKeys": 5}));
    env.app.drain_all().await;
}

#[tokio::test]
async fn drift_endpoints_follow_project_access() {
    let env = start().await;
    let id = synced(&env, &[("A", "1")], schema_opts()).await;
    let viewer = crate::sync_support::project_member(&env.app, ProjectRole::Viewer).await;
    viewer.get(&format!("{SYNCS}/{id}/drift")).await.expect(200);
    viewer.get(&format!("{SYNCS}/{id}/keys")).await.expect(200);
    for action in ["check-drift", "remove-orphans"] {
        let r = viewer.post(&format!("{SYNCS}/{id}/{action}"), json!({})).await;
        assert_eq!(r.status, 403, "{action}: {}", r.body);
    }
    let (_, _, stranger) = crate::sync_support::other_org(&env.app).await;
    for path in ["drift", "keys"] {
        assert_eq!(stranger.get(&format!("{SYNCS}/{id}/{path}")).await.status, 404, "{path}");
    }
    assert_eq!(stranger.post(&format!("{SYNCS}/{id}/check-drift"), json!({})).await.status, 404);
    let nobody = env.app.client_with("not-a-token");
    assert_eq!(nobody.get(&format!("{SYNCS}/{id}/drift")).await.status, 401);
}

#[tokio::test]
async fn a_key_written_by_a_run_that_then_failed_is_still_the_syncs() {
    let env = start().await;
    let id = synced(&env, &[("A", "1")], schema_opts()).await;
    // The write lands, then Railway's redeploy step fails for good on this attempt.
    env.put("dev", "/", "B", "2").await;
    env.fake.inject(sluice_railway_fake::Fault::http_status(503).times(1).for_root_field("deployments"));
    env.app.drain().await;
    let runs = env.runs(&id).await;
    assert_eq!(runs[0]["status"], "retrying", "{}", runs[0]);
    assert_eq!(env.api_vars().get("SLUICE_B"), Some(&val("2")), "the write landed");
    assert!(owned(&env, &id).await.contains(&"SLUICE_B".to_string()), "and the sync owns what it wrote");
    env.app.drain_all().await;
    // Removed from the folder later: deleted, as the sync's own.
    env.delete("dev", "/", "B").await;
    env.app.drain_all().await;
    assert!(!env.api_vars().contains_key("SLUICE_B"));
}
