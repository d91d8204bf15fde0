//! Several nodes on one database, one of them stalling past its lease (a pause, a frozen
//! VM, a partition from the database): every write is fenced by the lease's epoch, a write
//! already in flight when the lease ran out is repaired after the takeover, and no run
//! stays `running` after its job moved on. Node A is the test server's engine; node B a
//! second engine on the same database. Stalls are Railway answers held by the fake.

use super::support::*;
use sluice_engine::drain::{DrainOptions, drain};
use sluice_engine::{Engine, dispatch, fence, run, worker};
use sluice_railway_fake::Fault;
use sluice_storage::now_ms;

fn node_b(env: &Env) -> Engine {
    let state = env.app.state();
    Engine::new(state.core.clone(), state.destinations.clone(), state.settings.engine.clone(), "node-b".into())
}

/// The lease of every running job (and its sync) runs out now: node A stalled.
async fn leases_run_out(env: &Env) {
    let mut tx = env.app.state().store.write().await.expect("tx");
    let past = now_ms() - 1;
    sqlx::query("UPDATE jobs SET lease_until = $1 WHERE state = 'running'")
        .bind(past)
        .execute(&mut *tx)
        .await
        .expect("jobs");
    sqlx::query("UPDATE secret_syncs SET lease_until = $1 WHERE lease_job_id IS NOT NULL")
        .bind(past)
        .execute(&mut *tx)
        .await
        .expect("syncs");
    tx.commit().await.expect("commit");
}

async fn setup() -> (Env, String, Engine) {
    let env = start().await;
    env.put("dev", "/", "KEEP", "k").await;
    env.put("dev", "/", "X", "v0").await;
    let id =
        env.create_sync(env.sync_body("s", opts("overwrite-destination", Some("SLUICE_{{secretKey}}")))).await["id"]
            .as_str()
            .expect("id")
            .to_string();
    env.app.drain_all().await;
    let b = node_b(&env);
    (env, id, b)
}

fn x(env: &Env) -> Option<String> {
    env.api_vars().get("SLUICE_X").cloned().flatten()
}

#[tokio::test]
async fn a_node_that_stalled_past_its_lease_writes_nothing() {
    let (env, id, b) = setup().await;
    let a = env.app.state().engine.clone();
    env.put("dev", "/", "X", "A").await;
    dispatch::dispatch_all(&a).await.expect("dispatch");
    let job = worker::claim(&a, None).await.expect("claim").expect("node A claims the change");
    // Node A reads Railway, and stalls there past its lease.
    env.fake.inject(Fault::held().for_root_field("variables"));
    let run_a = tokio::spawn({
        let a = a.clone();
        async move { run::execute(&a, job).await }
    });
    env.fake.held_request_arrived().await;
    leases_run_out(&env).await;
    // Meanwhile the value changes again and node B takes the job over.
    env.put("dev", "/", "X", "B").await;
    drain(&b, DrainOptions::default()).await.expect("node B");
    assert_eq!(x(&env).as_deref(), Some("B"));

    // Node A wakes up with its old plan: its fence fails before the write.
    env.fake.release_held();
    run_a.await.expect("node A");
    assert_eq!(x(&env).as_deref(), Some("B"), "the stalled node wrote nothing");
    let runs = env.runs(&id).await;
    let a_run = runs.iter().find(|r| r["node"] != "node-b" && r["status"] == "interrupted").expect("node A's run");
    assert!(a_run["error"].as_str().unwrap_or_default().contains("no longer holds the job"), "{a_run}");
    assert!(runs.iter().all(|r| r["status"] != "running"), "no run left running: {runs:?}");
    assert!(runs.iter().any(|r| r["node"] == "node-b" && r["status"] == "succeeded"));
    // The repair after the takeover finds Railway as it should be: one read, no write.
    env.fake.clear_requests();
    drain(&b, DrainOptions { run_delayed: true, max_runs: 50 }).await.expect("repair");
    assert_eq!(env.calls(), ["variables"], "{:?}", env.calls());
    let runs = env.runs(&id).await;
    assert_eq!((runs[0]["kind"].as_str(), runs[0]["trigger"].as_str()), (Some("drift"), Some("repair")));
}

#[tokio::test]
async fn a_write_in_flight_when_the_lease_ran_out_is_repaired() {
    let (env, id, b) = setup().await;
    let a = env.app.state().engine.clone();
    env.put("dev", "/", "X", "A").await;
    dispatch::dispatch_all(&a).await.expect("dispatch");
    let job = worker::claim(&a, None).await.expect("claim").expect("node A claims the change");
    // Node A passes its fence and sends its write, which Railway receives late.
    env.fake.inject(Fault::held().for_root_field("variableCollectionUpsert"));
    let run_a = tokio::spawn({
        let a = a.clone();
        async move { run::execute(&a, job).await }
    });
    env.fake.held_request_arrived().await;
    leases_run_out(&env).await;
    env.put("dev", "/", "X", "B").await;
    drain(&b, DrainOptions::default()).await.expect("node B");
    assert_eq!(x(&env).as_deref(), Some("B"));

    // The stale write lands after the new one (Railway has no conditional writes)...
    env.fake.release_held();
    run_a.await.expect("node A");
    assert_eq!(x(&env).as_deref(), Some("A"), "the late write landed");
    let runs = env.runs(&id).await;
    assert!(runs.iter().all(|r| r["status"] != "running"), "{runs:?}");
    assert!(runs.iter().any(|r| r["status"] == "interrupted"), "node A's run says what happened: {runs:?}");
    // ...and is repaired once node A's last possible write is past: Railway ends with B.
    drain(&b, DrainOptions { run_delayed: true, max_runs: 50 }).await.expect("repair");
    assert_eq!(x(&env).as_deref(), Some("B"), "the newest value wins");
    let runs = env.runs(&id).await;
    let repair = runs.iter().find(|r| r["trigger"] == "repair").expect("the repair check");
    assert!(repair["notes"].to_string().contains("Repair after a takeover"), "{repair}");
    assert_eq!(env.sync(&id).await["syncStatus"], "succeeded");
    assert_eq!(env.sync(&id).await["driftStatus"], "in-sync");
}

