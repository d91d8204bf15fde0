//! The chaos soak (issue 16 §3): writers change secrets across four syncs' sources while the
//! fake Railway answers a share of all requests (20 % by default) with a random fault — 429s
//! with and without `Retry-After`, 5xx, answers slower than the client's timeout, Cloudflare's
//! HTML 403, answers lost after a write was applied — and one sync's target environment is
//! deleted for a while and comes back. On PostgreSQL three nodes share the database.
//!
//! When the faults stop, every sync must converge without anyone pressing "Sync now": the
//! queue's own retries and reconciliation (its scheduling hook, called as its timer would,
//! then the queue drained) bring Railway to the plan of each source, with the running
//! deployments holding the newest values. From the fake's log of variable writes: no
//! sealed, provided, referencing or hand-added variable was ever written or deleted, and
//! every value pushed was one the source held at some point; from the run records: no sync
//! ran twice at once.
//!
//! Bounded for CI (20 s of writes); `SLUICE_PROOF_LONG=1` writes for 3 minutes,
//! `SLUICE_CHAOS_SECS`, `SLUICE_CHAOS_RATE` and `SLUICE_CHAOS_SEED` (replay a printed seed)
//! override. Run alone: `cargo nextest run -p sluice-server -E 'test(/chaos_soak/)' --no-capture`.

mod cluster;
mod model;

use crate::engine::support::{API, Env, PRODUCTION, RW_PROJECT, STAGING, WORKER, start_with, val};
use crate::sync_support::WORKSPACE_TOKEN;
use model::{Foreign, History, Scope, SoakSync};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::json;
use sluice_engine::drain::{DrainOptions, drain, outstanding};
use sluice_railway_fake::{Chaos, GoneAnswer, GoneTarget};
use sluice_storage::now_ms;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long the writers write, and the fault rate.
struct Knobs {
    writes_for: Duration,
    rate: f64,
    seed: u64,
}

impl Knobs {
    fn from_env() -> Knobs {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let long = var("SLUICE_PROOF_LONG").is_some_and(|v| v != "0");
        let secs = var("SLUICE_CHAOS_SECS").and_then(|v| v.parse().ok()).unwrap_or(if long { 180 } else { 20 });
        let rate = var("SLUICE_CHAOS_RATE").and_then(|v| v.parse().ok()).unwrap_or(0.2);
        let seed = var("SLUICE_CHAOS_SEED").and_then(|v| v.parse().ok()).unwrap_or_else(rand::random);
        Knobs { writes_for: Duration::from_secs(secs), rate, seed }
    }
}

/// The four syncs: a service with a prefix schema and deletion, a service without a schema and
/// without deletion, production's shared variables with deletion, and a service of another
/// environment with a suffix schema (the one whose target is deleted for a while). The first
/// two use an account token, the others a workspace token.
fn syncs() -> Vec<SoakSync> {
    let target = |service: Option<&str>, env: &str| -> Scope { (env.to_string(), service.map(str::to_string)) };
    let destination = |env: &str, env_name: &str, service: Option<(&str, &str)>| {
        let mut d =
            json!({"projectId": RW_PROJECT, "projectName": "shop", "environmentId": env, "environmentName": env_name});
        if let Some((id, name)) = service {
            d["serviceId"] = json!(id);
            d["serviceName"] = json!(name);
        }
        d
    };
    vec![
        SoakSync {
            name: "api",
            env: "dev",
            path: "/",
            schema: Some("SLUICE_{{secretKey}}"),
            prefix: "SLUICE_",
            suffix: "",
            deletion: true,
            target: target(Some(API), PRODUCTION),
            destination: destination(PRODUCTION, "production", Some((API, "api"))),
            base_keys: &["DB_URL", "TOKEN", "FLAG", "SEALED"],
            connection: 0,
            id: String::new(),
        },
        SoakSync {
            name: "worker",
            env: "dev",
            path: "/worker",
            schema: None,
            prefix: "",
            suffix: "",
            deletion: false,
            target: target(Some(WORKER), PRODUCTION),
            destination: destination(PRODUCTION, "production", Some((WORKER, "worker"))),
            base_keys: &["QUEUE_URL", "CONCURRENCY", "WORKER_SEALED", "RAILWAY_PUBLIC_DOMAIN"],
            connection: 0,
            id: String::new(),
        },
        SoakSync {
            name: "shared",
            env: "staging",
            path: "/",
            schema: Some("SHARED_{{secretKey}}"),
            prefix: "SHARED_",
            suffix: "",
            deletion: true,
            target: target(None, PRODUCTION),
            destination: destination(PRODUCTION, "production", None),
            base_keys: &["REGION", "CDN"],
            connection: 1,
            id: String::new(),
        },
        SoakSync {
            name: "staging-api",
            env: "prod",
            path: "/",
            schema: Some("{{secretKey}}_{{environment}}"),
            prefix: "",
            suffix: "_prod",
            deletion: true,
            target: target(Some(API), STAGING),
            destination: destination(STAGING, "staging", Some((API, "api"))),
            base_keys: &["MAIL_KEY", "BUCKET"],
            connection: 1,
            id: String::new(),
        },
    ]
}

