//! Credential checks per token kind, auto-detection, and the one auth header per kind.

use sluice_destinations::railway::{
    Named, RailwayApi, RailwayClient, RailwayConfig, RailwayError, TokenKind, TokenReach,
};
use sluice_railway_fake::RequestAuth;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::{Harness, seeded, token};

fn acme() -> Named {
    Named::new(seeded::WORKSPACE, "Acme")
}

#[tokio::test]
async fn each_kind_checks_with_its_own_probe_and_header() {
    let h = Harness::start().await;
    let cases = [
        (
            TokenKind::Account,
            seeded::ACCOUNT_TOKEN,
            TokenReach::Account { workspaces: vec![acme()] },
            "Me",
            RequestAuth::Account,
        ),
        (
            TokenKind::Workspace,
            seeded::WORKSPACE_TOKEN,
            TokenReach::Workspace { workspace: acme() },
            "ApiToken",
            RequestAuth::Workspace,
        ),
        (
            TokenKind::Project,
            seeded::PROJECT_TOKEN,
            TokenReach::Project {
                project: Named::new(seeded::PROJECT, "shop"),
                environment: Named::new(seeded::PRODUCTION, "production"),
            },
            "ProjectTokenReach",
            RequestAuth::Project,
        ),
    ];
    for (kind, value, expected, operation, auth) in cases {
        h.fake.clear_requests();
        let reach = h.client.check_credentials(kind, &token(value)).await.expect("credentials valid");
        assert_eq!(reach, expected);
        assert_eq!(reach.kind(), kind);
        let requests = h.fake.requests();
        assert_eq!(requests.len(), 1, "one probe for {kind}");
        assert_eq!(requests[0].operation_name.as_deref(), Some(operation));
        assert_eq!(requests[0].token_kind, auth, "{kind} authenticated as its kind");
    }
}

#[tokio::test]
async fn a_token_declared_as_the_wrong_kind_is_unauthorized() {
    let h = Harness::start().await;
    let cases = [
        (TokenKind::Project, seeded::ACCOUNT_TOKEN, "Project Token not found"),
        (TokenKind::Account, seeded::WORKSPACE_TOKEN, "Not Authorized"),
        (TokenKind::Account, seeded::PROJECT_TOKEN, "Not Authorized"),
        (TokenKind::Workspace, "00000000-0000-4000-8000-00000000dead", "Not Authorized"),
    ];
    for (kind, value, railway_says) in cases {
        let err = h.client.check_credentials(kind, &token(value)).await.expect_err("refused");
        assert!(matches!(err, RailwayError::Unauthorized { .. }), "{kind}: {err:?}");
        assert!(err.message().contains(railway_says), "{kind}: {err}");
        assert!(err.message().contains("traceId"), "Railway's trace id is kept: {err}");
        assert!(!err.is_retryable());
    }
}

#[tokio::test]
async fn auto_detect_probes_in_order_and_stops_at_the_first_success() {
    let h = Harness::start().await;
    let cases = [
        (seeded::ACCOUNT_TOKEN, TokenKind::Account, vec!["Me"]),
        (seeded::WORKSPACE_TOKEN, TokenKind::Workspace, vec!["Me", "ApiToken"]),
        (seeded::PROJECT_TOKEN, TokenKind::Project, vec!["Me", "ApiToken", "ProjectTokenReach"]),
    ];
    for (value, kind, probes) in cases {
        h.fake.clear_requests();
        let reach = h.client.detect_token(&token(value)).await.expect("detected");
        assert_eq!(reach.kind(), kind);
        assert_eq!(h.operations(), probes);
    }
}

#[tokio::test]
async fn auto_detect_of_an_unknown_token_is_unauthorized_with_all_answers() {
    let h = Harness::start().await;
    let api: &dyn RailwayApi = &h.client;
    let err = api.detect_token(&token("not-a-railway-token")).await.expect_err("unknown");
    let RailwayError::Unauthorized { message } = &err else {
        panic!("expected Unauthorized, got {err:?}");
    };
    for (kind, says) in [
        ("account-token", "Not Authorized"),
        ("team-token", "Not Authorized"),
        ("project-token", "Project Token not found"),
    ] {
        let answer = message.split(&format!("as {kind}: ")).nth(1).unwrap_or_default();
        let answer = answer.split("; as ").next().unwrap_or_default();
        assert!(answer.contains(says), "{kind} answer kept: {message}");
    }
    assert!(!message.contains("not-a-railway-token"), "the token never appears");
    assert_eq!(h.fake.requests().len(), 3, "three separate probes");
}

#[tokio::test]
async fn auto_detect_returns_outages_instead_of_guessing() {
    let h = Harness::start().await;
    h.fake.inject(sluice_railway_fake::Fault::http_status(503).for_operation("ApiToken"));
    let err = h.client.detect_token(&token(seeded::PROJECT_TOKEN)).await.expect_err("outage");
    assert!(matches!(err, RailwayError::Transient { status: Some(503), .. }), "{err:?}");
    assert_eq!(h.operations(), ["Me", "ApiToken"], "stops at the outage");
}

/// Each kind sends exactly one auth header. The fake cannot tell (it resolves whichever
/// header matches), so a bare socket records the raw request head.
#[tokio::test]
async fn each_kind_sends_exactly_one_auth_header() {
    for (kind, header, value) in [
        (TokenKind::Account, "authorization", "Bearer tok-1"),
        (TokenKind::Workspace, "authorization", "Bearer tok-1"),
        (TokenKind::Project, "project-access-token", "tok-1"),
    ] {
        let head = capture_request_head(kind).await;
        let auth_lines: Vec<&str> = head
            .lines()
            .filter(|l| {
                let l = l.to_ascii_lowercase();
                l.starts_with("authorization:") || l.starts_with("project-access-token:")
            })
            .collect();
        assert_eq!(auth_lines.len(), 1, "{kind}: {auth_lines:?}");
        let (name, sent) = auth_lines[0].split_once(':').expect("header line");
        assert_eq!(name.to_ascii_lowercase(), header);
        assert_eq!(sent.trim(), value);
        assert!(head.to_ascii_lowercase().contains("content-type: application/json"));
    }
}

async fn capture_request_head(kind: TokenKind) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/graphql/v2", listener.local_addr().expect("addr"));
    let server = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.expect("accept");
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = socket.read(&mut chunk).await.expect("read");
            if n == 0 {
                break;
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        let body = r#"{"data":{"me":{"id":"u","email":"e","workspaces":[]},"apiToken":{"workspaces":[{"id":"w","name":"n"}]},"projectToken":{"projectId":"p","environmentId":"e","project":{"id":"p","name":"n"},"environment":{"id":"e","name":"n"}}}}"#;
        let answer = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        socket.write_all(answer.as_bytes()).await.expect("write");
        String::from_utf8_lossy(&buf).into_owned()
    });
    let client = RailwayClient::new(RailwayConfig::with_endpoint(url)).expect("client");
    client.check_credentials(kind, &token("tok-1")).await.expect("canned answer parses");
    server.await.expect("server task")
}
