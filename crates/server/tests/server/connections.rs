//! App connections against the fake Railway: create with each token kind, validation,
//! editing and re-keying, deleting, who may do what, the destination picker and its
//! errors, and tokens never showing up in responses, audit entries or logs.

use crate::sync_support::*;
use serde_json::{Value, json};
use sluice_domain::OrgRole;
use sluice_railway_fake::Fault;

fn assert_sanitised(c: &Value, method: &str) {
    let keys: Vec<&str> = c.as_object().expect("object").keys().map(String::as_str).collect();
    for key in [
        "id",
        "name",
        "description",
        "version",
        "orgId",
        "projectId",
        "createdAt",
        "updatedAt",
        "isPlatformManagedCredentials",
        "gatewayId",
        "credentialsHash",
        "app",
        "method",
        "credentials",
    ] {
        assert!(keys.contains(&key), "{key} missing from {c}");
    }
    assert_eq!(c["app"], "railway");
    assert_eq!(c["method"], method);
    assert_eq!(c["credentials"], json!({}));
    assert_eq!(c["isPlatformManagedCredentials"], false);
    assert_eq!(c["gatewayId"], Value::Null);
    assert_eq!(c["credentialsHash"].as_str().map(str::len), Some(64));
    assert!(c["createdAt"].as_str().is_some_and(|t| t.ends_with('Z') && t.len() == 24), "{c}");
}

fn no_tokens(text: &str) {
    for t in ALL_TOKENS {
        assert!(!text.contains(t), "a Railway token leaked into: {text}");
    }
}

#[tokio::test]
async fn options_list_railway_with_its_three_methods() {
    let (_fake, app) = start().await;
    let body = app.api.get("/api/v1/app-connections/options").await.expect(200);
    assert_eq!(
        body,
        json!({"appConnectionOptions": [{"name": "Railway", "app": "railway", "methods": ["account-token", "project-token", "team-token"]}]})
    );
    assert_eq!(app.anonymous().get("/api/v1/app-connections/options").await.status, 401);
    app.shutdown().await;
}

#[tokio::test]
async fn each_token_kind_connects_and_is_never_returned() {
    let (fake, app) = start().await;
    let (_guard, logs) = capture_logs();
    for (name, method, token) in [
        ("acct", "account-token", ACCOUNT_TOKEN),
        ("team", "team-token", WORKSPACE_TOKEN),
        ("proj", "project-token", PROJECT_TOKEN),
    ] {
        let resp = app
            .api
            .post(CONNECTIONS, json!({"name": name, "description": " the shop ", "method": method, "credentials": {"apiToken": token}}))
            .await;
        no_tokens(&resp.text);
        let c = resp.expect(200)["appConnection"].clone();
        assert_sanitised(&c, method);
        assert_eq!(c["name"], name);
        assert_eq!(c["description"], "the shop");
        assert_eq!(c["orgId"], app.org_id());
        assert_eq!(c["version"], 1);
        let id = c["id"].as_str().expect("id");
        let got = app.api.get(&format!("{CONNECTIONS}/{id}")).await;
        no_tokens(&got.text);
        assert_eq!(got.expect(200)["appConnection"], c);
        let by_name = app.api.get(&format!("{CONNECTIONS}/connection-name/{name}")).await.expect(200);
        assert_eq!(by_name["appConnection"]["id"], id);
    }
    // Each check used the token's own header and probe.
    let kinds: Vec<String> = fake.requests().iter().map(|r| format!("{:?}", r.token_kind)).collect();
    assert_eq!(kinds.len(), 3, "{kinds:?}");

    let list = app.api.get(CONNECTIONS).await;
    no_tokens(&list.text);
    let names: Vec<Value> =
        list.expect(200)["appConnections"].as_array().expect("list").iter().map(|c| c["name"].clone()).collect();
    assert_eq!(names, [json!("acct"), json!("proj"), json!("team")], "sorted by name");
    let all = app.api.get("/api/v1/app-connections").await.expect(200);
    assert_eq!(all["appConnections"].as_array().map(Vec::len), Some(3));
    let available = app.api.get(&format!("{CONNECTIONS}/available?projectId={}", app.project_id())).await.expect(200);
    let first = &available["appConnections"][0];
    assert_eq!(first["app"], "railway");
    assert_eq!(first["orgId"], app.org_id());
    assert!(first["id"].is_string() && first["name"].is_string());

    let audit = audit_text(&app, app.org_id(), app.project_id()).await;
    no_tokens(&audit);
    assert_eq!(audit_entries(&app, app.org_id(), "create-app-connection").await.len(), 3);
    let created = &audit_entries(&app, app.org_id(), "create-app-connection").await[0];
    assert_eq!(created["app"], "railway");
    assert_eq!(created["isPlatformManagedCredentials"], false);
    assert_eq!(audit_entries(&app, app.org_id(), "get-app-connections").await[0]["count"], 3);
    assert_eq!(audit_entries(&app, app.org_id(), "get-available-app-connections-details").await.len(), 1);

    // A refused token also stays out of the logs.
    let resp = app
        .api
        .post(CONNECTIONS, json!({"name": "bad", "method": "team-token", "credentials": {"apiToken": PROJECT_TOKEN}}))
        .await;
    assert_eq!(resp.status, 400, "{}", resp.text);
    let logged = String::from_utf8(logs.lock().expect("logs").clone()).expect("utf8");
    assert!(logged.contains("railway request"), "the Railway calls were logged: {logged}");
    no_tokens(&logged);
    app.shutdown().await;
}

