//! Helpers: a fake Railway with the example seed, a server pointed at it, a Railway
//! connection, secrets and syncs through the API.

#![allow(dead_code)]

use serde_json::{Value, json};
use sluice_railway_fake::{FakeRailway, RequestRecord, Seed};
use sluice_testkit::TestApp;
use std::collections::BTreeMap;

pub const ACCOUNT_TOKEN: &str = "a0000000-0000-4000-8000-000000000001";
pub const RW_PROJECT: &str = "33333333-3333-4333-8333-333333333333";
pub const PRODUCTION: &str = "44444444-4444-4444-8444-444444444444";
pub const STAGING: &str = "55555555-5555-4555-8555-555555555555";
pub const API: &str = "66666666-6666-4666-8666-666666666666";
pub const WORKER: &str = "77777777-7777-4777-8777-777777777777";

pub const SYNCS: &str = "/api/v1/secret-syncs/railway";

pub struct Env {
    pub fake: FakeRailway,
    pub app: TestApp,
    pub connection_id: String,
}

pub async fn start() -> Env {
    start_with(|_| {}).await
}

pub async fn start_with(tweak: impl FnOnce(&mut sluice_server::config::Settings) + Send + 'static) -> Env {
    let fake = FakeRailway::start(Seed::example()).await.expect("fake Railway starts");
    let url = fake.graphql_url();
    let app = TestApp::spawn_with(Box::new(move |s| {
        s.railway_api_url = url;
        // Pacing has tests of its own (engine::pacing); here it would only slow tests down.
        s.engine.railway_rps = 10_000.0;
        tweak(s);
    }))
    .await;
    let body = json!({"name": "railway", "method": "account-token", "credentials": {"apiToken": ACCOUNT_TOKEN}});
    let conn = app.api.post("/api/v1/app-connections/railway", body).await.expect(200);
    let connection_id = conn["appConnection"]["id"].as_str().expect("connection id").to_string();
    fake.clear_requests();
    Env { fake, app, connection_id }
}

impl Env {
    /// Creates or updates a secret through the v3 API.
    pub async fn put(&self, env: &str, path: &str, key: &str, value: &str) {
        let pid = self.app.project_id();
        let body = json!({"workspaceId": pid, "environment": env, "secretPath": path, "secretValue": value});
        let created = self.app.api.post(&format!("/api/v3/secrets/raw/{key}"), body.clone()).await;
        if created.status != 200 {
            self.app.api.patch(&format!("/api/v3/secrets/raw/{key}"), body).await.expect(200);
        }
    }

    pub async fn delete(&self, env: &str, path: &str, key: &str) {
        let pid = self.app.project_id();
        let body = json!({"workspaceId": pid, "environment": env, "secretPath": path});
        self.app.api.delete_json(&format!("/api/v3/secrets/raw/{key}"), body).await.expect(200);
    }

    pub async fn folder(&self, env: &str, parent: &str, name: &str) {
        let pid = self.app.project_id();
        let body = json!({"projectId": pid, "environment": env, "name": name, "path": parent});
        self.app.api.post("/api/v1/folders", body).await.expect(200);
    }

    /// A sync body to the api service in production, overridable by `patch`.
    pub fn sync_body(&self, name: &str, options: Value) -> Value {
        json!({
            "name": name,
            "projectId": self.app.project_id(),
            "connectionId": self.connection_id,
            "environment": "dev",
            "secretPath": "/",
            "isAutoSyncEnabled": true,
            "syncOptions": options,
            "destinationConfig": {
                "projectId": RW_PROJECT, "projectName": "shop",
                "environmentId": PRODUCTION, "environmentName": "production",
                "serviceId": API, "serviceName": "api"
            }
        })
    }

    pub async fn create_sync(&self, body: Value) -> Value {
        self.app.api.post(SYNCS, body).await.expect(200)["secretSync"].clone()
    }

    pub async fn sync(&self, id: &str) -> Value {
        self.app.api.get(&format!("{SYNCS}/{id}")).await.expect(200)["secretSync"].clone()
    }

    pub async fn runs(&self, id: &str) -> Vec<Value> {
        let body = self.app.api.get(&format!("{SYNCS}/{id}/runs")).await.expect(200);
        body["runs"].as_array().cloned().unwrap_or_default()
    }

    pub async fn trigger(&self, id: &str) {
        self.app.api.post(&format!("{SYNCS}/{id}/sync-secrets"), json!({})).await.expect(200);
    }

    /// The api service's variables in production (sealed as `None`).
    pub fn api_vars(&self) -> BTreeMap<String, Option<String>> {
        self.fake.variables(PRODUCTION, Some(API))
    }

    /// Requests to the fake since the last clear, by root field.
    pub fn calls(&self) -> Vec<String> {
        self.fake.requests().iter().flat_map(|r: &RequestRecord| r.root_fields.clone()).collect()
    }

    pub fn count(&self, root_field: &str) -> usize {
        self.calls().iter().filter(|f| *f == root_field).count()
    }

    /// Time passes for the Railway tokens' pacing: pauses (`Retry-After`, backoff) are over.
    pub async fn let_pauses_pass(&self) {
        let mut tx = self.app.state().store.write().await.expect("tx");
        sqlx::query("UPDATE railway_paces SET paused_until = 0, recent = '', strikes = 0")
            .execute(&mut *tx)
            .await
            .expect("update");
        tx.commit().await.expect("commit");
    }

    pub fn redeploys_of_api(&self) -> usize {
        self.fake.deploys().iter().filter(|d| d.service_id == API).count()
    }
}

pub fn opts(behavior: &str, schema: Option<&str>) -> Value {
    let mut o = json!({"initialSyncBehavior": behavior, "disableSecretDeletion": false});
    if let Some(s) = schema {
        o["keySchema"] = json!(s);
    }
    o
}

pub fn val(v: &str) -> Option<String> {
    Some(v.to_string())
}
