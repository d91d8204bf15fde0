//! Errors a person can act on: the flag, the value, what to do — and the exit statuses
//! (2 usage, 3 authentication, 4 not found, 5 unreachable).

use crate::support::World;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_errors_name_the_flag_and_the_way_out() {
    let w = World::start().await;
    w.sluice(&["secrets", "list", "--env", "prd"])
        .await
        .code(2)
        .stderr_has("--env \"prd\": project default has no such environment")
        .stderr_has("choose one of: dev, staging, prod");
    w.sluice(&["secrets", "list", "--path", "/a/../b"]).await.code(2).stderr_has("--path \"/a/../b\"");
    w.sluice(&["secrets", "list", "--project", "shop"])
        .await
        .code(4)
        .stderr_has("project \"shop\" (from --project) not found")
        .stderr_has("projects you can use: default");
    w.sluice(&["--url", "ftp://example", "secrets", "list"]).await.code(2).stderr_has("--url \"ftp://example\"");
    // clap's own usage errors exit 2 too, naming the missing flag.
    w.sluice(&["syncs", "railway", "create", "x"]).await.code(2).stderr_has("--connection");
    w.sluice(&["secrets", "list", "--output", "xml"]).await.code(2).stderr_has("--output");
    w.sluice(&["syncs", "railway", "runs", "x", "--limit", "0"]).await.code(2).stderr_has("--limit");
    // The project is found by slug as well as by id.
    w.sluice(&["secrets", "list", "--project", "default"]).await.ok();
    w.sluice(&["secrets", "list", "--project", w.app.project_id()]).await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_tokens_exit_3_and_an_unreachable_server_exits_5() {
    let w = World::start().await;
    let mut cmd = w.command();
    cmd.env("SLUICE_TOKEN", "not-a-real-token");
    w.run(cmd, &["secrets", "list"], None).await.code(3).stderr_has("not authenticated").stderr_has("--token");

    let mut cmd = w.command();
    cmd.env("SLUICE_URL", "http://127.0.0.1:9").env("SLUICE_TOKEN", "x");
    w.run(cmd, &["secrets", "list"], None)
        .await
        .code(5)
        .stderr_has("cannot reach the Sluice server at http://127.0.0.1:9")
        .stderr_has("--url");

    w.run(w.command(), &["secrets", "list"], None).await.code(3).stderr_has("not logged in");
}
