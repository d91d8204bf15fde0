//! Pacing shared through the database: two nodes on one token never cross Railway's
//! per-second limit together.

use super::support::*;
use sluice_destinations::railway::pacing::{Answer, PaceSettings, PaceStore, Slot, observe, reserve};
use sluice_destinations::railway::{Credentials, RailwayClient, RailwayConfig, RailwayTarget, TokenKind};
use sluice_domain::SecretToken;
use sluice_engine::paces::StorePaces;
use sluice_railway_fake::RateLimit;
use std::sync::Arc;
use std::time::Duration;

/// A node's client; `paces` is what it shares with the others (`None`: unpaced). On
/// PostgreSQL that is the database's rows; SQLite is one node's database, so there the
/// two clients stand for two tasks of one process and share the process's states.
fn node(env: &Env, paces: Option<&StorePaces>) -> Arc<RailwayClient> {
    let client = RailwayClient::new(RailwayConfig::with_endpoint(env.fake.graphql_url())).expect("client");
    let Some(paces) = paces else { return Arc::new(client) };
    Arc::new(client.with_pacing(Arc::new(paces.clone()), PaceSettings { rps: 15.0, ..PaceSettings::default() }))
}

/// Two nodes, two tasks each, ten reads per task, all at once.
async fn burst(nodes: [Arc<RailwayClient>; 2]) {
    let creds = Credentials::new(TokenKind::Account, SecretToken::new(ACCOUNT_TOKEN));
    let target = RailwayTarget::service(RW_PROJECT, PRODUCTION, API);
    let mut joins = Vec::new();
    for client in nodes.iter().flat_map(|n| [n.clone(), n.clone()]) {
        let (creds, target) = (creds.clone(), target.clone());
        joins.push(tokio::spawn(async move {
            for _ in 0..10 {
                let _ = client.get_variables(&creds, &target).await;
            }
        }));
    }
    for j in joins {
        j.await.expect("task");
    }
}

#[tokio::test]
async fn two_nodes_sharing_the_database_pace_one_token_together() {
    let env = start().await;
    env.fake.set_rate_limit(Some(RateLimit::new(100_000, Duration::from_secs(3600)).per_second(20)));

    // Paced a quarter under the fake's limit: a loaded machine may send a request a little late.
    let paces = StorePaces::new(env.app.state().store.clone());
    burst([node(&env, Some(&paces)), node(&env, Some(&paces))]).await;
    assert_eq!(env.fake.rate_limited_count(), 0, "{:?}", env.fake.status_counts());
    assert_eq!(env.fake.requests().len(), 40);

    // The same burst without pacing is refused: the check above can fail.
    env.fake.clear_requests();
    burst([node(&env, None), node(&env, None)]).await;
    assert!(env.fake.rate_limited_count() > 0, "unpaced nodes are refused");
}

/// A pause Railway asked for outlives a restart (a new store on the same database), while
/// the per-request slots stay in the process on SQLite.
#[tokio::test]
async fn a_pause_outlives_a_restart() {
    let env = start().await;
    let store = env.app.state().store.clone();
    let key = "token-key-of-a-test";
    let before = StorePaces::new(store.clone());
    let (_, now) = before
        .update(key, &|s, now| {
            observe(s, Answer::RetryAfter { wait_ms: 60_000 }, now, 0.0);
            Slot::None
        })
        .await
        .expect("recorded");

    let after = StorePaces::new(store);
    let settings = PaceSettings::default();
    let (slot, _) = after.update(key, &move |s, now| reserve(s, now, &settings)).await.expect("reserved");
    match slot {
        Slot::TooFar(at) => assert!(at >= now + 59_000, "the slot waits for the pause: {at} vs {now}"),
        other => panic!("a restarted node ignored Railway's Retry-After: {other:?}"),
    }
}
