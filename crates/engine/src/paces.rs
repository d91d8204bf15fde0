//! [`StorePaces`]: Railway tokens' pacing states in the database, so every node sharing it
//! paces a token together (the rules: `sluice_destinations::railway::pacing`).
//!
//! On PostgreSQL, where several nodes share the work, every change is made on the token's
//! row, by compare-and-set. SQLite is one node's database and has one writer: there the
//! per-request part of a state (the per-second slots, the budget counted down between
//! answers) is kept in the process and written to the row at most once a second, while a
//! change to what a restart must not forget (a pause, the count of refusals, a spent
//! budget, its reset) is written at once. Writing every slot would put a write transaction
//! on the single writer for each Railway call of every sync. The row is read before each
//! change, and a row changed by someone else (an operator clearing a pause) is taken as it
//! is.

use sluice_destinations::BoxFuture;
use sluice_destinations::railway::pacing::{PaceChange, PaceError, PaceState, PaceStore, Slot};
use sluice_storage::paces::{self, PaceRow};
use sluice_storage::{Backend, StorageError, Store};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::Mutex;

/// Pacing states kept in the store.
#[derive(Clone, Debug)]
pub struct StorePaces {
    store: Store,
    /// SQLite: each token's state in this process, with the row it last wrote or read.
    local: Option<Arc<Mutex<HashMap<String, Local>>>>,
}

#[derive(Debug)]
struct Local {
    state: PaceState,
    /// The row's durable part as this process last wrote or read it.
    row: Durable,
    written_at: i64,
}

/// How often the per-request part of a state is written on SQLite.
const WRITE_EVERY_MS: i64 = 1_000;

/// The part of a state a restart must not forget (its row's columns but the slots).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Durable {
    paused_until: i64,
    remaining: Option<i64>,
    reset_at: Option<i64>,
    strikes: i64,
}

impl Durable {
    fn of(state: &PaceState) -> Self {
        Self {
            paused_until: state.paused_until,
            remaining: state.remaining,
            reset_at: state.reset_at,
            strikes: i64::from(state.strikes),
        }
    }

    /// Whether going from `self` (as written) to `next` must be written at once: a pause,
    /// a refusal, a budget spent or renewed. A count going down between answers waits.
    fn must_write(&self, next: &Durable) -> bool {
        let spent = |d: &Durable| d.remaining.filter(|r| *r <= 0);
        (self.paused_until, self.strikes, self.reset_at, spent(self))
            != (next.paused_until, next.strikes, next.reset_at, spent(next))
    }
}

fn state_of(row: &PaceRow) -> PaceState {
    PaceState {
        recent: row.recent.split(',').filter_map(|t| t.parse().ok()).collect(),
        paused_until: row.paused_until,
        remaining: row.remaining,
        reset_at: row.reset_at,
        strikes: u32::try_from(row.strikes).unwrap_or(u32::MAX),
    }
}

fn row_of(state: &PaceState) -> PaceRow {
    PaceRow {
        recent: state.recent.iter().map(i64::to_string).collect::<Vec<_>>().join(","),
        paused_until: state.paused_until,
        remaining: state.remaining,
        reset_at: state.reset_at,
        strikes: i64::from(state.strikes),
    }
}

impl StorePaces {
    pub fn new(store: Store) -> Self {
        let local = (store.backend() == Backend::Sqlite).then(|| Arc::new(Mutex::new(HashMap::new())));
        Self { store, local }
    }

    /// PostgreSQL: the change decided on the token's row as read, written only if nobody
    /// changed the row meanwhile (else decided again), at the database's clock. Every
    /// Railway call of every node makes two changes on its token's row: with the row locked
    /// for the change, they queued behind each other for three round trips each.
    async fn apply_shared(&self, key: &str, change: PaceChange<'_>) -> Result<(Slot, i64), StorageError> {
        const TRIES: usize = 50;
        let backend = self.store.backend();
        let mut conn = self.store.read().await?;
        for _ in 0..TRIES {
            let Some((row, now)) = paces::read(&mut conn, backend, key).await? else {
                paces::create(&mut conn, key).await?;
                continue;
            };
            let before = state_of(&row);
            let mut state = before.clone();
            let slot = change(&mut state, now);
            if state == before || paces::compare_and_save(&mut conn, key, &row, &row_of(&state)).await? {
                return Ok((slot, now));
            }
        }
        // Contended this long: take the row's lock.
        drop(conn);
        let mut tx = self.store.write().await?;
        let (row, now) = paces::lock(&mut tx, backend, key).await?;
        let mut state = state_of(&row);
        let before = state.clone();
        let slot = change(&mut state, now);
        if state != before {
            paces::save(&mut tx, key, &row_of(&state)).await?;
        }
        tx.commit().await?;
        Ok((slot, now))
    }

    /// SQLite: the change in this process, written through when a restart must keep it.
    async fn apply_local(
        &self,
        states: &Mutex<HashMap<String, Local>>,
        key: &str,
        change: PaceChange<'_>,
    ) -> Result<(Slot, i64), StorageError> {
        let mut states = states.lock().await;
        let row = {
            let mut conn = self.store.read().await?;
            paces::get_durable(&mut conn, key).await?
        };
        let row = row.map(|(paused_until, remaining, reset_at, strikes)| Durable {
            paused_until,
            remaining,
            reset_at,
            strikes,
        });
        let mut state = match (states.get(key), &row) {
            (Some(local), Some(row)) if &local.row == row => local.state.clone(),
            (_, Some(row)) => PaceState {
                recent: Vec::new(),
                paused_until: row.paused_until,
                remaining: row.remaining,
                reset_at: row.reset_at,
                strikes: u32::try_from(row.strikes).unwrap_or(u32::MAX),
            },
            (_, None) => PaceState::default(),
        };
        let now = sluice_storage::now_ms();
        let slot = change(&mut state, now);
        let next = Durable::of(&state);
        let written_at = states.get(key).map_or(i64::MIN, |l| l.written_at);
        let (row, written_at) = match row {
            Some(row) if !row.must_write(&next) && now.saturating_sub(written_at) < WRITE_EVERY_MS => (row, written_at),
            _ => {
                let mut tx = self.store.write().await?;
                paces::create(&mut tx, key).await?;
                paces::save(&mut tx, key, &row_of(&state)).await?;
                tx.commit().await?;
                (next, now)
            }
        };
        states.insert(key.to_owned(), Local { state, row, written_at });
        Ok((slot, now))
    }

    /// Each token's hourly budget left as this process counts it, where it keeps the count
    /// itself (SQLite; the row may be up to a second behind): (token key, remaining, if
    /// Railway reported one).
    pub async fn local_budgets(&self) -> Vec<(String, Option<i64>)> {
        let Some(states) = &self.local else { return Vec::new() };
        states.lock().await.iter().map(|(key, local)| (key.clone(), local.state.remaining)).collect()
    }
}

impl PaceStore for StorePaces {
    fn update<'a>(&'a self, key: &'a str, change: PaceChange<'a>) -> BoxFuture<'a, Result<(Slot, i64), PaceError>> {
        Box::pin(async move {
            let result = match &self.local {
                Some(states) => self.apply_local(states, key, change).await,
                None => self.apply_shared(key, change).await,
            };
            result.map_err(|e| PaceError(e.to_string()))
        })
    }
}
