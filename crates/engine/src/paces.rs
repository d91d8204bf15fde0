//! [`StorePaces`]: Railway tokens' pacing states in the database, so every node sharing it
//! paces a token together (the rules: `sluice_destinations::railway::pacing`).

use sluice_destinations::BoxFuture;
use sluice_destinations::railway::pacing::{PaceChange, PaceError, PaceState, PaceStore, Slot};
use sluice_storage::paces::{self, PaceRow};
use sluice_storage::{StorageError, Store};

/// Pacing states kept in the store.
#[derive(Clone, Debug)]
pub struct StorePaces {
    store: Store,
}

impl StorePaces {
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    async fn apply(&self, key: &str, change: PaceChange<'_>) -> Result<(Slot, i64), StorageError> {
        let mut tx = self.store.write().await?;
        let row = paces::lock(&mut tx, self.store.backend(), key).await?;
        let now = paces::now_ms(&mut tx, self.store.backend()).await?;
        let mut state = PaceState {
            recent: row.recent.split(',').filter_map(|t| t.parse().ok()).collect(),
            paused_until: row.paused_until,
            remaining: row.remaining,
            reset_at: row.reset_at,
            strikes: u32::try_from(row.strikes).unwrap_or(u32::MAX),
        };
        let before = state.clone();
        let slot = change(&mut state, now);
        if state == before {
            tx.commit().await?;
            return Ok((slot, now));
        }
        let row = PaceRow {
            recent: state.recent.iter().map(i64::to_string).collect::<Vec<_>>().join(","),
            paused_until: state.paused_until,
            remaining: state.remaining,
            reset_at: state.reset_at,
            strikes: i64::from(state.strikes),
        };
        paces::save(&mut tx, key, &row).await?;
        tx.commit().await?;
        Ok((slot, now))
    }
}

impl PaceStore for StorePaces {
    fn update<'a>(&'a self, key: &'a str, change: PaceChange<'a>) -> BoxFuture<'a, Result<(Slot, i64), PaceError>> {
        Box::pin(async move { self.apply(key, change).await.map_err(|e| PaceError(e.to_string())) })
    }
}
