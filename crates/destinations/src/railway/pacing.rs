//! Pacing every request a token makes, so that a large fan-out finishes without a 429.
//!
//! Railway limits each token, per hour (1,000 on Hobby, 10,000 on Pro) and per second
//! (10 RPS on Hobby, 50 on Pro), reports the hourly budget in `X-RateLimit-Limit`,
//! `-Remaining` and `-Reset`, and sends `Retry-After` (whole seconds) once the budget is
//! used up (Railway docs, API page; Railway's CLI parses `Retry-After` as seconds). A client
//! that hammers it also meets Cloudflare, which answers an HTML page with no wait hint (a
//! Railway community thread). So every request with a token first takes a slot from that
//! token's [`PaceState`], shared by every sync on the token, and, through a [`PaceStore`]
//! backed by the database, by every node:
//!
//! - **Rate**: no more slots in any 1.1-second window than 95 % of the configured rate per
//!   second (the token's recent slots are kept): a lone request goes at once, a burst goes
//!   at the limit, and a request sent a little after its slot (a slow database, a busy
//!   core) never makes Railway count more than its per-second limit.
//! - **Budget**: the remaining hourly budget is spent at that rate, and counted down per
//!   slot between answers; once it is used up, slots wait for the window's reset instead
//!   of earning a 429.
//! - **Refusals**: a `Retry-After` pauses the token for that long; a 429 or an HTML
//!   403/429 without one pauses it with exponential backoff and jitter (1 s doubling to
//!   60 s), reset by the next answer that is not a refusal.
//!
//! A slot further away than the client's patience (10 s by default) is not waited for:
//! the request fails as rate limited with that wait, and the engine retries the job then.
//!
//! The decisions are pure functions of the state ([`reserve`], [`observe`]), table-tested
//! here; a store only makes each one atomic. When the shared store answers with an error,
//! or (PostgreSQL's; SQLite's is the node's own) not within [`PaceSettings::store_wait`]
//! (the database is down, slow, or out of connections), the node paces the token on its
//! own from the state it last saw there ([`FallbackPaces`]), and goes on so for as long
//! again before asking the store anew: at the rate per node rather than across nodes, a
//! pause or a spent budget still kept (on the store's clock as last seen), never unpaced,
//! and a request waits for a store that does not answer once per such spell at most. A
//! pause Railway asks for meanwhile is written to the store with the next change it
//! answers.

use std::fmt;
use std::time::Duration;

use crate::destination::BoxFuture;

/// A token's pacing state, in milliseconds since the Unix epoch.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PaceState {
    /// The token's latest slots, oldest first (at most one window's worth).
    pub recent: Vec<i64>,
    /// No slot before this (a `Retry-After`, or backoff after a refusal).
    pub paused_until: i64,
    /// The hourly budget left, as last reported and counted down since.
    pub remaining: Option<i64>,
    /// When the budget's window resets.
    pub reset_at: Option<i64>,
    /// Refusals without a hint in a row (the backoff's exponent).
    pub strikes: u32,
}

/// How fast a token may go.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PaceSettings {
    /// Requests per second the token's plan allows (Railway: 10 on Hobby, 50 on Pro).
    pub rps: f64,
    /// The longest wait for a slot before giving the request back as rate limited.
    pub patience: Duration,
    /// How long the shared store may take to answer before the node paces on its own, and
    /// then how long it does so before asking the store again; `None` for a store waited
    /// for as long as it takes (SQLite's, this node's own: nothing to fall back on there but
    /// its errors).
    pub store_wait: Option<Duration>,
}

impl Default for PaceSettings {
    fn default() -> Self {
        Self { rps: 10.0, patience: Duration::from_secs(10), store_wait: Some(Duration::from_secs(2)) }
    }
}

/// The share of the configured rate actually used.
const HEADROOM: f64 = 0.95;
/// How late after its slot a request may leave without crossing the per-second limit.
const SEND_MARGIN_MS: i64 = 100;
const BACKOFF_BASE_MS: i64 = 1_000;
const BACKOFF_MAX_MS: i64 = 60_000;

