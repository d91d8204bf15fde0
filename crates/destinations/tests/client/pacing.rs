//! Pacing per token: the per-second limit is never crossed, a refusal that applied nothing
//! is sent again once the pause allows, a long pause is handed back to the engine, and an
//! accepted answer ends the backoff of earlier refusals.

use std::sync::Arc;
use std::time::Duration;

use sluice_destinations::BoxFuture;
use sluice_destinations::railway::RailwayError;
use sluice_destinations::railway::pacing::{
    LocalPaces, PaceChange, PaceError, PaceSettings, PaceState, PaceStore, Slot,
};
use sluice_railway_fake::{FakeConfig, Fault, RateLimit, Seed};

use sluice_domain::SecretValue;
use std::collections::BTreeMap;

use crate::{Harness, account, api_target, seeded};

fn secret_map(name: &str) -> BTreeMap<String, SecretValue> {
    BTreeMap::from([(name.to_owned(), SecretValue::from("a paced value"))])
}

fn paced(h: Harness, rps: f64) -> Harness {
    let settings = PaceSettings { rps, ..PaceSettings::default() };
    Harness { client: h.client.with_pacing(Arc::new(LocalPaces::default()), settings), fake: h.fake }
}

/// Fires `tasks` × `each` reads at once.
async fn burst(h: &Arc<Harness>, tasks: usize, each: usize) {
    let mut joins = Vec::new();
    for _ in 0..tasks {
        let h = h.clone();
        joins.push(tokio::spawn(async move {
            for _ in 0..each {
                // Refusals are what is counted; the answer itself does not matter here.
                let _ = h.client.get_variables(&account(), &api_target()).await;
            }
        }));
    }
    for j in joins {
        j.await.expect("task");
    }
}

#[tokio::test]
async fn a_burst_from_many_tasks_never_crosses_the_per_second_limit() {
    let limit = RateLimit::new(100_000, Duration::from_secs(3600)).per_second(20);
    let config = FakeConfig { rate_limit: Some(limit), ..FakeConfig::default() };

    // Unpaced, the same burst is refused: the check below can fail.
    let unpaced = Arc::new(Harness::with(config.clone(), Seed::example(), |_| {}).await);
    burst(&unpaced, 4, 10).await;
    assert!(unpaced.fake.rate_limited_count() > 0, "the fake enforces 20 RPS");

    let h = Arc::new(paced(Harness::with(config, Seed::example(), |_| {}).await, 15.0));
    burst(&h, 4, 10).await;
    assert_eq!(h.fake.rate_limited_count(), 0, "{:?}", h.fake.status_counts());
    assert_eq!(h.fake.requests().len(), 40);
}

#[tokio::test]
async fn a_refusal_that_applied_nothing_is_sent_again_once_the_pause_allows() {
    let h = paced(Harness::start().await, 10.0);
    h.fake.inject(Fault::rate_limited(0).for_operation("UpsertVariables"));
    h.client.upsert_variables(&account(), &api_target(), &secret_map("PACED"), true).await.expect("sent again");
    let statuses: Vec<u16> = h.fake.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [429, 200]);
    assert_eq!(h.fake.variables(seeded::PRODUCTION, Some(seeded::API)).get("PACED").map(Option::is_some), Some(true));
}

#[tokio::test]
async fn a_long_pause_is_given_back_as_rate_limited_without_sending_again() {
    let h = paced(Harness::start().await, 10.0);
    h.fake.inject(Fault::rate_limited(120));
    let err = h.client.get_variables(&account(), &api_target()).await.expect_err("paused");
    assert!(matches!(err, RailwayError::RateLimited { .. }), "{err:?}");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(120)));
    assert_eq!(h.fake.requests().len(), 1, "the resend waits for the pause: not sent");
    // Every request with the token now waits, without reaching Railway.
    let again = h.client.get_variables(&account(), &api_target()).await.expect_err("still paused");
    assert!(matches!(again, RailwayError::RateLimited { .. }));
    assert_eq!(h.fake.requests().len(), 1);
}

#[tokio::test]
async fn a_cloudflare_block_backs_off_then_goes_through() {
    let h = paced(Harness::start().await, 10.0);
    h.fake.inject(Fault::cloudflare_block());
    h.client.get_variables(&account(), &api_target()).await.expect("after a backoff");
    let statuses: Vec<u16> = h.fake.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [403, 200]);
}

/// One token's pacing state in memory, readable by the test (every key shares it).
#[derive(Debug, Default)]
struct Watched(std::sync::Mutex<PaceState>);

