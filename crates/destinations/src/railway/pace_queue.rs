//! One node's pacing asks, per token. A change to a token's state is a round trip or more
//! to the store (two statements on PostgreSQL, more when nodes contend for the row), and
//! every Railway call asks for a slot and may record its answer: made one by one, those
//! changes were a quarter of a sync run on PostgreSQL (docs/benchmarks.md). So:
//!
//! - while a change is being made, the asks of the node's other requests on that token
//!   queue up, and the next change decides all of them at once ([`pacing::decide`]), in
//!   the order they came;
//! - a change that takes slots also takes a few ahead ([`pacing::take_spare`]), if the
//!   token can give them at once: one fewer than the node asked since its previous change
//!   (a lone request, or requests one after another, take none: a spare slot left unused
//!   still counts against the hourly budget); and when requests queued behind a change, as
//!   many as the node asked in the last [`pacing::SPARE_FOR_MS`], less one, if that is more.
//!   The node's next requests use them without a change while they last
//!   ([`pacing::SPARE_FOR_MS`] after the change began, on this process's clock, so a slow
//!   change shortens their life rather than lengthening it), those that queued while the
//!   change was in flight first; a refusal drops them, those of a change in flight when
//!   it came included. Sized only by the asks since the previous change, and not given
//!   to the asks queued behind the change that took them, they covered no more than one
//!   round trip's asks, which queued again behind the next change: under load, every
//!   change was a round trip for a request or two;
//! - an answer that would leave the state as this node last saw it is not recorded
//!   ([`pacing::changes_nothing`]).
//!
//! The task making a token's changes may end abnormally (a store that panics): its asks
//! then fail like a store error, and the token's next ask starts a new task. What a node
//! holds of tokens it is not using is dropped once it holds [`KEPT_TOKENS`] of them.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::oneshot;

use super::pacing::{self, Answer, Ask, Granted, PaceError, PaceSettings, PaceState, PaceStore, Slot};

/// How many tokens a node holds state for before it drops that of the idle ones (a
/// rotated token's key is never asked about again).
pub(crate) const KEPT_TOKENS: usize = 1024;

/// This node's asks and spare slots, per token key.
#[derive(Debug)]
pub(crate) struct PaceQueue {
    store: Arc<dyn PaceStore>,
    settings: PaceSettings,
    tokens: Mutex<HashMap<String, Token>>,
}

type Reply = Result<(Granted, i64), PaceError>;

#[derive(Debug)]
struct Waiting {
    ask: Ask,
    reply: oneshot::Sender<Reply>,
}

/// What this node holds of one token.
#[derive(Debug, Default)]
struct Token {
    /// Asks that came since the task making the token's changes took its last batch.
    waiting: Vec<Waiting>,
    /// Whether a task is making the token's changes.
    busy: bool,
    /// Slots taken ahead (the store's time), oldest first, each with the time until which
    /// it may be used (this process's clock).
    spare: VecDeque<(i64, i64)>,
    /// Refusals recorded: a change that began before one does not leave spare slots.
    refusals: u64,
    /// How far the store's clock is ahead of this process's, as of the latest change.
    offset: i64,
    /// The token's state after this node's latest change, without its slots.
    seen: Option<PaceState>,
    /// Slots asked since the latest change.
    asked: usize,
    /// When this node's latest slot asks came (this process's clock), oldest first: those
    /// of the last [`pacing::SPARE_FOR_MS`], at most [`pacing::max_spare`] and one.
    recent: VecDeque<i64>,
}

/// What one change decided.
#[derive(Debug, Default)]
struct Decided {
    granted: Vec<Granted>,
    spare: Vec<i64>,
    seen: PaceState,
}

impl PaceQueue {
    pub(crate) fn new(store: Arc<dyn PaceStore>, settings: PaceSettings) -> Arc<Self> {
        Arc::new(Self { store, settings, tokens: Mutex::new(HashMap::new()) })
    }

