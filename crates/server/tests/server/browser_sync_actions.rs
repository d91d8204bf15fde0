//! The Secret Syncs list's row menu and the one confirmation dialog of destructive actions,
//! and the options step's live key-schema preview, in Chromium. Screenshots go to
//! `target/screenshots/sync-actions-*.png`.

use crate::browser::{Ui, browser};
use crate::sync_support::{self, ACCOUNT_TOKEN, RW_API, RW_PRODUCTION, SYNCS};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn row_actions_confirm_in_one_dialog_and_the_schema_preview_follows_typing() {
    let Some((_driver, client, _profile)) = browser().await else { return };
    let (fake, app) = sync_support::start().await;
    let conn = sync_support::connection(&app, "rw", "account-token", ACCOUNT_TOKEN).await;
    let pid = app.project_id().to_string();
    for k in ["API_KEY", "DB"] {
        let body = json!({"workspaceId": pid, "environment": "dev", "secretPath": "/", "secretValue": "v"});
        app.api.post(&format!("/api/v3/secrets/raw/{k}"), body).await.expect(200);
    }
    let created = app
        .api
        .post(SYNCS, sync_support::sync_body(&app, "shop-api", conn["id"].as_str().expect("id"), "/"))
        .await
        .expect(200);
    let id = created["secretSync"]["id"].as_str().expect("id").to_string();
    app.drain_all().await;
    assert!(fake.variables(RW_PRODUCTION, Some(RW_API)).contains_key("SLUICE_API_KEY"));
    let ui = Ui { c: client, base: app.url() };
    ui.sign_in(&app).await;

    // The row menu opens, and its first item has the focus.
    ui.go(&format!("/projects/{pid}/integrations")).await;
    ui.click(&format!("tr[data-sync-id='{id}'] details.row-menu > summary")).await;
    ui.wait_js("the menu is open and focused", "return document.activeElement.classList.contains('menu-item')").await;
    ui.shot("sync-actions-1-row-menu").await;

    // Remove from Railway asks in the app's dialog; Cancel changes nothing.
    ui.click(&format!("[data-sync-menu='{id}'] form[action$='/remove'] button")).await;
    ui.wait_js("the dialog is open", "return !!document.querySelector('dialog.confirm-dialog[open]')").await;
    assert_eq!(ui.text("#confirm-dialog-text").await, "Remove the variables of shop-api from Railway? The sync stays.");
    assert_eq!(ui.text("[data-confirm-ok]").await, "Remove from Railway");
    ui.wait_js("Cancel has the focus", "return document.activeElement.hasAttribute('data-confirm-cancel')").await;
    ui.shot("sync-actions-2-confirm-remove").await;
    ui.click("[data-confirm-cancel]").await;
    ui.wait_js("the dialog closed", "return !document.querySelector('dialog.confirm-dialog[open]')").await;
    app.drain_all().await;
    assert!(fake.variables(RW_PRODUCTION, Some(RW_API)).contains_key("SLUICE_API_KEY"), "cancelled: nothing removed");

    // Confirming posts the form and comes back to the list.
    ui.click(&format!("tr[data-sync-id='{id}'] details.row-menu > summary")).await;
    ui.click(&format!("[data-sync-menu='{id}'] form[action$='/remove'] button")).await;
    ui.click("[data-confirm-ok]").await;
    ui.wait_text(".flash", "Removal of the synced variables from Railway queued.").await;
    assert!(ui.c.current_url().await.expect("url").path().ends_with("/integrations"));
    app.drain_all().await;
    assert!(!fake.variables(RW_PRODUCTION, Some(RW_API)).contains_key("SLUICE_API_KEY"), "removed");

    // The key schema preview follows what is typed.
    ui.go(&format!("/projects/{pid}/syncs/{id}/edit/options")).await;
    ui.wait_text("[data-schema-rows]", "SLUICE_API_KEY").await;
    ui.fill("#w-schema", "SHOP_{{environment}}_{{secretKey}}").await;
    ui.wait_text("[data-schema-rows]", "SHOP_dev_API_KEY").await;
    ui.wait_text("[data-schema-unmanaged]", "DATABASE_URL").await;
    ui.fill("#w-schema", "").await;
    ui.wait_text("[data-schema-unmanaged]", "Sluice manages them all").await;
    ui.shot("sync-actions-3-schema-preview").await;
    app.drain_all().await;
}