#[tokio::test]
async fn a_lease_shorter_than_a_railway_write_is_refused_at_start() {
    let db = sluice_testkit::TestDatabase::fresh().await;
    let mut settings = sluice_testkit::test_settings(&db, sluice_crypto::RootKey::generate());
    settings.engine.lease = std::time::Duration::from_secs(60);
    let err = sluice_server::start(settings).await.err().expect("refused");
    let message = err.to_string();
    assert!(message.contains("must be longer than the longest Railway call timeout (90000 ms)"), "{message}");
}

/// The job's lease as the database holds it.
async fn job_lease_until(env: &Env, job: &sluice_domain::JobId) -> i64 {
    let mut conn = env.app.state().store.read().await.expect("conn");
    sqlx::query_scalar("SELECT lease_until FROM jobs WHERE id = $1")
        .bind(job)
        .fetch_one(&mut *conn)
        .await
        .expect("lease")
}

/// A run's fence before a write proves a lease taken in the last 2 s with a read (every
/// run of a fan-out: no write per Railway call), and extends an older one to a whole
/// lease, so the write keeps the margin a lease leaves beyond its timeout.
#[tokio::test]
async fn a_fence_reads_a_fresh_lease_and_extends_an_older_one() {
    let (env, _id, _b) = setup().await;
    let a = env.app.state().engine.clone();
    env.put("dev", "/", "X", "A").await;
    dispatch::dispatch_all(&a).await.expect("dispatch");
    let begun = worker::claim(&a, None).await.expect("claim").expect("node A claims the change");
    let fence = fence::Fence { job: begun.job.clone(), node: a.node_id().to_string() };
    let lost = std::sync::atomic::AtomicBool::new(false);
    let claimed_until = job_lease_until(&env, &begun.job.id).await;

    // The lease as a claim left it half a second ago (set back, so that a write now could
    // not leave the same value), then 3 s ago.
    for (aged, fresh) in [(claimed_until - 500, true), (claimed_until - 3_000, false)] {
        age_lease(&env, &begun.job.id, aged).await;
        let before = now_ms();
        fence.check(&a, &lost).await.expect("the lease is held");
        let after = job_lease_until(&env, &begun.job.id).await;
        if fresh {
            assert_eq!(after, aged, "a lease taken less than 2 s ago is proven by a read");
        } else {
            let whole = before + a.settings().lease.as_millis() as i64;
            assert!(after >= whole, "an older lease is extended to a whole one: {after} < {whole}");
        }
    }

    run::execute(&a, begun).await;
    assert_eq!(x(&env).as_deref(), Some("A"), "the run goes on to write");
}

/// Sets back the lease of `job` and its sync to `until`.
async fn age_lease(env: &Env, job: &sluice_domain::JobId, until: i64) {
    let mut tx = env.app.state().store.write().await.expect("tx");
    sqlx::query("UPDATE jobs SET lease_until = $1 WHERE id = $2")
        .bind(until)
        .bind(job)
        .execute(&mut *tx)
        .await
        .expect("age the job's lease");
    sqlx::query("UPDATE secret_syncs SET lease_until = $1 WHERE lease_job_id = $2")
        .bind(until)
        .bind(job)
        .execute(&mut *tx)
        .await
        .expect("age the sync's lease");
    tx.commit().await.expect("commit");
}

#[tokio::test]
async fn a_node_that_stalled_before_its_redeploy_leaves_it_to_the_node_that_takes_over() {
    let (env, id, b) = setup().await;
    let a = env.app.state().engine.clone();
    env.put("dev", "/", "X", "A").await;
    dispatch::dispatch_all(&a).await.expect("dispatch");
    let job = worker::claim(&a, None).await.expect("claim").expect("node A claims the change");
    // Node A writes the variables, reads the service's deployments before its redeploy,
    // and stalls there past its lease.
    env.fake.clear_requests();
    env.fake.inject(Fault::held().for_root_field("deployments"));
    let run_a = tokio::spawn({
        let a = a.clone();
        async move { run::execute(&a, job).await }
    });
    env.fake.held_request_arrived().await;
    leases_run_out(&env).await;
    env.fake.release_held();
    run_a.await.expect("node A");
    // Recording that it asks for the redeploy proves the lease too: node A asks for none.
    assert_eq!(x(&env).as_deref(), Some("A"), "the variables were written before the stall");
    assert_eq!(env.count("deploymentRedeploy"), 0, "{:?}", env.calls());
    let runs = env.runs(&id).await;
    assert!(runs.iter().any(|r| r["status"] == "interrupted"), "node A's run says what happened: {runs:?}");

    // The node that takes the job over pays the redeploy node A owed.
    drain(&b, DrainOptions { run_delayed: true, max_runs: 50 }).await.expect("node B");
    assert_eq!(env.count("deploymentRedeploy"), 1, "{:?}", env.calls());
    let sync = env.sync(&id).await;
    assert_eq!(sync["syncStatus"], "succeeded", "{sync}");
}