#[tokio::test]
async fn a_token_railway_refuses_is_a_400_with_railways_words_and_nothing_is_stored() {
    let (fake, app) = start().await;
    let bad = "f0000000-0000-4000-8000-00000000000f";
    for (method, railway_says) in [
        ("account-token", "Not Authorized"),
        ("team-token", "Not Authorized"),
        ("project-token", "Project Token not found"),
    ] {
        let resp = app
            .api
            .post(CONNECTIONS, json!({"name": "shop", "method": method, "credentials": {"apiToken": bad}}))
            .await;
        assert_eq!(resp.status, 400, "{}", resp.text);
        // Railway's own words (the fake, like Railway, appends a trace id).
        let expected = format!("Failed to validate credentials: {railway_says}");
        assert!(resp.message().starts_with(&expected), "{}", resp.message());
        // And what to do about it: no kind of token works, so a new one is needed.
        assert!(resp.message().contains("Railway accepts this token as no kind of token"), "{}", resp.message());
        assert!(resp.message().contains("Create a new one in Railway"), "{}", resp.message());
        assert!(!resp.text.contains(bad));
    }
    // A real token of another kind is refused too: the declared kind is what is checked.
    let resp = app
        .api
        .post(
            CONNECTIONS,
            json!({"name": "shop", "method": "account-token", "credentials": {"apiToken": PROJECT_TOKEN}}),
        )
        .await;
    assert_eq!(resp.status, 400, "{}", resp.text);
    assert!(resp.message().starts_with("Failed to validate credentials: "), "{}", resp.message());
    assert!(
        resp.message().contains(
            "This is a Railway project token, not a Railway account token: choose the method \"project-token\""
        ),
        "the answer names the token's real kind: {}",
        resp.message()
    );
    // An outage is not reported as a bad token.
    fake.inject(Fault::http_status(503));
    let resp = app
        .api
        .post(
            CONNECTIONS,
            json!({"name": "shop", "method": "team-token", "credentials": {"apiToken": WORKSPACE_TOKEN}}),
        )
        .await;
    assert_eq!(resp.status, 502, "{}", resp.text);
    assert!(resp.message().starts_with("Failed to validate credentials: "), "{}", resp.message());

    assert_eq!(app.api.get(CONNECTIONS).await.expect(200)["appConnections"], json!([]));
    assert!(audit_entries(&app, app.org_id(), "create-app-connection").await.is_empty());
    app.shutdown().await;
}

