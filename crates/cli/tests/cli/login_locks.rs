//! `sluice login-locks list|clear`: an organization admin sees an account's failed sign-ins
//! and clears them (the right password then works at once, as before; the server's tests
//! cover the lock itself), a kind that does not exist is refused by the CLI, and a second
//! clear says there was nothing to clear. A client address is cleared by the instance admin
//! only.

use crate::support::World;
use serde_json::json;

const USER_LOGIN: &str = "/api/v1/auth/login";

#[tokio::test]
async fn an_admin_lists_and_clears_failed_sign_ins() {
    let w = World::start().await;
    w.sluice(&["login-locks", "list"]).await.ok().stdout_has("No failed sign-ins remembered");
    let users = format!("/api/v1/organization/{}/users", w.app.org_id());
    let (email, right) = ("dana@sluice.local", "dana's long password");
    w.app.api.post(&users, json!({"email": email, "password": right, "role": "member"})).await.expect(200);
    for guess in ["guess-one", "guess-two"] {
        w.app.anonymous().post(USER_LOGIN, json!({"email": email, "password": guess})).await.expect(401);
    }

    let listed = w.sluice(&["login-locks", "list", "-o", "json"]).await;
    let listed = listed.ok().json();
    assert_eq!(listed[0]["kind"], "user", "{listed}");
    assert_eq!(listed[0]["account"], email, "{listed}");
    assert_eq!(listed[0]["failures"], 2, "{listed}");
    w.sluice(&["login-locks", "ls"]).await.ok().stdout_has("ACCOUNT").stdout_has(email).stdout_has("counting");

    w.sluice(&["login-locks", "clear", "password", email]).await.code(2).stderr_has("invalid value 'password'");
    w.sluice(&["login-locks", "clear", "user", "nobody@sluice.local"])
        .await
        .code(4)
        .stderr_has("No user account 'nobody@sluice.local' in this organization");
    w.sluice(&["login-locks", "clear", "user", "Dana@Sluice.local"])
        .await
        .ok()
        .stdout_has("Cleared the failed sign-ins of user dana@sluice.local (it was counting, 2 failures).");
    w.sluice(&["login-locks", "list"]).await.ok().stdout_has("No failed sign-ins remembered");
    w.sluice(&["login-locks", "clear", "user", email]).await.ok().stdout_has("nothing to clear");
    w.app.anonymous().post(USER_LOGIN, json!({"email": email, "password": right})).await.expect(200);
}

#[tokio::test]
async fn the_instance_admin_lists_and_clears_a_client_address_and_an_identity_cannot() {
    let w = World::start().await;
    // The user who set the instance up, signed in before the address fails.
    let login = json!({"email": w.app.creds.admin_email, "password": w.app.creds.admin_password});
    let resp = w.app.anonymous().post(USER_LOGIN, login).await.expect(200);
    let user_token = resp["accessToken"].as_str().expect("token").to_string();
    let as_user = |args: &'static [&'static str]| {
        let mut cmd = w.command();
        cmd.env("SLUICE_TOKEN", &user_token);
        w.run(cmd, args, None)
    };
    as_user(&["login-locks", "list", "--addresses"]).await.ok().stdout_has("No failed sign-ins remembered from any");
    for guess in ["guess-one", "guess-two"] {
        w.app.anonymous().post(USER_LOGIN, json!({"email": "x@sluice.local", "password": guess})).await.expect(401);
    }

    // The organization's admin identity is no instance admin.
    w.sluice(&["login-locks", "list", "--addresses"]).await.code(3).stderr_has("it needs an instance admin");
    w.sluice(&["login-locks", "clear", "ip", "127.0.0.1"]).await.code(3).stderr_has("it needs an instance admin");

    let listed = as_user(&["login-locks", "list", "--addresses", "-o", "json"]).await.ok().json();
    assert_eq!((listed[0]["kind"].clone(), listed[0]["account"].clone()), (json!("ip"), json!("127.0.0.1")));
    assert_eq!(listed[0]["failures"], 2, "{listed}");
    as_user(&["login-locks", "clear", "ip", "localhost"])
        .await
        .code(2)
        .stderr_has("ACCOUNT: \"localhost\" is not an IPv4 or IPv6 address");
    as_user(&["login-locks", "clear", "ip", "127.0.0.1"])
        .await
        .ok()
        .stdout_has("Cleared the failed sign-ins from 127.0.0.1 (it was counting, 2 failures).");
    as_user(&["login-locks", "list", "--addresses"]).await.ok().stdout_has("No failed sign-ins remembered from any");
}
