//! Railway variable references, as pure functions: finding `${{...}}` references in a stored
//! value, rendering a value by substituting them, and the `RAILWAY_*` variables Railway provides
//! to every service.
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

/// The identity of a service instance, for its Railway-provided variables.
pub(crate) struct ProvidedFor<'a> {
    pub project_id: &'a str,
    pub project_name: &'a str,
    pub environment_id: &'a str,
    pub environment_name: &'a str,
    pub service_id: &'a str,
    pub service_name: &'a str,
    /// The deployment receiving them (`None` when the instance has none: its deployment
    /// variables are left out).
    pub deployment_id: Option<&'a str>,
}

/// The `RAILWAY_*` variables Railway adds to a service's rendered variables.
pub(crate) fn provided(of: &ProvidedFor<'_>) -> BTreeMap<String, String> {
    [
        ("RAILWAY_ENVIRONMENT_ID", of.environment_id.to_owned()),
        ("RAILWAY_ENVIRONMENT_NAME", of.environment_name.to_owned()),
        ("RAILWAY_PROJECT_ID", of.project_id.to_owned()),
        ("RAILWAY_PROJECT_NAME", of.project_name.to_owned()),
        ("RAILWAY_SERVICE_ID", of.service_id.to_owned()),
        ("RAILWAY_SERVICE_NAME", of.service_name.to_owned()),
        ("RAILWAY_PRIVATE_DOMAIN", private_domain(of.service_name)),
    ]
    .into_iter()
    .chain(of.deployment_id.map(|id| ("RAILWAY_DEPLOYMENT_ID", id.to_owned())))
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// `<service-name-slug>.railway.internal`
fn private_domain(service_name: &str) -> String {
    let slug: String =
        service_name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
    format!("{}.railway.internal", slug.trim_matches('-'))
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
        let vars = provided(&ProvidedFor {
            project_id: "p",
            project_name: "shop",
            environment_id: "e",
            environment_name: "production",
            service_id: "s",
            service_name: "My API",
            deployment_id: Some("d"),
        });
        assert_eq!(vars.len(), 8);
        assert_eq!(vars["RAILWAY_PRIVATE_DOMAIN"], "my-api.railway.internal");
        assert_eq!(vars["RAILWAY_ENVIRONMENT_NAME"], "production");
        assert!(vars.keys().all(|k| k.starts_with("RAILWAY_")));
    }
}
