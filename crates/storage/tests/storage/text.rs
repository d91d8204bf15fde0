//! Text the database cannot store. The server refuses a NUL in every field it takes
//! (a 422 naming the field); this is the floor under that: PostgreSQL's refusal is
//! `StorageError::UnstorableText`, which the server answers 400, never 500.

use crate::fresh_store;
use sluice_storage::{Backend, StorageError};

#[tokio::test]
async fn a_nul_in_text_is_unstorable_on_postgres_and_kept_on_sqlite() {
    let (store, _dir) = fresh_store().await;
    let mut conn = store.read().await.expect("connection");
    let echoed: Result<String, StorageError> =
        sqlx::query_scalar("SELECT $1").bind("a\u{0}b").fetch_one(&mut *conn).await.map_err(StorageError::from);
    match store.backend() {
        Backend::Postgres => assert!(matches!(echoed, Err(StorageError::UnstorableText)), "{echoed:?}"),
        Backend::Sqlite => assert_eq!(echoed.expect("SQLite keeps it"), "a\u{0}b"),
    }
    drop(conn);
    store.close().await;
}
