//! Login throttling over real HTTP: wrong passwords and client secrets slow an account
//! down, then lock it (429, `Retry-After`, a message that says how long), the right
//! password included; the lock ends and a success forgets the failures; one address
//! failing across many accounts is locked out of all; every lock is in the audit log.
//!
//! Time passes by moving the stored histories into the past ([`pass_time`]), never by
//! sleeping. OIDC's and the sign-in form's cases are with their features (`oidc.rs`,
//! `ui.rs`), using the helpers here.

use crate::access_support::*;
use serde_json::{Value, json};
use sluice_domain::login_throttle::{ThrottlePolicy, wait_in_words};
use sluice_server::config_login::LoginThrottleSettings;
use sluice_testkit::{Response, TestApp, Tweak};

const USER_LOGIN: &str = "/api/v1/auth/login";
const MINUTE: i64 = 60_000;
pub const ACCOUNT: &str = "for this account";
const ADDRESS: &str = "from this IP address";

/// A server whose accounts get `free` failures without a wait and lock at `lock_after`,
/// and whose client IPs get `ip_free` and lock at `ip_lock_after` (15-minute locks).
pub fn throttled(free: u32, lock_after: u32, ip_free: u32, ip_lock_after: u32) -> Tweak {
    Box::new(move |s| {
        let d = LoginThrottleSettings::default();
        let with = |p: ThrottlePolicy, free_failures, lock_after| ThrottlePolicy { free_failures, lock_after, ..p };
        s.login = LoginThrottleSettings {
            account: with(d.account, free, lock_after),
            ip: with(d.ip, ip_free, ip_lock_after),
        };
    })
}

/// Lets `ms` pass for every stored sign-in history: failures and locks move into the past.
pub async fn pass_time(app: &TestApp, ms: i64) {
    let sql = "UPDATE login_throttles SET last_failure_at = last_failure_at - $1, \
               locked_until = CASE WHEN locked_until > 0 THEN locked_until - $1 ELSE 0 END, \
               expires_at = expires_at - $1";
    exec(app, sql, &[Bind::Int(ms)]).await;
}

/// Asserts a 429 in Infisical's shape, refused for `whose` ("for this account", "from this IP
/// address"), whose `Retry-After` is `longest` seconds or a little less (the wait runs while
/// the requests do), and whose message names the same wait.
#[track_caller]
pub fn assert_throttled(resp: &Response, whose: &str, longest: u64) {
    assert_eq!(resp.status, 429, "{}", resp.text);
    assert_eq!(resp.body["statusCode"], 429);
    assert_eq!(resp.body["error"], "RateLimitExceeded");
    let header = resp.headers.get("retry-after").and_then(|v| v.to_str().ok()).unwrap_or_default();
    let secs: u64 = header.parse().unwrap_or_else(|_| panic!("Retry-After {header:?}"));
    assert!(
        (longest.saturating_sub(5).max(1)..=longest).contains(&secs),
        "Retry-After {secs}, expected about {longest}"
    );
    let words = wait_in_words(i64::try_from(secs).expect("secs") * 1000);
    assert_eq!(resp.message(), format!("Too many failed sign-in attempts {whose}; try again in {words}"));
}

async fn user_login(app: &TestApp, email: &str, password: &str) -> Response {
    app.anonymous().post(USER_LOGIN, json!({"email": email, "password": password})).await
}

/// The organization's `login-locked` entries, newest first (read by its admin identity).
pub async fn lock_entries(app: &TestApp) -> Vec<Value> {
    let logs = app.api.get("/api/v1/organization/audit-logs?eventType=login-locked").await.expect(200);
    logs["auditLogs"].as_array().expect("logs").clone()
}

