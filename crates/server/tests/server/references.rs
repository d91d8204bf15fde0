//! `${KEY}` and `${env.path.KEY}` references: expanded on request across environments and
//! folders, kept as written otherwise; a reference that does not resolve stays as written,
//! with a warning, and never fails a read.

use crate::secret_support::*;
use serde_json::json;
use sluice_core::secrets::{Dependency, ResolveOptions, resolve_folder};
use sluice_domain::{FolderPath, ProjectId, SecretValue};
use sluice_testkit::TestApp;

const EXPAND: (&str, &str) = ("expandSecretReferences", "true");

#[tokio::test]
async fn references_expand_across_environments_and_folders() {
    let app = TestApp::spawn().await;
    folder(&app, "prod", "/", "db").await;
    folder(&app, "dev", "/", "app").await;
    put(&app.api, &app, "prod", "/db", "HOST", "db.prod.internal").await;
    put(&app.api, &app, "prod", "/", "PORT", "5432").await;
    put(&app.api, &app, "dev", "/app", "USER", "app").await;
    put(&app.api, &app, "dev", "/app", "URL", "postgres://${USER}@${prod.db.HOST}:${prod.PORT}/app").await;
    // A chain: a reference whose value holds references, resolved where it lives.
    put(&app.api, &app, "prod", "/db", "DSN", "${HOST}:${prod.PORT}").await;
    put(&app.api, &app, "dev", "/app", "CHAIN", "dsn=${prod.db.DSN}").await;
    put(&app.api, &app, "dev", "/app", "LITERAL", "${{shared.X}} and ${not closed").await;

    let expanded = list(&app.api, &app, "dev", "/app", &[EXPAND]).await.expect(200);
    let got = values(&expanded);
    let want = [
        ("CHAIN", "dsn=db.prod.internal:5432"),
        ("LITERAL", "${{shared.X}} and ${not closed"),
        ("URL", "postgres://app@db.prod.internal:5432/app"),
        ("USER", "app"),
    ];
    assert_eq!(got, want.map(|(k, v)| (k.to_string(), v.to_string())));
    let raw = values(&list(&app.api, &app, "dev", "/app", &[("expandSecretReferences", "false")]).await.expect(200));
    assert!(raw.contains(&("URL".into(), "postgres://${USER}@${prod.db.HOST}:${prod.PORT}/app".into())), "{raw:?}");
    let one = get(&app.api, &app, "dev", "/app", "URL", &[EXPAND]).await.expect(200);
    assert_eq!(one["secret"]["secretValue"], "postgres://app@db.prod.internal:5432/app");
    assert_eq!(
        get(&app.api, &app, "dev", "/app", "URL", &[]).await.expect(200)["secret"]["secretValue"],
        "postgres://${USER}@${prod.db.HOST}:${prod.PORT}/app"
    );
    // Hidden values are not expanded (nor shown).
    let hidden = get(&app.api, &app, "dev", "/app", "URL", &[EXPAND, ("viewSecretValue", "false")]).await.expect(200);
    assert_eq!(hidden["secret"]["secretValueHidden"], true);
    // Imported secrets expand relative to where they live.
    folder(&app, "staging", "/", "svc").await;
    import(&app, "staging", "/svc", "prod", "/db").await.expect(200);
    let imported = list(&app.api, &app, "staging", "/svc", &[EXPAND, ("include_imports", "true")]).await.expect(200);
    let dsn = imported["imports"][0]["secrets"]
        .as_array()
        .expect("secrets")
        .iter()
        .find(|s| s["secretKey"] == "DSN")
        .cloned();
    assert_eq!(dsn.map(|s| s["secretValue"].clone()), Some(json!("db.prod.internal:5432")));
    app.shutdown().await;
}