    /// Decides `ask` on the token keyed `key`: from what this node holds when it can, else
    /// with whatever else the node asked of it meanwhile. Returns what it got and the
    /// store's time.
    pub(crate) async fn ask(self: &Arc<Self>, key: &str, ask: Ask) -> Reply {
        let (reply, answer) = oneshot::channel();
        let start = {
            let mut tokens = self.tokens.lock().unwrap_or_else(PoisonError::into_inner);
            if tokens.len() >= KEPT_TOKENS && !tokens.contains_key(key) {
                tokens.retain(|_, t| t.busy || !t.waiting.is_empty());
            }
            let token = tokens.entry(key.to_owned()).or_default();
            let local = pacing::now_ms();
            if let Some(granted) = token.at_once(ask, local, pacing::max_spare(&self.settings)) {
                return Ok((granted, local + token.offset));
            }
            token.waiting.push(Waiting { ask, reply });
            !std::mem::replace(&mut token.busy, true)
        };
        if start {
            // Its own task: a request that started the batches does not wait for the
            // batches of those that came after it.
            tokio::spawn(Arc::clone(self).drain(key.to_owned()));
        }
        answer.await.unwrap_or_else(|_| Err(PaceError("the pacing task ended before deciding".into())))
    }

    /// Makes the token's changes, a batch at a time, until no ask is left.
    async fn drain(self: Arc<Self>, key: String) {
        let mut guard = Draining { queue: &self, key: &key, ended: false };
        loop {
            let (batch, spare, refusals) = {
                let mut tokens = self.tokens.lock().unwrap_or_else(PoisonError::into_inner);
                let Some(token) = tokens.get_mut(&key) else {
                    guard.ended = true;
                    return;
                };
                let local = pacing::now_ms();
                token.serve_queued(local);
                if token.waiting.is_empty() {
                    token.busy = false;
                    guard.ended = true;
                    return;
                }
                let batch = std::mem::take(&mut token.waiting);
                let slots = batch.iter().filter(|w| w.ask == Ask::Slot).count();
                let ahead = match slots {
                    0 => 0,
                    1 => token.asked,
                    _ => token.asked.max(token.recent.iter().filter(|t| **t + pacing::SPARE_FOR_MS > local).count()),
                };
                let spare = pacing::max_spare(&self.settings).min(ahead.saturating_sub(1));
                token.asked = 0;
                (batch, spare, token.refusals)
            };
            let asks: Vec<Ask> = batch.iter().map(|w| w.ask).collect();
            let decided = Mutex::new(Decided::default());
            let settings = self.settings;
            let change = |state: &mut PaceState, now: i64| {
                // A store may decide again on a fresher state (a lost compare-and-set).
                let granted = pacing::decide(state, &asks, now, &settings);
                let spare = pacing::take_spare(state, now, &settings, spare);
                let seen = PaceState {
                    recent: Vec::new(),
                    paused_until: state.paused_until,
                    remaining: state.remaining,
                    reset_at: state.reset_at,
                    strikes: state.strikes,
                };
                *decided.lock().unwrap_or_else(PoisonError::into_inner) = Decided { granted, spare, seen };
                Slot::None
            };
            let began = pacing::now_ms();
            let result = self.store.update(&key, &change).await;
            let decided = decided.into_inner().unwrap_or_else(PoisonError::into_inner);
            if let Ok((_, now)) = &result {
                let mut tokens = self.tokens.lock().unwrap_or_else(PoisonError::into_inner);
                if let Some(token) = tokens.get_mut(&key) {
                    token.offset = now - pacing::now_ms();
                    // Slots are asked for a change only once the spare ones ran out.
                    if token.refusals == refusals && !decided.spare.is_empty() {
                        let until = began + pacing::SPARE_FOR_MS;
                        token.spare.extend(decided.spare.into_iter().map(|at| (at, until)));
                    }
                    token.seen = Some(decided.seen);
                    // The asks that queued meanwhile take them first.
                    token.serve_queued(pacing::now_ms());
                }
            }
            for (i, waiting) in batch.into_iter().enumerate() {
                let reply = match (&result, decided.granted.get(i)) {
                    (Ok((_, now)), Some(granted)) => Ok((*granted, *now)),
                    (Ok(_), None) => Err(PaceError("the store did not decide the change".into())),
                    (Err(e), _) => Err(e.clone()),
                };
                // The request may have been dropped meanwhile; its slot stays taken.
                let _ = waiting.reply.send(reply);
            }
        }
    }
}