#[tokio::test]
async fn wrong_passwords_slow_down_then_lock_the_account_even_against_the_right_password() {
    let app = TestApp::spawn_with(throttled(2, 4, 20, 50)).await;
    let (email, right) = (app.creds.admin_email.clone(), app.creds.admin_password.clone());
    user_login(&app, &email, "wrong-1").await.expect(401);
    user_login(&app, &email, "wrong-2").await.expect(401);
    // Two failures are free; the third attempt must wait, and is not even checked.
    let early = user_login(&app, &email, &right).await;
    assert_throttled(&early, ACCOUNT, 1);
    pass_time(&app, 1000).await;
    user_login(&app, &email, "wrong-3").await.expect(401);
    let early = user_login(&app, &email, "wrong-4").await;
    assert_throttled(&early, ACCOUNT, 2);
    pass_time(&app, 2000).await;
    user_login(&app, &email, "wrong-4").await.expect(401);

    // The fourth failure locks the account: the right password is refused, on every path.
    let locked = user_login(&app, &email, &right).await;
    assert_throttled(&locked, ACCOUNT, 900);
    assert_eq!(locked.message(), "Too many failed sign-in attempts for this account; try again in 15 minutes");
    let session = app.anonymous().post("/api/v1/auth/session", json!({"email": email, "password": right})).await;
    assert_throttled(&session, ACCOUNT, 900);
    // Only that account: another one still gets its password checked.
    user_login(&app, "someone.else@sluice.local", "wrong").await.expect(401);

    pass_time(&app, 14 * MINUTE).await;
    let almost = user_login(&app, &email, &right).await;
    assert_throttled(&almost, ACCOUNT, 60);
    pass_time(&app, MINUTE).await;
    user_login(&app, &email, &right).await.expect(200);
    // The success forgot the failures: two wrong passwords are free again (without the
    // reset, the first would lock the account again at once).
    user_login(&app, &email, "wrong-5").await.expect(401);
    user_login(&app, &email, "wrong-6").await.expect(401);
    app.shutdown().await;
}

#[tokio::test]
async fn a_locked_user_is_audited_in_their_organization_without_the_passwords() {
    let app = TestApp::spawn_with(throttled(5, 2, 20, 50)).await;
    let email = app.creds.admin_email.clone();
    assert!(lock_entries(&app).await.is_empty());
    user_login(&app, &email, "guess-one").await.expect(401);
    user_login(&app, &email, "guess-two").await.expect(401);
    assert_eq!(user_login(&app, &email, "guess-three").await.status, 429);

    let entries = lock_entries(&app).await;
    assert_eq!(entries.len(), 1, "one lock, one entry: {entries:?}");
    let entry = &entries[0];
    let meta = &entry["event"]["metadata"];
    assert_eq!(meta["scope"], "account");
    assert_eq!(meta["account"], email.as_str());
    assert_eq!(meta["ip"], "127.0.0.1");
    assert_eq!(
        (meta["failures"].as_i64(), meta["lockNumber"].as_i64(), meta["lockSeconds"].as_i64()),
        (Some(2), Some(1), Some(900))
    );
    assert!(meta["lockedUntil"].as_str().is_some_and(|t| t.ends_with('Z')), "{meta}");
    assert_eq!(entry["target"]["type"], "user");
    assert_eq!(entry["actor"]["type"], "anonymous");
    assert_eq!(entry["ipAddress"], "127.0.0.1");
    let text = entry.to_string();
    assert!(!text.contains("guess-"), "no attempted password in the entry: {text}");
    app.shutdown().await;
}

#[tokio::test]
async fn wrong_client_secrets_lock_the_client_id_and_the_lock_is_audited_for_the_identity() {
    let app = TestApp::spawn_with(throttled(3, 3, 20, 50)).await;
    let m = machine(&app, "member").await;
    let wrong = format!("{}x", m.client_secret);
    for _ in 0..3 {
        login(&app, &m.client_id, &wrong).await.expect(401);
    }
    let locked = login(&app, &m.client_id, &m.client_secret).await;
    assert_throttled(&locked, ACCOUNT, 900);
    // Another identity's client id is another account.
    let other = machine(&app, "member").await;
    login(&app, &other.client_id, &other.client_secret).await.expect(200);

    let entries = lock_entries(&app).await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    let entry = &entries[0];
    assert_eq!(entry["target"], json!({"type": "identity", "id": m.identity_id}));
    assert_eq!(entry["orgId"], app.org_id());
    assert_eq!(entry["event"]["metadata"]["account"], m.client_id.as_str());
    assert_eq!(entry["event"]["metadata"]["scope"], "account");
    assert!(!entry.to_string().contains(&m.client_secret), "no secret in the entry");

    pass_time(&app, 15 * MINUTE).await;
    login(&app, &m.client_id, &m.client_secret).await.expect(200);
    app.shutdown().await;
}