impl PaceStore for Watched {
    fn update<'a>(&'a self, _key: &'a str, change: PaceChange<'a>) -> BoxFuture<'a, Result<(Slot, i64), PaceError>> {
        Box::pin(async move {
            let now = now_ms();
            let mut state = self.0.lock().unwrap_or_else(|p| p.into_inner());
            Ok((change(&mut state, now), now))
        })
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// Found by the chaos soak: Railway answers without budget headers (the fake without a rate
/// limit, an edge's answers) never reset the count of refusals, so every later 429 without
/// `Retry-After`, however far apart, paused the token twice as long as the one before, up
/// to a minute each. An accepted answer after a refusal resets the count.
#[tokio::test]
async fn an_accepted_answer_resets_the_backoff_of_refusals_without_a_hint() {
    let h = Harness::start().await;
    let store = Arc::new(Watched::default());
    let client = h.client.with_pacing(store.clone(), PaceSettings { rps: 100.0, ..PaceSettings::default() });
    for round in 1..=2 {
        h.fake.inject(Fault::http_status(429));
        client.get_variables(&account(), &api_target()).await.expect("sent again after the pause");
        let state = store.0.lock().unwrap_or_else(|p| p.into_inner()).clone();
        assert_eq!(state.strikes, 0, "round {round}: the accepted answer reset the backoff: {state:?}");
    }
    let statuses: Vec<u16> = h.fake.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [429, 200, 429, 200]);
}

/// A shared store that answers until it is taken down, as a database that goes down, and
/// counts the asks it then refuses; its clock runs `ahead_ms` ahead of this process's, as
/// a database's may. Every key shares its one state.
#[derive(Debug, Default)]
struct Flaky {
    state: std::sync::Mutex<PaceState>,
    ahead_ms: i64,
    down: std::sync::atomic::AtomicBool,
    refused: std::sync::atomic::AtomicUsize,
}

impl Flaky {
    fn down() -> Self {
        Self { down: std::sync::atomic::AtomicBool::new(true), ..Self::default() }
    }
}

impl PaceStore for Flaky {
    fn update<'a>(&'a self, _key: &'a str, change: PaceChange<'a>) -> BoxFuture<'a, Result<(Slot, i64), PaceError>> {
        Box::pin(async move {
            if self.down.load(std::sync::atomic::Ordering::Relaxed) {
                self.refused.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                return Err(PaceError("the database is down".into()));
            }
            let now = now_ms() + self.ahead_ms;
            let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
            Ok((change(&mut state, now), now))
        })
    }
}

/// While the shared store cannot answer, the node paces each token on its own: the same
/// burst that goes over the limit unpaced (the first test) is not refused.
#[tokio::test]
async fn a_node_whose_pacing_store_is_down_paces_on_its_own() {
    let limit = RateLimit::new(100_000, Duration::from_secs(3600)).per_second(20);
    let config = FakeConfig { rate_limit: Some(limit), ..FakeConfig::default() };
    let h = Harness::with(config, Seed::example(), |_| {}).await;
    let store = Arc::new(Flaky::down());
    let client = h.client.with_pacing(store.clone(), PaceSettings { rps: 12.0, ..PaceSettings::default() });
    let h = Arc::new(Harness { client, fake: h.fake });
    burst(&h, 4, 10).await;
    assert!(store.refused.load(std::sync::atomic::Ordering::Relaxed) > 0, "the shared store was asked first");
    assert_eq!(h.fake.rate_limited_count(), 0, "{:?}", h.fake.status_counts());
    assert_eq!(h.fake.requests().len(), 40);
}

/// A node that falls back to pacing on its own starts from the state the shared store last
/// gave it: a pause Railway asked for before the store went down still holds.
#[tokio::test]
async fn a_pause_recorded_before_the_pacing_store_went_down_still_holds() {
    let h = Harness::start().await;
    let store = Arc::new(Flaky::default());
    let client = h.client.with_pacing(store.clone(), PaceSettings { rps: 100.0, ..PaceSettings::default() });
    client.get_variables(&account(), &api_target()).await.expect("read");
    h.fake.inject(Fault::rate_limited(120));
    let refused = client.get_variables(&account(), &api_target()).await.expect_err("paused");
    assert!(matches!(refused, RailwayError::RateLimited { .. }), "{refused:?}");
    let sent = h.fake.requests().len();

    store.down.store(true, std::sync::atomic::Ordering::Relaxed);
    let again = client.get_variables(&account(), &api_target()).await.expect_err("still paused");
    assert!(matches!(again, RailwayError::RateLimited { .. }), "{again:?}");
    assert_eq!(h.fake.requests().len(), sent, "a request went out during the pause");
}

/// The node's copy holds the database's times, on the database's clock; pacing on its own,
/// the node keeps to that clock as it last saw it. On its own clock, a minute behind, a
/// pause the database ended would still run for a minute, past the patience, and every
/// request would be given back as rate limited.
#[tokio::test]
async fn a_node_pacing_on_its_own_keeps_to_the_clock_of_the_database() {
    let h = Harness::start().await;
    let store = Arc::new(Flaky { ahead_ms: 60_000, ..Flaky::default() });
    let client = h.client.with_pacing(store.clone(), PaceSettings { rps: 100.0, ..PaceSettings::default() });
    h.fake.inject(Fault::rate_limited(1));
    client.get_variables(&account(), &api_target()).await.expect("sent again after the one-second pause");

    store.down.store(true, std::sync::atomic::Ordering::Relaxed);
    client.get_variables(&account(), &api_target()).await.expect("the pause is over on the database's clock");
    let statuses: Vec<u16> = h.fake.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [429, 200, 200]);
}

