//! Smaller behaviours of Infisical's API that clients notice: values trimmed on write,
//! `skipMultilineEncoding` on reads, an `ETag` on one secret's read, and the project by
//! slug at the older `/api/v2/workspace/{slug}`.

use crate::secret_support::*;
use serde_json::{Value, json};
use sluice_testkit::TestApp;

fn value_of(list: &Value, key: &str) -> String {
    values(list).into_iter().find(|(k, _)| k == key).map(|(_, v)| v).unwrap_or_else(|| panic!("{key} in {list}"))
}

#[tokio::test]
async fn values_are_trimmed_on_every_write_keeping_one_final_newline() {
    let app = TestApp::spawn().await;
    let pid = app.project_id().to_string();
    let created = put(&app.api, &app, "dev", "/", "PADDED", "  a b \t").await;
    assert_eq!(created["secretValue"], "a b");
    assert_eq!(
        put(&app.api, &app, "dev", "/", "PEM", "\n  -----BEGIN-----\nbody\n-----END-----\n\n  \n").await["secretValue"],
        "-----BEGIN-----\nbody\n-----END-----\n"
    );
    assert_eq!(
        put(&app.api, &app, "dev", "/", "INNER", "keep  inner\tspace").await["secretValue"],
        "keep  inner\tspace"
    );

    let patch = json!({"workspaceId": pid, "environment": "dev", "secretValue": "  updated  "});
    assert_eq!(app.api.patch(&format!("{RAW}/PADDED"), patch).await.expect(200)["secret"]["secretValue"], "updated");
    let v4 = json!({"projectId": pid, "environment": "dev", "secretValue": "\tv4 value\n"});
    assert_eq!(app.api.post("/api/v4/secrets/V4", v4).await.expect(200)["secret"]["secretValue"], "v4 value\n");

    let batch = json!({"workspaceId": pid, "environment": "dev", "secretPath": "/",
        "secrets": [{"secretKey": "B1", "secretValue": " one "}, {"secretKey": "B2", "secretValue": "two\n\n"}]});
    let made = app.api.post(BATCH, batch).await.expect(200);
    assert_eq!(
        (&made["secrets"][0]["secretValue"], &made["secrets"][1]["secretValue"]),
        (&json!("one"), &json!("two\n"))
    );
    let upsert = json!({"workspaceId": pid, "environment": "dev", "secretPath": "/", "mode": "upsert",
        "secrets": [{"secretKey": "B1", "secretValue": "  uno"}, {"secretKey": "B3", "secretValue": "tres  "}]});
    let changed = app.api.patch(BATCH, upsert).await.expect(200);
    assert_eq!(
        (&changed["secrets"][0]["secretValue"], &changed["secrets"][1]["secretValue"]),
        (&json!("uno"), &json!("tres"))
    );

    // What is stored is the trimmed value.
    let listed = list(&app.api, &app, "dev", "/", &[]).await.expect(200);
    let stored: Vec<(String, String)> = values(&listed);
    for (key, want) in
        [("PADDED", "updated"), ("PEM", "-----BEGIN-----\nbody\n-----END-----\n"), ("B1", "uno"), ("B3", "tres")]
    {
        assert!(stored.contains(&(key.to_string(), want.to_string())), "{key} in {stored:?}");
    }
    app.shutdown().await;
}

#[tokio::test]
async fn skip_multiline_encoding_puts_expanded_multiline_values_on_one_quoted_line() {
    let app = TestApp::spawn().await;
    let pid = app.project_id().to_string();
    let make = |value: &str, skip: bool| {
        json!({"workspaceId": pid, "environment": "dev", "secretPath": "/", "secretValue": value,
            "skipMultilineEncoding": skip})
    };
    for (key, value, skip) in [
        ("LINES", "l1\nl2", false),
        ("ENCODED", "cert: ${LINES}", true),
        ("NO_REFERENCE", "a\nb", true),
        ("NOT_ASKED", "${LINES}", false),
        ("ONE_LINE", "x-${INNER}", true),
        ("INNER", "inner", false),
    ] {
        app.api.post(&format!("{RAW}/{key}"), make(value, skip)).await.expect(200);
    }
    let expanded = list(&app.api, &app, "dev", "/", &[("expandSecretReferences", "true")]).await.expect(200);
    assert_eq!(value_of(&expanded, "ENCODED"), "\"cert: l1\\nl2\"");
    assert_eq!(value_of(&expanded, "NO_REFERENCE"), "a\nb", "Infisical encodes only values it expanded");
    assert_eq!(value_of(&expanded, "NOT_ASKED"), "l1\nl2");
    assert_eq!(value_of(&expanded, "ONE_LINE"), "x-inner", "a single line stays as it is");
    assert_eq!(value_of(&expanded, "LINES"), "l1\nl2");
    let flag = expanded["secrets"].as_array().expect("secrets").iter().find(|s| s["secretKey"] == "ENCODED");
    assert_eq!(flag.expect("ENCODED")["skipMultilineEncoding"], true);

    let raw = list(&app.api, &app, "dev", "/", &[]).await.expect(200);
    assert_eq!(value_of(&raw, "ENCODED"), "cert: ${LINES}", "without expansion the value is as stored");

    let got = get(&app.api, &app, "dev", "/", "ENCODED", &[("expandSecretReferences", "true")]).await.expect(200);
    assert_eq!(got["secret"]["secretValue"], "\"cert: l1\\nl2\"");
    let got = get(&app.api, &app, "dev", "/", "ENCODED", &[]).await.expect(200);
    assert_eq!(got["secret"]["secretValue"], "cert: ${LINES}");

    // Through an import, the same.
    folder(&app, "staging", "/", "app").await;
    import(&app, "staging", "/app", "dev", "/").await.expect(200);
    let pairs = [("expandSecretReferences", "true"), ("include_imports", "true")];
    let via = list(&app.api, &app, "staging", "/app", &pairs).await.expect(200);
    let imported = &via["imports"][0];
    assert_eq!(value_of(imported, "ENCODED"), "\"cert: l1\\nl2\"");
    assert_eq!(value_of(imported, "NO_REFERENCE"), "a\nb");
    let got = get(&app.api, &app, "staging", "/app", "ENCODED", &pairs).await.expect(200);
    assert_eq!(got["secret"]["secretValue"], "\"cert: l1\\nl2\"");
    app.shutdown().await;
}

