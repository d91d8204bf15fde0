//! The job queue's guarantees: coalescing, exclusive claims per sync, leases that expire,
//! the per-connection cap, and retries that hand over to a newer queued job.

use super::{fresh_store, insert_project};
use sluice_domain::{
    App, ConnectionId, EnvironmentId, FolderPath, InitialSyncBehavior, JobId, JobKind, JobState, ProjectId,
    RailwayDestination, SyncId, SyncOptions, SyncStatus, TokenKind,
};
use sluice_storage::connections::{self, ConnectionRow};
use sluice_storage::environments::{self, EnvironmentRow};
use sluice_storage::jobs::{self, Enqueued, NewJob};
use sluice_storage::syncs::{self, SyncRow};
use sluice_storage::{Store, now_ms};

pub(super) struct Fixture {
    pub(super) store: Store,
    _dir: tempfile::TempDir,
    pub(super) connection: ConnectionId,
    /// The syncs `s0`.., in creation order (four, unless [`Fixture::grow_to`] added more).
    pub(super) syncs: Vec<SyncId>,
}

pub(super) async fn fixture() -> Fixture {
    let (store, dir) = fresh_store().await;
    let mut tx = store.write().await.expect("tx");
    let now = now_ms();
    let project = insert_project(&mut tx).await;
    let env = EnvironmentRow {
        id: EnvironmentId::new(),
        project_id: project.id.clone(),
        name: "Dev".into(),
        slug: "dev".into(),
        position: 1,
        created_at: now,
        updated_at: now,
    };
    environments::insert(&mut tx, &env).await.expect("env");
    let connection = ConnectionRow {
        id: ConnectionId::new(),
        org_id: project.org_id.clone(),
        project_id: None,
        app: App::Railway,
        method: TokenKind::Account.as_str().to_string(),
        name: "rw".into(),
        description: None,
        data_key_wrapped: vec![1],
        credentials_ct: vec![2],
        credentials_hash: "h".into(),
        version: 1,
        created_at: now,
        updated_at: now,
        sync_concurrency: None,
    };
    connections::insert(&mut tx, &connection).await.expect("connection");
    tx.commit().await.expect("commit");
    let mut f = Fixture { store, _dir: dir, connection: connection.id, syncs: Vec::new() };
    for i in 0..4 {
        let id = f.add_sync(&format!("s{i}"), &project.id).await;
        f.syncs.push(id);
    }
    f
}

impl Fixture {
    /// Sync `s{i}`.
    pub(super) fn sync(&self, i: usize) -> &SyncId {
        &self.syncs[i]
    }

    async fn add_sync(&self, name: &str, project: &ProjectId) -> SyncId {
        let now = now_ms();
        let id = SyncId::new();
        let mut tx = self.store.write().await.expect("tx");
        syncs::insert(
            &mut tx,
            &SyncRow {
                id: id.clone(),
                project_id: project.clone(),
                name: name.to_string(),
                description: None,
                destination: App::Railway,
                connection_id: self.connection.clone(),
                environment_id: None,
                folder_id: None,
                secret_path: FolderPath::root(),
                is_auto_sync_enabled: true,
                version: 1,
                sync_options: SyncOptions::new(InitialSyncBehavior::OverwriteDestination),
                destination_config: RailwayDestination::new("p", "", "e", "", None, None).expect("destination").into(),
                sync_status: None,
                last_sync_job_id: None,
                last_sync_message: None,
                last_synced_at: None,
                sync_attempt: 0,
                next_sync_at: None,
                import_status: None,
                last_import_job_id: None,
                last_import_message: None,
                last_imported_at: None,
                remove_status: None,
                last_remove_job_id: None,
                last_remove_message: None,
                last_removed_at: None,
                lease_job_id: None,
                lease_owner: None,
                lease_until: None,
                created_at: now,
                updated_at: now,
                trust: Default::default(),
            },
        )
        .await
        .expect("sync");
        tx.commit().await.expect("commit");
        id
    }

    /// Adds syncs up to `n` in all, `s4` onwards.
    pub(super) async fn grow_to(&mut self, n: usize) {
        let mut conn = self.store.read().await.expect("conn");
        let project: ProjectId = sqlx::query_scalar("SELECT project_id FROM secret_syncs LIMIT 1")
            .fetch_one(&mut *conn)
            .await
            .expect("project");
        drop(conn);
        for i in self.syncs.len()..n {
            let id = self.add_sync(&format!("s{i}"), &project).await;
            self.syncs.push(id);
        }
    }