/// A pause Railway asks for while the database is down is the node's own at first; the
/// database has it once it answers again, so that the other nodes keep to it too.
#[tokio::test]
async fn a_pause_taken_while_the_pacing_store_was_down_reaches_it_when_it_answers_again() {
    let h = Harness::start().await;
    let store = Arc::new(Flaky::down());
    // A store waited for as long as it takes is asked again right after it failed.
    let settings = PaceSettings { rps: 100.0, store_wait: None, ..PaceSettings::default() };
    let client = h.client.with_pacing(store.clone(), settings);
    h.fake.inject(Fault::rate_limited(120));
    let refused = client.get_variables(&account(), &api_target()).await.expect_err("paused");
    assert!(matches!(refused, RailwayError::RateLimited { .. }), "{refused:?}");
    let shared = || store.state.lock().unwrap_or_else(|p| p.into_inner()).paused_until;
    assert_eq!(shared(), 0, "the store was down");

    store.down.store(false, std::sync::atomic::Ordering::Relaxed);
    let again = client.get_variables(&account(), &api_target()).await.expect_err("still paused");
    assert!(matches!(again, RailwayError::RateLimited { .. }), "{again:?}");
    assert!(shared() >= now_ms() + 100_000, "the store has the two-minute pause: {}", shared());
    assert_eq!(h.fake.requests().len(), 1, "a request went out during the pause");
}

/// Tokens' states in memory behind a store that takes a round trip per change, as a
/// database does, counting the changes.
#[derive(Debug, Default)]
struct Remote {
    states: LocalPaces,
    changes: std::sync::atomic::AtomicUsize,
}

impl PaceStore for Remote {
    fn update<'a>(&'a self, key: &'a str, change: PaceChange<'a>) -> BoxFuture<'a, Result<(Slot, i64), PaceError>> {
        Box::pin(async move {
            self.changes.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            tokio::time::sleep(Duration::from_millis(5)).await;
            self.states.update(key, change).await
        })
    }
}

/// On PostgreSQL each change to a token's state is two statements or more: made once per
/// slot and once per answer, they were most of a Railway call's time in the fan-out. A
/// node's requests asking at the same time share one change, and still keep to the limit.
#[tokio::test]
async fn requests_asking_for_slots_at_once_share_a_change_and_keep_to_the_limit() {
    let limit = RateLimit::new(100_000, Duration::from_secs(3600)).per_second(20);
    let config = FakeConfig { rate_limit: Some(limit), ..FakeConfig::default() };
    let h = Harness::with(config, Seed::example(), |_| {}).await;
    let store = Arc::new(Remote::default());
    // Paced well under the fake's limit: the fake counts a request when its handler runs,
    // and on a loaded machine a starved handler bunches requests the client sent in pace
    // (at 15 per second against 20, a loaded two-core machine saw two refusals in four
    // runs). Unpaced, the burst would be refused half its requests.
    let client = h.client.with_pacing(store.clone(), PaceSettings { rps: 12.0, ..PaceSettings::default() });
    let h = Arc::new(Harness { client, fake: h.fake });
    burst(&h, 8, 5).await;
    assert_eq!(h.fake.rate_limited_count(), 0, "{:?}", h.fake.status_counts());
    assert_eq!(h.fake.requests().len(), 40);
    // Every answer carries budget headers, so one by one that is 80 changes: a slot and a record each.
    let changes = store.changes.load(std::sync::atomic::Ordering::Relaxed);
    assert!(changes <= 40, "{changes} changes for 40 requests");
}

/// A node takes a few slots ahead for its next requests when several ask together; a
/// refusal drops them, so no request goes out on a slot taken before Railway asked for a
/// pause.
#[tokio::test]
async fn slots_taken_ahead_are_not_used_after_a_refusal() {
    let h = Arc::new(paced(Harness::start().await, 100.0));
    burst(&h, 4, 3).await;
    h.fake.inject(Fault::rate_limited(120));
    let refused = h.client.get_variables(&account(), &api_target()).await.expect_err("paused");
    assert!(matches!(refused, RailwayError::RateLimited { .. }), "{refused:?}");
    let sent = h.fake.requests().len();
    for _ in 0..3 {
        let again = h.client.get_variables(&account(), &api_target()).await.expect_err("still paused");
        assert!(matches!(again, RailwayError::RateLimited { .. }), "{again:?}");
    }
    assert_eq!(h.fake.requests().len(), sent, "a request went out during the pause");
}

/// A slot taken ahead and left unused still counts against the token's hourly budget, so
/// requests one after another take none: ten requests, ten slots.
#[tokio::test]
async fn requests_one_after_another_take_no_slot_ahead() {
    let h = Harness::start().await;
    let store = Arc::new(Watched::default());
    let client = h.client.with_pacing(store.clone(), PaceSettings { rps: 100.0, ..PaceSettings::default() });
    for _ in 0..10 {
        client.get_variables(&account(), &api_target()).await.expect("read");
    }
    let state = store.0.lock().unwrap_or_else(|p| p.into_inner()).clone();
    // Slots older than a window are forgotten, so a slow machine may count fewer.
    assert!(state.recent.len() <= 10, "{} slots taken for 10 requests", state.recent.len());
}