#[tokio::test]
async fn one_address_failing_across_many_accounts_is_locked_out_of_every_login() {
    let app = TestApp::spawn_with(throttled(5, 10, 3, 3)).await;
    let m = machine(&app, "member").await;
    for i in 0..3 {
        user_login(&app, &format!("target-{i}@sluice.local"), "Winter2026!").await.expect(401);
    }
    assert_throttled(&user_login(&app, &app.creds.admin_email, &app.creds.admin_password).await, ADDRESS, 900);
    assert_throttled(&login(&app, &m.client_id, &m.client_secret).await, ADDRESS, 900);

    let entries = lock_entries(&app).await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    let meta = &entries[0]["event"]["metadata"];
    assert_eq!((meta["scope"].as_str(), meta["ip"].as_str()), (Some("ip"), Some("127.0.0.1")));
    assert!(meta.get("account").is_none(), "an address's lock names no account: {meta}");
    assert!(!entries[0].to_string().contains("Winter2026"), "no attempted password");

    pass_time(&app, 15 * MINUTE).await;
    user_login(&app, &app.creds.admin_email, &app.creds.admin_password).await.expect(200);
    app.shutdown().await;
}

#[tokio::test]
async fn stale_histories_are_pruned_as_new_failures_are_written() {
    let app = TestApp::spawn_with(throttled(5, 10, 20, 50)).await;
    user_login(&app, "old@sluice.local", "wrong").await.expect(401);
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM login_throttles", &[]).await, 2, "the account and the address");
    pass_time(&app, 16 * MINUTE).await;
    user_login(&app, "new@sluice.local", "wrong").await.expect(401);
    let keys = scalar(&app, "SELECT COUNT(*) FROM login_throttles WHERE scope_key = 'user:old@sluice.local'", &[]);
    assert_eq!(keys.await, 0, "the quiet account's history is gone");
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM login_throttles", &[]).await, 2, "the new account and the address");
    app.shutdown().await;
}

