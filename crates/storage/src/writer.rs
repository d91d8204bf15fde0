//! The order in which SQLite's writers get its one writer connection.
//!
//! Every write waits for the same connection. A sync run makes two single-statement writes
//! before its Railway calls (the deploy it owes, the deployment seen before a redeploy),
//! and its outcome is a transaction of a dozen statements. Waiting in one line, each single
//! statement waited behind the outcomes of the other runs in flight: about 3 ms each, a
//! third of a run in a fan-out on SQLite (docs/benchmarks.md). So a single statement
//! ([`crate::Store::write_one`]) takes the next turn before any transaction still waiting;
//! among themselves each kind keeps its order. Single statements cannot hold transactions
//! back for long: each holds the writer for one statement, the runs that make them are few
//! (a worker's run makes one or two, then waits for its outcome's turn), and after
//! [`SINGLES_IN_A_ROW`] of them a waiting transaction goes next whatever waits.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::oneshot;

/// How many single statements may go in a row while a transaction waits.
const SINGLES_IN_A_ROW: usize = 8;

/// Who has the writer, and who waits for it.
#[derive(Debug, Default)]
pub(crate) struct WriterQueue {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    held: bool,
    /// Single statements given the turn in a row while a transaction waited.
    singles: usize,
    /// Single statements waiting, in order.
    first: VecDeque<oneshot::Sender<Turn>>,
    /// Transactions waiting, in order.
    then: VecDeque<oneshot::Sender<Turn>>,
}

/// The writer's turn: whoever holds it may take the writer connection; dropping it passes
/// the turn on.
#[derive(Debug)]
pub(crate) struct Turn {
    /// `None` once there is nothing to pass on (a turn that never reached its waiter).
    queue: Option<Arc<WriterQueue>>,
}

impl WriterQueue {
    /// Waits for the writer's turn; `single` for a write of one statement.
    pub(crate) async fn enter(self: &Arc<Self>, single: bool) -> Turn {
        let waiting = {
            let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
            if !state.held {
                state.held = true;
                return Turn { queue: Some(Arc::clone(self)) };
            }
            let (tx, rx) = oneshot::channel();
            if single {
                state.first.push_back(tx)
            } else {
                state.then.push_back(tx)
            }
            rx
        };
        // The sender lives in the queue until the turn is handed over, and a turn sent to
        // a waiter that has gone is dropped, which passes it on: the error cannot happen,
        // but if it did the writer would be taken without a turn (the pool of one
        // connection still keeps writers apart) rather than never.
        match waiting.await {
            Ok(turn) => turn,
            Err(_) => {
                debug_assert!(false, "a writer's turn was dropped without being handed over");
                Turn { queue: None }
            }
        }
    }

    /// Passes the turn to the next waiter still waiting, single statements first.
    fn pass(self: &Arc<Self>) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            let transaction_due = state.singles >= SINGLES_IN_A_ROW && !state.then.is_empty();
            let next = if transaction_due {
                state.then.pop_front().map(|tx| (tx, false))
            } else {
                state.first.pop_front().map(|one| (one, true)).or_else(|| state.then.pop_front().map(|tx| (tx, false)))
            };
            let Some((next, single)) = next else {
                state.held = false;
                state.singles = 0;
                return;
            };
            match next.send(Turn { queue: Some(Arc::clone(self)) }) {
                Ok(()) => {
                    state.singles = if single && !state.then.is_empty() { state.singles + 1 } else { 0 };
                    return;
                }
                // The waiter is gone: its turn must not pass on again from here (the
                // queue's lock is held), and the next one gets it.
                Err(mut turn) => turn.queue = None,
            }
        }
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        if let Some(queue) = self.queue.take() {
            queue.pass();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// Whether `fut` is still waiting after the runtime had a chance to run it.
    async fn waits<F: std::future::Future + Unpin>(fut: &mut F) -> bool {
        tokio::select! { biased; _ = fut => false, _ = tokio::task::yield_now() => true }
    }

    /// The order in which `waiters` (a name, and whether it is a single statement), queued
    /// in that order behind a held turn, get the writer once it is passed on.
    async fn order_of(waiters: &[(&str, bool)]) -> Vec<String> {
        let queue = Arc::new(WriterQueue::default());
        let held = queue.enter(false).await;
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for (name, single) in waiters {
            let (queue, order, name, single) = (Arc::clone(&queue), Arc::clone(&order), name.to_string(), *single);
            let (queued, entered) = oneshot::channel();
            tasks.push(tokio::spawn(async move {
                let mut turn = Box::pin(queue.enter(single));
                assert!(waits(&mut turn).await, "{name} waits for the writer");
                let _ = queued.send(());
                let _turn = turn.await;
                order.lock().expect("order").push(name);
            }));
            entered.await.expect("queued");
        }
        drop(held);
        for task in tasks {
            task.await.expect("task");
        }
        order.lock().expect("order").clone()
    }

    #[tokio::test]
    async fn single_statements_take_the_writer_before_waiting_transactions_each_in_order() {
        let order = order_of(&[("tx1", false), ("one1", true), ("tx2", false), ("one2", true)]).await;
        assert_eq!(order, ["one1", "one2", "tx1", "tx2"]);
    }

    #[tokio::test]
    async fn a_waiting_transaction_goes_after_a_bounded_run_of_single_statements() {
        let names: Vec<String> = (0..SINGLES_IN_A_ROW + 2).map(|i| format!("one{i}")).collect();
        let waiters: Vec<(&str, bool)> =
            std::iter::once(("tx", false)).chain(names.iter().map(|n| (n.as_str(), true))).collect();
        let order = order_of(&waiters).await;
        let at = order.iter().position(|n| n == "tx").expect("the transaction went");
        assert_eq!(at, SINGLES_IN_A_ROW, "{order:?}");
    }

    #[tokio::test]
    async fn a_waiter_that_gives_up_does_not_keep_the_turn() {
        let queue = Arc::new(WriterQueue::default());
        let held = queue.enter(false).await;
        let mut gone = Box::pin(queue.enter(true));
        assert!(waits(&mut gone).await);
        let mut next = Box::pin(queue.enter(false));
        assert!(waits(&mut next).await);
        drop(gone);
        drop(held);
        let turn = tokio::time::timeout(Duration::from_secs(5), next).await.expect("the next waiter gets the turn");
        drop(turn);
        // And the turn is free again.
        tokio::time::timeout(Duration::from_secs(5), queue.enter(true)).await.expect("free");
    }

    #[tokio::test]
    async fn a_turn_handed_to_a_waiter_dropped_before_it_took_it_passes_on() {
        let queue = Arc::new(WriterQueue::default());
        let held = queue.enter(false).await;
        let mut handed = Box::pin(queue.enter(true));
        assert!(waits(&mut handed).await);
        let mut next = Box::pin(queue.enter(false));
        assert!(waits(&mut next).await);
        // The turn is sent to the first waiter, which is dropped before it runs again.
        drop(held);
        drop(handed);
        tokio::time::timeout(Duration::from_secs(5), next).await.expect("the turn passed on");
    }
}
