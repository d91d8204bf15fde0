//! The notification outbox's guarantees: an event fans out to the enabled channels that
//! subscribe to it; a delivery is claimed by one claimer at a time (also by concurrent
//! claimers on PostgreSQL), comes back when its lease runs out, and only its holder
//! records its outcome; retries wait for their time; old finished rows are pruned.

use super::{fresh_store, insert_project};
use serde_json::json;
use sluice_domain::notifications::Subscription;
use sluice_domain::{ChannelId, ChannelKind, DeliveryStatus, EventType, ProjectId};
use sluice_storage::notifications::{self as n, AttemptOutcome, ChannelRow, subscription_text};
use sluice_storage::{Store, now_ms};
use std::collections::HashSet;

async fn project(store: &Store) -> ProjectId {
    let mut tx = store.write().await.expect("tx");
    let project = insert_project(&mut tx).await;
    tx.commit().await.expect("commit");
    project.id
}

async fn channel(store: &Store, project: &ProjectId, name: &str, enabled: bool, sub: Subscription) -> ChannelId {
    let now = now_ms();
    let row = ChannelRow {
        id: ChannelId::new(),
        project_id: project.clone(),
        name: name.into(),
        kind: ChannelKind::Webhook,
        is_enabled: enabled,
        event_types: subscription_text(&sub),
        webhook_url: Some("https://example.test/hook".into()),
        recipients: None,
        signing_secret_ct: Some(vec![1, 2, 3]),
        created_at: now,
        updated_at: now,
    };
    let mut tx = store.write().await.expect("tx");
    n::insert_channel(&mut tx, &row).await.expect("channel");
    tx.commit().await.expect("commit");
    row.id
}

async fn emit(store: &Store, project: &ProjectId, event: EventType) -> n::Emitted {
    let mut tx = store.write().await.expect("tx");
    let emitted = n::emit(&mut tx, project, event, &json!({"syncName": "s"})).await.expect("emit");
    tx.commit().await.expect("commit");
    emitted
}

async fn claim(store: &Store, owner: &str, lease_ms: i64, due_by: Option<i64>) -> Option<n::DeliveryRow> {
    let mut tx = store.write().await.expect("tx");
    let row = n::claim(&mut tx, store.backend(), owner, lease_ms, due_by, None).await.expect("claim");
    tx.commit().await.expect("commit");
    row
}

async fn record(store: &Store, row: &n::DeliveryRow, owner: &str, outcome: AttemptOutcome) -> bool {
    let mut tx = store.write().await.expect("tx");
    let done = n::record_attempt(&mut tx, &row.id, owner, &outcome).await.expect("record");
    tx.commit().await.expect("commit");
    done
}

#[tokio::test]
async fn events_fan_out_to_enabled_subscribed_channels_only() {
    let (store, _dir) = fresh_store().await;
    let p = project(&store).await;
    let all = channel(&store, &p, "all", true, Subscription::All).await;
    let failures = channel(&store, &p, "failures", true, Subscription::Only(vec![EventType::SyncFailed])).await;
    channel(&store, &p, "off", false, Subscription::All).await;
    let other = project(&store).await;
    channel(&store, &other, "elsewhere", true, Subscription::All).await;

    assert_eq!(emit(&store, &p, EventType::SyncFailed).await.deliveries.len(), 2);
    assert_eq!(emit(&store, &p, EventType::SyncRecovered).await.deliveries.len(), 1);
    let mut conn = store.read().await.expect("conn");
    let rows = n::list_for_project(&mut conn, &p).await.expect("rows");
    let to = |c: &ChannelId| rows.iter().filter(|r| &r.channel_id == c).count();
    assert_eq!((to(&all), to(&failures)), (2, 1));
    assert!(rows.iter().all(|r| r.status == DeliveryStatus::Pending && r.attempts == 0 && r.max_attempts == 6));
    let failed: Vec<_> = rows.iter().filter(|r| r.event_type == EventType::SyncFailed).collect();
    assert_eq!(failed[0].event_id, failed[1].event_id, "one event, one id, for every channel");
}