#[tokio::test]
async fn create_validates_every_field() {
    let (fake, app) = start().await;
    let ok = json!({"name": "shop", "method": "team-token", "credentials": {"apiToken": WORKSPACE_TOKEN}});
    let with = |k: &str, v: Value| {
        let mut b = ok.clone();
        b[k] = v;
        b
    };
    let cases: Vec<(Value, u16, &str, &str)> = vec![
        (
            with("name", json!("Shop")),
            422,
            "body.name",
            "name field can only contain lowercase letters, numbers, and hyphens",
        ),
        (with("name", json!("")), 422, "body.name", "name field must be at least 1 lowercase character"),
        (with("name", json!("a".repeat(65))), 422, "body.name", "name field must be at most 64 lowercase characters"),
        (
            with("description", json!("d".repeat(257))),
            422,
            "body.description",
            "description must be at most 256 characters",
        ),
        (
            with("method", json!("bearer")),
            422,
            "body.method",
            "method must be one of account-token, project-token, team-token",
        ),
        (with("credentials", json!({})), 422, "body.credentials.apiToken", "API Token required"),
        (with("credentials", json!({"apiToken": "   "})), 422, "body.credentials.apiToken", "API Token required"),
        (
            with("credentials", json!({"apiToken": "x".repeat(256)})),
            422,
            "body.credentials.apiToken",
            "API Token must be at most 255 characters",
        ),
        (with("isPlatformManagedCredentials", json!(true)), 400, "", "Not supported for Railway Connections"),
        (
            with("gatewayId", json!("3c90c3cc-0d44-4b50-8888-8dd25736052a")),
            400,
            "",
            "Not supported for Railway Connections",
        ),
    ];
    for (body, status, field, message) in cases {
        let resp = app.api.post(CONNECTIONS, body.clone()).await;
        assert_eq!(resp.status, status, "{body}: {}", resp.text);
        if status == 422 {
            assert_eq!(resp.body["details"][0]["path"], field, "{}", resp.text);
        }
        assert!(resp.message().contains(message), "{body}: {}", resp.message());
    }
    assert!(fake.requests().is_empty(), "nothing reached Railway");
    // Explicit false/null are fine.
    let body = with("isPlatformManagedCredentials", json!(false));
    let mut body = body;
    body["gatewayId"] = Value::Null;
    app.api.post(CONNECTIONS, body).await.expect(200);
    // The same name again: Infisical's message, and Railway is not asked.
    let before = fake.requests().len();
    let resp = app.api.post(CONNECTIONS, ok.clone()).await;
    assert_eq!(resp.status, 400);
    assert_eq!(resp.message(), "An App Connection with the name \"shop\" already exists");
    assert_eq!(fake.requests().len(), before);
    app.shutdown().await;
}

#[tokio::test]
async fn editing_renames_without_railway_and_rekeys_after_railway_accepts() {
    let (fake, app) = start().await;
    let c = connection(&app, "shop", "account-token", ACCOUNT_TOKEN).await;
    let id = c["id"].as_str().expect("id");
    let url = format!("{CONNECTIONS}/{id}");
    fake.clear_requests();
    let renamed =
        app.api.patch(&url, json!({"name": "shop-prod", "description": "prod"})).await.expect(200)["appConnection"]
            .clone();
    assert_eq!(renamed["name"], "shop-prod");
    assert_eq!(renamed["description"], "prod");
    assert_eq!(renamed["credentialsHash"], c["credentialsHash"]);
    assert_eq!(renamed["version"], 1);
    assert!(fake.requests().is_empty(), "a rename does not contact Railway");
    let cleared = app.api.patch(&url, json!({"description": null})).await.expect(200)["appConnection"].clone();
    assert_eq!(cleared["description"], Value::Null);
    assert_eq!(cleared["name"], "shop-prod");

    // A refused token changes nothing.
    let resp = app.api.patch(&url, json!({"credentials": {"apiToken": "f0000000-0000-4000-8000-00000000000f"}})).await;
    assert_eq!(resp.status, 400);
    assert!(resp.message().starts_with("Failed to validate credentials: Not Authorized"), "{}", resp.message());
    let same = app.api.get(&url).await.expect(200)["appConnection"].clone();
    assert_eq!(same["credentialsHash"], c["credentialsHash"]);

    let rekeyed = app.api.patch(&url, json!({"credentials": {"apiToken": ACCOUNT_TOKEN}})).await;
    no_tokens(&rekeyed.text);
    let rekeyed = rekeyed.expect(200)["appConnection"].clone();
    assert_ne!(rekeyed["credentialsHash"], c["credentialsHash"], "new credentials, new hash");
    assert_eq!(rekeyed["version"], 2);
    // The re-sealed token still opens: the picker works with it.
    let projects = app.api.get(&format!("{url}/projects")).await.expect(200);
    assert_eq!(projects["projects"][0]["id"], RW_PROJECT);

    let updates = audit_entries(&app, app.org_id(), "update-app-connection").await;
    assert_eq!(updates.len(), 3);
    assert_eq!(updates[0]["credentialsUpdated"], true);
    assert_eq!(updates[2]["credentialsUpdated"], false);
    no_tokens(&audit_text(&app, app.org_id(), app.project_id()).await);

    // Names stay unique; the method cannot change (it is not a field of the patch).
    connection(&app, "other", "team-token", WORKSPACE_TOKEN).await;
    let resp = app.api.patch(&url, json!({"name": "other"})).await;
    assert_eq!(resp.status, 400);
    assert_eq!(resp.message(), "An App Connection with the name \"other\" already exists");
    let resp = app.api.patch(&url, json!({"name": "Other"})).await;
    assert_eq!(resp.status, 422);
    app.shutdown().await;
}

