//! Crash rounds (issue 16 §4; `docs/reliability.md`, "Crash rounds"): one `sluice server`
//! process on one database, killed with SIGKILL again and again while writers change
//! secrets and its syncs write to the fake Railway and redeploy, then restarted on the same
//! database. After each round:
//!
//! - every write the API acknowledged (2xx) before the kill reads back with that value, or
//!   with the value of the writer's one request in flight when the node died;
//! - every sync converges within a bounded time: Railway holds the folder's values, the
//!   service's running deployment carries them, the sync is `succeeded`, the queue is empty;
//! - no run is left `running`;
//! - each change is deployed exactly once: the running deployment carries the source's
//!   values (the owed redeploy was made), and no deployment of a service carries the same
//!   values as the one before it (no redeploy was made twice).
//!
//! The rounds cycle through four kills ([`Kill`]): at a random moment of the load; under
//! load while Railway holds a variable write; and, after the load converged, during one
//! more change while Railway holds its variable write, or its redeploy. A held request is
//! applied after the node died: Railway did something Sluice never heard of.
//!
//! 20 rounds by default; `SLUICE_PROOF_LONG=1` runs 100, `SLUICE_CRASH_ROUNDS=N` any
//! number, `SLUICE_CRASH_SEED=S` replays one run's random choices (printed at the end).

use super::nodes::{ACCOUNT_TOKEN, Api, Cluster, Node, PRODUCTION, postgres_url, seed_with_services, service_id};
use super::nodes::{free_port, setup, sync_body, wait_for};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::{Value, json};
use sluice_railway_fake::{DeployCause, FakeRailway, Fault};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Syncs (one folder and one Railway service each).
const SYNCS: usize = 4;
/// Concurrent writers; each owns its keys, so the order of one key's writes is known.
const WRITERS: usize = 4;
const KEYS_PER_WRITER: usize = 2;
/// How long a round may take to converge after the restart.
const CONVERGE: Duration = Duration::from_secs(60);
const NODE: &str = "crash-node";
/// The key schema of every sync: the prefix tells synced variables from Railway's own.
const PREFIX: &str = "C_";

/// Where a round's kill lands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kill {
    /// At a random moment of the load.
    Random,
    /// Under load, while Railway holds a `variableCollectionUpsert`, which it applies after
    /// the node died.
    HeldWriteUnderLoad,
    /// After the load converged, one more change: the node dies while Railway holds its
    /// `variableCollectionUpsert`, applied after the node died (the redeploy it owes must
    /// be made by the restarted node).
    HeldWrite,
    /// After the load converged, one more change: the node dies while Railway holds its
    /// `deploymentRedeploy`, made after the node died (it must not be made twice).
    HeldRedeploy,
}

impl Kill {
    fn of_round(round: usize) -> Kill {
        [Kill::HeldWriteUnderLoad, Kill::Random, Kill::HeldRedeploy, Kill::HeldWrite][round % 4]
    }

    /// The request Railway holds for a kill after the load: the load ends without a kill.
    fn after_load(self) -> Option<&'static str> {
        match self {
            Kill::Random | Kill::HeldWriteUnderLoad => None,
            Kill::HeldWrite => Some("variableCollectionUpsert"),
            Kill::HeldRedeploy => Some("deploymentRedeploy"),
        }
    }
}

/// One key's writes in a round, as its writer saw them.
#[derive(Clone, Debug, Default)]
struct Written {
    /// The last value the API acknowledged.
    acked: Option<String>,
    /// A value sent without an answer (the node died): it may or may not have committed.
    in_flight: Option<String>,
    acks: usize,
}

/// (folder index, key) → the value the source holds at a round's start (None: no secret).
type Known = BTreeMap<(usize, String), Option<String>>;

/// The figures printed at the end.
#[derive(Debug, Default)]
struct Figures {
    rounds: usize,
    acked_writes: usize,
    keys_checked: usize,
    in_flight_landed: usize,
    kills: usize,
    held_kills: usize,
    held_redeploy_kills: usize,
    converge_ms: Vec<u128>,
    deploys: usize,
    interrupted_runs: i64,
}