    pub(super) async fn enqueue(&self, kind: JobKind, sync: &SyncId) -> Enqueued {
        let mut tx = self.store.write().await.expect("tx");
        let e = jobs::enqueue(
            &mut tx,
            &NewJob {
                kind,
                sync_id: sync.clone(),
                connection_id: self.connection.clone(),
                payload: "{}".into(),
                max_attempts: 5,
                run_at: now_ms(),
            },
        )
        .await
        .expect("enqueue");
        tx.commit().await.expect("commit");
        e
    }

    async fn claim(&self, owner: &str, lease_ms: i64, cap: i64) -> Option<jobs::JobRow> {
        let mut tx = self.store.write().await.expect("tx");
        let j = jobs::claim(&mut tx, self.store.backend(), owner, lease_ms, cap, None).await.expect("claim");
        tx.commit().await.expect("commit");
        j.map(|c| c.job)
    }

    /// Like [`claim`](Self::claim), with whose expired lease it took over.
    async fn claim_full(&self, owner: &str, lease_ms: i64, cap: i64) -> Option<jobs::Claimed> {
        let mut tx = self.store.write().await.expect("tx");
        let j = jobs::claim(&mut tx, self.store.backend(), owner, lease_ms, cap, None).await.expect("claim");
        tx.commit().await.expect("commit");
        j
    }

    async fn finish(&self, id: &JobId) {
        let mut tx = self.store.write().await.expect("tx");
        jobs::finish(&mut tx, id, JobState::Succeeded, None).await.expect("finish");
        tx.commit().await.expect("commit");
    }
}

#[tokio::test]
async fn a_burst_leaves_one_queued_sync_job() {
    let f = fixture().await;
    let first = f.enqueue(JobKind::Sync, f.sync(0)).await;
    assert!(matches!(first, Enqueued::New(_)));
    for _ in 0..5 {
        assert_eq!(f.enqueue(JobKind::Sync, f.sync(0)).await, Enqueued::Coalesced(first.job_id().clone()));
    }
    // Import jobs do not coalesce with sync jobs.
    assert!(matches!(f.enqueue(JobKind::Import, f.sync(0)).await, Enqueued::New(_)));
    let mut conn = f.store.read().await.expect("conn");
    assert_eq!(jobs::outstanding(&mut conn).await.expect("count"), (2, 0));
}

#[tokio::test]
async fn a_sync_never_runs_twice_at_once() {
    let f = fixture().await;
    f.enqueue(JobKind::Sync, f.sync(0)).await;
    let running = f.claim("node-a", 60_000, 10).await.expect("claimed");
    // A change while it runs queues a new job, which must wait for the running one.
    let next = f.enqueue(JobKind::Sync, f.sync(0)).await;
    assert!(matches!(next, Enqueued::New(_)));
    f.enqueue(JobKind::Import, f.sync(0)).await;
    assert!(f.claim("node-b", 60_000, 10).await.is_none(), "the sync is busy");
    f.finish(&running.id).await;
    let again = f.claim("node-b", 60_000, 10).await.expect("now it can run");
    assert_eq!(&again.sync_id, f.sync(0));
    assert!(f.claim("node-a", 60_000, 10).await.is_none());
}

#[tokio::test]
async fn an_expired_lease_lets_another_node_take_over() {
    let f = fixture().await;
    f.enqueue(JobKind::Sync, f.sync(1)).await;
    let crashed = f.claim("node-a", -1, 10).await.expect("claimed with an already expired lease");
    let recovered = f.claim("node-b", 60_000, 10).await.expect("recovered");
    assert_eq!(recovered.id, crashed.id);
    assert_eq!(recovered.attempts, 2);
    assert_eq!(recovered.lease_owner.as_deref(), Some("node-b"));
    // The old owner can no longer renew.
    let mut tx = f.store.write().await.expect("tx");
    assert!(!jobs::renew(&mut tx, &crashed, "node-a", now_ms() + 1000).await.expect("renew"));
    assert!(jobs::renew(&mut tx, &recovered, "node-b", now_ms() + 1000).await.expect("renew"));
    tx.commit().await.expect("commit");
}

