//! The Add Sync wizard over plain HTTP (issue 15, item 1): every step is its own page
//! reached by GET with the draft in its address; each post answers 303 to a step's
//! address (the next one, the same one with its problems, or the previous one), so Back,
//! Forward and reload never re-post and keep what was entered; the step indicator links
//! to the completed steps.

use crate::engine::support::{API, PRODUCTION, RW_PROJECT, start};
use crate::ui::{Browser, Page, hidden};

/// The address a completed step of the indicator links to, as the browser reads it.
fn href_of(page: &Page, label: &str) -> Option<String> {
    let at = page.body.find(&format!(">{label}<span class=\"sr-only\"> (completed)</span></a>"))?;
    let href = page.body[..at].rsplit("<a href=\"").next()?;
    Some(href.split('"').next()?.replace("&#38;", "&").replace("&amp;", "&"))
}

#[tokio::test]
async fn each_wizard_step_has_its_own_get_address_that_keeps_the_draft() {
    let env = start().await;
    env.put("dev", "/", "API_KEY", "v").await;
    let b = Browser::sign_in(&env.app).await;
    let pid = env.app.project_id().to_string();
    let url = format!("/projects/{pid}/syncs/new/railway");
    let csrf = b.get(&url).await.csrf();
    let post = |fields: Vec<(&'static str, String)>| {
        let (b, url, csrf) = (&b, url.clone(), csrf.clone());
        async move {
            let mut all: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
            all.extend(fields.iter().map(|(k, v)| (*k, v.as_str())));
            b.post(&url, &all).await
        }
    };

    // Source → Destination: a redirect to the destination step's own address.
    let s = |v: &str| v.to_string();
    let next =
        post(vec![("step", s("source")), ("go", s("next")), ("environment", s("dev")), ("secret_path", s("/"))]).await;
    assert_eq!(next.status, 303, "{}", next.body);
    let destination = next.location().to_string();
    assert!(
        destination.starts_with(&format!("{url}?step=destination&environment=dev&secret_path=%2F")),
        "{destination}"
    );
    let page = b.get(&destination).await;
    assert_eq!(page.status, 200);
    page.assert_contains(r#"<h2 id="step-title" tabindex="-1">Destination</h2>"#);
    page.assert_contains(&format!(r#"<option value="{}" selected>railway</option>"#, env.connection_id));
    let source_link = href_of(&page, "Source").expect("the completed Source step is a link");
    assert!(source_link.contains("step=source") && source_link.contains("secret_path=%2F"), "{source_link}");
    assert!(href_of(&page, "Sync options").is_none(), "steps not reached are not links");

    // A refused step: back to the same step's address, its problem shown once, values kept.
    let refused = post(vec![
        ("step", s("source")),
        ("go", s("next")),
        ("environment", s("dev")),
        ("secret_path", s("/no-such-folder")),
    ])
    .await;
    assert_eq!(refused.status, 303);
    assert!(refused.location().starts_with(&format!("{url}?step=source&")), "{}", refused.location());
    let shown = b.get(refused.location()).await;
    assert_eq!(shown.status, 422, "{}", shown.body);
    shown.assert_contains(r#"value="/no-such-folder""#);
    shown.assert_contains(r#"id="w-path-error""#);
    shown.assert_contains(
        "There is no folder &#34;/no-such-folder&#34; in Development. Pick one of its folders, or add the folder on the Secrets page first.",
    );
    assert!(!shown.body.contains("project with ID"), "no project id in the message");
    let reloaded = b.get(refused.location()).await;
    assert_eq!(reloaded.status, 200, "a reload shows the step again, without re-posting");
    reloaded.assert_contains(r#"value="/no-such-folder""#);
    assert!(!reloaded.body.contains("w-path-error"));

    // Destination → Options → Details, each by redirect; the draft rides along.
    let dest = |go: &str| {
        vec![
            ("step", s("destination")),
            ("go", s(go)),
            ("environment", s("dev")),
            ("secret_path", s("/")),
            ("connection_id", env.connection_id.clone()),
            ("rw_project", s(RW_PROJECT)),
            ("rw_environment", s(PRODUCTION)),
            ("rw_service", s(API)),
        ]
    };
    let options = post(dest("next")).await;
    assert!(options.location().contains("step=options"), "{}", options.location());
    assert!(options.location().contains("rw_service_name=api"), "the names looked up ride along");
    let options_page = b.get(options.location()).await;
    assert_eq!(options_page.status, 200);
    let mut opts = vec![
        ("step", s("options")),
        ("go", s("next")),
        ("options_posted", s("1")),
        ("initial_behavior", s("overwrite-destination")),
        ("key_schema", s("SHOP_{{secretKey}}")),
        ("redeploy", s("true")),
        ("drift_policy", s("report")),
    ];
    opts.extend(dest("next").into_iter().skip(2));
    // The names looked up at the destination step travel in the options page's hidden fields.
    for name in ["rw_project_name", "rw_environment_name", "rw_service_name"] {
        opts.push((name, hidden(&options_page.body, name)));
    }
    let details = post(opts.clone()).await;
    let details_url = details.location().to_string();
    assert!(details_url.contains("step=details") && details_url.contains("auto_sync=false"), "{details_url}");
    let page = b.get(&details_url).await;
    page.assert_contains(r#"value="shop-api-production""#);
    for (label, step) in [("Source", "source"), ("Destination", "destination"), ("Sync options", "options")] {
        let link = href_of(&page, label).unwrap_or_else(|| panic!("{label} links back"));
        assert!(link.contains(&format!("step={step}")) && link.contains("key_schema=SHOP_"), "{link}");
    }
    // The options step, opened again from the indicator, shows what was chosen.
    let again = b.get(&href_of(&page, "Sync options").expect("link")).await;
    again.assert_contains(r#"value="SHOP_{{secretKey}}""#);
    assert!(!again.body.contains(r#"name="auto_sync" value="true" checked"#), "auto-sync stays off");

    // Back posts what was typed and lands on the previous step's address.
    let back = post(dest("back")).await;
    assert_eq!(back.status, 303);
    assert!(back.location().starts_with(&format!("{url}?step=source&")), "{}", back.location());
    assert!(back.location().contains(&format!("connection_id={}", env.connection_id)), "{}", back.location());

    // Create: a failure (a name taken meanwhile) goes back to the Details step's address.
    env.app
        .api
        .post(
            crate::engine::support::SYNCS,
            env.sync_body("taken", serde_json::json!({"initialSyncBehavior": "overwrite-destination"})),
        )
        .await
        .expect(200);
    let mut create = opts;
    create.retain(|(k, _)| !matches!(*k, "step" | "go" | "options_posted"));
    create.extend([("step", s("review")), ("go", s("create")), ("auto_sync", s("false")), ("name", s("taken"))]);
    let failed = post(create.clone()).await;
    assert_eq!(failed.status, 303, "{}", failed.body);
    assert!(failed.location().contains("step=details"), "{}", failed.location());
    b.get(failed.location()).await.assert_contains("already exists");
    create.retain(|(k, _)| *k != "name");
    create.push(("name", s("shop-api-production")));
    let made = post(create).await;
    assert_eq!(made.status, 303);
    assert_eq!(made.location(), format!("/projects/{pid}/integrations"));
    env.app.drain_all().await;
    env.app.assert_idle().await;
}
