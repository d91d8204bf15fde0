//! Where tokens' pacing states live: in this process ([`LocalPaces`]), or in a store
//! shared by every node with, in its stead while it fails, this node's copy of each
//! token's state ([`FallbackPaces`]). The decisions themselves are the parent module's.

use super::{PaceChange, PaceError, PaceSettings, PaceState, PaceStore, Slot, now_ms};
use crate::destination::BoxFuture;
use std::fmt;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// Tokens' states in this process only.
#[derive(Debug, Default)]
pub struct LocalPaces {
    states: Mutex<std::collections::HashMap<String, PaceState>>,
}

/// Tokens whose copy a [`FallbackPaces`] keeps; past them the copies start over (a
/// rotated token's key is never asked about again).
const KEPT_COPIES: usize = 1024;

impl LocalPaces {
    /// Takes in the shared state of the token keyed `key`, as the shared store left it at
    /// `now`, keeping what this node did on its own meanwhile ([`merge_shared`]).
    fn take_in(&self, key: &str, shared: PaceState, now: i64, settings: &PaceSettings) {
        let mut states = self.states.lock().unwrap_or_else(PoisonError::into_inner);
        if states.len() >= KEPT_COPIES && !states.contains_key(key) {
            states.clear();
        }
        let copy = states.entry(key.to_owned()).or_default();
        merge_shared(copy, shared, now, settings);
    }
}

/// A node's copy of a token's state after the shared store answered a change at `now`:
/// the shared state, with the slots and the pause this node took on its own while the store
/// could not answer still counted, so that a store that fails now and then never lets the
/// node's own slots and the shared ones fill the same window twice over. Slots a window
/// old bind nothing and go; the window's latest `cap` are kept. The budget and the backoff
/// are the shared ones (an answer the node recorded on its own stays its own).
pub fn merge_shared(copy: &mut PaceState, shared: PaceState, now: i64, settings: &PaceSettings) {
    let (cap, window) = settings.window();
    let mut recent = shared.recent;
    recent.extend(copy.recent.iter().filter(|t| **t + window > now));
    recent.sort_unstable();
    recent.dedup();
    let excess = recent.len().saturating_sub(cap);
    recent.drain(..excess);
    *copy = PaceState { recent, paused_until: shared.paused_until.max(copy.paused_until), ..shared };
}

impl LocalPaces {
    /// Applies `change` to the state of the token keyed `key` at `now`.
    fn apply(&self, key: &str, change: PaceChange<'_>, now: i64) -> (Slot, i64) {
        let mut states = self.states.lock().unwrap_or_else(PoisonError::into_inner);
        let state = states.entry(key.to_owned()).or_default();
        (change(state, now), now)
    }
}

impl PaceStore for LocalPaces {
    fn update<'a>(&'a self, key: &'a str, change: PaceChange<'a>) -> BoxFuture<'a, Result<(Slot, i64), PaceError>> {
        Box::pin(async move { Ok(self.apply(key, change, now_ms())) })
    }
}

/// The store shared by every node and, in its stead while it fails, this node's copy of
/// each token's state as the shared store last left it: a request is paced on this node
/// alone rather than sent unpaced. The store fails when it answers with an error or not
/// within [`PaceSettings::store_wait`]; the node then paces on its own for as long again
/// before it asks the store anew, so that during an outage not every request waits for
/// the store first. The slots and pauses the node takes on its own stay counted in its
/// copy when the store answers again ([`merge_shared`]).
#[derive(Debug)]
pub struct FallbackPaces {
    shared: Arc<dyn PaceStore>,
    local: LocalPaces,
    settings: PaceSettings,
    /// Until when, after the store failed, the node paces on its own without asking it.
    on_its_own_until: Mutex<Option<tokio::time::Instant>>,
    /// The shared store's clock ahead of this node's at its last answer, in milliseconds:
    /// the copy's times are on the store's clock, and the node paces on it on its own.
    clock_ahead: AtomicI64,
    /// Pauses the node took on its own (Railway refused a request while the store failed),
    /// by token, until the store has them: its next change for the token carries them, so
    /// that the other nodes keep to them too.
    untold_pauses: Mutex<std::collections::HashMap<String, i64>>,
}

impl FallbackPaces {
    /// Paces through `shared`, falling back to this node's copy of its states.
    pub fn new(shared: Arc<dyn PaceStore>, settings: PaceSettings) -> Self {
        Self {
            shared,
            local: LocalPaces::default(),
            settings,
            on_its_own_until: Mutex::new(None),
            clock_ahead: AtomicI64::new(0),
            untold_pauses: Mutex::default(),
        }
    }