/// A run's outcome ends its job only while its node holds it with the epoch it claimed:
/// a node whose job was taken over ends nothing, and the new holder's end counts.
#[tokio::test]
async fn a_job_ends_only_for_the_node_and_epoch_that_hold_it() {
    let f = fixture().await;
    f.enqueue(JobKind::Sync, f.sync(1)).await;
    let stalled = f.claim("node-a", -1, 10).await.expect("claimed with an already expired lease");
    let taken = f.claim("node-b", 60_000, 10).await.expect("taken over");
    let mut tx = f.store.write().await.expect("tx");
    let late = jobs::end(&mut tx, &stalled.id, JobState::Succeeded, None, Some(("node-a", stalled.lease_epoch)));
    assert!(!late.await.expect("end"), "the stalled node's end changes nothing");
    let stale_epoch = jobs::end(&mut tx, &taken.id, JobState::Succeeded, None, Some(("node-b", stalled.lease_epoch)));
    assert!(!stale_epoch.await.expect("end"), "the epoch of an older claim does not hold it");
    tx.commit().await.expect("commit");
    let mut conn = f.store.read().await.expect("conn");
    let job = jobs::get(&mut conn, &taken.id).await.expect("get").expect("job");
    assert_eq!((job.state, job.lease_owner.as_deref()), (JobState::Running, Some("node-b")));
    drop(conn);

    let mut tx = f.store.write().await.expect("tx");
    let ended = jobs::end(&mut tx, &taken.id, JobState::Succeeded, None, Some(("node-b", taken.lease_epoch)));
    assert!(ended.await.expect("end"), "the holder's end");
    tx.commit().await.expect("commit");
    let mut conn = f.store.read().await.expect("conn");
    let job = jobs::get(&mut conn, &taken.id).await.expect("get").expect("job");
    assert_eq!((job.state, job.lease_until), (JobState::Succeeded, None));
}

#[tokio::test]
async fn the_connection_cap_holds() {
    let f = fixture().await;
    for s in &f.syncs {
        f.enqueue(JobKind::Sync, s).await;
    }
    let a = f.claim("n", 60_000, 2).await.expect("first");
    let _b = f.claim("n", 60_000, 2).await.expect("second");
    assert!(f.claim("n", 60_000, 2).await.is_none(), "two already run on this connection");
    f.finish(&a.id).await;
    assert!(f.claim("n", 60_000, 2).await.is_some());
}

#[tokio::test]
async fn a_retry_hands_over_to_a_newer_queued_job() {
    let f = fixture().await;
    f.enqueue(JobKind::Sync, f.sync(2)).await;
    let job = f.claim("n", 60_000, 10).await.expect("claimed");
    let newer = f.enqueue(JobKind::Sync, f.sync(2)).await;
    let later = now_ms() + 3_600_000;
    let mut tx = f.store.write().await.expect("tx");
    let retrying = jobs::retry(&mut tx, &job, later, "Railway answered HTTP 503").await.expect("retry");
    tx.commit().await.expect("commit");
    assert_eq!(&retrying, newer.job_id());
    let mut conn = f.store.read().await.expect("conn");
    let old = jobs::get(&mut conn, &job.id).await.expect("get").expect("row");
    assert_eq!(old.state, JobState::Superseded);
    let new = jobs::get(&mut conn, newer.job_id()).await.expect("get").expect("row");
    assert_eq!((new.run_at, new.attempts), (later, 1));
    drop(conn);
    assert!(f.claim("n", 60_000, 10).await.is_none(), "not due for an hour");
}

#[tokio::test]
async fn jobs_of_a_deleted_sync_are_cancelled() {
    let f = fixture().await;
    f.enqueue(JobKind::Sync, f.sync(3)).await;
    let mut tx = f.store.write().await.expect("tx");
    syncs::delete(&mut tx, f.sync(3)).await.expect("delete");
    tx.commit().await.expect("commit");
    assert!(f.claim("n", 60_000, 10).await.is_none());
    let mut conn = f.store.read().await.expect("conn");
    assert_eq!(jobs::outstanding(&mut conn).await.expect("count"), (0, 0));
}

