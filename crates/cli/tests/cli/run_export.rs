//! `sluice run` (the command sees the secrets; its exit status is forwarded) and
//! `sluice export` in each format.

use crate::support::{World, mode};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_gives_the_command_the_secrets_and_forwards_its_exit_status() {
    let w = World::start().await;
    w.put_secrets("dev", &[("GREETING", "hello world"), ("MULTI", "a\nb"), ("OVERRIDE", "from-sluice")]).await;

    let script = r#"printf '%s|%s|%s' "$GREETING" "$MULTI" "$OVERRIDE"; exit 7"#;
    let mut cmd = w.command();
    cmd.env("SLUICE_TOKEN", &w.app.creds.access_token).env("OVERRIDE", "from-parent");
    let out = w.run(cmd, &["run", "--env", "dev", "--", "sh", "-c", script], None).await;
    out.code(7).stderr_has("Injecting 3 secrets from default/dev:/");
    assert_eq!(out.stdout, "hello world|a\nb|from-sluice", "secrets override the parent's variables");

    // --command runs a shell line; success is 0; --quiet says nothing.
    let out = w
        .sluice(&["run", "--env", "dev", "--quiet", "--command", "test \"$GREETING\" = 'hello world' && echo same"])
        .await;
    out.ok().stdout_has("same");
    assert_eq!(out.stderr, "");

    // Another environment has other secrets.
    let out = w.sluice(&["run", "--env", "prod", "--", "sh", "-c", "echo \"[${GREETING:-unset}]\""]).await;
    out.ok().stdout_has("[unset]");

    w.sluice(&["run", "--env", "dev", "--", "no-such-command-here"])
        .await
        .code(127)
        .stderr_has("command not found: no-such-command-here");
    w.sluice(&["run", "--env", "dev"]).await.code(2).stderr_has("CMD ARGS");
    // Secrets are fetched before anything runs: a wrong --env runs nothing.
    w.sluice(&["run", "--env", "nope", "--", "touch", "ran"]).await.code(2).stderr_has("--env \"nope\"");
    assert!(!w.cwd.path().join("ran").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_prints_dotenv_json_and_yaml() {
    let w = World::start().await;
    w.put_secrets("prod", &[("PLAIN", "value"), ("SPACED", "a b"), ("QUOTE", "it's \"x\"")]).await;

    let dotenv = w.sluice(&["export", "--env", "prod"]).await;
    dotenv.ok().stdout_has("PLAIN=value\n").stdout_has("SPACED='a b'\n").stdout_has("QUOTE=\"it's \\\"x\\\"\"\n");

    let json = w.sluice(&["export", "--env", "prod", "--output", "json"]).await.json();
    assert_eq!(json, serde_json::json!({"PLAIN": "value", "SPACED": "a b", "QUOTE": "it's \"x\""}));

    w.sluice(&["export", "--env", "prod", "-o", "yaml"])
        .await
        .ok()
        .stdout_has("PLAIN: \"value\"\n")
        .stdout_has("QUOTE: \"it's \\\"x\\\"\"\n");

    w.sluice(&["export", "--env", "prod", "-o", "table"])
        .await
        .code(2)
        .stderr_has("--output \"table\": this command prints dotenv, json, yaml");

    w.sluice(&["export", "--env", "prod", "--output-file", "prod.env"]).await.ok().stderr_has("Wrote 3 secrets");
    let file = w.cwd.path().join("prod.env");
    assert_eq!(mode(&file), 0o600);
    assert_eq!(std::fs::read_to_string(&file).expect("read"), dotenv.stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_warns_about_a_broken_reference_and_still_runs() {
    let w = World::start().await;
    w.put_secrets("dev", &[("URL", "postgres://${DB_HOST}/app"), ("OK", "1")]).await;
    let out = w.sluice(&["run", "--env", "dev", "--", "sh", "-c", "printf '%s' \"$URL\""]).await;
    out.ok()
        .stderr_has("warning: URL: secret reference ${DB_HOST} points to a secret that does not exist")
        .stderr_has("Injecting 2 secrets");
    assert_eq!(out.stdout, "postgres://${DB_HOST}/app", "the value is injected as read");
}
