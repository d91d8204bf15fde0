//! `sluice connections railway create|list|get|delete|projects`, the token from standard
//! input or a flag, never printed.

use crate::support::{ACCOUNT_TOKEN, PROJECT_TOKEN, World};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_list_get_projects_delete() {
    let w = World::start().await;
    let token_line = format!("{ACCOUNT_TOKEN}\n");
    let created = w
        .sluice_stdin(
            &["connections", "railway", "create", "railway-prod", "--method", "account-token", "--railway-token-stdin"],
            &token_line,
        )
        .await;
    created.ok().stdout_has("Created Railway connection railway-prod (account-token,");

    let out = w
        .sluice(&[
            "connections",
            "railway",
            "create",
            "ci-token",
            "--method",
            "project-token",
            "--railway-token",
            PROJECT_TOKEN,
            "--description",
            "for CI",
            "-o",
            "json",
        ])
        .await;
    let ci = out.ok().json();
    assert_eq!(ci["name"], "ci-token");
    assert_eq!(ci["method"], "project-token");
    let ci_id = ci["id"].as_str().expect("id").to_string();

    let list = w.sluice(&["connections", "railway", "list"]).await;
    list.ok().stdout_has("NAME").stdout_has("railway-prod").stdout_has("ci-token").stdout_has(&ci_id);
    for out in [&created, &list] {
        assert!(
            !out.stdout.contains(ACCOUNT_TOKEN) && !out.stderr.contains(ACCOUNT_TOKEN),
            "the token is never printed"
        );
    }
    let listed = w.sluice(&["connections", "railway", "list", "-o", "json"]).await.json();
    assert_eq!(listed.as_array().expect("array").len(), 2);
    assert!(!listed.to_string().contains(PROJECT_TOKEN));

    w.sluice(&["connections", "railway", "get", "ci-token"]).await.ok().stdout_has("for CI").stdout_has(&ci_id);
    let by_id = w.sluice(&["connections", "railway", "get", &ci_id, "-o", "yaml"]).await;
    by_id.ok().stdout_has("name: \"ci-token\"").stdout_has("method: \"project-token\"");

    let projects = w.sluice(&["connections", "railway", "projects", "railway-prod"]).await;
    projects.ok().stdout_has("shop").stdout_has("production, staging").stdout_has("api, worker");

    w.sluice(&["connections", "railway", "delete", "ci-token"])
        .await
        .ok()
        .stdout_has("Deleted Railway connection ci-token");
    w.sluice(&["connections", "railway", "get", &ci_id])
        .await
        .code(4)
        .stderr_has(&format!("no Railway connection \"{ci_id}\""));
    w.sluice(&["connections", "railway", "delete", "ci-token"]).await.code(4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_or_missing_tokens_and_names_are_explained() {
    let w = World::start().await;
    // No terminal and no token: say how to give it.
    w.sluice(&["connections", "railway", "create", "x", "--method", "account-token"])
        .await
        .code(2)
        .stderr_has("the Railway token is missing")
        .stderr_has("--railway-token-stdin");
    // Railway refuses the token: its words, exit 2, nothing created.
    w.sluice_stdin(
        &["connections", "railway", "create", "bad", "--method", "account-token", "--railway-token-stdin"],
        "not-a-token\n",
    )
    .await
    .code(2)
    .stderr_has("Failed to validate credentials");
    // A bad name is named as the NAME argument.
    w.sluice(&[
        "connections",
        "railway",
        "create",
        "Bad Name",
        "--method",
        "account-token",
        "--railway-token",
        ACCOUNT_TOKEN,
    ])
    .await
    .code(2)
    .stderr_has("NAME: ");
    w.sluice(&["connections", "railway", "create", "x", "--method", "password"]).await.code(2).stderr_has("--method");
    let listed = w.sluice(&["connections", "railway", "list", "-o", "json"]).await.json();
    assert_eq!(listed, serde_json::json!([]));
}
