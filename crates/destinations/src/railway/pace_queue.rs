//! One node's pacing asks, per token. A change to a token's state is a round trip or more
//! to the store (two statements on PostgreSQL, more when nodes contend for the row), and
//! every Railway call asks for a slot and may record its answer: made one by one, those
//! changes were a quarter of a sync run on PostgreSQL (docs/benchmarks.md). So:
//!
//! - while a change is being made, the asks of the node's other requests on that token
//!   queue up, and the next change decides all of them at once ([`pacing::decide`]), in
//!   the order they came;
//! - a change that takes slots also takes a few ahead ([`pacing::take_spare`]), one fewer
//!   than the node asked since its previous change (a lone request takes none: a spare
//!   slot left unused still counts against the hourly budget), if the token can give them
//!   at once; the node's next requests use them without a change while they last
//!   ([`pacing::SPARE_FOR_MS`] after the change began, on this process's clock, so a slow
//!   change shortens their life rather than lengthening it), and a refusal drops them,
//!   those of a change in flight when it came included;
//! - an answer that would leave the state as this node last saw it is not recorded
//!   ([`pacing::changes_nothing`]).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::oneshot;

use super::pacing::{self, Answer, Ask, Granted, PaceError, PaceSettings, PaceState, PaceStore, Slot};

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
    /// Slots taken ahead (the store's time), oldest first, and until when (this process's
    /// clock) they may be used.
    spare: VecDeque<i64>,
    spare_until: i64,
    /// Refusals recorded: a change that began before one does not leave spare slots.
    refusals: u64,
    /// How far the store's clock is ahead of this process's, as of the latest change.
    offset: i64,
    /// The token's state after this node's latest change, without its slots.
    seen: Option<PaceState>,
    /// Slots asked since the latest change.
    asked: usize,
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
            let token = tokens.entry(key.to_owned()).or_default();
            let local = pacing::now_ms();
            if let Some(granted) = token.at_once(ask, local) {
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
        loop {
            let (batch, spare, refusals) = {
                let mut tokens = self.tokens.lock().unwrap_or_else(PoisonError::into_inner);
                let Some(token) = tokens.get_mut(&key) else { return };
                if token.waiting.is_empty() {
                    token.busy = false;
                    return;
                }
                let batch = std::mem::take(&mut token.waiting);
                let takes_slots = batch.iter().any(|w| w.ask == Ask::Slot);
                let spare =
                    if takes_slots { pacing::max_spare(&self.settings).min(token.asked.saturating_sub(1)) } else { 0 };
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
                        token.spare.extend(decided.spare);
                        token.spare_until = began + pacing::SPARE_FOR_MS;
                    }
                    token.seen = Some(decided.seen);
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

impl Token {
    /// What `ask` gets from what this node holds at `local` (this process's clock), if it
    /// needs no change: a spare slot still fresh, or an answer that would change nothing.
    fn at_once(&mut self, ask: Ask, local: i64) -> Option<Granted> {
        match ask {
            Ask::Slot => {
                self.asked += 1;
                if local > self.spare_until {
                    self.spare.clear();
                }
                let at = self.spare.pop_front()?;
                Some(Granted { slot: Slot::At(at), strikes_counted: false })
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
}
