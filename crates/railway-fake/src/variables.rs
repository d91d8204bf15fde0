//! Railway variable references, as pure functions: finding `${{...}}` references in a stored
//! value, rendering a value by substituting them, and the `RAILWAY_*` variables Railway provides
//! to every service ([`PROVIDED_VARIABLES`]).
//!
//! Reference syntax (reference §4): `${{shared.NAME}}`, `${{ServiceName.NAME}}` and `${{NAME}}`
//! (same service), with optional spaces inside the braces. What a reference resolves to is the
//! caller's business (`state::render`); an unresolvable reference renders as `""`.

use std::collections::BTreeMap;

/// One `${{...}}` reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reference<'a> {
    /// `${{shared.NAME}}`
    Shared(&'a str),
    /// `${{ServiceName.NAME}}`
    Service { service: &'a str, name: &'a str },
    /// `${{NAME}}`: a variable of the same scope.
    Own(&'a str),
}

const OPEN: &str = "${{";
const CLOSE: &str = "}}";

/// Splits `value` into literal text and references, in order.
fn pieces(value: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = value;
    while let Some(start) = rest.find(OPEN) {
        let after_open = &rest[start + OPEN.len()..];
        let Some(end) = after_open.find(CLOSE) else {
            break;
        };
        let inner = &after_open[..end];
        match parse_reference(inner) {
            Some(reference) => {
                out.push(Piece::Text(&rest[..start]));
                out.push(Piece::Reference(reference));
            }
            None => out.push(Piece::Text(&rest[..start + OPEN.len() + end + CLOSE.len()])),
        }
        rest = &after_open[end + CLOSE.len()..];
    }
    out.push(Piece::Text(rest));
    out
}

enum Piece<'a> {
    Text(&'a str),
    Reference(Reference<'a>),
}

fn parse_reference(inner: &str) -> Option<Reference<'_>> {
    let inner = inner.trim();
    if inner.is_empty() || inner.contains(OPEN) {
        return None;
    }
    match inner.rsplit_once('.') {
        Some((scope, name)) => {
            let (scope, name) = (scope.trim(), name.trim());
            if scope.is_empty() || name.is_empty() {
                None
            } else if scope == "shared" {
                Some(Reference::Shared(name))
            } else {
                Some(Reference::Service { service: scope, name })
            }
        }
        None => Some(Reference::Own(inner)),
    }
}

/// Every reference in `value`, in order.
pub(crate) fn references(value: &str) -> Vec<Reference<'_>> {
    pieces(value)
        .into_iter()
        .filter_map(|piece| match piece {
            Piece::Reference(r) => Some(r),
            Piece::Text(_) => None,
        })
        .collect()
}

/// Whether `value` references the shared variable `name`.
pub(crate) fn references_shared(value: &str, name: &str) -> bool {
    references(value).iter().any(|r| matches!(r, Reference::Shared(n) if *n == name))
}

/// Substitutes every reference with what `resolve` answers (`None` renders as `""`).
pub(crate) fn render(value: &str, resolve: &mut dyn FnMut(Reference<'_>) -> Option<String>) -> String {
    let mut out = String::with_capacity(value.len());
    for piece in pieces(value) {
        match piece {
            Piece::Text(text) => out.push_str(text),
            Piece::Reference(reference) => out.push_str(&resolve(reference).unwrap_or_default()),
        }
    }
    out
}

/// Every Railway-provided variable the fake gives a service's deployments: the documented list
/// ("Railway-provided variables" and "Git variables" in Railway's variables reference) without
/// the TCP-proxy and volume ones, which exist only for services that have those.
pub const PROVIDED_VARIABLES: &[&str] = &[
    "RAILWAY_PUBLIC_DOMAIN",
    "RAILWAY_PRIVATE_DOMAIN",
    "RAILWAY_PROJECT_NAME",
    "RAILWAY_PROJECT_ID",
    "RAILWAY_ENVIRONMENT_NAME",
    "RAILWAY_ENVIRONMENT_ID",
    "RAILWAY_SERVICE_NAME",
    "RAILWAY_SERVICE_ID",
    "RAILWAY_REPLICA_ID",
    "RAILWAY_REPLICA_REGION",
    "RAILWAY_DEPLOYMENT_ID",
    "RAILWAY_SNAPSHOT_ID",
    "RAILWAY_GIT_COMMIT_SHA",
    "RAILWAY_GIT_AUTHOR",
    "RAILWAY_GIT_BRANCH",
    "RAILWAY_GIT_REPO_NAME",
    "RAILWAY_GIT_REPO_OWNER",
    "RAILWAY_GIT_COMMIT_MESSAGE",
];

/// The region every fake replica runs in (the example in Railway's reference).
const REGION: &str = "us-west2";

/// The identity of a service instance, for its Railway-provided variables.
pub(crate) struct ProvidedFor<'a> {
    pub workspace_name: &'a str,
    pub project_id: &'a str,
    pub project_name: &'a str,
    pub environment_id: &'a str,
    pub environment_name: &'a str,
    pub service_id: &'a str,
    pub service_name: &'a str,
    /// The deployment receiving them; `None` when the instance has none, and then the
    /// deployment's variables are left out.
    pub deployment: Option<DeploymentFacts<'a>>,
}

/// What a deployment contributes to its Railway-provided variables.
pub(crate) struct DeploymentFacts<'a> {
    pub id: &'a str,
    pub snapshot_id: Option<&'a str>,
    pub replica_id: &'a str,
    pub commit_sha: &'a str,
}

