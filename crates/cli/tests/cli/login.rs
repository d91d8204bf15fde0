//! `sluice login` both ways, the stored login (0600, never printed), Infisical's variables,
//! and `logout`.

use crate::support::{World, mode};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn universal_auth_login_stores_a_private_token_that_later_commands_use() {
    let w = World::start().await;
    let c = &w.app.creds;
    let out =
        w.run(w.command(), &["login", "--client-id", &c.client_id, "--client-secret", &c.client_secret], None).await;
    out.ok()
        .stdout_has(&format!("Logged in to {} as machine identity {}", w.app.url(), c.client_id))
        .stdout_has(&format!("Default project: default ({})", c.project_id));

    let file = w.credentials_file();
    assert_eq!(mode(&file), 0o600, "credentials file mode");
    assert_eq!(mode(w.config.path()), 0o700, "config dir mode");
    let stored: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&file).expect("read")).expect("json");
    let token = stored["accessToken"].as_str().expect("token stored").to_string();
    assert!(!token.is_empty());
    assert_eq!(stored["projectId"], c.project_id.as_str());
    assert!(!out.stdout.contains(&token) && !out.stderr.contains(&token), "the token is never printed");
    assert!(!out.stdout.contains(&c.client_secret), "the secret is never printed");

    // No --token: the stored login is used, and its default project.
    w.put_secrets("dev", &[("FROM_STORED_LOGIN", "yes")]).await;
    w.run(w.command(), &["secrets", "get", "FROM_STORED_LOGIN", "--plain"], None).await.ok().stdout_has("yes");

    // ...but never sent to another server.
    let mut other = w.command();
    other.env("SLUICE_URL", "http://127.0.0.1:9");
    w.run(other, &["secrets", "list"], None).await.code(3).stderr_has("not logged in to http://127.0.0.1:9");

    w.run(w.command(), &["logout"], None).await.ok().stdout_has("token revoked");
    assert!(!file.exists(), "logout removes the file");
    let r = w.app.client_with(&token).get("/api/v1/projects").await;
    assert_eq!(r.status, 401, "the token was revoked at the server");
    w.run(w.command(), &["secrets", "list"], None).await.code(3).stderr_has("not logged in").stderr_has("sluice login");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_login_with_the_password_on_stdin_and_wrong_passwords_exit_3() {
    let w = World::start().await;
    let c = &w.app.creds;
    let pw = format!("{}\n", c.admin_password);
    w.run(w.command(), &["login", "--email", &c.admin_email, "--password-stdin"], Some(&pw))
        .await
        .ok()
        .stdout_has(&format!("as {}", c.admin_email));
    assert_eq!(mode(&w.credentials_file()), 0o600);
    w.run(w.command(), &["secrets", "list", "--env", "staging"], None).await.ok();

    let out = w.run(w.command(), &["login", "--email", &c.admin_email, "--password-stdin"], Some("wrong\n")).await;
    out.code(3).stderr_has("not authenticated").stderr_has("check the email and password");
    // Without a terminal and without the password, the flag is named.
    w.run(w.command(), &["login", "--email", &c.admin_email], None)
        .await
        .code(2)
        .stderr_has("--password is missing")
        .stderr_has("--password-stdin");
    w.run(w.command(), &["login"], None).await.code(2).stderr_has("--client-id").stderr_has("--email");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn infisicals_variables_mean_the_same_here() {
    let w = World::start().await;
    let c = &w.app.creds;
    w.put_secrets("dev", &[("GREETING", "hello")]).await;

    // INFISICAL_API_URL with Infisical's /api suffix, and client credentials for login.
    let mut cmd = w.command();
    cmd.env_remove("SLUICE_URL")
        .env("INFISICAL_API_URL", format!("{}/api", w.app.url()))
        .env("INFISICAL_UNIVERSAL_AUTH_CLIENT_ID", &c.client_id)
        .env("INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET", &c.client_secret);
    w.run(cmd, &["login"], None).await.ok().stdout_has("machine identity");

    // --plain prints a token (for INFISICAL_TOKEN) and stores nothing.
    std::fs::remove_file(w.credentials_file()).expect("remove");
    let mut cmd = w.command();
    cmd.env("INFISICAL_UNIVERSAL_AUTH_CLIENT_ID", &c.client_id)
        .env("INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET", &c.client_secret);
    let out = w.run(cmd, &["login", "--plain"], None).await;
    let token = out.ok().stdout.trim().to_string();
    assert!(!w.credentials_file().exists());

    let mut cmd = w.command();
    cmd.env("INFISICAL_TOKEN", &token).env("INFISICAL_PROJECT_ID", &c.project_id);
    w.run(cmd, &["secrets", "get", "GREETING", "--plain"], None).await.ok().stdout_has("hello");

    // Client credentials alone log in for the one command (CI style).
    let mut cmd = w.command();
    cmd.env("INFISICAL_UNIVERSAL_AUTH_CLIENT_ID", &c.client_id)
        .env("INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET", &c.client_secret);
    w.run(cmd, &["export"], None).await.ok().stdout_has("GREETING=hello");

    // Infisical service tokens are refused with a reason.
    let mut cmd = w.command();
    cmd.env("INFISICAL_TOKEN", "st.abc.def");
    w.run(cmd, &["secrets", "list"], None).await.code(3).stderr_has("service token");

    // A .infisical.json in the working directory names the project.
    std::fs::write(w.cwd.path().join(".infisical.json"), r#"{"workspaceId":"no-such-project"}"#).expect("write");
    let mut cmd = w.command();
    cmd.env("INFISICAL_TOKEN", &token);
    w.run(cmd, &["secrets", "list"], None).await.code(4).stderr_has("no-such-project").stderr_has(".infisical.json");
    std::fs::write(w.cwd.path().join(".infisical.json"), format!("{{\"workspaceId\":\"{}\"}}", c.project_id))
        .expect("write");
    let mut cmd = w.command();
    cmd.env("INFISICAL_TOKEN", &token);
    w.run(cmd, &["secrets", "get", "GREETING", "--plain"], None).await.ok().stdout_has("hello");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oidc_login_with_a_jwt_from_a_local_issuer_and_bad_tokens_exit_3() {
    use sluice_testkit::oidc_issuer::{OidcIssuer, SigningKey};
    let w = World::start().await;
    let key = SigningKey::rsa("ci-1");
    let issuer = OidcIssuer::start(&[&key]).await;
    let api = &w.app.api;
    let body = serde_json::json!({"name": "ci-oidc", "organizationId": w.app.org_id(), "role": "member"});
    let id = api.post("/api/v1/identities", body).await.expect(200)["identity"]["id"].as_str().expect("id").to_string();
    let membership = format!("/api/v1/projects/{}/identity-memberships/{id}", w.app.project_id());
    api.post(&membership, serde_json::json!({"role": "viewer"})).await.expect(200);
    let config = serde_json::json!({"oidcDiscoveryUrl": issuer.url, "boundIssuer": issuer.url,
        "boundAudiences": "sluice", "boundSubject": "repo:acme/*"});
    api.post(&format!("/api/v1/auth/oidc-auth/identities/{id}"), config).await.expect(200);
    w.put_secrets("dev", &[("FROM_OIDC", "yes")]).await;

    let jwt = key.sign(&issuer.claims("sluice", "repo:acme/api", serde_json::json!({})));
    let out = w.run(w.command(), &["login", "--method", "oidc", "--identity-id", &id, "--jwt", &jwt], None).await;
    out.ok().stdout_has(&format!("as machine identity {id}"));
    assert!(!out.stdout.contains(&jwt), "the JWT is never printed");
    let stored: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(w.credentials_file()).expect("read")).expect("json");
    assert_eq!(stored["method"], "oidc-auth");
    w.run(w.command(), &["secrets", "get", "FROM_OIDC", "--plain"], None).await.ok().stdout_has("yes");

    // The JWT on standard input; the method follows from --identity-id.
    let line = format!("{jwt}\n");
    w.run(w.command(), &["login", "--identity-id", &id, "--jwt-stdin", "--plain"], Some(&line)).await.ok();

    let wrong = key.sign(&issuer.claims("someone-else", "repo:acme/api", serde_json::json!({})));
    let out = w.run(w.command(), &["login", "--method", "oidc", "--identity-id", &id, "--jwt", &wrong], None).await;
    out.code(3).stderr_has("audience").stderr_has("check the identity id");
    w.run(w.command(), &["login", "--method", "oidc", "--jwt", &jwt], None).await.code(2).stderr_has("--identity-id");
}
