//! `sluice syncs railway …` against the fake Railway: create by names and by ids, list,
//! get, update, plan, sync/import/remove with `--wait`, runs, delete — and `--wait` on a
//! failing sync (exit 1 with Railway's message).

use crate::support::{ACCOUNT_TOKEN, RW_API, RW_PRODUCTION, RW_PROJECT, RW_WORKER, World};
use sluice_railway_fake::Fault;
use std::time::Duration;

/// Creates a sync of prod:/ to the api service by ids, auto-sync off; returns its name.
pub async fn sync_by_ids(w: &World, name: &str, extra: &[&str]) -> String {
    let conn = w.connection(&format!("conn-{name}")).await;
    let mut args = vec![
        "syncs",
        "railway",
        "create",
        name,
        "--connection",
        &conn,
        "--env",
        "prod",
        "--railway-project",
        RW_PROJECT,
        "--railway-environment",
        RW_PRODUCTION,
        "--railway-service",
        RW_API,
        "--initial-sync",
        "overwrite-destination",
        "--no-auto-sync",
    ];
    args.extend_from_slice(extra);
    w.sluice(&args).await.ok().stdout_has(&format!("Created sync {name}"));
    name.to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_by_names_and_watch_the_first_run_complete() {
    let w = World::start().await;
    w.put_secrets("prod", &[("DATABASE_URL", "postgres://prod-db/shop"), ("API_KEY", "k-123")]).await;
    w.sluice_stdin(
        &["connections", "railway", "create", "railway-prod", "--method", "account-token", "--railway-token-stdin"],
        &format!("{ACCOUNT_TOKEN}\n"),
    )
    .await
    .ok();

    let out = w
        .sluice(&[
            "syncs",
            "railway",
            "create",
            "shop-api",
            "--connection",
            "railway-prod",
            "--env",
            "prod",
            "--railway-project",
            "shop",
            "--railway-environment",
            "production",
            "--railway-service",
            "api",
            "--initial-sync",
            "overwrite-destination",
            "--wait",
        ])
        .await;
    out.ok()
        .stderr_has("Created sync shop-api")
        .stdout_has("Synced shop-api in ")
        .stdout_has("1 created, 1 updated")
        .stdout_has("Redeployed api")
        .stdout_has("  + API_KEY\n")
        .stdout_has("  ~ DATABASE_URL\n");
    assert!(!out.stdout.contains("k-123") && !out.stderr.contains("k-123"), "values are never printed");
    let vars = w.api_variables();
    assert_eq!(vars.get("API_KEY"), Some(&Some("k-123".to_string())));
    assert_eq!(vars.get("DATABASE_URL"), Some(&Some("postgres://prod-db/shop".to_string())));

    let get = w.sluice(&["syncs", "railway", "get", "shop-api"]).await;
    get.ok().stdout_has("shop / production / api").stdout_has("prod:/").stdout_has("succeeded");
    let runs = w.sluice(&["syncs", "railway", "runs", "shop-api"]).await;
    runs.ok().stdout_has("create").stdout_has("succeeded").stdout_has("+1 ~1").stdout_has("Runs 1–1 of 1.");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_by_ids_then_list_get_plan_sync_update_and_runs() {
    let w = World::start().await;
    w.put_secrets("prod", &[("API_KEY", "k-123"), ("PORT", "8080")]).await;
    sync_by_ids(&w, "shop", &["--key-schema", "SHOP_{{secretKey}}", "--disable-secret-deletion"]).await;

    w.sluice(&["syncs", "railway", "list"]).await.ok().stdout_has("shop").stdout_has("never run").stdout_has("off");
    let got = w.sluice(&["syncs", "railway", "get", "shop", "-o", "json"]).await.json();
    assert_eq!(got["destinationConfig"]["projectName"], "shop", "display names are filled in from the picker");
    assert_eq!(got["destinationConfig"]["serviceName"], "api");
    assert_eq!(got["syncOptions"]["keySchema"], "SHOP_{{secretKey}}");
    assert_eq!(got["syncOptions"]["disableSecretDeletion"], true);
    assert_eq!(got["isAutoSyncEnabled"], false);

    let plan = w.sluice(&["syncs", "railway", "plan", "shop"]).await;
    plan.ok().stdout_has("Plan for shop:").stdout_has("  + SHOP_API_KEY ← API_KEY\n").stdout_has("2 to create");
    assert!(!plan.stdout.contains("k-123"), "plans never show values:\n{}", plan.stdout);
    let plan_json = w.sluice(&["syncs", "railway", "plan", "shop", "-o", "json"]).await.json();
    assert_eq!(plan_json["counts"]["create"], 2);
    assert_eq!(w.api_variables().get("SHOP_API_KEY"), None, "a plan changes nothing");

    // A dry run previews a sync that is never created.
    let conn = w.connection("dry").await;
    w.sluice(&[
        "syncs",
        "railway",
        "create",
        "preview",
        "--connection",
        &conn,
        "--env",
        "prod",
        "--railway-project",
        "shop",
        "--railway-environment",
        "staging",
        "--initial-sync",
        "overwrite-destination",
        "--dry-run",
    ])
    .await
    .ok()
    .stdout_has("Plan for preview:");
    w.sluice(&["syncs", "railway", "get", "preview"]).await.code(4).stderr_has("no Railway sync \"preview\"");

    w.sluice(&["syncs", "railway", "sync", "shop", "--wait"])
        .await
        .ok()
        .stdout_has("Synced shop in ")
        .stdout_has("2 created");
    assert_eq!(w.api_variables().get("SHOP_PORT"), Some(&Some("8080".to_string())));

    // Updates name their flags when refused, and change only what is given.
    w.sluice(&["syncs", "railway", "update", "shop", "--key-schema", "NO_PLACEHOLDER"])
        .await
        .code(2)
        .stderr_has("--key-schema: ");
    w.sluice(&["syncs", "railway", "update", "shop"]).await.code(2).stderr_has("nothing to change");
    w.sluice(&["syncs", "railway", "update", "shop", "--railway-service", "worker", "--auto-sync", "true", "--wait"])
        .await
        .ok()
        .stdout_has("Synced shop");
    assert_eq!(w.fake.variables(RW_PRODUCTION, Some(RW_WORKER)).get("SHOP_API_KEY"), Some(&Some("k-123".to_string())));
    let got = w.sluice(&["syncs", "railway", "get", "shop", "-o", "json"]).await.json();
    assert_eq!(got["destinationConfig"]["serviceName"], "worker");
    assert_eq!(got["syncOptions"]["keySchema"], "SHOP_{{secretKey}}", "options not given are kept");
    assert_eq!(got["isAutoSyncEnabled"], true);

    let runs = w.sluice(&["syncs", "railway", "runs", "shop", "-o", "json"]).await.json();
    assert_eq!(runs["totalCount"], 2);
    let table = w.sluice(&["syncs", "railway", "runs", "shop", "--limit", "1"]).await;
    // Newest first: the run that turning auto-sync back on started.
    table.ok().stdout_has("enable").stdout_has("+2 ~0 -0").stdout_has("Runs 1–1 of 2.");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_remove_and_delete_with_wait() {
    let w = World::start().await;
    w.put_secrets("prod", &[("API_KEY", "k-123")]).await;
    sync_by_ids(&w, "shop", &[]).await;

    w.sluice(&["syncs", "railway", "import", "shop", "--behavior", "prioritize-destination", "--wait"])
        .await
        .ok()
        // DATABASE_URL, and LOG_LEVEL as the reference it is at Railway; never the sealed key.
        .stdout_has("Imported 2 keys from Railway into prod:/");
    assert_eq!(
        w.secret("prod", "DATABASE_URL").await.as_deref(),
        Some("postgres://shop:example-password@db.railway.internal:5432/shop")
    );
    assert_eq!(w.secret("prod", "LOG_LEVEL").await.as_deref(), Some("${{shared.LOG_LEVEL}}"));
    assert_eq!(w.secret("prod", "STRIPE_SECRET_KEY").await, None);

    w.sluice(&["syncs", "railway", "sync", "shop", "--wait"]).await.ok();
    assert!(w.api_variables().contains_key("API_KEY"));
    w.sluice(&["syncs", "railway", "remove", "shop", "--wait"])
        .await
        .ok()
        .stdout_has("Removed ")
        .stdout_has("from Railway");
    assert!(!w.api_variables().contains_key("API_KEY"), "the sync's variables are gone from Railway");
    w.sluice(&["syncs", "railway", "get", "shop"]).await.ok().stdout_has("Remove status");

    w.sluice(&["syncs", "railway", "sync", "shop", "--wait"]).await.ok();
    w.sluice(&["syncs", "railway", "delete", "shop", "--remove-secrets", "--wait"])
        .await
        .ok()
        .stdout_has("Removed shop's variables from Railway and deleted the sync.");
    assert!(!w.api_variables().contains_key("API_KEY"));
    w.sluice(&["syncs", "railway", "get", "shop"]).await.code(4);

    sync_by_ids(&w, "other", &[]).await;
    w.sluice(&["syncs", "railway", "delete", "other"]).await.ok().stdout_has("Deleted sync other");
    w.sluice(&["syncs", "railway", "list"]).await.ok().stdout_has("No Railway syncs");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_on_a_failing_sync_exits_1_with_railways_message() {
    let w = World::start().await;
    w.put_secrets("prod", &[("API_KEY", "k-123")]).await;
    sync_by_ids(&w, "shop", &[]).await;

    w.fake.inject(Fault::not_authorized().times(10));
    let out = w.sluice(&["syncs", "railway", "sync", "shop", "--wait"]).await;
    out.code(1)
        .stdout_has("The sync of shop failed (attempt 1)")
        .stderr_has("error: the sync of shop failed after 1 attempt: ")
        .stderr_has("Not Authorized")
        .stderr_has("sluice syncs railway runs shop");
    assert!(!w.api_variables().contains_key("API_KEY"));
    w.sluice(&["syncs", "railway", "runs", "shop"]).await.ok().stdout_has("failed").stdout_has("Not Authorized");
    w.sluice(&["syncs", "railway", "get", "shop"])
        .await
        .ok()
        .stdout_has("Last sync error")
        .stdout_has("Not Authorized");
    w.fake.state().clear_faults();

    // A retryable failure is retried; --wait follows it to success.
    w.fake.inject(Fault::http_status(503).times(1));
    w.sluice(&["syncs", "railway", "sync", "shop", "--wait"]).await.ok().stdout_has("Synced shop");
    let runs = w.sluice(&["syncs", "railway", "runs", "shop", "-o", "json"]).await.json();
    let statuses: Vec<(i64, String)> = runs["runs"]
        .as_array()
        .expect("runs")
        .iter()
        .take(2)
        .map(|r| (r["attempt"].as_i64().unwrap_or(0), r["status"].as_str().unwrap_or("").to_string()))
        .collect();
    assert_eq!(statuses, vec![(2, "succeeded".to_string()), (1, "retrying".to_string())]);

    // --timeout gives up waiting (the run goes on at the server).
    w.fake.inject(Fault::slow(Duration::from_secs(3)));
    w.sluice(&["syncs", "railway", "sync", "shop", "--wait", "--timeout", "1"])
        .await
        .code(1)
        .stderr_has("gave up waiting after 1 s");
}