/// A sync's page with drift found at Railway, then with a run held by the mass-deletion
/// guard: what the screenshots `sync-actions-4-drift` and `sync-actions-5-held` show.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_page_shows_drift_per_key_and_a_held_run_to_confirm() {
    let Some((_driver, client, _profile)) = browser().await else { return };
    let (fake, app) = sync_support::start().await;
    let conn = sync_support::connection(&app, "rw", "account-token", ACCOUNT_TOKEN).await;
    let pid = app.project_id().to_string();
    let keys = ["A", "B", "C", "D", "E", "F"];
    for k in keys {
        let body =
            json!({"workspaceId": pid, "environment": "dev", "secretPath": "/", "secretValue": format!("v-{k}")});
        app.api.post(&format!("/api/v3/secrets/raw/{k}"), body).await.expect(200);
    }
    let created = app
        .api
        .post(SYNCS, sync_support::sync_body(&app, "shop-api", conn["id"].as_str().expect("id"), "/"))
        .await
        .expect(200);
    let id = created["secretSync"]["id"].as_str().expect("id").to_string();
    app.drain_all().await;
    let ui = Ui { c: client, base: app.url() };
    ui.sign_in(&app).await;

    fake.set_variable(RW_PRODUCTION, Some(RW_API), "SLUICE_A", "edited-at-railway", false);
    ui.go(&format!("/projects/{pid}/syncs/{id}")).await;
    ui.click("form[action$='/check-drift'] button").await;
    ui.wait_text(".flash", "Drift check queued").await;
    app.drain_all().await;
    ui.go(&format!("/projects/{pid}/syncs/{id}")).await;
    let drift = |key: &str, state: &str| {
        format!(
            "return (document.querySelector(\"tr[data-drift-key='{key}']\") || {{}}).textContent.includes('{state}')"
        )
    };
    ui.wait_js("SLUICE_A changed at Railway", &drift("SLUICE_A", "Changed at Railway")).await;
    ui.wait_js("SLUICE_B in sync", &drift("SLUICE_B", "In sync")).await;
    assert!(!ui.text("body").await.contains("edited-at-railway"), "no values on the page");
    ui.c.execute("document.querySelector('[data-drift-status]').scrollIntoView()", vec![]).await.expect("scroll");
    ui.shot("sync-actions-4-drift").await;

    for k in keys {
        let body = json!({"workspaceId": pid, "environment": "dev", "secretPath": "/"});
        app.api.delete_json(&format!("/api/v3/secrets/raw/{k}"), body).await.expect(200);
    }
    app.drain_all().await;
    ui.go(&format!("/projects/{pid}/syncs/{id}")).await;
    ui.wait_text("[data-sync-panel=status]", "Review and confirm").await;
    ui.shot("sync-actions-5-held").await;
    let status = ui.text("[data-sync-panel=status]").await;
    assert_eq!(status.matches("this run would delete 6 of the 6 keys").count(), 1, "said once:\n{status}");
    assert_eq!(fake.variables(RW_PRODUCTION, Some(RW_API)).keys().filter(|k| k.starts_with("SLUICE_")).count(), 6);
}

/// Without a connection, the wizard's destination step links to the connection form, which
/// comes back to the same step, in Chromium, with the new connection selected and the
/// source chosen before still there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_added_from_the_wizard_comes_back_selected_in_chromium() {
    let Some((_driver, client, _profile)) = browser().await else { return };
    let (_fake, app) = sync_support::start().await;
    let pid = app.project_id().to_string();
    let ui = Ui { c: client, base: app.url() };
    ui.sign_in(&app).await;

    ui.go(&format!("/projects/{pid}/syncs/new/railway")).await;
    ui.select("#w-env", "staging").await;
    ui.fill("#w-path", "/").await;
    ui.click("form.wizard button.btn-primary[name=go][value=next]").await;
    ui.wait_text("[data-add-connection]", "Add a Railway connection").await;
    ui.click("[data-add-connection]").await;
    ui.fill("#c-name", "from-the-wizard").await;
    ui.fill("#c-token", ACCOUNT_TOKEN).await;
    ui.click("form button.btn-primary").await;
    ui.wait_js(
        "back on the destination step with the connection chosen",
        "const s = document.querySelector('#w-conn'); return !!s && s.selectedOptions[0].textContent.includes('from-the-wizard')",
    )
    .await;
    let url = ui.c.current_url().await.expect("url");
    assert!(url.path().ends_with("/syncs/new/railway"), "{url}");
    let query = url.query().unwrap_or("");
    assert!(query.contains("step=destination") && query.contains("environment=staging"), "{query}");
    ui.shot("sync-actions-6-connection-from-wizard").await;
}
