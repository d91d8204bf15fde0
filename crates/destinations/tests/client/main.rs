//! The Railway client against the fake Railway server (`sluice-railway-fake`), started
//! in-process per test with the example seed (`examples/railway-seed.json`) or a variant.
//!
//! One test binary; the tests are grouped by operation: identity (credential checks,
//! auto-detect, auth headers), projects (picker and pagination), variables, deploys,
//! errors (every error class end to end), and schema_conformance (every operation the
//! client sends validates against Railway's published schema).

mod deploys;
mod errors;
mod identity;
mod pacing;
mod projects;
mod schema_conformance;
mod variables;

use std::time::Duration;

use sluice_destinations::railway::{Credentials, RailwayClient, RailwayConfig, RailwayTarget, TokenKind};
use sluice_domain::SecretToken;
use sluice_railway_fake::{FakeConfig, FakeRailway, Seed};

/// Seeded ids and tokens (see `examples/railway-seed.json`).
pub mod seeded {
    pub const ACCOUNT_TOKEN: &str = "a0000000-0000-4000-8000-000000000001";
    pub const WORKSPACE_TOKEN: &str = "b0000000-0000-4000-8000-000000000002";
    pub const PROJECT_TOKEN: &str = "c0000000-0000-4000-8000-000000000003";
    pub const WORKSPACE: &str = "11111111-1111-4111-8111-111111111111";
    pub const PROJECT: &str = "33333333-3333-4333-8333-333333333333";
    pub const PRODUCTION: &str = "44444444-4444-4444-8444-444444444444";
    pub const STAGING: &str = "55555555-5555-4555-8555-555555555555";
    pub const API: &str = "66666666-6666-4666-8666-666666666666";
    pub const WORKER: &str = "77777777-7777-4777-8777-777777777777";
}

/// A running fake and a client pointed at it.
pub struct Harness {
    pub fake: FakeRailway,
    pub client: RailwayClient,
}

impl Harness {
    /// The example seed, default fake config, default client config.
    pub async fn start() -> Self {
        Self::with(FakeConfig::default(), Seed::example(), |_| {}).await
    }

    /// A custom fake and a client config tweak (page size, timeouts).
    pub async fn with(config: FakeConfig, seed: Seed, tweak: impl FnOnce(&mut RailwayConfig)) -> Self {
        let fake = FakeRailway::start_with(config, seed).await.expect("fake Railway starts");
        let mut client_config = RailwayConfig::with_endpoint(fake.graphql_url());
        client_config.timeout = Duration::from_secs(10);
        tweak(&mut client_config);
        let client = RailwayClient::new(client_config).expect("client builds");
        Self { fake, client }
    }

    /// Operation names of the requests the fake received, in order.
    pub fn operations(&self) -> Vec<String> {
        self.fake.requests().into_iter().map(|r| r.operation_name.unwrap_or_default()).collect()
    }
}

pub fn token(value: &str) -> SecretToken {
    SecretToken::new(value)
}

pub fn account() -> Credentials {
    Credentials::new(TokenKind::Account, token(seeded::ACCOUNT_TOKEN))
}

pub fn workspace() -> Credentials {
    Credentials::new(TokenKind::Workspace, token(seeded::WORKSPACE_TOKEN))
}

pub fn project() -> Credentials {
    Credentials::new(TokenKind::Project, token(seeded::PROJECT_TOKEN))
}

/// The api service in production.
pub fn api_target() -> RailwayTarget {
    RailwayTarget::service(seeded::PROJECT, seeded::PRODUCTION, seeded::API)
}

/// Production's shared variables.
pub fn shared_target() -> RailwayTarget {
    RailwayTarget::shared(seeded::PROJECT, seeded::PRODUCTION)
}
