//! Every path has a page (issue 15, item 8): HTML 404 and 405 pages in the UI's style on
//! the UI's paths (the API's paths keep Infisical's JSON), a favicon, and no post URL left
//! in the address bar after a refused form or a failed post: the form's page comes back at
//! its GET address, with the problem shown.

use crate::ui::Browser;
use sluice_testkit::TestApp;

#[tokio::test]
async fn ui_paths_answer_html_404_and_405_pages_and_api_paths_json() {
    let app = TestApp::spawn().await;
    let b = Browser::sign_in(&app).await;
    let pid = app.project_id().to_string();
    let http = reqwest::Client::new();

    // A form-post address opened by GET (a bookmark, a reload after the post): 405, a page.
    let posted_only = format!("/projects/{pid}/secrets/dev/secrets");
    let page = b.get(&posted_only).await;
    assert_eq!(page.status, 405, "{}", page.body);
    assert!(page.header("content-type").starts_with("text/html"), "{}", page.header("content-type"));
    page.assert_contains("<link rel=\"stylesheet\"");
    page.assert_contains("href=\"/projects\"");
    page.assert_contains("<h1>Not a page</h1>");
    page.assert_contains(&format!("{posted_only} only receives forms; it is not a page to open."));
    // A method no page takes, on a page's address.
    let deleted = http.delete(format!("{}/projects", app.url())).send().await.expect("delete");
    assert_eq!(deleted.status().as_u16(), 405);
    assert!(deleted.text().await.expect("body").contains("<!doctype html>"));
    // A path with no page at all.
    let missing = b.get("/projects-and-more").await;
    assert_eq!(missing.status, 404);
    missing.assert_contains("There is no page at /projects-and-more.");

    // The API keeps Infisical's JSON shape for both.
    let api = http.delete(format!("{}/api/v1/secret-syncs/options", app.url())).send().await.expect("api");
    assert_eq!(api.status().as_u16(), 405);
    let body: serde_json::Value = api.json().await.expect("json");
    assert_eq!(body["statusCode"], 405);
    app.shutdown().await;
}

#[tokio::test]
async fn every_page_has_an_icon_and_favicon_ico_answers() {
    let app = TestApp::spawn().await;
    let icon = reqwest::get(format!("{}/favicon.ico", app.url())).await.expect("icon");
    assert_eq!(icon.status().as_u16(), 200);
    assert_eq!(icon.headers()["content-type"], "image/svg+xml");
    let svg = icon.text().await.expect("svg");
    assert!(svg.starts_with("<svg") && svg.contains("viewBox"), "{svg}");

    // The sign-in page, an error page and a signed-in page all name an icon.
    let login = reqwest::get(format!("{}/login", app.url())).await.expect("login").text().await.expect("body");
    assert!(login.contains("<link rel=\"icon\" href=\"/favicon.ico\""), "{login}");
    let b = Browser::sign_in(&app).await;
    b.get("/no-such-page").await.assert_contains("<link rel=\"icon\" href=\"/favicon.ico\"");
    b.get("/projects").await.assert_contains("<link rel=\"icon\" href=\"/assets/favicon.svg?v=");
    app.shutdown().await;
}

/// A refused secret form is shown again at the folder's own GET address, with the message
/// next to its field and what was typed kept (never the value); a reload shows the page
/// without re-posting and without the stale message.
#[tokio::test]
async fn a_refused_secret_form_comes_back_at_the_folders_address() {
    let app = TestApp::spawn().await;
    let b = Browser::sign_in(&app).await;
    let pid = app.project_id().to_string();
    let folder = format!("/projects/{pid}/secrets/dev?path=%2F");
    let csrf = b.get(&folder).await.csrf();
    let value = "typed-value-never-carried-4f1c";
    let fields = [
        ("csrf", csrf.as_str()),
        ("path", "/"),
        ("key", "NOT A KEY"),
        ("value", value),
        ("comment", "for the checkout"),
    ];
    let refused = b.post(&format!("/projects/{pid}/secrets/dev/secrets"), &fields).await;
    assert_eq!(refused.status, 303, "{}", refused.body);
    assert_eq!(refused.location(), folder);
    assert!(!refused.header("set-cookie").contains(value), "the value stays out of the cookie");

    let shown = b.get(refused.location()).await;
    assert_eq!(shown.status, 422, "{}", shown.body);
    shown.assert_contains(r#"<details class="drawer" open>"#);
    shown.assert_contains(r#"value="NOT A KEY""#);
    shown.assert_contains(r#"aria-invalid="true" aria-describedby="new-key-error""#);
    shown.assert_contains(r#"value="for the checkout""#);
    assert!(!shown.body.contains(value), "the value is never echoed");

    let reloaded = b.get(&folder).await;
    assert_eq!(reloaded.status, 200, "the message showed once");
    assert!(!reloaded.body.contains("new-key-error"), "{}", reloaded.body);
    let listed =
        app.api.get(&format!("/api/v3/secrets/raw?workspaceId={pid}&environment=dev&secretPath=/")).await.expect(200);
    assert_eq!(listed["secrets"].as_array().map(Vec::len), Some(0), "nothing was written");
    app.shutdown().await;
}

/// A post that fails with an error page (here an expired form) does not leave the post's
/// address in the address bar either: back to the form's page, with the error as its message.
#[tokio::test]
async fn an_expired_form_goes_back_to_its_page_with_the_message() {
    let app = TestApp::spawn().await;
    let b = Browser::sign_in(&app).await;
    let pid = app.project_id().to_string();
    let folder = format!("/projects/{pid}/secrets/dev?path=%2F");
    let action = format!("/projects/{pid}/secrets/dev/folders");
    let fields = [("csrf", "0123456789abcdef"), ("path", "/"), ("name", "shared")];
    let refused = b.post_from_page(&action, &fields, &folder).await;
    assert_eq!(refused.status, 303, "{}", refused.body);
    assert_eq!(refused.location(), folder);
    let page = b.get(&folder).await;
    assert_eq!(page.status, 200);
    page.assert_contains("This form has expired: The page was open in another session");
    let listed = app.api.get(&format!("/api/v1/folders?projectId={pid}&environment=dev&path=%2F")).await.expect(200);
    assert_eq!(listed["folders"].as_array().map(Vec::len), Some(0), "nothing was created");
    // Sent by a program (no page to go back to): the error page, as before.
    let bare = b.post(&action, &fields).await;
    assert_eq!(bare.status, 403);
    bare.assert_contains("This form has expired");
    app.shutdown().await;
}
