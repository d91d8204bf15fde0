//! The Add Sync wizard in Chromium with the browser's own Back, Forward and Reload, and
//! with a keyboard (issue 15, items 1 and 7): every step is a page reached by GET, so the
//! browser never asks to resubmit a form and the values entered are still there; the
//! step indicator links to completed steps; focus starts on each step's first field, and
//! on the first invalid field after a refusal; radios and toggles show a focus ring.
//!
//! Screenshots: `target/screenshots/20-wizard-source-refused.png` …
//! `24-wizard-step-link.png`. Skipped like the other Chromium tests without chromedriver.

use crate::browser::{Ui, browser};
use crate::engine::support::{self, API, PRODUCTION, RW_PROJECT};
use fantoccini::Locator;

/// The focused element, named by its id (or its name, for radios).
async fn focused(ui: &Ui) -> String {
    let v =
        ui.c.execute("const e = document.activeElement; return e ? (e.id || e.name || e.tagName) : '';", vec![])
            .await
            .expect("active element");
    v.as_str().unwrap_or_default().to_string()
}

async fn value(ui: &Ui, sel: &str) -> String {
    ui.css(sel).await.prop("value").await.expect("value").unwrap_or_default()
}

async fn url(ui: &Ui) -> String {
    ui.c.current_url().await.expect("url").to_string()
}