/// Writes one secret through a node's API, recording the value first (a write whose answer
/// is lost may still have happened) and the source's new content once acknowledged.
async fn put(
    api: &sluice_testkit::ApiClient,
    pid: &str,
    history: &Mutex<History>,
    sync: &SoakSync,
    key: &str,
    value: &str,
    exists: bool,
) {
    history.lock().expect("history").offer(sync.env, sync.path, key, value);
    let body = json!({"workspaceId": pid, "environment": sync.env, "secretPath": sync.path, "secretValue": value});
    let path = format!("/api/v3/secrets/raw/{key}");
    let answer = if exists { api.patch(&path, body).await } else { api.post(&path, body).await };
    assert_eq!(answer.status, 200, "writing {key} in {}:{}: {}", sync.env, sync.path, answer.text);
    history.lock().expect("history").set(sync.env, sync.path, key, value);
}

async fn delete(api: &sluice_testkit::ApiClient, pid: &str, history: &Mutex<History>, sync: &SoakSync, key: &str) {
    let body = json!({"workspaceId": pid, "environment": sync.env, "secretPath": sync.path});
    let answer = api.delete_json(&format!("/api/v3/secrets/raw/{key}"), body).await;
    assert_eq!(answer.status, 200, "deleting {key} in {}:{}: {}", sync.env, sync.path, answer.text);
    history.lock().expect("history").delete(sync.env, sync.path, key);
}

/// What a writer did.
#[derive(Default, Debug, Clone, Copy)]
struct Written {
    updates: u64,
    creates: u64,
    deletes: u64,
}

/// Changes the source of `sync` until `until`: mostly updates of its keys, sometimes a new
/// key, sometimes the deletion of a key it added (it keeps at most four of its own).
async fn writer(
    api: sluice_testkit::ApiClient,
    pid: String,
    history: Arc<Mutex<History>>,
    sync: SoakSync,
    seed: u64,
    until: Instant,
) -> Written {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut written = Written::default();
    let mut extra: Vec<String> = Vec::new();
    let mut n = 0u64;
    while Instant::now() < until {
        n += 1;
        let roll = rng.random::<f64>();
        if roll < 0.12 && extra.len() < 4 {
            let key = format!("EXTRA_{n}");
            put(&api, &pid, &history, &sync, &key, &format!("{}-{key}-{n}", sync.name), false).await;
            extra.push(key);
            written.creates += 1;
        } else if roll < 0.22 && !extra.is_empty() {
            let key = extra.remove(rng.random_range(0..extra.len()));
            delete(&api, &pid, &history, &sync, &key).await;
            written.deletes += 1;
        } else {
            let keys: Vec<String> = sync.base_keys.iter().map(|k| k.to_string()).chain(extra.iter().cloned()).collect();
            let key = &keys[rng.random_range(0..keys.len())];
            put(&api, &pid, &history, &sync, key, &format!("{}-{key}-{n}", sync.name), true).await;
            written.updates += 1;
        }
        // Load shaping: a person or a CI job, not a benchmark.
        tokio::time::sleep(Duration::from_millis(rng.random_range(10..60))).await;
    }
    written
}

/// The variables of every sync's target, sealed as `None`.
fn scopes(env: &Env, syncs: &[SoakSync]) -> BTreeMap<Scope, BTreeMap<String, Option<String>>> {
    syncs.iter().map(|s| (s.target.clone(), env.fake.variables(&s.target.0, s.target.1.as_deref()))).collect()
}

/// How far each sync is from converged (empty: all converged).
fn unconverged(env: &Env, syncs: &[SoakSync], history: &History, foreign: &Foreign) -> Vec<String> {
    let mut out = Vec::new();
    for sync in syncs {
        let actual = env.fake.variables(&sync.target.0, sync.target.1.as_deref());
        out.extend(
            model::differences(sync, &actual, history, foreign).into_iter().map(|d| format!("{}: {d}", sync.name)),
        );
        if let Some(service) = &sync.target.1 {
            let running = env.fake.running(&sync.target.0, service).map(|r| r.variables).unwrap_or_default();
            out.extend(
                model::running_differences(sync, &running, history, foreign)
                    .into_iter()
                    .map(|d| format!("{}: {d}", sync.name)),
            );
        }
    }
    out
}