fn rounds() -> usize {
    let long = std::env::var("SLUICE_PROOF_LONG").is_ok_and(|v| v == "1");
    std::env::var("SLUICE_CRASH_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(if long { 100 } else { 20 })
}

fn folder(i: usize) -> String {
    format!("/f{i}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_rounds_lose_no_acknowledged_write_and_pay_each_redeploy_once() {
    let started = Instant::now();
    let rounds = rounds();
    let seed: u64 = std::env::var("SLUICE_CRASH_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or_else(rand::random);
    let mut rng = StdRng::seed_from_u64(seed);
    let pg = postgres_url();
    let fake = FakeRailway::start(seed_with_services(SYNCS)).await.expect("fake");
    let mut cluster = Cluster::new(fake.graphql_url(), pg.as_deref()).await;
    // Short timeouts so the repair after a restart (a write's timeout later) comes soon;
    // no pacing to speak of (the fake does not rate-limit here).
    cluster.engine_args = [
        "--workers",
        "3",
        "--poll-ms",
        "100",
        "--job-lease-ms",
        "3000",
        "--railway-timeout-ms",
        "1000",
        "--railway-mutation-timeout-ms",
        "1000",
        "--railway-rps",
        "1000",
    ]
    .iter()
    .map(|a| a.to_string())
    .collect();
    let port = free_port();
    let mut node = cluster.node(NODE, port).await;
    let (admin, project, connection) = setup(&node).await;
    let mut db = Db::connect(&cluster.db_url).await;

    let mut known = Known::new();
    let mut syncs = Vec::new();
    for i in 0..SYNCS {
        admin
            .post(
                "/api/v1/folders",
                json!({"projectId": project, "environment": "dev", "name": format!("f{i}"), "path": "/"}),
            )
            .await;
        admin.put_secret(&project, &folder(i), "BASE", "v0").await;
        known.insert((i, "BASE".to_string()), Some("v0".to_string()));
        let body = sync_body(&project, &connection, &format!("s{i}"), &folder(i), "C_{{secretKey}}", &service_id(i));
        let sync = admin.post("/api/v1/secret-syncs/railway", body).await;
        syncs.push(sync["secretSync"]["id"].as_str().expect("sync id").to_string());
    }
    let world = World { fake: &fake, project: &project, syncs: &syncs };
    world.converged(&node, &admin, &mut db, "the first syncs").await;

    let mut figures = Figures::default();
    for round in 0..rounds {
        let kill = Kill::of_round(round);
        let api = Api { http: reqwest::Client::new(), url: node.url.clone(), token: admin.token.clone() };
        fake.clear_deploys();
        let mut before: Vec<BTreeMap<String, String>> = (0..SYNCS).map(|i| world.running(i)).collect();
        if kill == Kill::HeldWriteUnderLoad {
            fake.inject(Fault::held().for_root_field("variableCollectionUpsert"));
        }

        // Load: every writer changes its keys in random folders until the node dies.
        let stop = Arc::new(AtomicBool::new(false));
        let writers: Vec<_> = (0..WRITERS)
            .map(|w| {
                let mine: Known = known
                    .iter()
                    .filter(|((_, k), _)| owner(k) == Some(w))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                let writer = Writer { api: api.clone(), project: project.clone(), w, round, seed: rng.random() };
                tokio::spawn(writer.run(mine, stop.clone()))
            })
            .collect();
        match kill {
            Kill::Random | Kill::HeldWrite | Kill::HeldRedeploy => {
                tokio::time::sleep(Duration::from_millis(rng.random_range(20..400))).await
            }
            Kill::HeldWriteUnderLoad => {
                let arrived = tokio::time::timeout(Duration::from_secs(20), fake.held_request_arrived()).await;
                assert!(arrived.is_ok(), "round {round}: no variable write reached Railway within 20 s");
                tokio::time::sleep(Duration::from_millis(rng.random_range(0..100))).await;
            }
        }
        if kill.after_load().is_none() {
            node.kill();
        }
        stop.store(true, Ordering::SeqCst);
        let mut written: BTreeMap<(usize, String), Written> = BTreeMap::new();
        for w in writers {
            let (mine, refused) = w.await.expect("writer");
            assert!(refused.is_empty(), "round {round}: the API refused writes: {refused:?}");
            written.extend(mine);
        }
        if let Some(field) = kill.after_load() {
            // The load ends without a kill and is checked; then one change is made whose
            // write or redeploy Railway holds, and the node dies before it hears of it.
            check_acked(&world, &api, round, kill, &written, &mut known, &mut figures).await;
            world.converged(&node, &api, &mut db, &format!("round {round}'s load to converge")).await;
            figures.deploys += world.deployed_once(round, kill, &before).await;
            fake.clear_deploys();
            before = (0..SYNCS).map(|i| world.running(i)).collect();
            fake.inject(Fault::held().for_root_field(field));
            let f = rng.random_range(0..SYNCS);
            let value = format!("r{round}-last");
            api.put_secret(&project, &folder(f), "LAST", &value).await;
            written =
                BTreeMap::from([((f, "LAST".to_string()), Written { acked: Some(value), in_flight: None, acks: 1 })]);
            let arrived = tokio::time::timeout(Duration::from_secs(20), fake.held_request_arrived()).await;
            assert!(arrived.is_ok(), "round {round}: no {field} reached Railway within 20 s");
            node.kill();
        }
        figures.kills += 1;
        if kill != Kill::Random {
            // Railway now applies what the dead node sent: Sluice never saw the answer.
            let held_before = world.held_applied();
            fake.release_held();
            wait_for("Railway to apply the held request", Duration::from_secs(10), async || {
                world.held_applied() > held_before
            })
            .await;
            if kill == Kill::HeldRedeploy {
                figures.held_redeploy_kills += 1;
            } else {
                figures.held_kills += 1;
            }
        }

        node = cluster.node(NODE, port).await;
        let restarted = Instant::now();
        let api = Api { http: reqwest::Client::new(), url: node.url.clone(), token: admin.token.clone() };
        check_acked(&world, &api, round, kill, &written, &mut known, &mut figures).await;
        world.converged(&node, &api, &mut db, &format!("round {round} ({kill:?}) to converge")).await;
        figures.converge_ms.push(restarted.elapsed().as_millis());
        figures.deploys += world.deployed_once(round, kill, &before).await;
        figures.rounds += 1;
        assert!(fake.state().pending_faults().is_empty(), "round {round}: a fault was left unused");
    }
    figures.interrupted_runs = db.count("SELECT COUNT(*) FROM sync_runs WHERE status = 'interrupted'").await;
    drop(node);

    let mut ms = figures.converge_ms.clone();
    ms.sort_unstable();
    let median = ms.get(ms.len() / 2).copied().unwrap_or(0);
    let max = ms.last().copied().unwrap_or(0);
    eprintln!(
        "crash rounds ({db}, seed {seed}): {rounds} rounds, {kills} kills ({held} while Railway held a write, \
         {held_d} while it held a redeploy), {acked} acknowledged writes checked over {keys} keys ({landed} \
         unanswered writes had landed), {deploys} deploys, {interrupted} runs closed as interrupted; converged \
         after the restart in {median} ms median, {max} ms max; {secs:.1} s in all",
        db = if pg.is_some() { "PostgreSQL" } else { "SQLite" },
        rounds = figures.rounds,
        kills = figures.kills,
        held = figures.held_kills,
        held_d = figures.held_redeploy_kills,
        acked = figures.acked_writes,
        keys = figures.keys_checked,
        landed = figures.in_flight_landed,
        deploys = figures.deploys,
        interrupted = figures.interrupted_runs,
        secs = started.elapsed().as_secs_f64(),
    );
}

/// Every acknowledged write reads back with its value, or with the value its writer had in
/// flight when the node died (which may have committed); `known` becomes what is there.
async fn check_acked(
    world: &World<'_>,
    api: &Api,
    round: usize,
    kill: Kill,
    written: &BTreeMap<(usize, String), Written>,
    known: &mut Known,
    figures: &mut Figures,
) {
    for i in 0..SYNCS {
        let source = world.source(api, i).await;
        for ((f, key), w) in written.iter().filter(|((f, _), _)| *f == i) {
            let acked = w.acked.clone().or_else(|| known.get(&(*f, key.clone())).cloned().flatten());
            let have = source.get(key).cloned();
            let allowed = have == acked || (w.in_flight.is_some() && have == w.in_flight);
            assert!(
                allowed,
                "round {round} ({kill:?}): {key} in {} reads {have:?} after the restart, but the API had \
                 acknowledged {acked:?} (in flight at the kill: {:?}): an acknowledged write was lost",
                folder(i),
                w.in_flight
            );
            if w.in_flight.is_some() && have == w.in_flight && have != acked {
                figures.in_flight_landed += 1;
            }
            figures.acked_writes += w.acks;
            figures.keys_checked += 1;
            known.insert((*f, key.clone()), have);
        }
    }
}

/// The writer that owns `key` (`W{w}K{j}`); None for the folders' first secret.
fn owner(key: &str) -> Option<usize> {
    key.strip_prefix('W')?.split_once('K')?.0.parse().ok()
}

/// One writer of a round: sets its keys in random folders, one request at a time, until
/// told to stop or the node stops answering.
struct Writer {
    api: Api,
    project: String,
    w: usize,
    round: usize,
    seed: u64,
}

impl Writer {
    /// What it wrote per key, and the answers that were neither 2xx nor a lost connection.
    async fn run(self, mut exists: Known, stop: Arc<AtomicBool>) -> (BTreeMap<(usize, String), Written>, Vec<String>) {
        let mut rng = StdRng::seed_from_u64(self.seed);
        let mut written: BTreeMap<(usize, String), Written> = BTreeMap::new();
        let mut refused = Vec::new();
        let mut n = 0;
        while !stop.load(Ordering::SeqCst) {
            let f = rng.random_range(0..SYNCS);
            let key = format!("W{}K{}", self.w, rng.random_range(0..KEYS_PER_WRITER));
            let value = format!("r{}-w{}-n{n}", self.round, self.w);
            n += 1;
            let entry = written.entry((f, key.clone())).or_default();
            entry.in_flight = Some(value.clone());
            let there = exists.get(&(f, key.clone())).is_some_and(|v| v.is_some());
            let method = if there { reqwest::Method::PATCH } else { reqwest::Method::POST };
            let body = json!({"workspaceId": self.project, "environment": "dev", "secretPath": folder(f), "secretValue": value});
            match self.api.try_call(method, &format!("/api/v3/secrets/raw/{key}"), Some(body)).await {
                Ok((200, _)) => {
                    entry.acked = Some(value.clone());
                    entry.in_flight = None;
                    entry.acks += 1;
                    exists.insert((f, key), Some(value));
                }
                Ok((status, body)) if !stop.load(Ordering::SeqCst) => {
                    refused.push(format!("{key} in {}: {status} {body}", folder(f)));
                    return (written, refused);
                }
                // No answer: the node died with this write in flight.
                _ => return (written, refused),
            }
        }
        (written, refused)
    }
}

/// What the checks look at: the fake Railway, the project and its syncs.
struct World<'a> {
    fake: &'a FakeRailway,
    project: &'a str,
    syncs: &'a [String],
}

impl World<'_> {
    /// The folder's secrets as the API reads them.
    async fn source(&self, api: &Api, i: usize) -> BTreeMap<String, String> {
        let path = format!("/api/v3/secrets/raw?workspaceId={}&environment=dev&secretPath={}", self.project, folder(i));
        api.get(&path).await["secrets"]
            .as_array()
            .expect("secrets")
            .iter()
            .map(|s| {
                (s["secretKey"].as_str().unwrap_or("").to_string(), s["secretValue"].as_str().unwrap_or("").to_string())
            })
            .collect()
    }

    /// The sync's variables at Railway, keys without the prefix.
    fn railway(&self, i: usize) -> BTreeMap<String, String> {
        synced(self.fake.variables(PRODUCTION, Some(&service_id(i))))
    }

    /// What the service's running deployment was started with, keys without the prefix.
    fn running(&self, i: usize) -> BTreeMap<String, String> {
        self.fake.running(PRODUCTION, &service_id(i)).map(|r| synced(r.variables)).unwrap_or_default()
    }

    /// Requests Railway executed after a `held` fault released them.
    fn held_applied(&self) -> usize {
        self.fake.requests().iter().filter(|r| r.fault.as_deref() == Some("held")).count()
    }

    /// Waits (bounded) until every sync is done: Railway and the running deployment equal
    /// the source, the sync succeeded, nothing is queued or running, no run is `running`.
    async fn converged(&self, node: &Node, api: &Api, db: &mut Db, what: &str) {
        let deadline = Instant::now() + CONVERGE;
        loop {
            let mut why = None;
            for (i, id) in self.syncs.iter().enumerate() {
                let source = self.source(api, i).await;
                let status =
                    api.get(&format!("/api/v1/secret-syncs/railway/{id}")).await["secretSync"]["syncStatus"].clone();
                if self.railway(i) != source {
                    why = Some(format!("s{i}: Railway {:?} != source {source:?}", self.railway(i)));
                } else if self.running(i) != source {
                    why =
                        Some(format!("s{i}: the running deployment has {:?}, the source {source:?}", self.running(i)));
                } else if status != "succeeded" {
                    why = Some(format!("s{i}: status {status}"));
                }
                if why.is_some() {
                    break;
                }
            }
            if why.is_none() {
                let busy = db.count("SELECT COUNT(*) FROM jobs WHERE state IN ('queued', 'running')").await;
                let running = db.count("SELECT COUNT(*) FROM sync_runs WHERE status = 'running'").await;
                if busy > 0 || running > 0 {
                    why = Some(format!("{busy} jobs queued or running, {running} runs running"));
                }
            }
            let Some(why) = why else { return };
            assert!(
                Instant::now() < deadline,
                "{what}: not converged after {CONVERGE:?}: {why}\n--- the node's log\n{}",
                node.log()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Checks that each service was redeployed once per change: every deployment of the
    /// round carries values the one before it did not. Returns the round's deploys.
    async fn deployed_once(&self, round: usize, kill: Kill, before: &[BTreeMap<String, String>]) -> usize {
        let deploys = self.fake.deploys();
        for d in &deploys {
            assert_eq!(
                d.cause,
                DeployCause::DeploymentRedeploy,
                "round {round}: a deploy Sluice did not ask for: {d:?}"
            );
        }
        for (i, previous) in before.iter().enumerate() {
            let mut previous = previous.clone();
            for d in deploys.iter().filter(|d| d.service_id == service_id(i)) {
                let carried = self.snapshot(&d.deployment_id).await;
                assert_ne!(
                    carried, previous,
                    "round {round} ({kill:?}): svc{i} was redeployed twice for one change: deployment {} carries \
                     the same values as the one before it",
                    d.deployment_id
                );
                previous = carried;
            }
        }
        deploys.len()
    }

    /// The synced variables a deployment was created with (Railway's `deploymentSnapshot`).
    async fn snapshot(&self, deployment_id: &str) -> BTreeMap<String, String> {
        let query = "query($id: String!) { deploymentSnapshot(deploymentId: $id) { variables } }";
        let answer: Value = reqwest::Client::new()
            .post(self.fake.graphql_url())
            .bearer_auth(ACCOUNT_TOKEN)
            .json(&json!({"query": query, "variables": {"id": deployment_id}}))
            .send()
            .await
            .expect("snapshot")
            .json()
            .await
            .expect("snapshot json");
        let variables = answer["data"]["deploymentSnapshot"]["variables"].as_object().expect("snapshot variables");
        synced(variables.iter().map(|(k, v)| (k.clone(), v.as_str().map(str::to_string))).collect())
    }
}

/// The variables a sync wrote (its prefix), keys without the prefix.
fn synced(variables: BTreeMap<String, Option<String>>) -> BTreeMap<String, String> {
    variables.into_iter().filter_map(|(k, v)| Some((k.strip_prefix(PREFIX)?.to_string(), v?))).collect()
}

/// The database, read directly for what the API does not show (the job queue, every run).
struct Db(sqlx::AnyConnection);

impl Db {
    async fn connect(url: &str) -> Db {
        use sqlx::Connection;
        sqlx::any::install_default_drivers();
        Db(sqlx::AnyConnection::connect(url).await.expect("database"))
    }

    async fn count(&mut self, sql: &'static str) -> i64 {
        sqlx::query_scalar(sql).fetch_one(&mut self.0).await.expect(sql)
    }
}
