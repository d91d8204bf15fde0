//! The connection pool on PostgreSQL: a connection that sat idle is pinged before it is
//! lent, so one the server dropped (a database restart, an idle timeout, an operator) is
//! replaced instead of failing the query it was lent for.

use super::fresh_store;
use sluice_storage::Backend;

#[tokio::test]
async fn an_idle_connection_the_server_dropped_is_replaced_before_it_is_lent() {
    let (store, _dir) = fresh_store().await;
    if store.backend() != Backend::Postgres {
        return;
    }
    // Two pooled connections; the server drops the second.
    let mut kept = store.read().await.expect("conn");
    let mut dropped = store.read().await.expect("conn");
    let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()").fetch_one(&mut *dropped).await.expect("pid");
    drop(dropped);
    let ended: bool =
        sqlx::query_scalar("SELECT pg_terminate_backend($1)").bind(pid).fetch_one(&mut *kept).await.expect("end");
    assert!(ended);
    drop(kept);
    // Idle for longer than a connection is lent without a ping.
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;

    // Both are lent at once: the dropped one was found dead and replaced.
    let mut a = store.read().await.expect("conn");
    let mut b = store.read().await.expect("conn");
    for conn in [&mut a, &mut b] {
        let one: i32 = sqlx::query_scalar("SELECT 1").fetch_one(&mut **conn).await.expect("a live connection");
        assert_eq!(one, 1);
    }
}