#[tokio::test]
async fn an_organization_admin_sees_and_clears_its_accounts_locks_and_no_one_else_can() {
    let app = TestApp::spawn_with(throttled(5, 2, 20, 50)).await;
    let m = machine(&app, "member").await;
    // The admin user now belongs to a second organization too.
    let (_, outsider) = other_org(&app).await;
    let org_users = format!("/api/v1/organization/{}/users", app.org_id());
    let (email, right) = ("dana@sluice.local", "dana's long password");
    app.api.post(&org_users, json!({"email": email, "password": right, "role": "member"})).await.expect(200);
    let locks = format!("/api/v1/organization/{}/login-locks", app.org_id());
    let user_lock = format!("{locks}/user/{email}");
    assert_eq!(app.api.get(&locks).await.expect(200)["loginLocks"], json!([]));

    // Dana is locked out; the member identity has one failure remembered.
    user_login(&app, email, "guess-one").await.expect(401);
    user_login(&app, email, "guess-two").await.expect(401);
    assert_throttled(&user_login(&app, email, right).await, ACCOUNT, 900);
    login(&app, &m.client_id, "wrong").await.expect(401);
    // The admin user, who also belongs to the other organization, fails once.
    user_login(&app, &app.creds.admin_email, "guess").await.expect(401);
    let listed = app.api.get(&locks).await.expect(200)["loginLocks"].clone();
    let summary: Vec<(Value, Value, Value, Value)> = listed
        .as_array()
        .expect("locks")
        .iter()
        .map(|l| (l["kind"].clone(), l["account"].clone(), l["state"].clone(), l["failures"].clone()))
        .collect();
    assert_eq!(
        summary,
        [
            (json!("user"), json!(email), json!("locked"), json!(2)),
            (json!("client"), json!(m.client_id), json!("counting"), json!(1)),
        ],
        "the admin user's failures are not this organization's alone to see: {listed}"
    );
    assert!(listed[0]["retryAt"].as_str().is_some_and(|t| t.ends_with('Z')), "{listed}");

    // Neither a member of the organization nor another organization's admin may see or
    // clear it, and a user of several organizations needs the admin role in each.
    for (client, want) in [(&m.client, 403), (&outsider.client, 404)] {
        assert_eq!(client.get(&locks).await.status, want);
        assert_eq!(client.delete(&user_lock).await.status, want);
    }
    let shared = app.api.delete(&format!("{locks}/user/{}", app.creds.admin_email)).await;
    assert_eq!(shared.status, 403, "{}", shared.text);
    assert_throttled(&user_login(&app, email, right).await, ACCOUNT, 900);

    // An account that is not the organization's, and a kind that does not exist.
    assert_eq!(app.api.delete(&format!("{locks}/user/nobody@sluice.local")).await.status, 404);
    let bad = app.api.delete(&format!("{locks}/password/{email}")).await;
    assert_eq!(bad.status, 422, "{}", bad.text);

    // The admin clears it (the email as typed, in any case): the right password works at
    // once, and the clearing is audited.
    let cleared = app.api.delete(&format!("{locks}/user/Dana@Sluice.local")).await.expect(200);
    assert_eq!((cleared["cleared"].clone(), cleared["loginLock"]["state"].clone()), (json!(true), json!("locked")));
    user_login(&app, email, right).await.expect(200);
    let again = app.api.delete(&user_lock).await.expect(200);
    assert_eq!(again["cleared"], false, "nothing left to clear: {again}");
    let entries = audit_rows(&app, "login-unlocked").await;
    assert_eq!(entries.len(), 1, "one clearing, one entry");
    let entry = &entries[0];
    assert_eq!((entry.metadata["kind"].clone(), entry.metadata["account"].clone()), (json!("user"), json!(email)));
    assert_eq!(entry.actor_type, "identity", "the admin who cleared it");
    assert!(!entry.metadata.to_string().contains("guess-"), "{}", entry.metadata);
    app.shutdown().await;
}