/// Frees the token when its task ends without emptying its queue (a panic in the store,
/// or the runtime dropping the task): its waiting asks are answered with an error, as for
/// a store error, and the next ask starts a new task. Left marked busy, the token would
/// keep this node's later asks waiting for a task that is gone.
struct Draining<'a> {
    queue: &'a PaceQueue,
    key: &'a str,
    ended: bool,
}

impl Drop for Draining<'_> {
    fn drop(&mut self) {
        if self.ended {
            return;
        }
        let mut tokens = self.queue.tokens.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(token) = tokens.get_mut(self.key) {
            token.busy = false;
            // Dropping a reply's sender answers it with "the pacing task ended".
            token.waiting.clear();
        }
    }
}

impl Token {
    /// What `ask` gets from what this node holds at `local` (this process's clock), if it
    /// needs no change: a spare slot still fresh, or an answer that would change nothing.
    /// A slot ask is counted among the node's latest (`kept` of them at most).
    fn at_once(&mut self, ask: Ask, local: i64, kept: usize) -> Option<Granted> {
        match ask {
            Ask::Slot => {
                self.asked += 1;
                self.recent.push_back(local);
                while self.recent.len() > kept + 1
                    || self.recent.front().is_some_and(|t| t + pacing::SPARE_FOR_MS <= local)
                {
                    self.recent.pop_front();
                }
                self.spare_slot(local)
            }
            Ask::Record { answer, .. } => {
                if self.seen.as_ref().is_some_and(|seen| pacing::changes_nothing(seen, answer)) {
                    return Some(Granted { slot: Slot::None, strikes_counted: false });
                }
                if !matches!(answer, Answer::Accepted { .. }) {
                    // Slots taken before a refusal are not to be used after it.
                    self.spare.clear();
                    self.refusals += 1;
                }
                None
            }
        }
    }

    /// A slot taken ahead and still fresh at `local`, if one is left.
    fn spare_slot(&mut self, local: i64) -> Option<Granted> {
        while let Some((at, until)) = self.spare.pop_front() {
            if local <= until {
                return Some(Granted { slot: Slot::At(at), strikes_counted: false });
            }
        }
        None
    }

    /// Gives the slots taken ahead to the slot asks waiting, in order, until one cannot
    /// have one or an answer to record comes first; those are left for the next change.
    /// An ask whose request is gone needs no slot.
    fn serve_queued(&mut self, local: i64) {
        let mut waiting = std::mem::take(&mut self.waiting).into_iter().peekable();
        while let Some(next) = waiting.peek() {
            if next.ask != Ask::Slot {
                break;
            }
            if next.reply.is_closed() {
                waiting.next();
                continue;
            }
            let Some(granted) = self.spare_slot(local) else { break };
            if let Some(next) = waiting.next() {
                let _ = next.reply.send(Ok((granted, local + self.offset)));
            }
        }
        self.waiting = waiting.collect();
    }
}

#[cfg(test)]
mod tests {
    use super::{Arc, KEPT_TOKENS, PaceQueue};
    use crate::destination::BoxFuture;
    use crate::railway::pacing::{Answer, Ask, LocalPaces, PaceChange, PaceError, PaceSettings, PaceStore, Slot};
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::time::Duration;
    use tokio::sync::{Semaphore, mpsc};

    const KEY: &str = "token-key";

    fn settings() -> PaceSettings {
        PaceSettings { rps: 1000.0, ..PaceSettings::default() }
    }

    /// Tokens' states in memory, with a change counter and, as a test asks: each change
    /// waiting for a permit (held in flight), taking `latency`, or panicking once.
    #[derive(Debug)]
    struct TestStore {
        inner: LocalPaces,
        changes: AtomicUsize,
        gate: Option<Arc<Semaphore>>,
        entered: Option<mpsc::UnboundedSender<()>>,
        latency: Duration,
        panic_next: AtomicBool,
    }

    impl TestStore {
        fn new() -> TestStore {
            TestStore {
                inner: LocalPaces::default(),
                changes: AtomicUsize::new(0),
                gate: None,
                entered: None,
                latency: Duration::ZERO,
                panic_next: AtomicBool::new(false),
            }
        }

        fn changes(&self) -> usize {
            self.changes.load(Ordering::SeqCst)
        }
    }