#[tokio::test]
async fn a_broken_reference_never_breaks_a_read_it_stays_as_written_with_a_warning() {
    let app = TestApp::spawn().await;
    put(&app.api, &app, "dev", "/", "DB_HOST", "db.internal").await;
    put(&app.api, &app, "dev", "/", "DATABASE_URL", "postgres://${DB_HOST}/app").await;
    put(&app.api, &app, "dev", "/", "PLAIN", "ok").await;
    // Renaming the referenced secret is allowed, and every read keeps working.
    let body =
        json!({"workspaceId": app.project_id(), "environment": "dev", "secretPath": "/", "newSecretName": "PG_HOST"});
    app.api.patch(&format!("{RAW}/DB_HOST"), body).await.expect(200);
    let listed = list(&app.api, &app, "dev", "/", &[EXPAND]).await.expect(200);
    let got = values(&listed);
    assert!(got.contains(&("DATABASE_URL".into(), "postgres://${DB_HOST}/app".into())), "{got:?}");
    assert!(got.contains(&("PLAIN".into(), "ok".into())));
    let url = listed["secrets"].as_array().expect("secrets").iter().find(|s| s["secretKey"] == "DATABASE_URL").cloned();
    assert_eq!(
        url.expect("listed")["referenceWarnings"],
        json!(["secret reference ${DB_HOST} points to a secret that does not exist"])
    );
    let plain = listed["secrets"].as_array().expect("secrets").iter().find(|s| s["secretKey"] == "PLAIN").cloned();
    assert!(plain.expect("listed").get("referenceWarnings").is_none(), "absent when every reference resolves");
    let one = get(&app.api, &app, "dev", "/", "DATABASE_URL", &[EXPAND]).await.expect(200);
    assert_eq!(one["secret"]["secretValue"], "postgres://${DB_HOST}/app");
    // Also with imports, and for a reference to an unknown environment or folder.
    list(&app.api, &app, "dev", "/", &[EXPAND, ("include_imports", "true")]).await.expect(200);
    let written = put(&app.api, &app, "dev", "/", "ELSEWHERE", "${qa.KEY} and ${prod.nope.X}").await;
    assert_eq!(written["secretValue"], "${qa.KEY} and ${prod.nope.X}", "writes keep references as written");
    assert_eq!(written["referenceWarnings"].as_array().map(Vec::len), Some(2), "the writer is told: {written}");
    let err = get(&app.api, &app, "dev", "/", "ELSEWHERE", &[EXPAND]).await.expect(200);
    assert_eq!(err["secret"]["secretValue"], "${qa.KEY} and ${prod.nope.X}");

    // A cycle stops expanding where it closes; the read succeeds.
    put(&app.api, &app, "staging", "/", "A", "a-${B}").await;
    put(&app.api, &app, "staging", "/", "B", "b-${A}").await;
    put(&app.api, &app, "staging", "/", "SELF", "${SELF}").await;
    let cycle = get(&app.api, &app, "staging", "/", "A", &[EXPAND]).await.expect(200);
    assert_eq!(cycle["secret"]["secretValue"], "a-b-${A}");
    assert_eq!(
        cycle["secret"]["referenceWarnings"],
        json!(["secret references form a cycle: staging:/:A -> staging:/:B -> staging:/:A"])
    );
    let own = get(&app.api, &app, "staging", "/", "SELF", &[EXPAND]).await.expect(200);
    assert_eq!(own["secret"]["secretValue"], "${SELF}");
    list(&app.api, &app, "staging", "/", &[EXPAND]).await.expect(200);
    // Without expansion the values read back as stored, with no warning.
    let raw = get(&app.api, &app, "staging", "/", "A", &[]).await.expect(200);
    assert_eq!(raw["secret"]["secretValue"], "a-${B}");
    assert!(raw["secret"].get("referenceWarnings").is_none());
    app.shutdown().await;
}