#[tokio::test]
async fn the_instance_admin_sees_and_clears_a_client_addresss_lock_and_no_one_else_can() {
    let app = TestApp::spawn_with(throttled(5, 10, 2, 2)).await;
    let m = machine(&app, "member").await;
    let (_, outsider) = other_org(&app).await;
    // The user who set the instance up signs in before the address is locked, and so does
    // a user who administers the organization but not the instance.
    let instance_admin = admin_user(&app).await;
    let org_users = format!("/api/v1/organization/{}/users", app.org_id());
    let (olga, olgas) = ("olga@sluice.local", "olga's long password");
    app.api.post(&org_users, json!({"email": olga, "password": olgas, "role": "admin"})).await.expect(200);
    let olga_token =
        user_login(&app, olga, olgas).await.expect(200)["accessToken"].as_str().expect("token").to_string();
    let org_admin_user = app.client_with(&olga_token);
    const LOCKS: &str = "/api/v1/admin/login-locks";
    const LOCAL: &str = "/api/v1/admin/login-locks/ip/127.0.0.1";
    assert_eq!(instance_admin.get(LOCKS).await.expect(200)["loginLocks"], json!([]));

    user_login(&app, "first@sluice.local", "guess-one").await.expect(401);
    user_login(&app, "second@sluice.local", "guess-two").await.expect(401);
    assert_throttled(&user_login(&app, &app.creds.admin_email, &app.creds.admin_password).await, ADDRESS, 900);
    let listed = instance_admin.get(LOCKS).await.expect(200)["loginLocks"].clone();
    let summary: Vec<(Value, Value, Value, Value)> = listed
        .as_array()
        .expect("locks")
        .iter()
        .map(|l| (l["kind"].clone(), l["account"].clone(), l["state"].clone(), l["failures"].clone()))
        .collect();
    assert_eq!(summary, [(json!("ip"), json!("127.0.0.1"), json!("locked"), json!(2))], "{listed}");
    let org_locks = format!("/api/v1/organization/{}/login-locks", app.org_id());
    let org_listed = app.api.get(&org_locks).await.expect(200)["loginLocks"].clone();
    assert!(!org_listed.to_string().contains("127.0.0.1"), "an address is no organization's: {org_listed}");

    // An organization's admin user and identity, a member and another organization's admin
    // are not instance admins: they neither see nor clear it.
    for client in [&org_admin_user, &app.api, &m.client, &outsider.client] {
        let seen = client.get(LOCKS).await;
        assert_eq!(seen.status, 403, "{}", seen.text);
        assert!(seen.message().contains("instance admin"), "{}", seen.text);
        assert_eq!(client.delete(LOCAL).await.status, 403);
    }
    assert_throttled(&user_login(&app, &app.creds.admin_email, &app.creds.admin_password).await, ADDRESS, 900);

    let bad = instance_admin.delete("/api/v1/admin/login-locks/ip/not-an-address").await;
    assert_eq!(bad.status, 422, "{}", bad.text);
    assert!(bad.message().contains("\"not-an-address\" is not an IPv4 or IPv6 address"), "{}", bad.text);

    // Cleared: sign-ins from the address are open at once, and each organization's audit
    // log has the clearing, by the user who did it.
    let cleared = instance_admin.delete(LOCAL).await.expect(200);
    assert_eq!((cleared["cleared"].clone(), cleared["loginLock"]["state"].clone()), (json!(true), json!("locked")));
    user_login(&app, &app.creds.admin_email, &app.creds.admin_password).await.expect(200);
    assert_eq!(instance_admin.delete(LOCAL).await.expect(200)["cleared"], false, "nothing left to clear");
    let entries = audit_rows(&app, "login-unlocked").await;
    assert_eq!(entries.len(), 2, "one entry in each of the two organizations");
    for entry in &entries {
        assert_eq!(
            (entry.metadata["kind"].clone(), entry.metadata["account"].clone()),
            (json!("ip"), json!("127.0.0.1"))
        );
        assert_eq!(entry.actor_type, "user");
        assert!(!entry.metadata.to_string().contains("guess-"), "{}", entry.metadata);
    }
    app.shutdown().await;
}

/// The client-address list keeps 1,000 histories and says when more are remembered.
#[tokio::test]
async fn the_address_list_says_when_more_addresses_are_remembered_than_listed() {
    use sluice_domain::login_throttle::Attempts;
    use sluice_storage::login_throttles;
    let app = TestApp::spawn().await;
    let admin = admin_user(&app).await;
    const LOCKS: &str = "/api/v1/admin/login-locks";
    let store = &app.state().store;
    let now = sluice_storage::now_ms();
    let mut tx = store.write().await.expect("tx");
    for i in 0..1_001 {
        let key = format!("ip:10.0.{}.{}", i / 250, i % 250);
        login_throttles::lock(&mut tx, store.backend(), &key).await.expect("row");
        let failed = Attempts { failures: 1, last_failure_at: now - i, locked_until: 0, locks: 0 };
        login_throttles::save(&mut tx, &key, &failed, now + 3_600_000).await.expect("history");
    }
    tx.commit().await.expect("commit");
    let listed = admin.get(LOCKS).await.expect(200);
    assert_eq!(listed["loginLocks"].as_array().map(Vec::len), Some(1_000));
    assert_eq!(listed["truncated"], true, "one more address is remembered than listed");
    assert!(!listed["loginLocks"].to_string().contains("\"10.0.4.0\""), "the oldest failure is the one left out");
    let web = crate::ui::Browser::sign_in(&app).await;
    web.get("/login-locks").await.assert_contains("More addresses have failed sign-ins than these 1000");

    admin.delete("/api/v1/admin/login-locks/ip/10.0.0.0").await.expect(200);
    let listed = admin.get(LOCKS).await.expect(200);
    assert_eq!(listed["loginLocks"].as_array().map(Vec::len), Some(1_000));
    assert_eq!(listed["truncated"], false, "every remembered address is listed");
    assert!(!web.get("/login-locks").await.body.contains("data-addresses-truncated"), "the page lists them all");
}
