//! A server alone on its SQLite file (`StoreConfig::sole_server`): a second one is refused,
//! the project change counters follow its own commits without being read, and a commit it
//! stopped waiting for is read from the database until a later commit. (SQLite only:
//! PostgreSQL is shared by nodes and always read.)

use super::insert_project;
use sluice_domain::ProjectId;
use sluice_storage::{Store, StoreConfig, change_counters};
use sqlx::{Connection, Executor};
use std::future::Future;
use std::task::{Context, Poll, Waker};

async fn project(store: &Store) -> ProjectId {
    let mut tx = store.write().await.expect("tx");
    let project = insert_project(&mut tx).await;
    tx.commit().await.expect("commit");
    project.id
}

async fn counter(store: &Store, p: &ProjectId) -> i64 {
    store.change_counter(&mut store.read().await.expect("conn"), p).await.expect("counter")
}

#[tokio::test]
async fn a_sole_server_follows_its_commits_and_rereads_one_it_stopped_waiting_for() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("sole.db");
    let config = StoreConfig { sole_server: true, ..StoreConfig::sqlite_file(&path) };
    let store = Store::open(&config).await.expect("open");
    let refused = Store::open(&config).await.expect_err("a second server on the file is refused");
    assert!(refused.to_string().contains("is in use by another Sluice server"), "{refused}");

    let p = project(&store).await;
    assert_eq!(counter(&store, &p).await, 0);
    let mut tx = store.write().await.expect("tx");
    assert_eq!(change_counters::raise(&mut tx, &p).await.expect("raise"), 1);
    tx.commit().await.expect("commit");
    assert_eq!(counter(&store, &p).await, 1);

    // Known, not read: a change behind the server's back (which the claim exists to rule
    // out) is not seen.
    let mut other = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display())).await.expect("connect");
    other.execute("UPDATE project_change_counters SET version = 10").await.expect("update");
    other.close().await.expect("close");
    assert_eq!(counter(&store, &p).await, 1);

    // A commit the caller stopped waiting for (a request timed out, a client went away):
    // polled once, so that SQLite has been asked to commit, then dropped. (SQLite's thread
    // sometimes answers within that one poll: then it simply committed; try again.)
    let mut landed = 10;
    let mut dropped = false;
    for _ in 0..50 {
        let mut tx = store.write().await.expect("tx");
        landed = change_counters::raise(&mut tx, &p).await.expect("raise");
        let mut commit = Box::pin(tx.commit());
        match commit.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(done) => done.expect("commit"),
            Poll::Pending => {
                dropped = true;
                break;
            }
        }
    }
    assert!(dropped, "no commit was still waiting after its first poll in 50 tries");
    // The one write connection comes back once SQLite is done with that commit.
    drop(store.write().await.expect("the writer is free again"));
    assert_eq!(counter(&store, &p).await, landed, "the landed commit is read, not the counter known before it");
    let mut tx = store.write().await.expect("tx");
    change_counters::raise(&mut tx, &p).await.expect("raise");
    tx.commit().await.expect("commit");
    assert_eq!(counter(&store, &p).await, landed + 1);

    store.close().await;
    let again = Store::open(&config).await.expect("the claim is given up at close");
    again.close().await;
}