#[tokio::test]
async fn deleting_echoes_the_connection_and_refuses_while_syncs_use_it() {
    let (_fake, app) = start().await;
    let unused = connection(&app, "unused", "team-token", WORKSPACE_TOKEN).await;
    let url = format!("{CONNECTIONS}/{}", unused["id"].as_str().expect("id"));
    let deleted = app.api.delete(&url).await.expect(200)["appConnection"].clone();
    assert_eq!(deleted, unused);
    let resp = app.api.get(&url).await;
    assert_eq!(resp.status, 404);
    assert_eq!(resp.message(), format!("Could not find App Connection with ID {}", unused["id"].as_str().expect("id")));
    assert_eq!(audit_entries(&app, app.org_id(), "delete-app-connection").await[0]["connectionId"], unused["id"]);

    let used = connection(&app, "used", "team-token", WORKSPACE_TOKEN).await;
    let cid = used["id"].as_str().expect("id");
    folder(&app, app.project_id(), "dev", "/app").await;
    for name in ["one", "two"] {
        let mut body = sync_body(&app, name, cid, "/app");
        body["isAutoSyncEnabled"] = json!(false);
        app.api.post(SYNCS, body).await.expect(200);
    }
    let resp = app.api.delete(&format!("{CONNECTIONS}/{cid}")).await;
    assert_eq!(resp.status, 400);
    // Infisical's words, then which syncs and what to do.
    let message = resp.message();
    assert!(
        message.starts_with(
            "Cannot delete App Connection with existing connections. Remove all existing connections and try again. \
             (2 secret syncs use this connection: one (project "
        ),
        "{message}"
    );
    assert!(message.contains(", two (project "), "{message}");
    assert!(message.ends_with("Delete those syncs or point them at another connection first.)"), "{message}");
    app.api.get(&format!("{CONNECTIONS}/{cid}")).await.expect(200);
    app.shutdown().await;
}