    /// How long the node paces on its own after the store failed: as long as the store
    /// may take to answer; not at all for a store waited for as long as it takes.
    fn spell(&self) -> Duration {
        self.settings.store_wait.unwrap_or(Duration::ZERO)
    }

    /// Whether the store failed less than [`FallbackPaces::spell`] ago.
    fn on_its_own(&self) -> bool {
        let until = self.on_its_own_until.lock().unwrap_or_else(PoisonError::into_inner);
        until.is_some_and(|until| tokio::time::Instant::now() < until)
    }

    /// The store failed: the node paces on its own for a while.
    fn store_failed(&self, why: &dyn fmt::Display) {
        match self.spell() {
            Duration::ZERO => {
                tracing::warn!(error = %why, "the shared pacing store failed; this node paces the request on its own")
            }
            spell => tracing::warn!(
                error = %why,
                "the shared pacing store failed; this node paces the token on its own for {spell:?}"
            ),
        }
        let until = tokio::time::Instant::now() + self.spell();
        *self.on_its_own_until.lock().unwrap_or_else(PoisonError::into_inner) = Some(until);
    }

    /// Applies `change` to this node's copy, on the shared store's clock as last seen, and
    /// keeps a pause it takes to tell the store.
    fn on_own_copy(&self, key: &str, change: PaceChange<'_>) -> Result<(Slot, i64), PaceError> {
        let raised: Mutex<Option<i64>> = Mutex::new(None);
        let watching = |state: &mut PaceState, now: i64| {
            let before = state.paused_until;
            let slot = change(state, now);
            if state.paused_until > before {
                *raised.lock().unwrap_or_else(PoisonError::into_inner) = Some(state.paused_until);
            }
            slot
        };
        let done = self.local.apply(key, &watching, now_ms() + self.clock_ahead.load(Ordering::Relaxed));
        if let Some(until) = raised.into_inner().unwrap_or_else(PoisonError::into_inner) {
            let mut untold = self.untold_pauses.lock().unwrap_or_else(PoisonError::into_inner);
            if untold.len() >= KEPT_COPIES && !untold.contains_key(key) {
                untold.clear();
            }
            let pause = untold.entry(key.to_owned()).or_default();
            *pause = (*pause).max(until);
        }
        Ok(done)
    }
}