    impl PaceStore for TestStore {
        fn update<'a>(&'a self, key: &'a str, change: PaceChange<'a>) -> BoxFuture<'a, Result<(Slot, i64), PaceError>> {
            Box::pin(async move {
                self.changes.fetch_add(1, Ordering::SeqCst);
                if let Some(entered) = &self.entered {
                    let _ = entered.send(());
                }
                if self.panic_next.swap(false, Ordering::SeqCst) {
                    panic!("the store failed in the middle of a change");
                }
                if let Some(gate) = &self.gate {
                    gate.acquire().await.expect("gate").forget();
                }
                if !self.latency.is_zero() {
                    tokio::time::sleep(self.latency).await;
                }
                self.inner.update(key, change).await
            })
        }
    }

    /// Polls `ask` once: it must be waiting for a change (queued, not answered).
    async fn queued<F: std::future::Future + Unpin>(ask: &mut F) {
        let answered = tokio::select! { biased; _ = ask => true, _ = std::future::ready(()) => false };
        assert!(!answered, "the ask waits for the token's next change");
    }

    #[tokio::test]
    async fn a_store_that_panics_fails_its_asks_and_the_next_ask_is_decided() {
        let store = Arc::new(TestStore::new());
        store.panic_next.store(true, Ordering::SeqCst);
        let queue = PaceQueue::new(Arc::clone(&store) as Arc<dyn PaceStore>, settings());
        let failed = queue.ask(KEY, Ask::Slot).await;
        assert!(failed.is_err(), "the ask whose change panicked gets an error, as for a store error");
        // Left marked busy by the task that died, the token would keep this ask waiting
        // for ever.
        let next = tokio::time::timeout(Duration::from_secs(5), queue.ask(KEY, Ask::Slot)).await;
        let (granted, _) = next.expect("the next ask is decided").expect("granted");
        assert!(matches!(granted.slot, Slot::At(_)));
        assert_eq!(store.changes(), 2);
    }

    #[tokio::test]
    async fn a_refusal_during_a_change_drops_the_slots_that_change_takes_ahead() {
        let gate = Arc::new(Semaphore::new(0));
        let (entered, mut changes_begun) = mpsc::unbounded_channel();
        let store = Arc::new(TestStore { gate: Some(Arc::clone(&gate)), entered: Some(entered), ..TestStore::new() });
        let queue = PaceQueue::new(Arc::clone(&store) as Arc<dyn PaceStore>, settings());

        // A lone request's change, held in flight; three more requests queue behind it.
        let first = tokio::spawn({
            let queue = Arc::clone(&queue);
            async move { queue.ask(KEY, Ask::Slot).await }
        });
        changes_begun.recv().await.expect("first change");
        let mut asks: Vec<_> = (0..3).map(|_| Box::pin(queue.ask(KEY, Ask::Slot))).collect();
        for ask in &mut asks {
            queued(ask).await;
        }
        gate.add_permits(1);
        first.await.expect("task").expect("granted");
        // The three are decided in one change that also takes slots ahead for this node's
        // next requests; a refusal comes while it is in flight.
        // (The changes are made by the node's own task: the asks need not be polled.)
        changes_begun.recv().await.expect("second change");
        let mut refusal = Box::pin(queue.ask(KEY, Ask::Record { answer: Answer::Throttled, jitter: 0.5 }));
        queued(&mut refusal).await;
        gate.add_permits(2);
        for got in futures_all(asks).await {
            got.expect("granted");
        }
        refusal.await.expect("recorded");
        assert_eq!(store.changes(), 3);
        assert_eq!(spare_slots(&queue), 0, "slots taken ahead before the refusal are kept");

        // Slots taken before the refusal are not used after it: this request asks the
        // store again (and is paused behind the refusal's backoff).
        gate.add_permits(1);
        let after = queue.ask(KEY, Ask::Slot).await.expect("decided");
        assert_eq!(store.changes(), 4, "a slot taken ahead before the refusal was used: {after:?}");
    }

    #[tokio::test]
    async fn asks_queued_behind_a_change_take_the_slots_it_took_ahead() {
        let gate = Arc::new(Semaphore::new(0));
        let (entered, mut changes_begun) = mpsc::unbounded_channel();
        let store = Arc::new(TestStore { gate: Some(Arc::clone(&gate)), entered: Some(entered), ..TestStore::new() });
        let queue = PaceQueue::new(Arc::clone(&store) as Arc<dyn PaceStore>, settings());
        let began = crate::railway::pacing::now_ms();

        // A lone request's change, held in flight, takes no slot ahead; three more requests
        // queue behind it.
        let first = tokio::spawn({
            let queue = Arc::clone(&queue);
            async move { queue.ask(KEY, Ask::Slot).await }
        });
        changes_begun.recv().await.expect("first change");
        let mut second: Vec<_> = (0..3).map(|_| Box::pin(queue.ask(KEY, Ask::Slot))).collect();
        for ask in &mut second {
            queued(ask).await;
        }
        gate.add_permits(1);
        first.await.expect("task").expect("granted");
        // Their change takes three slots ahead: four asks came in the last moments.
        changes_begun.recv().await.expect("second change");
        let mut third: Vec<_> = (0..3).map(|_| Box::pin(queue.ask(KEY, Ask::Slot))).collect();
        for ask in &mut third {
            queued(ask).await;
        }
        // One permit for a third change, should one be made.
        gate.add_permits(2);
        let mut slots = Vec::new();
        for got in futures_all(second).await.into_iter().chain(futures_all(third).await) {
            let (granted, _) = got.expect("granted");
            slots.push(granted.slot);
        }
        let took = crate::railway::pacing::now_ms() - began;
        // The three that queued while it was in flight took the slots it took ahead, with
        // no change of their own (if the machine stalled past the slots' life, they could not).
        if took < crate::railway::pacing::SPARE_FOR_MS {
            assert_eq!(store.changes(), 2, "the asks queued behind the second change made a change of their own");
        } else {
            eprintln!("the machine stalled for {took} ms: the slots taken ahead expired, which this run cannot test");
            assert!(store.changes() <= 3);
        }
        assert!(slots.iter().all(|s| matches!(s, Slot::At(_))), "{slots:?}");
    }

    #[tokio::test]
    async fn slots_taken_ahead_by_a_slow_change_have_expired_when_it_ends() {
        // Taken ahead by a change that took longer than they last (counted from when it
        // began, on this process's clock): the next request makes a change of its own.
        let store = Arc::new(TestStore { latency: Duration::from_millis(120), ..TestStore::new() });
        let queue = PaceQueue::new(Arc::clone(&store) as Arc<dyn PaceStore>, settings());
        let mut asks: Vec<_> = (0..3).map(|_| Box::pin(queue.ask(KEY, Ask::Slot))).collect();
        for ask in &mut asks {
            queued(ask).await;
        }
        for got in futures_all(asks).await {
            got.expect("granted");
        }
        // One change for the three (asked before this node's task made any), which took
        // two slots ahead.
        assert_eq!(store.changes(), 1);
        assert_eq!(spare_slots(&queue), 2, "the change took slots ahead");
        queue.ask(KEY, Ask::Slot).await.expect("granted");
        assert_eq!(store.changes(), 2, "a slot taken ahead was used after it expired");
    }

    fn spare_slots(queue: &PaceQueue) -> usize {
        queue.tokens.lock().expect("tokens").get(KEY).map_or(0, |t| t.spare.len())
    }

    #[tokio::test]
    async fn a_node_drops_what_it_holds_of_idle_tokens_beyond_the_kept_number() {
        let store = Arc::new(TestStore::new());
        let queue = PaceQueue::new(Arc::clone(&store) as Arc<dyn PaceStore>, settings());
        for i in 0..KEPT_TOKENS + 100 {
            queue.ask(&format!("token-{i}"), Ask::Slot).await.expect("granted");
        }
        let held = queue.tokens.lock().expect("tokens").len();
        assert!(held <= KEPT_TOKENS, "{held} tokens held");
        assert!(held >= 100, "the tokens asked about since are kept: {held}");
    }

    /// Awaits every ask, in order.
    async fn futures_all<F: std::future::Future + Unpin>(asks: Vec<F>) -> Vec<F::Output> {
        let mut out = Vec::with_capacity(asks.len());
        for ask in asks {
            out.push(ask.await);
        }
        out
    }
}