#[tokio::test]
async fn org_members_use_connections_admins_manage_them_outsiders_see_nothing() {
    let (_fake, app) = start().await;
    let c = connection(&app, "shop", "team-token", WORKSPACE_TOKEN).await;
    let url = format!("{CONNECTIONS}/{}", c["id"].as_str().expect("id"));
    let member = identity_in(&app, app.org_id(), OrgRole::Member, None).await;
    member.get(&url).await.expect(200);
    assert_eq!(member.get(CONNECTIONS).await.expect(200)["appConnections"].as_array().map(Vec::len), Some(1));
    member.get(&format!("{CONNECTIONS}/available")).await.expect(200);
    member.get(&format!("{url}/projects")).await.expect(200);
    let create = json!({"name": "mine", "method": "team-token", "credentials": {"apiToken": WORKSPACE_TOKEN}});
    for resp in [
        member.post(CONNECTIONS, create.clone()).await,
        member.patch(&url, json!({"name": "renamed"})).await,
        member.delete(&url).await,
    ] {
        assert_eq!(resp.status, 403, "{}", resp.text);
        assert!(resp.message().contains("organization's admin role"), "{}", resp.message());
    }

    let (other_org_id, _, outsider) = other_org(&app).await;
    for resp in [
        outsider.get(&url).await,
        outsider.patch(&url, json!({"name": "mine"})).await,
        outsider.delete(&url).await,
        outsider.get(&format!("{url}/projects")).await,
    ] {
        assert_eq!(resp.status, 404, "{}", resp.text);
        assert_eq!(resp.message(), format!("Could not find App Connection with ID {}", c["id"].as_str().expect("id")));
    }
    let theirs = outsider.post(CONNECTIONS, create.clone()).await.expect(200)["appConnection"].clone();
    assert_eq!(theirs["orgId"], other_org_id.as_str());
    let listed = outsider.get(CONNECTIONS).await.expect(200);
    assert_eq!(listed["appConnections"].as_array().map(Vec::len), Some(1));
    assert_eq!(listed["appConnections"][0]["id"], theirs["id"]);
    // Naming an organization one is not in: 404.
    let resp = outsider.get(&format!("{CONNECTIONS}?organizationId={}", app.org_id())).await;
    assert_eq!(resp.status, 404);
    let resp = outsider.get(&format!("{CONNECTIONS}/connection-name/shop")).await;
    assert_eq!(resp.status, 404);
    assert_eq!(resp.message(), "Could not find App Connection with name shop in organization scope.");

    let bad = app.api.get(&format!("{CONNECTIONS}/not-a-uuid")).await;
    assert_eq!(bad.status, 422);
    assert_eq!(bad.body["details"][0]["path"], "params.connectionId");
    app.shutdown().await;
}

#[tokio::test]
async fn a_user_in_several_organizations_names_one() {
    let (_fake, app) = start().await;
    let (user, client) = admin_user(&app).await;
    // One organization: it is picked.
    let c = client
        .post(
            CONNECTIONS,
            json!({"name": "mine", "method": "team-token", "credentials": {"apiToken": WORKSPACE_TOKEN}}),
        )
        .await
        .expect(200)["appConnection"]
        .clone();
    assert_eq!(c["orgId"], app.org_id());

    let (second, second_project, _) = other_org(&app).await;
    join_org(&app, &second, &user, OrgRole::Admin).await;
    let resp = client.get(CONNECTIONS).await;
    assert_eq!(resp.status, 400);
    assert_eq!(resp.message(), "You belong to 2 organizations: say which one with organizationId (or projectId)");
    let resp = client
        .post(CONNECTIONS, json!({"name": "two", "method": "team-token", "credentials": {"apiToken": WORKSPACE_TOKEN}}))
        .await;
    assert_eq!(resp.status, 400);

    let first = client.get(&format!("{CONNECTIONS}?organizationId={}", app.org_id())).await.expect(200);
    assert_eq!(first["appConnections"][0]["id"], c["id"]);
    let created = client
        .post(
            CONNECTIONS,
            json!({"name": "two", "method": "team-token", "credentials": {"apiToken": WORKSPACE_TOKEN}, "organizationId": second}),
        )
        .await
        .expect(200)["appConnection"]
        .clone();
    assert_eq!(created["orgId"], second.as_str());
    // projectId picks the project's organization (the user is an admin there, so may reach it).
    let by_project = client.get(&format!("{CONNECTIONS}?projectId={second_project}")).await.expect(200);
    assert_eq!(by_project["appConnections"][0]["id"], created["id"]);
    let resp = client.get(&format!("{CONNECTIONS}?projectId={second_project}&organizationId={}", app.org_id())).await;
    assert_eq!(resp.status, 400);
    app.shutdown().await;
}

