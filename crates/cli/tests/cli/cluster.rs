//! Sluice as separate `sluice server` processes: a node killed in the middle of a sync and
//! restarted, and three nodes sharing one PostgreSQL under churn. These talk to processes,
//! so they wait for them by polling the API with a deadline (there is no queue to drain
//! from here).

use super::nodes::{
    API, Api, Cluster, PRODUCTION, free_port, postgres_url, seed_with_services, service_id, setup, sync_body, wait_for,
};
use rand::seq::IndexedRandom;
use serde_json::json;
use sluice_railway_fake::{FakeRailway, Fault, Seed};
use std::collections::BTreeMap;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_killed_mid_sync_resumes_the_job_after_restart() {
    let fake = FakeRailway::start(Seed::example()).await.expect("fake");
    let pg = postgres_url();
    let cluster = Cluster::new(fake.graphql_url(), pg.as_deref()).await;
    let port = free_port();
    let mut node = cluster.node("node-a", port).await;
    let (api, project, connection) = setup(&node).await;
    api.put_secret(&project, "/", "API_KEY", "k-1").await;

    // Railway applies the write, then its answer hangs: kill the node while it waits.
    fake.inject(Fault::slow(Duration::from_secs(30)).times(1).for_root_field("variableCollectionUpsert"));
    let sync = api
        .post("/api/v1/secret-syncs/railway", sync_body(&project, &connection, "s", "/", "SL_{{secretKey}}", API))
        .await;
    let id = sync["secretSync"]["id"].as_str().expect("id").to_string();
    wait_for("the write to reach Railway", Duration::from_secs(20), async || {
        fake.variables(PRODUCTION, Some(API)).contains_key("SL_API_KEY")
    })
    .await;
    node.kill();
    assert_eq!(fake.deploys().iter().filter(|d| d.service_id == API).count(), 0, "killed before the redeploy");

    let node = cluster.node("node-a", port).await;
    let api = Api { url: node.url.clone(), ..api };
    wait_for("the sync to finish after the restart", Duration::from_secs(30), async || {
        api.get(&format!("/api/v1/secret-syncs/railway/{id}")).await["secretSync"]["syncStatus"] == "succeeded"
    })
    .await;
    let upserts =
        fake.requests().iter().filter(|r| r.root_fields.iter().any(|f| f == "variableCollectionUpsert")).count();
    assert_eq!(upserts, 1, "the retry re-read Railway instead of writing again");
    assert_eq!(fake.deploys().iter().filter(|d| d.service_id == API).count(), 1, "the owed redeploy was made once");
    let runs = api.get(&format!("/api/v1/secret-syncs/railway/{id}/runs")).await;
    let runs = runs["runs"].as_array().cloned().unwrap_or_default();
    assert!(runs.iter().any(|r| r["status"] == "succeeded" && r["attempt"] == 2), "{runs:?}");
    // The killed run does not stay "running": the restarted node closed it, naming itself
    // (a repair check after the takeover may be running now; it is a run of its own).
    assert!(runs.iter().filter(|r| r["kind"] == "sync").all(|r| r["status"] != "running"), "{runs:?}");
    let killed = runs.iter().find(|r| r["status"] == "interrupted").expect("the killed run");
    assert_eq!(killed["node"], "node-a");
    assert!(killed["error"].as_str().unwrap_or_default().contains("node-a stopped"), "{killed}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_nodes_on_one_postgres_converge_fifty_syncs_under_churn() {
    let Some(pg) = postgres_url() else {
        eprintln!(
            "skipped: needs PostgreSQL (SLUICE_TEST_DATABASE_URL); scripts/test.sh runs it in the PostgreSQL pass"
        );
        return;
    };
    const SYNCS: usize = 50;
    let fake = FakeRailway::start(seed_with_services(SYNCS)).await.expect("fake");
    let cluster = Cluster::new(fake.graphql_url(), Some(&pg)).await;
    let nodes = [
        cluster.node("node-1", free_port()).await,
        cluster.node("node-2", free_port()).await,
        cluster.node("node-3", free_port()).await,
    ];
    let (admin, project, connection) = setup(&nodes[0]).await;
    let apis: Vec<Api> = nodes.iter().map(|n| Api { url: n.url.clone(), ..admin.clone() }).collect();

    let mut expected: BTreeMap<usize, BTreeMap<String, String>> = BTreeMap::new();
    let mut ids = Vec::new();
    for i in 0..SYNCS {
        apis[i % 3]
            .post(
                "/api/v1/folders",
                json!({"projectId": project, "environment": "dev", "name": format!("f{i}"), "path": "/"}),
            )
            .await;
        apis[i % 3].put_secret(&project, &format!("/f{i}"), "K0", "v0").await;
        expected.entry(i).or_default().insert("K0".into(), "v0".into());
        let service = service_id(i);
        let sync = apis[(i + 1) % 3]
            .post(
                "/api/v1/secret-syncs/railway",
                sync_body(&project, &connection, &format!("s{i}"), &format!("/f{i}"), "C_{{secretKey}}", &service),
            )
            .await;
        ids.push(sync["secretSync"]["id"].as_str().expect("id").to_string());
    }
    // Churn: 300 writes from the three nodes at once, several per folder.
    let mut writers = Vec::new();
    let mut plan: Vec<(usize, String, String)> = Vec::new();
    {
        let mut rng = rand::rng();
        for round in 0..300 {
            let i = *(0..SYNCS).collect::<Vec<_>>().choose(&mut rng).expect("folder");
            let key = format!("K{}", round % 4);
            plan.push((i, key, format!("v{round}")));
        }
    }
    for (w, chunk) in plan.chunks(100).enumerate() {
        let api = apis[w % 3].clone();
        let project = project.clone();
        let chunk = chunk.to_vec();
        writers.push(tokio::spawn(async move {
            for (i, key, value) in chunk {
                api.put_secret(&project, &format!("/f{i}"), &key, &value).await;
            }
        }));
    }
    for w in writers {
        w.await.expect("writer");
    }
    // The last write of each (folder, key) wins: recompute from the database's view.
    for i in 0..SYNCS {
        let listed =
            admin.get(&format!("/api/v3/secrets/raw?workspaceId={project}&environment=dev&secretPath=/f{i}")).await;
        let map: BTreeMap<String, String> = listed["secrets"]
            .as_array()
            .expect("secrets")
            .iter()
            .map(|s| {
                (s["secretKey"].as_str().unwrap_or("").to_string(), s["secretValue"].as_str().unwrap_or("").to_string())
            })
            .collect();
        expected.insert(i, map);
    }

    wait_for("every sync to converge", Duration::from_secs(120), async || {
        (0..SYNCS).all(|i| {
            let service = service_id(i);
            let have: BTreeMap<String, String> = fake
                .variables(PRODUCTION, Some(&service))
                .into_iter()
                .filter_map(|(k, v)| Some((k.strip_prefix("C_")?.to_string(), v?)))
                .collect();
            have == expected[&i]
        })
    })
    .await;

    // No job lost or left behind, and no sync ever ran twice at once.
    use sqlx::Connection;
    let mut db = sqlx::PgConnection::connect(&cluster.db_url).await.expect("db");
    wait_for("the queue to empty", Duration::from_secs(60), async || {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE state IN ('queued', 'running')")
            .fetch_one(&mut db)
            .await
            .expect("count");
        n == 0
    })
    .await;
    let failed: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE state = 'failed'").fetch_one(&mut db).await.expect("count");
    assert_eq!(failed, 0);
    let rows: Vec<(String, i64, Option<i64>, String)> =
        sqlx::query_as("SELECT sync_id, started_at, finished_at, node FROM sync_runs ORDER BY sync_id, started_at")
            .fetch_all(&mut db)
            .await
            .expect("runs");
    let nodes_used: std::collections::BTreeSet<&str> = rows.iter().map(|r| r.3.as_str()).collect();
    assert!(nodes_used.len() >= 2, "work spread over nodes: {nodes_used:?}");
    for pair in rows.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        if a.0 == b.0 {
            let a_end = a.2.expect("finished");
            assert!(
                a_end <= b.1,
                "sync {} ran twice at once: a run ended at {a_end}, the next started at {}",
                a.0,
                b.1
            );
        }
    }
    for id in &ids {
        let s = admin.get(&format!("/api/v1/secret-syncs/railway/{id}")).await;
        assert_eq!(s["secretSync"]["syncStatus"], "succeeded", "{s}");
    }
}