#[tokio::test]
async fn a_delivery_is_held_by_one_claimer_until_its_lease_runs_out() {
    let (store, _dir) = fresh_store().await;
    let p = project(&store).await;
    channel(&store, &p, "all", true, Subscription::All).await;
    emit(&store, &p, EventType::SyncFailed).await;

    let first = claim(&store, "node-a", 60_000, None).await.expect("claimed");
    assert_eq!(first.attempts, 1);
    assert!(claim(&store, "node-b", 60_000, None).await.is_none(), "held by node-a");
    // node-a's lease runs out (it died): node-b takes the delivery, and node-a's late
    // answer changes nothing.
    let mut tx = store.write().await.expect("tx");
    sqlx::query("UPDATE notification_deliveries SET lease_until = 1").execute(&mut *tx).await.expect("expire");
    tx.commit().await.expect("commit");
    let second = claim(&store, "node-b", 60_000, None).await.expect("claimed again");
    assert_eq!((second.id.clone(), second.attempts), (first.id.clone(), 2));
    assert!(!record(&store, &first, "node-a", AttemptOutcome::Delivered { status: Some(200) }).await);

    // A retry waits for its time; draining as if time passed finds it.
    let retry_at = now_ms() + 3_600_000;
    let outcome = AttemptOutcome::Retry { status: Some(500), error: "HTTP 500".into(), retry_at };
    assert!(record(&store, &second, "node-b", outcome).await);
    assert!(claim(&store, "node-b", 60_000, None).await.is_none(), "not due yet");
    let mut conn = store.read().await.expect("conn");
    assert_eq!(n::next_due(&mut conn).await.expect("next"), Some(retry_at));
    drop(conn);
    let third = claim(&store, "node-b", 60_000, Some(retry_at)).await.expect("due by then");
    assert!(
        record(&store, &third, "node-b", AttemptOutcome::Failed { status: Some(500), error: "gave up".into() }).await
    );
    let mut conn = store.read().await.expect("conn");
    let row = n::get_delivery(&mut conn, &third.id).await.expect("get").expect("row");
    assert_eq!((row.status, row.attempts, row.last_status), (DeliveryStatus::Failed, 3, Some(500)));
    assert!(row.finished_at.is_some() && row.next_attempt_at.is_none());
    assert_eq!(n::pending_count(&mut conn).await.expect("count"), 0);
    drop(conn);

    // Finished rows older than the retention go; recent ones stay.
    let mut tx = store.write().await.expect("tx");
    assert_eq!(n::prune(&mut tx, 86_400_000).await.expect("prune"), 0);
    sqlx::query("UPDATE notification_deliveries SET finished_at = 1").execute(&mut *tx).await.expect("age");
    assert_eq!(n::prune(&mut tx, 86_400_000).await.expect("prune"), 1);
    tx.commit().await.expect("commit");
}

#[tokio::test]
async fn concurrent_claimers_never_share_a_delivery() {
    let (store, _dir) = fresh_store().await;
    let p = project(&store).await;
    for i in 0..4 {
        channel(&store, &p, &format!("c{i}"), true, Subscription::All).await;
    }
    for _ in 0..10 {
        emit(&store, &p, EventType::SyncFailed).await;
    }
    let mut tasks = Vec::new();
    for node in 0..4 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut got = Vec::new();
            while let Some(row) = claim(&store, &format!("node-{node}"), 60_000, None).await {
                got.push(row.id);
            }
            got
        }));
    }
    let mut seen = HashSet::new();
    for t in tasks {
        for id in t.await.expect("join") {
            assert!(seen.insert(id), "a delivery was claimed twice");
        }
    }
    assert_eq!(seen.len(), 40);
}