#[tokio::test]
async fn a_restarted_node_frees_its_leases_at_once() {
    let f = fixture().await;
    f.enqueue(JobKind::Sync, f.sync(0)).await;
    let job = f.claim("node-a", 3_600_000, 10).await.expect("claimed");
    assert!(f.claim("node-a", 3_600_000, 10).await.is_none());
    let mut tx = f.store.write().await.expect("tx");
    assert_eq!(jobs::release_node(&mut tx, "node-a").await.expect("release"), 1);
    tx.commit().await.expect("commit");
    let again = f.claim("node-a", 3_600_000, 10).await.expect("reclaimed");
    assert_eq!(again.id, job.id);
}

#[tokio::test]
async fn a_job_this_build_cannot_read_fails_and_the_queue_moves_on() {
    let f = fixture().await;
    let unknown = f.enqueue(JobKind::Sync, f.sync(0)).await;
    let next = f.enqueue(JobKind::Sync, f.sync(1)).await;
    // A newer Sluice sharing the database queued a kind this one does not know.
    let mut tx = f.store.write().await.expect("tx");
    sqlx::query("UPDATE jobs SET kind = 'rotate' WHERE id = $1")
        .bind(unknown.job_id())
        .execute(&mut *tx)
        .await
        .expect("update");
    tx.commit().await.expect("commit");

    let claimed = f.claim("n", 60_000, 10).await.expect("the readable job is claimed");
    assert_eq!(&claimed.id, next.job_id());
    let mut conn = f.store.read().await.expect("conn");
    let (state, error): (String, Option<String>) = sqlx::query_as("SELECT state, last_error FROM jobs WHERE id = $1")
        .bind(unknown.job_id())
        .fetch_one(&mut *conn)
        .await
        .expect("row");
    assert_eq!(state, "failed");
    assert!(error.as_deref().is_some_and(|e| e.contains("cannot run the job")), "{error:?}");
    drop(conn);
    // Its sync is free again: a new job for it is claimed.
    f.enqueue(JobKind::Sync, f.sync(0)).await;
    let again = f.claim("n", 60_000, 10).await.expect("the sync is not left leased");
    assert_eq!(&again.sync_id, f.sync(0));
}

#[tokio::test]
async fn a_takeover_takes_a_new_epoch_fences_out_the_old_holder_and_closes_its_run() {
    let f = fixture().await;
    f.enqueue(JobKind::Sync, f.sync(1)).await;
    let stalled = f.claim("node-a", 60_000, 10).await.expect("claimed");
    assert_eq!(stalled.lease_epoch, 1);
    // node-a started a run, then stalled past its lease (a pause, a frozen VM).
    let mut tx = f.store.write().await.expect("tx");
    sqlx::query(
        "INSERT INTO sync_runs (id, sync_id, project_id, job_id, kind, trigger, actor_type, attempt, node, status, started_at)
         VALUES ('r1', $1, 'p', $2, 'sync', 'manual', 'platform', 1, 'node-a', 'running', 0)",
    )
    .bind(f.sync(1))
    .bind(&stalled.id)
    .execute(&mut *tx)
    .await
    .expect("run");
    sqlx::query("UPDATE jobs SET lease_until = 1").execute(&mut *tx).await.expect("expire");
    sqlx::query("UPDATE secret_syncs SET lease_until = 1").execute(&mut *tx).await.expect("expire");
    tx.commit().await.expect("commit");
    // Its fence now fails even before anyone else claims: the lease ran out.
    let backend = f.store.backend();
    let mut tx = f.store.write().await.expect("tx");
    assert!(!jobs::fence(&mut tx, backend, &stalled, "node-a", now_ms() + 60_000).await.expect("fence"));
    tx.commit().await.expect("commit");

    let claimed = f.claim_full("node-b", 60_000, 10).await.expect("taken over");
    let taken = claimed.job;
    assert_eq!(taken.id, stalled.id);
    assert_eq!(taken.lease_epoch, 2, "a new epoch");
    assert_eq!(claimed.takeover, Some(jobs::Takeover { owner: "node-a".into(), lease_until: 1 }));
    let mut tx = f.store.write().await.expect("tx");
    assert!(!jobs::fence(&mut tx, backend, &stalled, "node-a", now_ms() + 60_000).await.expect("fence"));
    assert!(!jobs::holds(&mut tx, backend, &stalled, "node-a").await.expect("holds"), "old epoch");
    assert!(jobs::fence(&mut tx, backend, &taken, "node-b", now_ms() + 60_000).await.expect("fence"));
    assert!(jobs::holds(&mut tx, backend, &taken, "node-b").await.expect("holds"));
    let (status, error): (String, Option<String>) =
        sqlx::query_as("SELECT status, error FROM sync_runs WHERE id = 'r1'").fetch_one(&mut *tx).await.expect("run");
    tx.commit().await.expect("commit");
    assert_eq!(status, "interrupted", "no run stays running after its job moved on");
    let error = error.unwrap_or_default();
    assert!(error.contains("node-a") && error.contains("node-b"), "{error}");
}

