//! The authorization matrix (issue 16 §1): every operation of the served OpenAPI document,
//! tried as every kind of caller, on one real server.
//!
//! The operations come from `/api/docs/openapi.json`; the rules (who may call each and a
//! valid request for it) are one table in [`rules`]. The test fails on an operation the
//! table does not cover, on a rule whose operation left the document, and on an API route
//! the router serves outside the document. Each case must end as the rule says: refused
//! callers get 401 (bad credentials) or 403/404, never a 2xx, a 5xx or a 400/422 (the
//! request is valid, so only authorization can refuse it); allowed callers get a 2xx. Then
//! [`swaps`] puts ids of another project or organization into requests under one's own
//! project, expecting a refusal and nothing changed. Figures are printed at the end.
//!
//! `SLUICE_PROOF_LONG=1` adds the same roles held by users (password sign-in) to the
//! machine identities of the default run.

mod fresh;
mod rules;
mod swaps;
mod world;

use rules::{Fresh, Rule};
use serde_json::Value;
use sluice_testkit::ApiClient;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;
use tokio::task::JoinSet;
use world::{Standing, World};

/// Whether the longer local mode of the proof suites is on (`SLUICE_PROOF_LONG=1`).
pub fn long_mode() -> bool {
    std::env::var("SLUICE_PROOF_LONG").is_ok_and(|v| !v.is_empty() && v != "0")
}

/// The document's operations as "METHOD path".
fn operations(doc: &Value) -> BTreeSet<String> {
    let mut ops = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("path item").keys() {
            if ["get", "post", "put", "patch", "delete", "head", "options", "trace"].contains(&method.as_str()) {
                ops.insert(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    ops
}

/// Counts of what ran.
#[derive(Default)]
struct Figures {
    cases: usize,
    allowed: usize,
    refused: BTreeMap<u16, usize>,
    probes: usize,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_refuses_whom_it_must_and_serves_whom_it_should() {
    let started = Instant::now();
    let w = Arc::new(World::build().await);
    let built = started.elapsed();
    let doc = w.app.anonymous().get("/api/docs/openapi.json").await.expect(200);
    let ops = operations(&doc);
    let rules = rules::rules();
    let mut failures = Vec::new();
    let mut figures = Figures::default();

    // The table and the document cover each other.
    let mut declared = BTreeSet::new();
    for rule in &rules {
        if !declared.insert(rule.op.to_string()) {
            failures.push(format!("{}: declared twice", rule.op));
        }
    }
    for op in ops.difference(&declared) {
        failures.push(format!("{op}: in the OpenAPI document but has no rule in authz_matrix/rules.rs"));
    }
    for op in declared.difference(&ops) {
        failures.push(format!("{op}: has a rule but is no longer in the OpenAPI document"));
    }
    figures.probes = undocumented_routes(&w, &doc, &mut failures).await;

    // Refusals first (they name the long-lived fixtures), then the allowed cases; the
    // principals of one operation at once.
    for pass_allowed in [false, true] {
        for rule in rules.iter().filter(|r| ops.contains(r.op)) {
            let mut cases = JoinSet::new();
            for who in 0..w.principals.len() {
                if w.principals[who].allowed(rule.access) == pass_allowed {
                    let (w, rule) = (w.clone(), rule.clone());
                    cases.spawn(async move { run_case(&w, &rule, who).await });
                }
            }
            while let Some(done) = cases.join_next().await {
                let (status, failure) = done.expect("a case ran to its end");
                failures.extend(failure);
                figures.cases += 1;
                if pass_allowed {
                    figures.allowed += 1;
                } else {
                    *figures.refused.entry(status).or_default() += 1;
                }
            }
        }
    }

    let cases_done = started.elapsed();
    let swapped = swaps::run(&w, &mut failures).await;
    fixtures_survive(&w, &mut failures).await;
    w.app.drain_all().await;

    let refused: Vec<String> = figures.refused.iter().map(|(s, n)| format!("{s}: {n}")).collect();
    eprintln!(
        "authorization matrix: {} operations, {} principals, {} cases ({} allowed, refused {}), {} id swaps, \
         {} fresh objects, {} undocumented-route probes; {:.1} s (setup {:.1} s, cases {:.1} s)",
        ops.len(),
        w.principals.len(),
        figures.cases,
        figures.allowed,
        refused.join(", "),
        swapped,
        w.made.load(Ordering::Relaxed),
        figures.probes,
        started.elapsed().as_secs_f64(),
        built.as_secs_f64(),
        (cases_done - built).as_secs_f64(),
    );
    let Ok(w) = Arc::try_unwrap(w) else { panic!("a case outlived the matrix") };
    w.app.shutdown().await;
    assert!(failures.is_empty(), "{} authorization failures:\n{}", failures.len(), failures.join("\n"));
}

/// Runs one operation as one principal and checks the answer against the rule: the
/// status, and what was wrong.
async fn run_case(w: &World, rule: &Rule, who: usize) -> (u16, Option<String>) {
    let allowed = w.principals[who].allowed(rule.access);
    let extra = w.case_vars(rule.fresh, allowed).await;
    let path = w.fill(rule.path, &extra);
    let body = (!rule.body.is_empty()).then(|| {
        let text = w.fill(rule.body, &extra);
        serde_json::from_str::<Value>(&text).unwrap_or_else(|e| panic!("{}: body is not JSON ({e}): {text}", rule.op))
    });
    let p = &w.principals[who];
    let token = if rule.fresh == Fresh::CallerToken && allowed { w.fresh_token(p).await } else { p.token.clone() };
    let resp = ApiClient::new(w.app.url(), token).send(rule.method(), &path, body.as_ref()).await;
    let name = p.name;
    let said = format!("{} {}", resp.status, resp.text.chars().take(200).collect::<String>());
    let failure = if resp.status >= 500 {
        Some(format!("{} as {name}: server error {said}", rule.op))
    } else if allowed {
        let ok = match rule.ok {
            Some(want) => resp.status == want,
            None => (200..300).contains(&resp.status),
        };
        (!ok).then(|| format!("{} as {name}: should be allowed, got {said}", rule.op))
    } else {
        let want: &[u16] = if p.standing == Standing::Invalid { &[401] } else { &[403, 404] };
        let verdict = if resp.status < 300 { "LET THROUGH" } else { "refused with the wrong status" };
        (!want.contains(&resp.status)).then(|| format!("{} as {name}: {verdict} (want {want:?}), got {said}", rule.op))
    };
    (resp.status, failure)
}

/// `/api/` paths served outside the document on purpose: Swagger UI and the document
/// itself (checked to be served, so the list stays true).
const OUTSIDE_THE_DOCUMENT: [&str; 2] = ["/api/docs/", "/api/docs/openapi.json"];

/// The router serves nothing under `/api/` that the document does not list (but
/// [`OUTSIDE_THE_DOCUMENT`]): no source file adds a plain axum route under `/api/` (routes
/// come from `crate::routes!`, which documents them), and a documented path answers
/// 405 to every method it does not document. Returns the number of probes.
async fn undocumented_routes(w: &World, doc: &Value, failures: &mut Vec<String>) -> usize {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut stack = vec![src];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read src").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("read source");
                for (n, line) in text.lines().enumerate() {
                    let raw_route = [".route(\"/api", ".route_service(\"/api", ".nest(\"/api", ".nest_service(\"/api"];
                    if raw_route.iter().any(|r| line.contains(r)) {
                        failures.push(format!(
                            "{}:{}: an /api route outside the OpenAPI document (use crate::routes!)",
                            path.display(),
                            n + 1
                        ));
                    }
                }
            }
        }
    }
    for path in OUTSIDE_THE_DOCUMENT {
        let resp = w.app.anonymous().get(path).await;
        if resp.status != 200 {
            failures.push(format!("GET {path}: listed as served outside the document, but answers {}", resp.status));
        }
    }
    let mut probes = OUTSIDE_THE_DOCUMENT.len();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        let concrete =
            path.split('/').map(|s| if s.starts_with('{') { "00000000-0000-4000-8000-000000000000" } else { s });
        let concrete = concrete.collect::<Vec<_>>().join("/");
        for method in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
            if item.get(method.to_lowercase()).is_some() {
                continue;
            }
            probes += 1;
            let resp = w.app.api.send(method.parse().expect("method"), &concrete, None).await;
            if resp.status != 405 {
                failures.push(format!("{method} {path}: served ({}) but not in the OpenAPI document", resp.status));
            }
        }
    }
    probes
}