/// Run records of every sync: (status, trigger, node, started, finished) per sync id.
async fn runs(env: &Env) -> Vec<(String, String, String, String, i64, Option<i64>)> {
    let mut conn = env.app.state().store.read().await.expect("conn");
    sqlx::query_as("SELECT sync_id, status, \"trigger\", node, started_at, finished_at FROM sync_runs")
        .fetch_all(&mut *conn)
        .await
        .expect("runs")
}

/// Each sync's status and its latest runs, for a failure message.
async fn sync_states(env: &Env, syncs: &[SoakSync]) -> String {
    let mut states = Vec::new();
    for sync in syncs {
        let s = env.sync(&sync.id).await;
        let runs = env.runs(&sync.id).await;
        let last: Vec<String> = runs
            .iter()
            .take(4)
            .map(|r| format!("{} {} {} {}", r["kind"], r["trigger"], r["status"], r["error"]))
            .collect();
        states.push(format!("{}: {} {} — last runs: {last:#?}", sync.name, s["syncStatus"], s["lastSyncMessage"]));
    }
    states.join("\n")
}

/// How long the longest pause of a Railway token still runs.
async fn pauses_left(env: &Env) -> Duration {
    let mut conn = env.app.state().store.read().await.expect("conn");
    let until: Option<i64> =
        sqlx::query_scalar("SELECT MAX(paused_until) FROM railway_paces").fetch_one(&mut *conn).await.expect("paces");
    Duration::from_millis(until.map_or(0, |u| u - now_ms()).max(0) as u64)
}