/// The `RAILWAY_*` variables Railway adds to a service's rendered variables.
pub(crate) fn provided(of: &ProvidedFor<'_>) -> BTreeMap<String, String> {
    let service = slug(of.service_name);
    let mut out: Vec<(&str, String)> = vec![
        ("RAILWAY_PUBLIC_DOMAIN", format!("{service}-{}.up.railway.app", slug(of.environment_name))),
        ("RAILWAY_PRIVATE_DOMAIN", format!("{service}.railway.internal")),
        ("RAILWAY_PROJECT_NAME", of.project_name.to_owned()),
        ("RAILWAY_PROJECT_ID", of.project_id.to_owned()),
        ("RAILWAY_ENVIRONMENT_NAME", of.environment_name.to_owned()),
        ("RAILWAY_ENVIRONMENT_ID", of.environment_id.to_owned()),
        ("RAILWAY_SERVICE_NAME", of.service_name.to_owned()),
        ("RAILWAY_SERVICE_ID", of.service_id.to_owned()),
        ("RAILWAY_REPLICA_REGION", REGION.to_owned()),
    ];
    if let Some(d) = &of.deployment {
        out.extend([
            ("RAILWAY_DEPLOYMENT_ID", d.id.to_owned()),
            ("RAILWAY_REPLICA_ID", d.replica_id.to_owned()),
            ("RAILWAY_GIT_COMMIT_SHA", d.commit_sha.to_owned()),
            ("RAILWAY_GIT_AUTHOR", "sluice-dev".to_owned()),
            ("RAILWAY_GIT_BRANCH", "main".to_owned()),
            ("RAILWAY_GIT_REPO_NAME", slug(of.project_name)),
            ("RAILWAY_GIT_REPO_OWNER", slug(of.workspace_name)),
            ("RAILWAY_GIT_COMMIT_MESSAGE", format!("Commit {}", d.commit_sha.get(..7).unwrap_or(d.commit_sha))),
        ]);
        if let Some(snapshot) = d.snapshot_id {
            out.push(("RAILWAY_SNAPSHOT_ID", snapshot.to_owned()));
        }
    }
    out.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

/// Lower-case ASCII letters and digits, everything else `-` (a DNS label).
fn slug(name: &str) -> String {
    let slug: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
    slug.trim_matches('-').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_references_of_every_form() {
        let value = "a ${{shared.X}} b ${{ api.DATABASE_URL }} c ${{ OWN }} ${{}} ${{unclosed";
        assert_eq!(
            references(value),
            vec![
                Reference::Shared("X"),
                Reference::Service { service: "api", name: "DATABASE_URL" },
                Reference::Own("OWN"),
            ]
        );
    }

    #[test]
    fn renders_and_blanks_unresolvable() {
        let mut resolve = |r: Reference<'_>| match r {
            Reference::Shared("HOST") => Some("db".to_owned()),
            Reference::Own("PORT") => Some("5432".to_owned()),
            _ => None,
        };
        let table = [
            ("postgres://${{shared.HOST}}:${{PORT}}/x", "postgres://db:5432/x"),
            ("${{ shared.HOST }}", "db"),
            ("postgresql://${{shared.USER}}:@${{Postgres.HOST}}", "postgresql://:@"),
            ("no refs", "no refs"),
            ("${{}} kept", "${{}} kept"),
            ("${{unclosed", "${{unclosed"),
            ("", ""),
        ];
        for (input, expected) in table {
            assert_eq!(render(input, &mut resolve), expected, "{input}");
        }
    }

    #[test]
    fn shared_reference_detection() {
        assert!(references_shared("x${{ shared.A }}", "A"));
        assert!(!references_shared("${{shared.AB}}", "A"));
        assert!(!references_shared("${{api.A}}", "A"));
    }

    #[test]
    fn provided_variables() {
        let mut of = ProvidedFor {
            workspace_name: "Acme Inc",
            project_id: "p",
            project_name: "shop",
            environment_id: "e",
            environment_name: "production",
            service_id: "s",
            service_name: "My API",
            deployment: Some(DeploymentFacts {
                id: "d",
                snapshot_id: Some("sn"),
                replica_id: "r",
                commit_sha: "0123456789abcdef0123456789abcdef01234567",
            }),
        };
        let vars = provided(&of);
        let names: Vec<&str> = vars.keys().map(String::as_str).collect();
        let mut documented = PROVIDED_VARIABLES.to_vec();
        documented.sort_unstable();
        assert_eq!(names, documented);
        assert_eq!(vars["RAILWAY_PRIVATE_DOMAIN"], "my-api.railway.internal");
        assert_eq!(vars["RAILWAY_PUBLIC_DOMAIN"], "my-api-production.up.railway.app");
        assert_eq!(vars["RAILWAY_GIT_REPO_OWNER"], "acme-inc");
        assert_eq!(vars["RAILWAY_GIT_COMMIT_MESSAGE"], "Commit 0123456");
        assert_eq!(vars["RAILWAY_SNAPSHOT_ID"], "sn");

        of.deployment = None;
        let vars = provided(&of);
        assert_eq!(vars.len(), 9, "instance variables only before the first deployment");
        assert!(!vars.contains_key("RAILWAY_DEPLOYMENT_ID"));
    }
}