impl PaceSettings {
    /// How many slots one window may hold, and the window's length in milliseconds: 95 %
    /// of the rate per second in 1.1 s, or one slot per `1 / (0.95 rps)` (plus the same
    /// margin) below about 1 RPS.
    pub fn window(&self) -> (usize, i64) {
        let rps = if self.rps.is_finite() && self.rps > 0.0 { self.rps } else { 1.0 };
        let per_second = rps * HEADROOM;
        if per_second >= 1.0 {
            (per_second.floor() as usize, 1_000 + SEND_MARGIN_MS)
        } else {
            (1, (1_000.0 / per_second).ceil() as i64 + SEND_MARGIN_MS)
        }
    }
}

/// What an answer from Railway says about the token's pace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// An answer that is not a refusal, with the budget headers it carried.
    Accepted { remaining: Option<i64>, reset_at: Option<i64> },
    /// A refusal with a wait (`Retry-After`).
    RetryAfter { wait_ms: i64 },
    /// A refusal without a hint: a 429 without `Retry-After`, or an HTML 403/429.
    Throttled,
}

/// A slot, or why there is none soon.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    /// Start at this time (at or after now).
    At(i64),
    /// The earliest slot is further away than the client's patience; nothing was taken.
    TooFar(i64),
    /// A change that takes no slot (recording an answer).
    None,
}

/// Takes the token's next slot at `now`, unless it is further away than `patience`.
pub fn reserve(state: &mut PaceState, now: i64, settings: &PaceSettings) -> Slot {
    if state.reset_at.is_some_and(|reset| reset <= now) {
        state.remaining = None;
        state.reset_at = None;
    }
    let (cap, window) = settings.window();
    let at = next_slot(state, now, settings);
    if at - now > settings.patience.as_millis() as i64 {
        return Slot::TooFar(at);
    }
    state.recent.push(at);
    // A window holds at most `cap` slots, and a slot a window old binds nothing any more:
    // at a high rate the state stays one window's requests, not `cap` of them.
    let excess = state.recent.len().saturating_sub(cap);
    let stale = state.recent.partition_point(|t| t + window <= now);
    state.recent.drain(..excess.max(stale));
    if let Some(remaining) = state.remaining.as_mut() {
        *remaining -= 1;
    }
    Slot::At(at)
}

/// When the token's next slot would be, asked at `now` (its budget window already renewed
/// if due), without taking it.
fn next_slot(state: &PaceState, now: i64, settings: &PaceSettings) -> i64 {
    let (cap, window) = settings.window();
    let mut at = now.max(state.paused_until);
    // Slots are handed out in order, and a window holds at most `cap` of them.
    if let Some(last) = state.recent.last() {
        at = at.max(*last);
    }
    if state.recent.len() >= cap {
        at = at.max(state.recent[state.recent.len() - cap] + window);
    }
    if let (Some(remaining), Some(reset)) = (state.remaining, state.reset_at)
        && remaining <= 0
    {
        at = at.max(reset);
    }
    at
}

/// How long after its time a slot taken ahead ([`take_spare`]) may still be used: half
/// the margin a request has to leave after its slot, the other half left for the request.
pub const SPARE_FOR_MS: i64 = SEND_MARGIN_MS / 2;

/// The most slots a node takes ahead at once: a quarter of a window, at most 64, so that
/// slots a node took and did not use hold back the others little.
pub fn max_spare(settings: &PaceSettings) -> usize {
    (settings.window().0 / 4).min(64)
}

/// Takes up to `n` more slots for a node's next requests, only while the token can have
/// them at once (none when it is paused, has refusals counted or its budget is spent).
/// Used within [`SPARE_FOR_MS`], they are as if each request had left a little after its
/// own slot, which the window's margin allows; unused, they expire.
pub fn take_spare(state: &mut PaceState, now: i64, settings: &PaceSettings, n: usize) -> Vec<i64> {
    let mut spare = Vec::new();
    if state.strikes > 0 {
        return spare;
    }
    while spare.len() < n && next_slot(state, now, settings) <= now {
        match reserve(state, now, settings) {
            Slot::At(at) => spare.push(at),
            Slot::TooFar(_) | Slot::None => break,
        }
    }
    spare
}