/// The step shown, once the page has loaded it (its heading).
async fn on_step(ui: &Ui, label: &str) {
    ui.wait_text("#step-title", label).await;
    assert!(url(ui).await.contains("step=") || label == "Source", "a step's own address: {}", url(ui).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_back_forward_and_reload_keep_the_wizards_values() {
    let Some((_driver, client, _profile)) = browser().await else { return };
    let env = support::start().await;
    env.put("dev", "/", "API_KEY", "key-one").await;
    let ui = Ui { c: client, base: env.app.url() };
    let pid = env.app.project_id().to_string();
    ui.go("/login").await;
    ui.fill("#email", &env.app.creds.admin_email).await;
    ui.fill("#password", &env.app.creds.admin_password).await;
    ui.click("button[type=submit]").await;
    ui.wait_text("h1", "Projects").await;

    // Source: focus on its first field; a refused path comes back focused, at a GET address.
    ui.go(&format!("/projects/{pid}/syncs/new/railway")).await;
    on_step(&ui, "Source").await;
    assert_eq!(focused(&ui).await, "w-env", "focus starts on the step's first field");
    ui.fill("#w-path", "/no-such-folder").await;
    ui.click(".card-foot button[value=next]").await;
    ui.wait_text("#w-path-error", "folder").await;
    assert_eq!(focused(&ui).await, "w-path", "focus on the first invalid field");
    assert!(url(&ui).await.contains("step=source&"), "the address is the step's GET: {}", url(&ui).await);
    ui.shot("20-wizard-source-refused").await;
    ui.fill("#w-path", "/").await;
    // Enter in a field presses Next (Back comes first in Tab order, yet is not the default).
    ui.css("#w-path").await.send_keys("\u{E007}").await.expect("enter");

    // Destination: the only connection is chosen; pick the Railway service.
    on_step(&ui, "Destination").await;
    assert_eq!(focused(&ui).await, "w-conn");
    ui.css("[data-railway-picker][data-ready]").await;
    ui.select("#w-project", RW_PROJECT).await;
    ui.wait_js("environments listed", "return document.querySelectorAll('#w-rw-env option').length > 1").await;
    ui.select("#w-rw-env", PRODUCTION).await;
    ui.select("#w-service", API).await;
    let order =
        ui.c.execute(
            "const b = Array.from(document.querySelectorAll('.card-foot .btn')); \
             return b.map(e => e.textContent.trim()).join(',');",
            vec![],
        )
        .await
        .expect("buttons");
    assert_eq!(order.as_str(), Some("Back,Next"), "Tab order follows the layout");
    ui.click(".card-foot button[value=next]").await;

    // Options: focus on the chosen radio; set a key schema, turn auto-sync off.
    on_step(&ui, "Sync options").await;
    assert_eq!(focused(&ui).await, "initial_behavior");
    // Radios and toggles show a visible ring in the primary colour (over 7:1 on white).
    for sel in ["input[name=initial_behavior]:checked", "input[name=auto_sync]"] {
        let ring =
            ui.c.execute(
                "const e = document.querySelector(arguments[0]); e.focus(); const s = getComputedStyle(e); \
                 return [e.matches(':focus-visible'), s.outlineStyle, s.outlineWidth, s.outlineColor].join(' ');",
                vec![serde_json::json!(sel)],
            )
            .await
            .expect("focus ring");
        assert_eq!(ring.as_str(), Some("true solid 3px rgb(67, 56, 202)"), "{sel}");
    }
    ui.fill("#w-schema", "SHOP_{{secretKey}}").await;
    ui.click("input[name=auto_sync]").await;
    ui.shot("21-wizard-options").await;
    ui.click(".card-foot button[value=next]").await;

    on_step(&ui, "Details").await;
    assert_eq!(focused(&ui).await, "w-name");
    assert_eq!(value(&ui, "#w-name").await, "shop-api-production", "the suggested name");
    let details = url(&ui).await;

    // The browser's Back: the options step again, by GET, with what was chosen.
    ui.c.back().await.expect("back");
    on_step(&ui, "Sync options").await;
    assert_eq!(value(&ui, "#w-schema").await, "SHOP_{{secretKey}}");
    let auto = ui.css("input[name=auto_sync]").await.prop("checked").await.expect("checked");
    assert_eq!(auto.as_deref(), Some("false"), "auto-sync stays off");
    ui.shot("22-wizard-options-after-back").await;
    ui.c.back().await.expect("back");
    on_step(&ui, "Destination").await;
    ui.css("[data-railway-picker][data-ready]").await;
    assert_eq!(value(&ui, "#w-project").await, RW_PROJECT);
    assert_eq!(value(&ui, "#w-service").await, API);

    // Forward twice: Details again; a reload shows the same step without a resubmission.
    ui.c.forward().await.expect("forward");
    on_step(&ui, "Sync options").await;
    ui.c.forward().await.expect("forward");
    on_step(&ui, "Details").await;
    assert_eq!(url(&ui).await, details);
    ui.c.refresh().await.expect("reload");
    on_step(&ui, "Details").await;
    assert_eq!(value(&ui, "#w-name").await, "shop-api-production");
    ui.shot("23-wizard-details-after-forward-and-reload").await;

    // The step indicator links to the completed steps, with the values entered.
    let links = ui.c.find_all(Locator::Css(".stepper a")).await.expect("links");
    assert_eq!(links.len(), 3, "Source, Destination and Sync options are done");
    let done = ui.c.execute("return document.querySelector('.stepper li.done').textContent;", vec![]).await;
    let done = done.expect("text").as_str().unwrap_or_default().to_string();
    assert!(done.contains("(completed)"), "screen readers hear it: {done}");
    ui.click(".stepper li:nth-child(3) a").await;
    on_step(&ui, "Sync options").await;
    assert_eq!(value(&ui, "#w-schema").await, "SHOP_{{secretKey}}");
    ui.click(".stepper li:nth-child(1) a").await;
    on_step(&ui, "Source").await;
    assert_eq!(value(&ui, "#w-path").await, "/");
    ui.shot("24-wizard-step-link").await;
    // On to Review with Next (the values ride along), where focus is on the step's heading.
    for step in ["Destination", "Sync options", "Details", "Review"] {
        ui.click(".card-foot button[value=next]").await;
        on_step(&ui, step).await;
    }
    assert_eq!(focused(&ui).await, "step-title", "no field on Review: its heading");
    ui.wait_text("[data-plan]", "SHOP_API_KEY").await;

    ui.c.close().await.expect("close browser");
    env.app.assert_idle().await;
    env.app.shutdown().await;
}