#[tokio::test]
async fn chaos_soak() {
    let knobs = Knobs::from_env();
    let started = Instant::now();
    let env = start_with(cluster::tune).await;
    let postgres = env.app.db.is_postgres();
    let pid = env.app.project_id().to_string();
    let history = Arc::new(Mutex::new(History::default()));

    // The sources, and a destination that holds what no sync may touch.
    env.folder("dev", "/", "worker").await;
    let mut syncs = syncs();
    for sync in &syncs {
        for key in sync.base_keys {
            put(&env.app.api, &pid, &history, sync, key, &format!("{}-{key}-0", sync.name), false).await;
        }
    }
    env.fake.set_variable(PRODUCTION, Some(API), "SLUICE_SEALED", "sealed-at-railway", true);
    env.fake.set_variable(PRODUCTION, Some(API), "FROM_SHARED", "${{ shared.SHARED_REGION }}", false);
    env.fake.set_variable(PRODUCTION, Some(WORKER), "WORKER_SEALED", "sealed-at-railway", true);
    env.fake.set_variable(PRODUCTION, Some(WORKER), "RAILWAY_RUN_UID", "0", false);
    // A second connection with a workspace token: two tokens, each paced on its own.
    let team = json!({"name": "team", "method": "team-token", "credentials": {"apiToken": WORKSPACE_TOKEN}});
    let team = env.app.api.post("/api/v1/app-connections/railway", team).await.expect(200);
    let connections = [env.connection_id.clone(), team["appConnection"]["id"].as_str().expect("id").to_string()];
    for sync in &mut syncs {
        let body = sync.body(&pid, &connections);
        sync.id = env.create_sync(body).await["id"].as_str().expect("sync id").to_string();
    }
    env.app.drain_all().await;
    // Added by hand once the syncs run: keys matching a schema that no sync wrote, and others.
    env.fake.set_variable(PRODUCTION, Some(API), "SLUICE_BY_HAND", "hand", false);
    env.fake.set_variable(PRODUCTION, Some(API), "BY_HAND", "hand", false);
    env.fake.set_variable(PRODUCTION, Some(WORKER), "BY_HAND", "hand", false);
    env.fake.set_variable(PRODUCTION, None, "SHARED_BY_HAND", "hand", false);
    env.fake.set_variable(STAGING, Some(API), "BY_HAND_prod", "hand", false);
    // What no sync may touch: everything at the targets that no sync wrote.
    let written: Vec<(Scope, String)> =
        env.fake.writes().into_iter().map(|w| ((w.environment_id, w.service_id), w.name)).collect();
    let foreign: Foreign = scopes(&env, &syncs)
        .into_iter()
        .map(|(scope, vars)| {
            let theirs =
                vars.into_iter().filter(|(name, _)| !written.contains(&(scope.clone(), name.clone()))).collect();
            (scope, theirs)
        })
        .collect();
    assert_eq!(foreign[&syncs[0].target].get("SLUICE_SEALED"), Some(&None), "sealed, never written");
    assert_eq!(foreign[&syncs[0].target].get("STRIPE_SECRET_KEY"), Some(&None));
    assert_eq!(foreign[&syncs[1].target].get("API_INTERNAL_URL").map(|v| v.is_some()), Some(true), "a reference");
    {
        let history = history.lock().expect("history");
        let before = unconverged(&env, &syncs, &history, &foreign);
        assert!(before.is_empty(), "the syncs converge before the chaos: {before:#?}");
        assert_eq!(env.api_vars().get("FROM_SHARED"), Some(&val("${{ shared.SHARED_REGION }}")));
    }
    env.fake.clear_writes();
    env.fake.clear_requests();

    // Chaos: the nodes run on their own while the writers write and Railway misbehaves.
    let mut nodes = cluster::start(&env, if postgres { 3 } else { 1 }).await;
    for node in &mut nodes {
        node.start_workers().await;
    }
    let chaos = Chaos::seeded(knobs.seed).rate(knobs.rate).slow_ms(1_500);
    eprintln!(
        "chaos soak: seed {} (replay with SLUICE_CHAOS_SEED={}), rate {}, {} s of writes, {} node(s) on {}",
        knobs.seed,
        knobs.seed,
        knobs.rate,
        knobs.writes_for.as_secs(),
        nodes.len(),
        if postgres { "PostgreSQL" } else { "SQLite" }
    );
    env.fake.set_chaos(Some(chaos));
    let chaos_started = Instant::now();
    let until = chaos_started + knobs.writes_for;
    // A quarter of the way in, the staging environment is deleted; it comes back after the
    // chaos. Its sync's source changes once more just after the deletion, then no more: that
    // sync fails for good while its target is gone, and only reconciliation brings the
    // change to Railway once it is back.
    let gone_at = chaos_started + knobs.writes_for / 4;
    let writers: Vec<_> = syncs
        .iter()
        .enumerate()
        .map(|(i, sync)| {
            let api = nodes[i % nodes.len()].api.clone();
            let until = if sync.target.0 == STAGING { gone_at } else { until };
            let seed = knobs.seed.wrapping_add(i as u64);
            tokio::spawn(writer(api, pid.clone(), history.clone(), sync.clone(), seed, until))
        })
        .collect();
    let gone = GoneTarget::Environment(STAGING.to_string());
    tokio::time::sleep_until(gone_at.into()).await;
    let answer =
        if knobs.seed.is_multiple_of(2) { GoneAnswer::NotAuthorized } else { GoneAnswer::ProblemProcessingRequest };
    env.fake.mark_gone(gone.clone(), answer);
    let staging = syncs.iter().find(|s| s.target.0 == STAGING).expect("the staging sync");
    put(&nodes[0].api, &pid, &history, staging, "MAIL_KEY", "staging-api-MAIL_KEY-while-gone", true).await;
    let mut written = Written::default();
    for w in writers {
        let w = w.await.expect("writer");
        written.updates += w.updates;
        written.creates += w.creates;
        written.deletes += w.deletes;
    }

    // The faults stop. The nodes finish what they run; from here the queue is drained.
    let report = env.fake.chaos_report().expect("chaos was on");
    env.fake.set_chaos(None);
    for node in &mut nodes {
        node.stop_workers().await;
    }
    let runs_during_chaos = runs(&env).await.len();
    let history = history.lock().expect("history").clone();
    // What the staging sync still tries fails for good while its target is gone; then it is back.
    env.let_pauses_pass().await;
    for node in &nodes {
        drain(&node.engine, DrainOptions { run_delayed: true, max_runs: 200 }).await.expect("drain");
    }
    let staging_sync = env.sync(&staging.id).await;
    assert_eq!(staging_sync["syncStatus"], "failed", "failed for good while its target is gone: {staging_sync}");
    let gone_for = gone_at.elapsed();
    assert!(env.fake.restore_gone(&gone), "the staging environment was gone");
    // The tokens' pauses (Retry-After, backoff after hint-less refusals) are real time the
    // nodes would wait out; here that time passes at once, and the queue is drained.
    let paused_for = pauses_left(&env).await;
    let converge_started = Instant::now();
    let mut rounds = 0;
    let mut drained = 0;
    let mut not_converged = None;
    loop {
        rounds += 1;
        env.let_pauses_pass().await;
        // Reconciliation's timer, as the nodes' drift loops would fire it: a failed sync is due.
        for node in &nodes {
            sluice_engine::reconcile::schedule_due(&node.engine, now_ms() + 3_600_000).await.expect("reconcile");
        }
        let drains: Vec<_> = nodes
            .iter()
            .map(|node| {
                let engine = node.engine.clone();
                tokio::spawn(async move { drain(&engine, DrainOptions { run_delayed: true, max_runs: 200 }).await })
            })
            .collect();
        for d in drains {
            drained += d.await.expect("drain task").expect("drain").runs;
        }
        let left = outstanding(&nodes[0].engine).await.expect("outstanding");
        let differences = unconverged(&env, &syncs, &history, &foreign);
        if differences.is_empty() && left == (0, 0) {
            break;
        }
        if rounds >= 10 || converge_started.elapsed() > Duration::from_secs(120) {
            not_converged = Some(format!(
                "not converged after {rounds} rounds and {:?} (jobs queued, running: {left:?}): {differences:#?}\n{}",
                converge_started.elapsed(),
                sync_states(&env, &syncs).await
            ));
            break;
        }
    }
    let converged_in = converge_started.elapsed();

    // What Railway received and how the syncs ran (first: a forbidden write or a double run
    // also keeps a sync from converging), then whether every sync converged.
    let writes = env.fake.writes();
    let (problems, rewritten) = model::check_writes(&writes, &syncs, &history, &foreign);
    assert!(problems.is_empty(), "forbidden writes at Railway ({}):\n{}", problems.len(), problems.join("\n"));
    let all_runs = runs(&env).await;
    let mut by_sync: BTreeMap<&str, Vec<model::RunSpan>> = BTreeMap::new();
    for (sync, _, _, node, start, end) in &all_runs {
        by_sync.entry(sync.as_str()).or_default().push((*start, *end, node.clone()));
    }
    for (sync, runs) in &by_sync {
        let overlaps = model::overlaps(runs);
        let name = syncs.iter().find(|s| s.id == *sync).map_or(*sync, |s| s.name);
        assert!(overlaps.is_empty(), "sync {name} ({sync}) ran twice at once: {overlaps:#?}");
    }
    if let Some(message) = not_converged {
        panic!("{message}");
    }
    let count = |status: &str| all_runs.iter().filter(|r| r.1 == status).count();
    let reconciled = all_runs.iter().filter(|r| r.0 == staging.id && r.2 == "reconcile" && r.1 == "succeeded").count();
    assert!(reconciled > 0, "the staging sync recovered by reconciliation");
    assert_eq!(count("running"), 0, "no run stays running");
    for sync in &syncs {
        let s = env.sync(&sync.id).await;
        assert_eq!(s["syncStatus"], "succeeded", "{}: {s}", sync.name);
    }

    let requests = env.fake.requests();
    let nodes_used: std::collections::BTreeSet<&str> = all_runs.iter().map(|r| r.3.as_str()).collect();
    eprintln!("chaos soak figures ({}):", if postgres { "PostgreSQL, 3 nodes" } else { "SQLite, 1 node" });
    eprintln!("  seed {}  rate {}  writes for {:?}", knobs.seed, knobs.rate, knobs.writes_for);
    eprintln!(
        "  source changes: {} updates, {} new keys, {} deletions",
        written.updates, written.creates, written.deletes
    );
    eprintln!("  Railway requests: {} during chaos, {} in all", report.requests, requests.len());
    eprintln!("  faults injected: {} {:?}", report.total(), report.injected);
    eprintln!("  staging environment gone for {gone_for:?} ({answer:?})");
    eprintln!(
        "  runs: {} ({} during chaos) — succeeded {}, retrying {}, failed {}, reconcile {}, interrupted {}, on {:?}",
        all_runs.len(),
        runs_during_chaos,
        count("succeeded"),
        count("retrying"),
        count("failed"),
        all_runs.iter().filter(|r| r.2 == "reconcile").count(),
        count("interrupted"),
        nodes_used
    );
    eprintln!(
        "  variable changes at Railway: {} ({rewritten} of variables no sync owns written back unchanged by whole-set writes)",
        writes.len()
    );
    eprintln!(
        "  converged {converged_in:?} after the faults stopped and the tokens' pauses ({paused_for:?} left) ran out: \
         {rounds} round(s), {drained} run(s)"
    );
    eprintln!("  whole test {:?}", started.elapsed());
    for node in nodes {
        node.shutdown().await;
    }
}