/// Whether recording `answer` would leave a token's state as `seen` unchanged, so that it
/// need not be written. `seen` is the state after this node's latest change: within one
/// budget window the shared count only goes down, so an answer reporting no less than the
/// count seen changes nothing there either (answers arrive out of order: [`observe`]).
pub fn changes_nothing(seen: &PaceState, answer: Answer) -> bool {
    match answer {
        Answer::Accepted { remaining: Some(remaining), reset_at: Some(reset) } => {
            seen.strikes == 0
                && seen.reset_at == Some(reset)
                && seen.remaining.is_some_and(|counted| counted <= remaining)
        }
        Answer::Accepted { .. } => seen.strikes == 0,
        Answer::RetryAfter { .. } | Answer::Throttled => false,
    }
}

/// Records what an answer said. `jitter` in `[0, 1)` spreads backoffs of several nodes.
pub fn observe(state: &mut PaceState, answer: Answer, now: i64, jitter: f64) {
    match answer {
        Answer::Accepted { remaining, reset_at } => {
            state.strikes = 0;
            if let (Some(remaining), Some(reset)) = (remaining, reset_at) {
                let same_window = state.reset_at == Some(reset);
                state.remaining = Some(match state.remaining {
                    // Answers arrive out of order; within one window the lowest count is
                    // the latest.
                    Some(counted) if same_window => counted.min(remaining),
                    _ => remaining,
                });
                state.reset_at = Some(reset);
            }
        }
        Answer::RetryAfter { wait_ms } => {
            state.strikes = state.strikes.saturating_add(1);
            state.paused_until = state.paused_until.max(now + wait_ms.max(0));
        }
        Answer::Throttled => {
            state.strikes = state.strikes.saturating_add(1);
            let exp = state.strikes.saturating_sub(1).min(16);
            let backoff = (BACKOFF_BASE_MS.saturating_mul(1 << exp)).min(BACKOFF_MAX_MS);
            let jittered = backoff / 2 + ((backoff / 2) as f64 * jitter.clamp(0.0, 1.0)) as i64;
            state.paused_until = state.paused_until.max(now + jittered);
        }
    }
}

/// Whether an answer has to be written to the token's shared state. Refusals and answers
/// with budget headers always are. An accepted answer without budget headers changes
/// nothing on a token without counted refusals, so it costs no write there; but when
/// refusals were counted (`strikes_counted`, as seen when the slot was taken) it must be
/// written, or the count is never reset and every later refusal, however far apart, backs
/// off longer, up to a minute each.
pub fn worth_recording(answer: Answer, strikes_counted: bool) -> bool {
    match answer {
        Answer::Accepted { remaining: None, .. } => strikes_counted,
        Answer::Accepted { .. } | Answer::RetryAfter { .. } | Answer::Throttled => true,
    }
}

/// What one request asks of its token's state: a slot before sending, or recording what
/// the answer said (`jitter` in `[0, 1)`, see [`observe`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Ask {
    Slot,
    Record { answer: Answer, jitter: f64 },
}

/// What an [`Ask`] got: the slot ([`Slot::None`] for a record), and whether the token had
/// refusals counted when it was decided (an accepted answer must then reset them:
/// [`worth_recording`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Granted {
    pub slot: Slot,
    pub strikes_counted: bool,
}

/// Several requests' asks decided in one change to the token's state, in the order they
/// were asked: the same as deciding them one after the other at `now`, so a batch wastes
/// no slot (each has its request waiting) and a pause recorded in it binds the slots asked
/// after it.
pub fn decide(state: &mut PaceState, asks: &[Ask], now: i64, settings: &PaceSettings) -> Vec<Granted> {
    asks.iter()
        .map(|ask| {
            let strikes_counted = state.strikes > 0;
            let slot = match *ask {
                Ask::Slot => reserve(state, now, settings),
                Ask::Record { answer, jitter } => {
                    observe(state, answer, now, jitter);
                    Slot::None
                }
            };
            Granted { slot, strikes_counted }
        })
        .collect()
}

/// Why a pace store could not answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("pacing: {0}")]
pub struct PaceError(pub String);