/// The long-lived fixtures every refused case named are all still there.
async fn fixtures_survive(w: &World, failures: &mut Vec<String>) {
    let reads = [
        "/api/v1/folders/{folder}",
        "/api/v1/projects/{project}/tags/{tag}",
        "/api/v1/app-connections/railway/{conn}",
        "/api/v1/secret-syncs/railway/{sync}",
        "/api/v1/projects/{project}/notification-channels/{channel}",
        "/api/v1/projects/{project}/environments/{env_id}",
        "/api/v1/identities/{identity}",
        "/api/v1/identities/{bare_identity}",
        "/api/v1/auth/universal-auth/identities/{identity}/client-secrets/{client_secret}",
        "/api/v1/auth/oidc-auth/identities/{oidc_identity}",
        "/api/v1/projects/{project}/identity-memberships/{member_identity}",
        "/api/v1/projects/{project}/memberships/{user_membership}",
        "/api/v3/secrets/raw/MATRIX_KEY?workspaceId={project}&environment=dev",
        "/api/v1/secret-imports?workspaceId={project}&environment=dev&path=/mx",
    ];
    for read in reads {
        let path = w.fill(read, &Default::default());
        let resp = w.app.api.get(&path).await;
        if resp.status != 200 {
            failures.push(format!("fixture {read} is gone after the refused cases: {} {}", resp.status, resp.text));
        }
    }
    let imports = w.app.api.get(&w.fill(reads[13], &Default::default())).await.body;
    if imports["secretImports"].as_array().is_none_or(Vec::is_empty) {
        failures.push("the fixture import of /mx is gone after the refused cases".into());
    }
}