#[tokio::test]
async fn a_restarted_node_closes_its_runs_in_progress() {
    let f = fixture().await;
    f.enqueue(JobKind::Sync, f.sync(0)).await;
    let job = f.claim("node-a", 60_000, 10).await.expect("claimed");
    let mut tx = f.store.write().await.expect("tx");
    sqlx::query(
        "INSERT INTO sync_runs (id, sync_id, project_id, job_id, kind, trigger, actor_type, attempt, node, status, started_at)
         VALUES ('r2', $1, 'p', $2, 'sync', 'manual', 'platform', 1, 'node-a', 'running', 0)",
    )
    .bind(f.sync(0))
    .bind(&job.id)
    .execute(&mut *tx)
    .await
    .expect("run");
    assert_eq!(jobs::release_node(&mut tx, "node-a").await.expect("release"), 1);
    let status: String =
        sqlx::query_scalar("SELECT status FROM sync_runs WHERE id = 'r2'").fetch_one(&mut *tx).await.expect("run");
    tx.commit().await.expect("commit");
    assert_eq!(status, "interrupted");
}

#[tokio::test]
async fn a_connection_sets_its_own_concurrency() {
    let f = fixture().await;
    for s in &f.syncs {
        f.enqueue(JobKind::Sync, s).await;
    }
    let mut tx = f.store.write().await.expect("tx");
    sqlx::query("UPDATE app_connections SET sync_concurrency = 1").execute(&mut *tx).await.expect("set");
    tx.commit().await.expect("commit");
    assert!(f.claim("n", 60_000, 10).await.is_some());
    assert!(f.claim("n", 60_000, 10).await.is_none(), "this connection allows one at a time");
}

/// A claim marks the sync's lifecycle for the job's kind `running` with its lease, and the
/// job's end in the lifecycle frees the lease with it (one update of the sync's row each).
#[tokio::test]
async fn a_claim_marks_its_lifecycle_running_and_its_end_frees_the_lease() {
    let f = fixture().await;
    f.enqueue(JobKind::Import, f.sync(1)).await;
    let claimed = f.claim_full("n1", 60_000, 10).await.expect("claimed");
    let job = claimed.job;
    let mut conn = f.store.read().await.expect("conn");
    let row = syncs::get(&mut conn, f.sync(1)).await.expect("get").expect("row");
    assert_eq!(row.import_status, Some(SyncStatus::Running));
    assert_eq!(row.sync_status, None, "another lifecycle is left alone");
    assert_eq!(row.lease_job_id.as_ref(), Some(&job.id));
    drop(conn);
    let as_claimed = claimed.sync.expect("the claim hands over the sync's row as it left it");
    assert_eq!(
        (as_claimed.import_status, as_claimed.lease_job_id, as_claimed.lease_until, as_claimed.updated_at),
        (row.import_status, row.lease_job_id.clone(), row.lease_until, row.updated_at)
    );

    let mut tx = f.store.write().await.expect("tx");
    syncs::finish(&mut tx, f.sync(1), JobKind::Import, &job.id, true, None, None).await.expect("finish");
    tx.commit().await.expect("commit");
    let mut conn = f.store.read().await.expect("conn");
    let row = syncs::get(&mut conn, f.sync(1)).await.expect("get").expect("row");
    assert_eq!(row.import_status, Some(SyncStatus::Succeeded));
    assert_eq!((row.lease_job_id, row.lease_owner, row.lease_until), (None, None, None));
    drop(conn);
    f.enqueue(JobKind::Sync, f.sync(1)).await;
    assert!(f.claim("n2", 60_000, 10).await.is_some(), "the sync is free for its next job");
}

