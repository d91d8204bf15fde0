//! What keeps a sync right unattended, from the command line: a drift check naming the key
//! someone edited at Railway (exit 6), a held run released with `confirm` (and refused
//! without a terminal or `--yes`), orphans after a key-schema change listed and removed,
//! and the new options round-tripping through create, update and get.

use crate::support::{RW_API, RW_PRODUCTION, World};
use crate::syncs::sync_by_ids;

const SCHEMA: &str = "SHOP_{{secretKey}}";

/// The table row of `text` whose first column is `key`.
#[track_caller]
fn line_of<'a>(text: &'a str, key: &str) -> &'a str {
    text.lines().find(|l| l.split_whitespace().next() == Some(key)).unwrap_or_else(|| panic!("no {key} in:\n{text}"))
}

/// The row of `get`'s table labelled `label`.
#[track_caller]
fn row_of<'a>(text: &'a str, label: &str) -> &'a str {
    text.lines().find(|l| l.starts_with(&format!("{label}  "))).unwrap_or_else(|| panic!("no {label} in:\n{text}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drift_check_names_the_key_edited_at_railway_and_exits_6() {
    let w = World::start().await;
    w.put_secrets("prod", &[("API_KEY", "k-123"), ("PORT", "8080")]).await;
    sync_by_ids(&w, "shop", &["--key-schema", SCHEMA]).await;

    // Never run: nothing to report, nothing to compare.
    w.sluice(&["syncs", "railway", "drift", "shop"]).await.ok().stdout_has("never been checked for drift");
    w.sluice(&["syncs", "railway", "drift", "shop", "--check"]).await.code(2).stderr_has("Run a sync first");

    w.sluice(&["syncs", "railway", "sync", "shop", "--wait"]).await.ok();
    // A sync leaves the destination in sync, and says so.
    w.sluice(&["syncs", "railway", "drift", "shop"]).await.ok().stdout_has("shop: in-sync").stdout_has("2 in sync");

    w.fake.set_variable(RW_PRODUCTION, Some(RW_API), "SHOP_API_KEY", "edited-at-railway", false);
    assert!(w.fake.remove_variable(RW_PRODUCTION, Some(RW_API), "SHOP_PORT"));
    let out = w.sluice(&["syncs", "railway", "drift", "shop", "--check", "--wait"]).await;
    out.code(6)
        .stdout_has("shop: drifted")
        .stdout_has("(drift policy: report)")
        .stdout_has("sluice syncs railway sync shop");
    assert!(line_of(&out.stdout, "SHOP_API_KEY").contains("changed at Railway"), "{}", out.stdout);
    assert!(line_of(&out.stdout, "SHOP_PORT").contains("deleted at Railway"), "{}", out.stdout);
    assert!(!out.stdout.contains("edited-at-railway") && !out.stderr.contains("edited-at-railway"), "no values");

    // Scripts read the same report, and the same status.
    let json = w.sluice(&["syncs", "railway", "drift", "shop", "-o", "json"]).await;
    let report = json.code(6).json();
    assert_eq!(report["drift"]["status"], "drifted");
    assert_eq!(report["drift"]["counts"]["changedAtDestination"], 1);
    w.sluice(&["syncs", "railway", "list"]).await.ok().stdout_has("drifted");
    let get = w.sluice(&["syncs", "railway", "get", "shop"]).await;
    assert!(row_of(&get.stdout, "Drift status").contains("drifted"), "{}", get.stdout);

    // Putting Sluice's values back ends the drift.
    w.sluice(&["syncs", "railway", "sync", "shop", "--wait"]).await.ok();
    w.sluice(&["syncs", "railway", "drift", "shop", "--check", "--wait"]).await.ok().stdout_has("shop: in-sync");
    assert_eq!(w.api_variables().get("SHOP_API_KEY"), Some(&Some("k-123".to_string())));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_emptied_folder_is_held_until_confirm_releases_it() {
    let w = World::start().await;
    w.put_secrets("prod", &[("API_KEY", "k-123")]).await;
    sync_by_ids(&w, "shop", &["--key-schema", SCHEMA]).await;
    w.sluice(&["syncs", "railway", "sync", "shop", "--wait"]).await.ok();
    w.sluice(&["secrets", "delete", "API_KEY", "--env", "prod"]).await.ok();

    // The run that would empty Railway is held: --wait stops, says why, and exits 7.
    w.sluice(&["syncs", "railway", "plan", "shop"]).await.ok().stdout_has("Would be held: this run would delete 1");
    w.sluice(&["syncs", "railway", "sync", "shop", "--wait"])
        .await
        .code(7)
        .stdout_has("Held shop: this run would delete 1 of the 1 keys")
        .stdout_has("  - SHOP_API_KEY\n")
        .stderr_has("held until its plan is confirmed")
        .stderr_has("sluice syncs railway confirm shop");
    assert!(w.api_variables().contains_key("SHOP_API_KEY"), "nothing written while held");
    w.sluice(&["syncs", "railway", "list"]).await.ok().stdout_has("held");
    w.sluice(&["syncs", "railway", "get", "shop"]).await.ok().stdout_has("Held because").stdout_has("Held plan");

    // Without a terminal to ask on, confirm shows the plan and refuses unless --yes.
    w.sluice(&["syncs", "railway", "confirm", "shop"])
        .await
        .code(2)
        .stdout_has("shop is held: this run would delete 1")
        .stdout_has("  - SHOP_API_KEY\n")
        .stderr_has("standard input is not a terminal")
        .stderr_has("--yes");
    w.sluice(&["syncs", "railway", "confirm", "shop", "--plan-hash", "0123", "--yes"])
        .await
        .code(2)
        .stderr_has("The plan changed");
    assert!(w.api_variables().contains_key("SHOP_API_KEY"), "nothing confirmed yet");

    w.sluice(&["syncs", "railway", "confirm", "shop", "--yes", "--wait"])
        .await
        .ok()
        .stdout_has("Synced shop")
        .stdout_has("1 deleted");
    assert!(!w.api_variables().contains_key("SHOP_API_KEY"), "the confirmed plan deleted it");
    w.sluice(&["syncs", "railway", "confirm", "shop", "--yes"]).await.code(2).stderr_has("shop is not held");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orphans_after_a_key_schema_change_are_listed_and_removed() {
    let w = World::start().await;
    w.put_secrets("prod", &[("API_KEY", "k-123"), ("PORT", "8080")]).await;
    sync_by_ids(&w, "shop", &["--key-schema", SCHEMA]).await;
    w.sluice(&["syncs", "railway", "sync", "shop", "--wait"]).await.ok();

    w.sluice(&["syncs", "railway", "update", "shop", "--key-schema", "APP_{{secretKey}}"]).await.ok();
    w.sluice(&["syncs", "railway", "sync", "shop", "--wait"]).await.ok().stdout_has("2 created");
    let keys = w.sluice(&["syncs", "railway", "keys", "shop"]).await;
    keys.ok().stdout_has("2 orphaned").stdout_has("remove-orphans shop");
    assert!(line_of(&keys.stdout, "SHOP_PORT").ends_with("orphan"), "{}", keys.stdout);
    assert!(line_of(&keys.stdout, "APP_PORT").ends_with("managed"), "{}", keys.stdout);
    let get = w.sluice(&["syncs", "railway", "get", "shop"]).await;
    assert!(row_of(&get.stdout, "Orphaned keys").contains("SHOP_API_KEY, SHOP_PORT"), "{}", get.stdout);
    w.sluice(&["syncs", "railway", "plan", "shop"]).await.ok().stdout_has("Orphaned keys").stdout_has("SHOP_PORT");

    w.sluice(&["syncs", "railway", "remove-orphans", "shop", "--wait"])
        .await
        .ok()
        .stdout_has("Removed 2 variables of shop from Railway")
        .stdout_has("  - SHOP_API_KEY\n");
    let vars = w.api_variables();
    assert!(!vars.contains_key("SHOP_API_KEY") && !vars.contains_key("SHOP_PORT"), "{vars:?}");
    assert_eq!(vars.get("APP_API_KEY"), Some(&Some("k-123".to_string())), "managed keys stay");
    let json = w.sluice(&["syncs", "railway", "keys", "shop", "-o", "json"]).await.json();
    let managed: Vec<bool> = json["keys"].as_array().expect("keys").iter().map(|k| k["managed"] == true).collect();
    assert_eq!(managed, [true, true]);
    w.sluice(&["syncs", "railway", "remove-orphans", "shop"]).await.code(2).stderr_has("no orphaned keys");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ledger_drift_and_guard_options_round_trip_through_create_update_and_get() {
    let w = World::start().await;
    sync_by_ids(
        &w,
        "shop",
        &[
            "--delete-only-owned",
            "false",
            "--drift-policy",
            "heal",
            "--drift-interval",
            "30",
            "--guard-percent",
            "80",
            "--guard-min-keys",
            "2",
        ],
    )
    .await;
    let o = w.sluice(&["syncs", "railway", "get", "shop", "-o", "json"]).await.json()["syncOptions"].clone();
    assert_eq!(o["deleteOnlyOwned"], false);
    assert_eq!(o["driftPolicy"], "heal");
    assert_eq!(o["driftCheckIntervalMinutes"], 30);
    assert_eq!(o["massDeletionGuard"], serde_json::json!({"enabled": true, "percent": 80, "minKeys": 2}));

    w.sluice(&["syncs", "railway", "update", "shop", "--drift-policy", "adopt", "--deletion-guard", "false"])
        .await
        .ok();
    w.sluice(&["syncs", "railway", "update", "shop", "--key-schema", SCHEMA]).await.ok();
    let o = w.sluice(&["syncs", "railway", "get", "shop", "-o", "json"]).await.json()["syncOptions"].clone();
    assert_eq!(o["driftPolicy"], "adopt");
    assert_eq!(o["massDeletionGuard"], serde_json::json!({"enabled": false, "percent": 80, "minKeys": 2}));
    assert_eq!((o["deleteOnlyOwned"].clone(), o["driftCheckIntervalMinutes"].clone()), (false.into(), 30.into()));
    assert_eq!(o["keySchema"], SCHEMA);

    let get = w.sluice(&["syncs", "railway", "get", "shop"]).await;
    get.ok();
    for (label, want) in [
        ("Drift policy", "adopt"),
        ("Deletion guard", "off"),
        ("Delete only owned", "no: deletes any variable"),
        ("Drift checks", "every 30 minutes"),
    ] {
        assert!(row_of(&get.stdout, label).contains(want), "{label}: {want}\n{}", get.stdout);
    }

    // Values out of range name their flag.
    w.sluice(&["syncs", "railway", "update", "shop", "--drift-interval", "3"])
        .await
        .code(2)
        .stderr_has("--drift-interval: ");
    w.sluice(&["syncs", "railway", "update", "shop", "--guard-percent", "0"])
        .await
        .code(2)
        .stderr_has("--guard-percent");
    w.sluice(&["syncs", "railway", "update", "shop", "--drift-policy", "fix"])
        .await
        .code(2)
        .stderr_has("--drift-policy");
}
