//! An accessibility scan of every page in Chromium with axe-core (Deque's rules, from
//! npm): the sign-in page, every page the phone test visits, and each step of the Add Sync
//! wizard, with and without a refused field. Any `serious` or `critical` violation fails
//! the test, listed as rule, element and page.
//!
//! `scripts/test.sh` installs axe-core into `target/axe` and sets `SLUICE_TEST_AXE` to its
//! `axe.min.js`; without it the test says it was skipped, and fails when
//! `SLUICE_REQUIRE_EXTERNAL_TOOLS` is set (CI).

use crate::browser::{Seeded, Ui, browser, seeded};
use serde_json::Value;

const RW_PROJECT: &str = "33333333-3333-4333-8333-333333333333";
const RW_PRODUCTION: &str = "44444444-4444-4444-8444-444444444444";
const RW_API: &str = "66666666-6666-4666-8666-666666666666";

/// axe-core's script, or why the test is skipped.
fn axe_source() -> Option<String> {
    let Some(path) = std::env::var("SLUICE_TEST_AXE").ok().filter(|p| !p.is_empty()) else {
        assert!(
            std::env::var_os("SLUICE_REQUIRE_EXTERNAL_TOOLS").is_none(),
            "SLUICE_TEST_AXE is not set but external tools are required"
        );
        println!("skipped: SLUICE_TEST_AXE is not set (scripts/test.sh installs axe-core into target/axe and sets it)");
        return None;
    };
    Some(std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read axe-core at {path}: {e}")))
}

/// Runs axe on the page shown; one line per serious or critical violation and element.
async fn scan(ui: &Ui, axe: &str, page: &str) -> Vec<String> {
    ui.c.execute(&format!("{axe}\n;return true;"), vec![]).await.expect("inject axe-core");
    let found =
        ui.c.execute_async(
            "const done = arguments[arguments.length - 1]; \
             axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations \
               .filter(v => v.impact === 'serious' || v.impact === 'critical') \
               .flatMap(v => v.nodes.map(n => v.impact + ' ' + v.id + ' at ' + n.target.join(' ') + ': ' + v.help)))) \
               .catch(e => done(['axe failed: ' + e]));",
            vec![],
        )
        .await
        .expect("axe.run");
    match found {
        Value::Array(lines) => lines.iter().filter_map(Value::as_str).map(|l| format!("{page}: {l}")).collect(),
        other => vec![format!("{page}: unexpected answer {other}")],
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_axe_finds_no_serious_or_critical_violation_on_any_page() {
    let Some(axe) = axe_source() else { return };
    let Some((_driver, client, _profile)) = browser().await else { return };
    let Seeded { _fake, app, pid, connection_id, mut pages } = seeded().await;
    let ui = Ui { c: client, base: app.url() };

    let mut found = Vec::new();
    ui.go("/login").await;
    found.extend(scan(&ui, &axe, "/login").await);
    ui.sign_in(&app).await;

    // Each wizard step at its own address, and the source step with a refused path.
    let wizard = format!("/projects/{pid}/syncs/new/railway");
    let draft = format!(
        "environment=dev&secret_path=%2F&connection_id={connection_id}&rw_project={RW_PROJECT}\
         &rw_project_name=shop&rw_environment={RW_PRODUCTION}&rw_environment_name=production\
         &rw_service={RW_API}&rw_service_name=api&key_schema=SHOP_%7B%7BsecretKey%7D%7D&name=shop-api-production"
    );
    for step in ["destination", "options", "details", "review"] {
        pages.push(format!("{wizard}?step={step}&{draft}"));
    }
    for page in &pages {
        ui.go(page).await;
        found.extend(scan(&ui, &axe, page).await);
    }
    ui.go(&wizard).await;
    ui.fill("#w-path", "/no-such-folder").await;
    ui.click(".card-foot button[value=next]").await;
    ui.wait_text("#w-path-error", "folder").await;
    found.extend(scan(&ui, &axe, "the wizard's source step, refused").await);

    assert!(found.is_empty(), "serious or critical accessibility violations:\n{}", found.join("\n"));
    ui.c.close().await.expect("close browser");
    app.shutdown().await;
}