#[tokio::test]
async fn one_secret_carries_an_etag_and_answers_304_while_unchanged() {
    let app = TestApp::spawn().await;
    put(&app.api, &app, "dev", "/", "TAGGED", "1").await;
    let url = |version: &str| {
        let q = query(&[("projectId", app.project_id()), ("environment", "dev"), ("type", "shared")]);
        format!("{}/api/{version}/TAGGED{q}", app.url())
    };
    let send = |url: String, tag: Option<String>| {
        let mut req = reqwest::Client::new().get(url).bearer_auth(&app.creds.access_token);
        if let Some(t) = tag {
            req = req.header("if-none-match", t);
        }
        async move { req.send().await.expect("send") }
    };
    for version in ["v4/secrets", "v3/secrets/raw"] {
        let first = send(url(version), None).await;
        assert_eq!(first.status().as_u16(), 200);
        let tag = first.headers().get("etag").and_then(|v| v.to_str().ok()).expect("etag").to_string();
        assert!(tag.starts_with('"') && tag.ends_with('"'), "{tag}");
        let again = send(url(version), Some(tag.clone())).await;
        assert_eq!(again.status().as_u16(), 304, "{version}");
        assert_eq!(again.headers().get("etag").and_then(|v| v.to_str().ok()), Some(tag.as_str()));
        let weak = send(url(version), Some(format!("W/{tag}, \"other\""))).await;
        assert_eq!(weak.status().as_u16(), 304, "a weak or listed tag matches too");
        assert_eq!(send(url(version), Some("\"stale\"".to_string())).await.status().as_u16(), 200);
    }
    let first = send(url("v4/secrets"), None).await;
    let tag = first.headers().get("etag").and_then(|v| v.to_str().ok()).expect("etag").to_string();
    let patch = json!({"workspaceId": app.project_id(), "environment": "dev", "secretValue": "2"});
    app.api.patch(&format!("{RAW}/TAGGED"), patch).await.expect(200);
    let changed = send(url("v4/secrets"), Some(tag.clone())).await;
    assert_eq!(changed.status().as_u16(), 200, "a changed secret is sent again");
    assert_ne!(changed.headers().get("etag").and_then(|v| v.to_str().ok()), Some(tag.as_str()));
    let body: Value = changed.json().await.expect("json");
    assert_eq!(body["secret"]["secretValue"], "2");
    app.shutdown().await;
}

#[tokio::test]
async fn a_project_is_found_by_slug_at_the_older_workspace_path() {
    let app = TestApp::spawn().await;
    let by_slug = app.api.get("/api/v2/workspace/default").await.expect(200);
    assert_eq!(by_slug["id"], app.project_id());
    assert_eq!(by_slug["slug"], "default");
    assert_eq!(by_slug, app.api.get("/api/v1/projects/slug/default").await.expect(200), "the same object as v1");
    assert!(by_slug["environments"].as_array().is_some_and(|e| e.len() == 3), "{by_slug}");

    let missing = app.api.get("/api/v2/workspace/no-such-project").await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.message(), "Project with slug 'no-such-project' not found");
    assert_eq!(outsider(&app).await.get("/api/v2/workspace/default").await.status, 404, "another organization's");
    let viewer = member(&app, "viewer").await;
    assert_eq!(viewer.get("/api/v2/workspace/default").await.expect(200)["id"], app.project_id());
    assert_eq!(app.anonymous().get("/api/v2/workspace/default").await.status, 401);
    app.shutdown().await;
}
