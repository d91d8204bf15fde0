//! What a sync run reads of its sync's state before it plans, in one statement: the same
//! as the four reads it replaces, each sync's own only.

use super::queue::fixture;
use sluice_domain::{EnvironmentId, FolderPath};
use sluice_storage::run_state::{self, RunState};
use sluice_storage::{change_counters, deploys, ledger, syncs};
use std::collections::BTreeMap;

#[tokio::test]
async fn a_runs_state_is_what_the_four_reads_it_replaces_return() {
    let f = fixture().await;
    let (sync, other) = (f.sync(0), f.sync(1));
    let mut conn = f.store.read().await.expect("conn");
    let project = syncs::get(&mut conn, sync).await.expect("get").expect("row").project_id;
    drop(conn);

    let mut tx = f.store.write().await.expect("tx");
    let written = BTreeMap::from([("B_KEY".to_string(), Some("d1".to_string())), ("A_KEY".to_string(), None)]);
    ledger::record(&mut tx, sync, &written, &[], false).await.expect("ledger");
    ledger::record(&mut tx, other, &BTreeMap::from([("OTHER".to_string(), None)]), &[], false).await.expect("ledger");
    deploys::owe(&mut tx, sync, &["svc-b".to_string(), "svc-a".to_string()]).await.expect("owe");
    deploys::requesting(&mut tx, sync, "svc-a", "dep-0").await.expect("requesting");
    deploys::deploying(&mut tx, sync, "svc-b", "dep-1").await.expect("deploying");
    deploys::owe(&mut tx, other, &["svc-c".to_string()]).await.expect("owe");
    let deps = [
        (EnvironmentId::new(), FolderPath::parse("/b").expect("path")),
        (EnvironmentId::new(), FolderPath::parse("/a").expect("path")),
    ];
    syncs::set_dependencies(&mut tx, sync, &deps).await.expect("dependencies");
    change_counters::raise(&mut tx, &project).await.expect("raise");
    change_counters::raise(&mut tx, &project).await.expect("raise");
    tx.commit().await.expect("commit");

    let mut conn = f.store.read().await.expect("conn");
    let state = run_state::read(&mut conn, sync, &project).await.expect("state");
    let mut dependencies = syncs::dependencies(&mut conn, sync).await.expect("dependencies");
    dependencies.sort();
    let mut read_dependencies = state.dependencies.clone();
    read_dependencies.sort();
    assert_eq!(state.counter, 2);
    assert_eq!(state.counter, change_counters::current(&mut conn, &project).await.expect("counter"));
    assert_eq!(state.keys, ledger::list(&mut conn, sync).await.expect("ledger"), "the keys, by key");
    assert_eq!(state.keys.iter().map(|k| k.key.as_str()).collect::<Vec<_>>(), ["A_KEY", "B_KEY"]);
    assert_eq!(state.pending, deploys::pending(&mut conn, sync).await.expect("pending"), "the deploys, by service");
    assert_eq!(state.pending.len(), 2);
    assert_eq!(state.pending[0].requested_after.as_deref(), Some("dep-0"));
    assert_eq!(state.pending[1].deployment_id.as_deref(), Some("dep-1"));
    assert_eq!(read_dependencies, dependencies);
    assert_eq!(dependencies.len(), 2);

    // Another sync's rows are not this one's; a sync with nothing has only the counter.
    let fresh = run_state::read(&mut conn, f.sync(2), &project).await.expect("state");
    assert_eq!(fresh, RunState { counter: 2, ..RunState::default() });
    let store_read = f.store.run_state(&mut conn, sync, &project).await.expect("state");
    assert_eq!(store_read, state);
    drop(conn);

    // A project whose counter was never raised has no counter row: 0, as the counter reads.
    let mut tx = f.store.write().await.expect("tx");
    let untouched = super::insert_project(&mut tx).await.id;
    tx.commit().await.expect("commit");
    let mut conn = f.store.read().await.expect("conn");
    let state = run_state::read(&mut conn, f.sync(3), &untouched).await.expect("state");
    assert_eq!(state, RunState::default());
}
