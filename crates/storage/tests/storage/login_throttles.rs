//! Sign-in histories: read several at once, concurrent failures on one scope all count
//! (each node locks the row for its change), cleared on success, pruned once stale.

use crate::fresh_store;
use sluice_domain::login_throttle::Attempts;
use sluice_storage::login_throttles;

#[tokio::test]
async fn concurrent_failures_on_one_scope_all_count() {
    let (store, _dir) = fresh_store().await;
    let mut tasks = Vec::new();
    for i in 0..8_i64 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut tx = store.write().await.expect("tx");
            let mut a = login_throttles::lock(&mut tx, store.backend(), "user:a@x").await.expect("lock");
            a.failures += 1;
            a.last_failure_at = a.last_failure_at.max(1_000 + i);
            login_throttles::save(&mut tx, "user:a@x", &a, 10_000).await.expect("save");
            tx.commit().await.expect("commit");
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    let mut conn = store.read().await.expect("conn");
    let rows = login_throttles::get_many(&mut conn, &["user:a@x", "ip:1.2.3.4"]).await.expect("read");
    assert_eq!(rows.len(), 1, "only scopes with a history come back");
    assert_eq!((rows[0].0.as_str(), rows[0].1.failures, rows[0].1.last_failure_at), ("user:a@x", 8, 1_007));
}

#[tokio::test]
async fn histories_are_cleared_and_pruned() {
    let (store, _dir) = fresh_store().await;
    let mut tx = store.write().await.expect("tx");
    for (key, expires_at) in [("user:old@x", 100), ("ip:10.0.0.1", 5_000), ("client:c1", 5_000)] {
        login_throttles::lock(&mut tx, store.backend(), key).await.expect("lock");
        let a = Attempts { failures: 3, last_failure_at: 50, locked_until: 0, locks: 0 };
        login_throttles::save(&mut tx, key, &a, expires_at).await.expect("save");
    }
    assert_eq!(login_throttles::prune(&mut tx, 1_000).await.expect("prune"), 1, "only the stale one");
    login_throttles::clear(&mut tx, "client:c1").await.expect("clear");
    tx.commit().await.expect("commit");
    let mut conn = store.read().await.expect("conn");
    let left = login_throttles::get_many(&mut conn, &["user:old@x", "ip:10.0.0.1", "client:c1"]).await.expect("read");
    assert_eq!(left.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(), ["ip:10.0.0.1"]);
    assert_eq!(left[0].1, Attempts { failures: 3, last_failure_at: 50, locked_until: 0, locks: 0 });
}

#[tokio::test]
async fn the_client_addresses_are_listed_locked_first_and_nothing_else_is() {
    let (store, _dir) = fresh_store().await;
    let mut tx = store.write().await.expect("tx");
    let histories = [
        ("ip:10.0.0.1", 0, 300),
        ("ip:10.0.0.2", 9_000, 200),
        ("ip:2001:db8::7", 0, 400),
        ("ipx:10.0.0.3", 9_500, 500),
        ("user:ip:10.0.0.4@x", 9_900, 600),
        ("client:ip:", 0, 700),
    ];
    for (key, locked_until, last_failure_at) in histories {
        login_throttles::lock(&mut tx, store.backend(), key).await.expect("lock");
        let a = Attempts { failures: 3, last_failure_at, locked_until, locks: u32::from(locked_until > 0) };
        login_throttles::save(&mut tx, key, &a, 20_000).await.expect("save");
    }
    // An expired history (the prune has not come yet) is not listed and takes no place.
    login_throttles::lock(&mut tx, store.backend(), "ip:10.0.0.9").await.expect("lock");
    let expired = Attempts { failures: 9, last_failure_at: 900, locked_until: 9_950, locks: 1 };
    login_throttles::save(&mut tx, "ip:10.0.0.9", &expired, 10_000).await.expect("save");
    tx.commit().await.expect("commit");
    let mut conn = store.read().await.expect("conn");
    let keys = |rows: Vec<(String, Attempts)>| rows.into_iter().map(|(k, _)| k).collect::<Vec<_>>();
    let listed = login_throttles::list_prefixed(&mut conn, "ip:", 12_000, 10).await.expect("list");
    assert_eq!(keys(listed), ["ip:10.0.0.2", "ip:2001:db8::7", "ip:10.0.0.1"], "locked, then the latest failure");
    let first = login_throttles::list_prefixed(&mut conn, "ip:", 12_000, 1).await.expect("list");
    assert_eq!(keys(first), ["ip:10.0.0.2"], "the limit keeps the locked one");
}