impl PaceStore for FallbackPaces {
    fn update<'a>(&'a self, key: &'a str, change: PaceChange<'a>) -> BoxFuture<'a, Result<(Slot, i64), PaceError>> {
        Box::pin(async move {
            if self.on_its_own() {
                return self.on_own_copy(key, change);
            }
            // The state the change left, kept from its last application: a store that
            // retries a contended change applies it again, and the last one is the one kept.
            let left: Mutex<Option<PaceState>> = Mutex::new(None);
            let untold = self.untold_pauses.lock().unwrap_or_else(PoisonError::into_inner).get(key).copied();
            let keeping = |state: &mut PaceState, now: i64| {
                if let Some(until) = untold {
                    state.paused_until = state.paused_until.max(until);
                }
                let slot = change(state, now);
                *left.lock().unwrap_or_else(PoisonError::into_inner) = Some(state.clone());
                slot
            };
            // A change the store applies after the wait still counts there: the slot is
            // counted twice, never not at all.
            let answered = match self.settings.store_wait {
                Some(wait) => tokio::time::timeout(wait, self.shared.update(key, &keeping)).await,
                None => Ok(self.shared.update(key, &keeping).await),
            };
            match answered {
                Ok(Ok(done)) => {
                    // Against the answer's arrival: the store reads its clock last, after
                    // waiting for a connection and any retried change, so the offset errs
                    // by the answer's way back, one statement, on the side of longer waits.
                    self.clock_ahead.store(done.1 - now_ms(), Ordering::Relaxed);
                    if let Some(told) = untold {
                        let mut untold = self.untold_pauses.lock().unwrap_or_else(PoisonError::into_inner);
                        // Unless the node took a longer one on its own meanwhile.
                        if untold.get(key).is_some_and(|until| *until <= told) {
                            untold.remove(key);
                        }
                    }
                    if let Some(state) = left.into_inner().unwrap_or_else(PoisonError::into_inner) {
                        self.local.take_in(key, state, done.1, &self.settings);
                    }
                    Ok(done)
                }
                Ok(Err(e)) => {
                    self.store_failed(&e);
                    self.on_own_copy(key, change)
                }
                Err(_) => {
                    self.store_failed(&format_args!("no answer within {:?}", self.spell()));
                    self.on_own_copy(key, change)
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(rps: f64) -> PaceSettings {
        PaceSettings { rps, ..PaceSettings::default() }
    }

    #[test]
    fn a_copy_taking_in_the_shared_state_keeps_what_the_node_did_on_its_own() {
        // 10 RPS: nine slots in a window of 1.1 s.
        let s = settings(10.0);
        let now = 10_000;
        type Case = (&'static str, Vec<i64>, i64, Vec<i64>, i64, Vec<i64>, i64);
        let cases: Vec<Case> = vec![
            ("an empty copy takes the shared state", vec![], 0, vec![9_500, 9_600], 0, vec![9_500, 9_600], 0),
            (
                "own slots in the window stay, one ahead too; one a window old goes",
                vec![8_800, 9_700, 10_300],
                0,
                vec![9_500, 9_600],
                0,
                vec![9_500, 9_600, 9_700, 10_300],
                0,
            ),
            (
                "a slot the copy had from the shared state counts once",
                vec![9_500, 9_650],
                0,
                vec![9_500, 9_600],
                0,
                vec![9_500, 9_600, 9_650],
                0,
            ),
            ("a pause taken on its own outlasts a shorter shared one", vec![], 40_000, vec![], 20_000, vec![], 40_000),
            ("a longer shared pause wins", vec![], 20_000, vec![], 40_000, vec![], 40_000),
            (
                "the window's latest nine are kept",
                (9_000..9_009).collect(),
                0,
                (9_100..9_109).collect(),
                0,
                (9_100..9_109).collect(),
                0,
            ),
        ];
        for (why, own, own_pause, shared, shared_pause, want, want_pause) in cases {
            let mut copy = PaceState { recent: own, paused_until: own_pause, ..PaceState::default() };
            let shared = PaceState { recent: shared, paused_until: shared_pause, ..PaceState::default() };
            merge_shared(&mut copy, shared, now, &s);
            assert_eq!((copy.recent, copy.paused_until), (want, want_pause), "{why}");
        }
        // The budget and the backoff are the shared ones.
        let mut copy = PaceState { remaining: Some(5), reset_at: Some(1), strikes: 3, ..PaceState::default() };
        let shared = PaceState { remaining: Some(100), reset_at: Some(2), strikes: 0, ..PaceState::default() };
        merge_shared(&mut copy, shared, now, &s);
        assert_eq!((copy.remaining, copy.reset_at, copy.strikes), (Some(100), Some(2), 0));
    }

    /// A shared store that never answers (a database out of connections), counting asks.
    #[derive(Debug, Default)]
    struct Stalled(std::sync::atomic::AtomicUsize);

    impl PaceStore for Stalled {
        fn update<'a>(&'a self, _: &'a str, _: PaceChange<'a>) -> BoxFuture<'a, Result<(Slot, i64), PaceError>> {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Box::pin(std::future::pending())
        }
    }

    #[tokio::test]
    async fn a_store_that_does_not_answer_in_time_is_left_alone_for_as_long_again() {
        let stalled = Arc::new(Stalled::default());
        let wait = Duration::from_millis(100);
        let paces = FallbackPaces::new(stalled.clone(), PaceSettings { store_wait: Some(wait), ..settings(10.0) });
        let take = |state: &mut PaceState, now: i64| {
            state.recent.push(now);
            Slot::At(now)
        };
        let asks = || stalled.0.load(std::sync::atomic::Ordering::SeqCst);
        let started = std::time::Instant::now();
        paces.update("token", &take).await.expect("paced on its own");
        assert!(started.elapsed() >= wait, "the store had its wait");
        assert_eq!(asks(), 1);
        // Within the spell on its own, the store is not asked and nothing waits for it.
        paces.update("token", &take).await.expect("paced on its own");
        assert_eq!(asks(), 1, "the store was asked again at once");
        // The node's copy counts both slots.
        let copy = paces.local.states.lock().expect("copy")["token"].clone();
        assert_eq!(copy.recent.len(), 2, "{copy:?}");
        // After the spell, the store is asked again.
        *paces.on_its_own_until.lock().expect("spell") = Some(tokio::time::Instant::now());
        paces.update("token", &take).await.expect("paced on its own");
        assert_eq!(asks(), 2);
    }
}