#[tokio::test]
async fn the_picker_lists_what_each_token_can_write_to() {
    let (_fake, app) = start().await;
    for (name, method, token) in [
        ("acct", "account-token", ACCOUNT_TOKEN),
        ("team", "team-token", WORKSPACE_TOKEN),
        ("proj", "project-token", PROJECT_TOKEN),
    ] {
        let c = connection(&app, name, method, token).await;
        let resp = app.api.get(&format!("{CONNECTIONS}/{}/projects", c["id"].as_str().expect("id"))).await;
        no_tokens(&resp.text);
        let body = resp.expect(200);
        let projects = body["projects"].as_array().expect("projects");
        assert_eq!(projects.len(), 1, "{body}");
        let p = &projects[0];
        assert_eq!(p["id"], RW_PROJECT);
        assert_eq!(p["name"], "shop");
        let mut services: Vec<&str> =
            p["services"].as_array().expect("s").iter().map(|s| s["name"].as_str().expect("n")).collect();
        services.sort();
        assert_eq!(services, ["api", "worker"]);
        let envs: Vec<&str> =
            p["environments"].as_array().expect("e").iter().map(|e| e["id"].as_str().expect("id")).collect();
        if method == "project-token" {
            assert_eq!(envs, [RW_PRODUCTION], "a project token offers only its own environment");
        } else {
            assert_eq!(envs.len(), 2);
            assert!(envs.contains(&RW_PRODUCTION) && envs.contains(&RW_STAGING));
        }
    }
    app.shutdown().await;
}

#[tokio::test]
async fn picker_failures_are_errors_with_railways_words_never_an_empty_list() {
    let (fake, app) = start().await;
    let c = connection(&app, "shop", "team-token", WORKSPACE_TOKEN).await;
    let url = format!("{CONNECTIONS}/{}/projects", c["id"].as_str().expect("id"));
    fake.inject(Fault::not_authorized());
    let resp = app.api.get(&url).await;
    assert_eq!(resp.status, 400, "{}", resp.text);
    assert!(resp.message().contains("Not Authorized"), "{}", resp.message());
    assert!(resp.body.get("projects").is_none());

    fake.inject(Fault::http_status(502));
    let resp = app.api.get(&url).await;
    assert_eq!(resp.status, 502, "{}", resp.text);
    assert!(resp.message().contains("502"), "{}", resp.message());

    fake.inject(Fault::rate_limited(30));
    let resp = app.api.get(&url).await;
    assert_eq!(resp.status, 429, "{}", resp.text);
    assert_eq!(resp.headers.get("retry-after").and_then(|v| v.to_str().ok()), Some("30"));
    assert!(resp.message().contains("rate limit"), "{}", resp.message());

    // Sluice holds the token back meanwhile, without asking Railway.
    fake.clear_requests();
    assert_eq!(app.api.get(&url).await.status, 429);
    assert!(fake.requests().is_empty(), "paused for Retry-After: {:?}", fake.requests());

    // And once the wait is over and Railway answers again, so does the picker.
    let mut tx = app.state().store.write().await.expect("tx");
    sqlx::query("UPDATE railway_paces SET paused_until = 0, recent = ''").execute(&mut *tx).await.expect("time passes");
    tx.commit().await.expect("commit");
    assert_eq!(app.api.get(&url).await.expect(200)["projects"][0]["id"], RW_PROJECT);
    app.shutdown().await;
}

#[tokio::test]
async fn a_connection_sets_how_many_of_its_syncs_run_at_once() {
    let (_fake, app) = crate::sync_support::start().await;
    let body = json!({"name": "rw", "method": "account-token", "credentials": {"apiToken": crate::sync_support::ACCOUNT_TOKEN},
        "syncConcurrency": 2});
    let made = app.api.post(crate::sync_support::CONNECTIONS, body).await.expect(200)["appConnection"].clone();
    assert_eq!(made["syncConcurrency"], 2);
    let path = format!("{}/{}", crate::sync_support::CONNECTIONS, made["id"].as_str().expect("id"));
    for bad in [0, 51, -1] {
        let r = app.api.patch(&path, json!({"syncConcurrency": bad})).await;
        assert_eq!(r.status, 422, "{bad}: {}", r.body);
        assert_eq!(r.body["details"][0]["path"], "body.syncConcurrency");
    }
    let kept = app.api.patch(&path, json!({"description": "x"})).await.expect(200);
    assert_eq!(kept["appConnection"]["syncConcurrency"], 2, "absent keeps it");
    let reset = app.api.patch(&path, json!({"syncConcurrency": null})).await.expect(200);
    assert!(reset["appConnection"]["syncConcurrency"].is_null(), "null returns to the server's default");
}
