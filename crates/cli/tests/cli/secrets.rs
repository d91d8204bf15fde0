//! `sluice secrets list|get|set|delete` in every output format, and `.env` input.

use crate::support::World;
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_get_list_delete_in_every_format() {
    let w = World::start().await;

    let out =
        w.sluice(&["secrets", "set", "A=1", "B=two words", "URL=postgres://u:p@h/db?x=1", "--env", "staging"]).await;
    out.ok().stdout_has("3 created, 0 updated, 0 unchanged in default/staging:/");
    assert!(!out.stdout.contains("two words"), "set never prints values:\n{}", out.stdout);
    assert_eq!(w.secret("staging", "B").await.as_deref(), Some("two words"));
    assert_eq!(w.secret("staging", "URL").await.as_deref(), Some("postgres://u:p@h/db?x=1"));

    let out = w.sluice(&["secrets", "set", "A=1", "B=changed", "C=", "--env", "staging", "-o", "json"]).await;
    let results = out.ok().json();
    let result =
        |k: &str| results.as_array().expect("array").iter().find(|r| r["key"] == k).expect("key")["result"].clone();
    assert_eq!((result("A"), result("B"), result("C")), ("unchanged".into(), "updated".into(), "created".into()));
    assert_eq!(w.secret("staging", "C").await.as_deref(), Some(""));

    w.sluice(&["secrets", "get", "B", "--env", "staging", "--plain"]).await.ok();
    assert_eq!(w.sluice(&["secrets", "get", "B", "--env", "staging", "--plain"]).await.stdout, "changed\n");
    w.sluice(&["secrets", "get", "A", "B", "--env", "staging"]).await.ok().stdout_has("KEY").stdout_has("changed");
    let got = w.sluice(&["secrets", "get", "B", "--env", "staging", "-o", "json"]).await.json();
    assert_eq!(got[0]["secretKey"], "B");
    assert_eq!(got[0]["secretValue"], "changed");

    // table
    let table = w.sluice(&["secrets", "list", "--env", "staging"]).await;
    table.ok().stdout_has("KEY").stdout_has("VALUE");
    assert!(
        table.stdout.lines().any(|l| l.starts_with("URL ") && l.contains("postgres://u:p@h/db?x=1")),
        "{}",
        table.stdout
    );
    // --hide-values
    let hidden = w.sluice(&["secrets", "list", "--env", "staging", "--hide-values"]).await;
    assert!(!hidden.ok().stdout.contains("changed") && hidden.stdout.contains("******"));
    // json: the API's secret objects
    let list = w.sluice(&["secrets", "list", "--env", "staging", "-o", "json"]).await.json();
    let keys: Vec<&str> =
        list.as_array().expect("array").iter().map(|s| s["secretKey"].as_str().expect("key")).collect();
    assert_eq!(keys.len(), 4);
    assert!(keys.contains(&"URL") && keys.contains(&"C"));
    // yaml
    w.sluice(&["secrets", "list", "--env", "staging", "-o", "yaml"])
        .await
        .ok()
        .stdout_has("- ")
        .stdout_has("secretKey: \"B\"")
        .stdout_has("secretValue: \"changed\"");
    // dotenv
    w.sluice(&["secrets", "list", "--env", "staging", "-o", "dotenv"])
        .await
        .ok()
        .stdout_has("A=1\n")
        .stdout_has("B=changed\n")
        .stdout_has("URL='postgres://u:p@h/db?x=1'\n")
        .stdout_has("C=''\n");

    // delete, then it is gone (exit 4 with the place named)
    w.sluice(&["secrets", "delete", "A", "C", "--env", "staging"])
        .await
        .ok()
        .stdout_has("Deleted A, C from default/staging:/");
    assert_eq!(w.secret("staging", "A").await, None);
    w.sluice(&["secrets", "get", "A", "--env", "staging"])
        .await
        .code(4)
        .stderr_has("no secret A in default/staging:/")
        .stderr_has("sluice secrets list");
    w.sluice(&["secrets", "delete", "A", "--env", "staging"]).await.code(4);
    // other environments were never touched
    assert_eq!(w.secret("dev", "B").await, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_reads_a_dotenv_file_or_stdin() {
    let w = World::start().await;
    let env_file = w.cwd.path().join(".env");
    std::fs::write(
        &env_file,
        "# app settings\nexport PORT=8080\nNAME='single # quoted'\nCERT=\"-----BEGIN-----\nline\\tTAB\n-----END-----\"\nNOTE=bare value # comment\n",
    )
    .expect("write");
    w.sluice(&["secrets", "set", "--file", ".env", "EXTRA=from-args", "--env", "dev"])
        .await
        .ok()
        .stdout_has("5 created");
    assert_eq!(w.secret("dev", "PORT").await.as_deref(), Some("8080"));
    assert_eq!(w.secret("dev", "NAME").await.as_deref(), Some("single # quoted"));
    assert_eq!(w.secret("dev", "CERT").await.as_deref(), Some("-----BEGIN-----\nline\tTAB\n-----END-----"));
    assert_eq!(w.secret("dev", "NOTE").await.as_deref(), Some("bare value"));
    assert_eq!(w.secret("dev", "EXTRA").await.as_deref(), Some("from-args"));

    // A dotenv export read back in changes nothing.
    let exported = w.sluice(&["secrets", "list", "--env", "dev", "-o", "dotenv"]).await;
    w.sluice_stdin(&["secrets", "set", "--file", "-", "--env", "dev"], &exported.stdout)
        .await
        .ok()
        .stdout_has("0 created, 0 updated, 5 unchanged");

    std::fs::write(&env_file, "GOOD=1\nthis line is wrong\n").expect("write");
    w.sluice(&["secrets", "set", "--file", ".env", "--env", "dev"])
        .await
        .code(2)
        .stderr_has("--file \".env\": line 2: expected KEY=VALUE");
    w.sluice(&["secrets", "set", "--file", "missing.env", "--env", "dev"])
        .await
        .code(2)
        .stderr_has("--file \"missing.env\"");
    w.sluice(&["secrets", "set", "NOEQUALS", "--env", "dev"]).await.code(2).stderr_has("\"NOEQUALS\" is not KEY=VALUE");
    w.sluice(&["secrets", "set", "--env", "dev"]).await.code(2).stderr_has("nothing to set");
    assert_eq!(w.secret("dev", "GOOD").await, None, "a bad file changes nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_shows_imported_secrets_and_expands_references() {
    let w = World::start().await;
    w.put_secrets("staging", &[("SHARED", "from-staging"), ("OWN", "staging-loses")]).await;
    w.put_secrets("dev", &[("HOST", "db.internal"), ("URL", "postgres://${HOST}/app"), ("OWN", "dev-wins")]).await;
    let body = serde_json::json!({"workspaceId": w.app.project_id(), "environment": "dev", "path": "/",
        "import": {"environment": "staging", "path": "/"}});
    w.app.api.post("/api/v1/secret-imports", body).await.expect(200);

    let list = w.sluice(&["secrets", "list", "--env", "dev", "-o", "json"]).await.json();
    let find =
        |k: &str| list.as_array().expect("array").iter().find(|s| s["secretKey"] == k).cloned().unwrap_or(Value::Null);
    assert_eq!(find("URL")["secretValue"], "postgres://db.internal/app", "references are expanded");
    assert_eq!(find("SHARED")["secretValue"], "from-staging");
    assert_eq!(find("SHARED")["environment"], "staging");
    assert_eq!(find("OWN")["secretValue"], "dev-wins", "the folder's own secret wins over an import");
    assert_eq!(list.as_array().expect("array").len(), 4);
    let table = w.sluice(&["secrets", "list", "--env", "dev"]).await;
    assert!(table.ok().stdout.lines().any(|l| l.starts_with("SHARED") && l.ends_with("staging:/")), "{}", table.stdout);
}
