//! Pacing shared through the database: two nodes on one token never cross Railway's
//! per-second limit together.

use super::support::*;
use sluice_destinations::railway::pacing::PaceSettings;
use sluice_destinations::railway::{Credentials, RailwayClient, RailwayConfig, RailwayTarget, TokenKind};
use sluice_domain::SecretToken;
use sluice_engine::paces::StorePaces;
use sluice_railway_fake::RateLimit;
use std::sync::Arc;
use std::time::Duration;

fn node(env: &Env, paced: bool) -> Arc<RailwayClient> {
    let client = RailwayClient::new(RailwayConfig::with_endpoint(env.fake.graphql_url())).expect("client");
    if !paced {
        return Arc::new(client);
    }
    let paces = Arc::new(StorePaces::new(env.app.state().store.clone()));
    Arc::new(client.with_pacing(paces, PaceSettings { rps: 15.0, ..PaceSettings::default() }))
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
    burst([node(&env, true), node(&env, true)]).await;
    assert_eq!(env.fake.rate_limited_count(), 0, "{:?}", env.fake.status_counts());
    assert_eq!(env.fake.requests().len(), 40);

    // The same burst without pacing is refused: the check above can fail.
    env.fake.clear_requests();
    burst([node(&env, false), node(&env, false)]).await;
    assert!(env.fake.rate_limited_count() > 0, "unpaced nodes are refused");
}