#[tokio::test]
async fn resolve_folder_merges_expands_reports_dependencies_and_marks_broken_keys() {
    let app = TestApp::spawn().await;
    folder(&app, "dev", "/", "app").await;
    folder(&app, "prod", "/", "shared").await;
    put(&app.api, &app, "prod", "/shared", "API_KEY", "k-123").await;
    put(&app.api, &app, "prod", "/shared", "REGION", "eu").await;
    put(&app.api, &app, "staging", "/", "BASE", "https://staging").await;
    put(&app.api, &app, "dev", "/app", "REGION", "us").await;
    put(&app.api, &app, "dev", "/app", "ENDPOINT", "${staging.BASE}/v1").await;
    import(&app, "dev", "/app", "prod", "/shared").await.expect(200);

    let project = ProjectId::from_trusted(app.project_id());
    let path = FolderPath::parse("/app").expect("path");
    let mut conn = app.state().store.read().await.expect("conn");
    let opts = ResolveOptions { include_imports: true, expand: true };
    let r = resolve_folder(&app.state().core, &mut conn, &project, "dev", &path, opts).await.expect("resolves");
    let own: Vec<(String, String)> = r.own.iter().map(|(k, v)| (k.to_string(), v.expose().to_string())).collect();
    assert_eq!(own, [("ENDPOINT".into(), "https://staging/v1".into()), ("REGION".into(), "us".into())]);
    let merged: Vec<(String, String)> = r.merged.iter().map(|(k, v)| (k.to_string(), v.expose().to_string())).collect();
    assert_eq!(
        merged,
        [
            ("API_KEY".into(), "k-123".into()),
            ("ENDPOINT".into(), "https://staging/v1".into()),
            ("REGION".into(), "us".into())
        ],
        "own secrets win over imported ones"
    );
    assert_eq!(r.imports.len(), 1);
    assert_eq!((r.imports[0].environment.as_str(), r.imports[0].path.as_str()), ("prod", "/shared"));
    let slugs: std::collections::HashMap<String, String> = sluice_storage::environments::list(&mut conn, &project)
        .await
        .expect("envs")
        .into_iter()
        .map(|e| (e.id.into_string(), e.slug))
        .collect();
    let deps: Vec<(String, String, Option<String>)> = r
        .dependencies
        .iter()
        .map(|d: &Dependency| {
            (slugs[d.environment_id.as_str()].clone(), d.path.to_string(), d.key.as_ref().map(ToString::to_string))
        })
        .collect();
    assert!(deps.contains(&("dev".into(), "/app".into(), None)), "{deps:?}");
    assert!(deps.contains(&("prod".into(), "/shared".into(), None)), "{deps:?}");
    assert!(deps.contains(&("staging".into(), "/".into(), Some("BASE".into()))), "{deps:?}");
    assert!(!format!("{r:?}").contains("k-123"), "Debug never shows values");
    // Without expansion, references stay as written.
    let plain = resolve_folder(&app.state().core, &mut conn, &project, "dev", &path, ResolveOptions::default())
        .await
        .expect("resolves");
    assert_eq!(plain.merged.len(), 2, "no imports when not asked");
    assert_eq!(plain.own.values().find(|v| v.contains("${")).map(SecretValue::expose), Some("${staging.BASE}/v1"));
    drop(conn);
    assert!(r.broken.is_empty());
    // A reference that stops resolving leaves the value as written and the key marked
    // broken (a sync holds it back), instead of failing the whole folder.
    let del = json!({"workspaceId": app.project_id(), "environment": "staging", "secretPath": "/"});
    app.api.delete_json(&format!("{RAW}/BASE"), del).await.expect(200);
    let mut conn = app.state().store.read().await.expect("conn");
    let r = resolve_folder(&app.state().core, &mut conn, &project, "dev", &path, opts).await.expect("resolves");
    let endpoint = sluice_domain::SecretKey::parse("ENDPOINT").expect("key");
    assert_eq!(r.merged.get(&endpoint).map(SecretValue::expose), Some("${staging.BASE}/v1"));
    let broken: Vec<String> = r.broken[&endpoint].iter().map(|b| b.reference.clone()).collect();
    assert_eq!(broken, ["${staging.BASE}"]);
    assert_eq!(r.broken.len(), 1);
    let none =
        resolve_folder(&app.state().core, &mut conn, &project, "dev", &FolderPath::parse("/gone").expect("p"), opts)
            .await;
    assert_eq!(
        none.expect_err("missing folder").to_string(),
        "Folder with path '/gone' in environment with slug 'dev' not found"
    );
    drop(conn);
    app.shutdown().await;
}
