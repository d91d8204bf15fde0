//! `sluice login-locks list|clear`: an organization admin sees an account's failed sign-ins
//! and clears them (the right password then works at once, as before; the server's tests
//! cover the lock itself), a kind that does not exist is refused by the CLI, and a second
//! clear says there was nothing to clear.

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