/// What a run owes its services' deploys is written in one statement that commits by
/// itself: every service is owed, and owing again drops what was being waited for.
#[tokio::test]
async fn owed_deploys_are_written_for_every_service_at_once_and_owing_again_starts_over() {
    use sluice_storage::deploys;
    let f = fixture().await;
    let services = vec!["svc-a".to_string(), "svc-b".to_string()];
    let mut conn = f.store.write_one().await.expect("writer");
    deploys::owe(&mut conn, f.sync(0), &services).await.expect("owe");
    deploys::requesting(&mut conn, f.sync(0), "svc-a", "dep-1").await.expect("requesting");
    deploys::deploying(&mut conn, f.sync(0), "svc-b", "dep-2").await.expect("deploying");
    deploys::owe(&mut conn, f.sync(0), &[]).await.expect("nothing owed");
    drop(conn);
    let mut conn = f.store.read().await.expect("conn");
    let pending = deploys::pending(&mut conn, f.sync(0)).await.expect("pending");
    let seen: Vec<_> = pending
        .iter()
        .map(|p| (p.service_id.as_str(), p.deployment_id.as_deref(), p.requested_after.as_deref()))
        .collect();
    assert_eq!(seen, [("svc-a", None, Some("dep-1")), ("svc-b", Some("dep-2"), None)]);
    drop(conn);

    let mut conn = f.store.write_one().await.expect("writer");
    deploys::owe(&mut conn, f.sync(0), &services).await.expect("owe again");
    drop(conn);
    let mut conn = f.store.read().await.expect("conn");
    let pending = deploys::pending(&mut conn, f.sync(0)).await.expect("pending");
    assert!(pending.iter().all(|p| p.deployment_id.is_none() && p.requested_after.is_none()), "{pending:?}");
    assert_eq!(pending.len(), 2);
}

/// Owing deploys while the run's job is held proves the lease in the same statement: held
/// by the claimer with its epoch and a lease running long enough, every service is owed
/// (again, starting over); else nothing is written.
#[tokio::test]
async fn deploys_owed_while_held_are_written_only_under_the_claimers_lease() {
    use sluice_storage::deploys;
    let f = fixture().await;
    f.enqueue(JobKind::Sync, f.sync(0)).await;
    let job = f.claim("n1", 60_000, 10).await.expect("claimed");
    let until = job.lease_until.expect("leased");
    let services = vec!["svc-a".to_string(), "svc-b".to_string(), "svc-a".to_string()];
    let refused = [
        ("another owner", "n2", job.lease_epoch, until),
        ("another epoch", "n1", job.lease_epoch + 1, until),
        ("a lease that ends too soon", "n1", job.lease_epoch, until + 1),
    ];
    for (why, owner, epoch, need) in refused {
        let stale = jobs::JobRow { lease_epoch: epoch, ..job.clone() };
        let mut conn = f.store.write_one().await.expect("writer");
        let wrote = deploys::owe_while_held(&mut conn, f.sync(0), &services, &stale, owner, need).await.expect("owe");
        drop(conn);
        assert!(!wrote, "{why}");
        let mut conn = f.store.read().await.expect("conn");
        assert!(deploys::pending(&mut conn, f.sync(0)).await.expect("pending").is_empty(), "{why}: nothing written");
    }
    let mut conn = f.store.write_one().await.expect("writer");
    deploys::requesting(&mut conn, f.sync(0), "svc-a", "dep-1").await.expect("nothing to update yet");
    assert!(deploys::owe_while_held(&mut conn, f.sync(0), &services, &job, "n1", until).await.expect("owe"));
    deploys::requesting(&mut conn, f.sync(0), "svc-a", "dep-1").await.expect("requesting");
    assert!(deploys::owe_while_held(&mut conn, f.sync(0), &services, &job, "n1", until).await.expect("owe again"));
    drop(conn);
    let mut conn = f.store.read().await.expect("conn");
    let pending = deploys::pending(&mut conn, f.sync(0)).await.expect("pending");
    let seen: Vec<_> = pending.iter().map(|p| (p.service_id.as_str(), p.requested_after.as_deref())).collect();
    assert_eq!(seen, [("svc-a", None), ("svc-b", None)], "each service once, owing again starts over");
}