/// One change to a token's state at a time (ms since the epoch, the store's clock), made
/// atomically by a [`PaceStore`].
pub type PaceChange<'a> = &'a (dyn Fn(&mut PaceState, i64) -> Slot + Send + Sync);

/// Where tokens' pacing states live: in memory for one process ([`LocalPaces`]), or in the
/// database for every node sharing it (the engine's store).
pub trait PaceStore: fmt::Debug + Send + Sync {
    /// Applies `change` to the state of the token keyed `key` (a hash, never the token)
    /// atomically, at the store's time, and returns what it returns with that time. Nodes
    /// sharing a store share its clock, so one node's skewed clock cannot stall the others.
    fn update<'a>(&'a self, key: &'a str, change: PaceChange<'a>) -> BoxFuture<'a, Result<(Slot, i64), PaceError>>;
}

mod stores;
pub use stores::{FallbackPaces, LocalPaces, merge_shared};

/// This process's clock, in milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(rps: f64) -> PaceSettings {
        PaceSettings { rps, ..PaceSettings::default() }
    }

    fn at(slot: Slot) -> i64 {
        match slot {
            Slot::At(t) => t,
            other => panic!("expected a slot, got {other:?}"),
        }
    }

    #[test]
    fn a_burst_goes_at_once_up_to_the_window_then_waits() {
        let s = settings(10.0);
        assert_eq!(s.window(), (9, 1_100), "10 RPS at 95 %: 9 per 1.1 s");
        assert_eq!(settings(50.0).window(), (47, 1_100));
        assert_eq!(settings(0.5).window(), (1, 2_206), "below 1 RPS: one slot per window");
        assert_eq!(settings(0.0).window(), (1, 1_153), "a nonsense rate means 1 RPS");
        let mut state = PaceState::default();
        let slots: Vec<i64> = (0..11).map(|_| at(reserve(&mut state, 1_000, &s))).collect();
        assert_eq!(slots, [1_000, 1_000, 1_000, 1_000, 1_000, 1_000, 1_000, 1_000, 1_000, 2_100, 2_100]);
        // After a quiet second, a lone request goes at once.
        assert_eq!(reserve(&mut state, 5_000, &s), Slot::At(5_000));
    }

    #[test]
    fn slots_a_window_old_are_forgotten() {
        let s = settings(100_000.0);
        let mut state = PaceState::default();
        for t in 0..1_000 {
            reserve(&mut state, t, &s);
        }
        assert_eq!(state.recent.len(), 1_000, "all within one window");
        assert_eq!(reserve(&mut state, 2_050, &s), Slot::At(2_050));
        assert_eq!(state.recent, (951..1_000).chain([2_050]).collect::<Vec<_>>(), "slots 1.1 s old are gone");
        assert_eq!(reserve(&mut state, 5_000, &s), Slot::At(5_000));
        assert_eq!(state.recent, [5_000], "a quiet window later only the new slot is kept");
    }

    #[test]
    fn in_any_second_no_more_slots_than_the_rate() {
        let s = settings(10.0);
        let mut state = PaceState::default();
        let mut slots: Vec<i64> = (0..60).map(|_| at(reserve(&mut state, 0, &s))).collect();
        slots.extend((0..30).map(|i| at(reserve(&mut state, 6_500 + i * 37, &s))));
        assert!(slots.windows(2).all(|w| w[0] <= w[1]), "in order");
        for (i, start) in slots.iter().enumerate() {
            // Even if every request of a slot leaves up to 100 ms late.
            let within = slots[i..].iter().take_while(|t| **t < start + 1_100).count();
            assert!(within <= 9, "{within} slots within 1.1 s from {start}");
        }
    }

    #[test]
    fn the_budget_is_spent_then_waits_for_the_reset() {
        let s = settings(10.0);
        let mut state = PaceState::default();
        observe(&mut state, Answer::Accepted { remaining: Some(2), reset_at: Some(60_000) }, 0, 0.0);
        assert_eq!(reserve(&mut state, 0, &s), Slot::At(0));
        assert_eq!(reserve(&mut state, 0, &s), Slot::At(0));
        assert_eq!(reserve(&mut state, 0, &s), Slot::TooFar(60_000), "the budget is used up: the new window is far");
        assert_eq!(reserve(&mut state, 55_000, &s), Slot::At(60_000), "close enough to wait for");
        // The new window: the count is unknown until the next answer.
        assert_eq!(reserve(&mut state, 61_000, &s), Slot::At(61_000));
        assert_eq!(state.remaining, None);
    }

    #[test]
    fn late_answers_do_not_raise_the_count_within_a_window() {
        let mut state = PaceState::default();
        observe(&mut state, Answer::Accepted { remaining: Some(5), reset_at: Some(9) }, 0, 0.0);
        observe(&mut state, Answer::Accepted { remaining: Some(7), reset_at: Some(9) }, 0, 0.0);
        assert_eq!(state.remaining, Some(5));
        observe(&mut state, Answer::Accepted { remaining: Some(900), reset_at: Some(99) }, 0, 0.0);
        assert_eq!(state.remaining, Some(900), "a new window starts over");
    }

    #[test]
    fn retry_after_pauses_the_token() {
        let s = settings(10.0);
        let mut state = PaceState::default();
        observe(&mut state, Answer::RetryAfter { wait_ms: 3_000 }, 1_000, 0.5);
        assert_eq!(reserve(&mut state, 1_000, &s), Slot::At(4_000));
        observe(&mut state, Answer::RetryAfter { wait_ms: 3_600_000 }, 1_000, 0.5);
        let before = state.clone();
        assert_eq!(reserve(&mut state, 1_000, &s), Slot::TooFar(3_601_000));
        assert_eq!(state, before, "a slot too far is not taken");
    }

    #[test]
    fn an_answer_without_budget_headers_is_recorded_only_to_reset_counted_refusals() {
        let accepted = Answer::Accepted { remaining: None, reset_at: None };
        let budget = Answer::Accepted { remaining: Some(9), reset_at: Some(60_000) };
        let table = [
            (accepted, false, false),
            (accepted, true, true),
            (budget, false, true),
            (Answer::Throttled, false, true),
            (Answer::RetryAfter { wait_ms: 1_000 }, false, true),
        ];
        for (answer, counted, expected) in table {
            assert_eq!(worth_recording(answer, counted), expected, "{answer:?} with strikes counted: {counted}");
        }
        // Recorded, it resets the backoff: refusals far apart each back off from the start.
        let mut state = PaceState::default();
        for t in [0, 10_000, 20_000] {
            observe(&mut state, Answer::Throttled, t, 1.0);
            assert_eq!(state.paused_until, t + 1_000);
            observe(&mut state, accepted, t + 2_000, 1.0);
        }
    }

    #[test]
    fn a_batch_decides_as_one_ask_after_the_other() {
        let s = settings(10.0);
        let pause = Ask::Record { answer: Answer::RetryAfter { wait_ms: 2_000 }, jitter: 0.0 };
        let accepted = Ask::Record { answer: Answer::Accepted { remaining: None, reset_at: None }, jitter: 0.0 };
        let table: [(Vec<Ask>, Vec<Slot>); 4] = [
            (vec![], vec![]),
            (vec![Ask::Slot; 3], vec![Slot::At(0); 3]),
            (vec![Ask::Slot, pause, Ask::Slot], vec![Slot::At(0), Slot::None, Slot::At(2_000)]),
            (vec![Ask::Slot; 11], [vec![Slot::At(0); 9], vec![Slot::At(1_100); 2]].concat()),
        ];
        for (asks, slots) in &table {
            let mut batched = PaceState::default();
            let granted = decide(&mut batched, asks, 0, &s);
            assert_eq!(&granted.iter().map(|g| g.slot).collect::<Vec<_>>(), slots, "{asks:?}");
            let mut one_by_one = PaceState::default();
            for ask in asks {
                decide(&mut one_by_one, std::slice::from_ref(ask), 0, &s);
            }
            assert_eq!(batched, one_by_one, "{asks:?}");
        }
        // Each ask sees the refusals counted before it: the record after a refusal must reset them.
        let throttled = Ask::Record { answer: Answer::Throttled, jitter: 0.0 };
        let granted = decide(&mut PaceState::default(), &[Ask::Slot, throttled, accepted, Ask::Slot], 0, &s);
        let counted: Vec<bool> = granted.iter().map(|g| g.strikes_counted).collect();
        assert_eq!(counted, [false, false, true, false]);
    }

    #[test]
    fn slots_are_taken_ahead_only_while_free_at_once() {
        let s = settings(10.0);
        assert_eq!((max_spare(&s), max_spare(&settings(50.0)), max_spare(&settings(100_000.0))), (2, 11, 64));
        let budget =
            |remaining| PaceState { remaining: Some(remaining), reset_at: Some(60_000), ..PaceState::default() };
        let table = [
            ("a quiet token", PaceState::default(), 5, vec![0; 5]),
            ("a window nearly full", PaceState { recent: vec![0; 7], ..PaceState::default() }, 5, vec![0; 2]),
            ("a window full", PaceState { recent: vec![0; 9], ..PaceState::default() }, 5, vec![]),
            ("paused", PaceState { paused_until: 1, ..PaceState::default() }, 5, vec![]),
            ("refusals counted", PaceState { strikes: 1, ..PaceState::default() }, 5, vec![]),
            ("budget nearly spent", budget(2), 5, vec![0; 2]),
            ("budget spent", budget(0), 5, vec![]),
            ("none asked", PaceState::default(), 0, vec![]),
        ];
        for (case, mut state, n, expected) in table {
            let before = state.clone();
            let spare = take_spare(&mut state, 0, &s, n);
            assert_eq!(spare, expected, "{case}");
            assert_eq!(state.recent.len(), before.recent.len() + spare.len(), "{case}: taken as slots");
            // It stops at the first slot not free at once; refusals counted stop it before.
            let mut rest = state.clone();
            if spare.len() < n && state.strikes == 0 {
                assert_ne!(reserve(&mut rest, 0, &s), Slot::At(0), "{case}: stopped while a slot was free");
            }
        }
    }

    #[test]
    fn an_answer_is_not_recorded_when_it_changes_nothing_seen() {
        let seen = PaceState { remaining: Some(50), reset_at: Some(60_000), ..PaceState::default() };
        let struck = PaceState { strikes: 1, ..seen.clone() };
        let accepted = |remaining, reset_at| Answer::Accepted { remaining, reset_at };
        let table = [
            ("a higher count in the same window", &seen, accepted(Some(60), Some(60_000)), true),
            ("the same count", &seen, accepted(Some(50), Some(60_000)), true),
            ("a lower count", &seen, accepted(Some(40), Some(60_000)), false),
            ("a new window", &seen, accepted(Some(900), Some(120_000)), false),
            ("no budget headers", &seen, accepted(None, None), true),
            ("refusals to reset", &struck, accepted(Some(60), Some(60_000)), false),
            ("no budget headers, refusals to reset", &struck, accepted(None, None), false),
            ("a count never seen", &PaceState::default(), accepted(Some(60), Some(60_000)), false),
            ("a refusal", &seen, Answer::Throttled, false),
            ("a pause", &seen, Answer::RetryAfter { wait_ms: 1_000 }, false),
        ];
        for (case, seen, answer, expected) in table {
            assert_eq!(changes_nothing(seen, answer), expected, "{case}");
            if expected {
                let mut after = seen.clone();
                observe(&mut after, answer, 0, 0.0);
                assert_eq!(&after, seen, "{case}: recording it would have changed the state");
            }
        }
    }

    #[test]
    fn refusals_without_a_hint_back_off_exponentially_with_jitter() {
        let mut state = PaceState::default();
        let mut pauses = Vec::new();
        for _ in 0..8 {
            observe(&mut state, Answer::Throttled, 0, 1.0);
            pauses.push(state.paused_until);
        }
        assert_eq!(pauses, [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000]);
        let mut low = PaceState::default();
        observe(&mut low, Answer::Throttled, 0, 0.0);
        assert_eq!(low.paused_until, 500, "jitter spreads between half and all of the backoff");
        observe(&mut state, Answer::Accepted { remaining: None, reset_at: None }, 70_000, 0.0);
        assert_eq!(state.strikes, 0, "an accepted answer resets the backoff");
    }
}
