//! The pure part of OIDC verification: which claims a token must carry for an identity's
//! bounds, how a bound pattern matches (Infisical's globs), and which URLs the server may
//! fetch keys from. Data in, a decision out; tests beside.

use serde_json::Value;
use std::collections::BTreeMap;
use url::{Host, Url};

/// What an identity's OIDC configuration demands of a token.
#[derive(Clone, Debug, Default)]
pub struct OidcPolicy {
    pub discovery_url: String,
    /// PEM of a CA that signs the issuer's HTTPS certificate (a private issuer).
    pub ca_cert: Option<String>,
    /// Empty: any issuer.
    pub bound_issuer: String,
    /// Empty: any audience. One must match one of the token's `aud`.
    pub bound_audiences: Vec<String>,
    /// Empty: any subject.
    pub bound_subject: String,
    /// Claim (a dotted path reaches into objects) → comma-separated patterns, one of which
    /// must match.
    pub bound_claims: BTreeMap<String, String>,
}

/// Infisical's bound patterns: `*` matches any run of characters (also none, also `/`),
/// everything else matches itself.
pub fn glob_match(pattern: &str, value: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let v: Vec<char> = value.chars().collect();
    let (mut pi, mut vi) = (0, 0);
    // Where the last `*` was, and where in the value it stood: backtrack there on a mismatch.
    let mut star: Option<(usize, usize)> = None;
    while vi < v.len() {
        if pi < p.len() && p[pi] == '*' {
            star = Some((pi, vi));
            pi += 1;
        } else if pi < p.len() && p[pi] == v[vi] {
            pi += 1;
            vi += 1;
        } else if let Some((sp, sv)) = star {
            pi = sp + 1;
            vi = sv + 1;
            star = Some((sp, sv + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

fn short(value: &str) -> String {
    let mut s: String = value.chars().take(120).collect();
    if s.len() < value.len() {
        s.push('…');
    }
    s
}

/// The claim's values as text (a list gives each element; objects and null give none).
fn texts(value: &Value) -> Vec<String> {
    match value {
        Value::String(s) => vec![s.clone()],
        Value::Number(n) => vec![n.to_string()],
        Value::Bool(b) => vec![b.to_string()],
        Value::Array(items) => items.iter().flat_map(texts).collect(),
        _ => Vec::new(),
    }
}

fn claim<'a>(claims: &'a Value, path: &str) -> Option<&'a Value> {
    claims.get(path).or_else(|| path.split('.').try_fold(claims, |v, part| v.get(part)))
}

fn any_match(patterns: &[&str], values: &[String]) -> bool {
    values.iter().any(|v| patterns.iter().any(|p| glob_match(p, v)))
}

/// Checks a verified token's claims against the identity's bounds; the error is the reason,
/// fit to show to the caller.
pub fn check_claims(policy: &OidcPolicy, claims: &Value) -> Result<(), String> {
    if !policy.bound_issuer.is_empty() {
        let iss = claims.get("iss").and_then(Value::as_str).unwrap_or_default();
        if !glob_match(&policy.bound_issuer, iss) {
            return Err(format!("the token's issuer '{}' does not match the identity's boundIssuer", short(iss)));
        }
    }
    if !policy.bound_audiences.is_empty() {
        let auds = claims.get("aud").map(texts).unwrap_or_default();
        let bound: Vec<&str> = policy.bound_audiences.iter().map(String::as_str).collect();
        if !any_match(&bound, &auds) {
            let shown = if auds.is_empty() { "none".to_string() } else { short(&auds.join(", ")) };
            return Err(format!("the token's audience ({shown}) is not one of the identity's boundAudiences"));
        }
    }
    if !policy.bound_subject.is_empty() {
        let sub = claims.get("sub").and_then(Value::as_str).unwrap_or_default();
        if !glob_match(&policy.bound_subject, sub) {
            return Err(format!("the token's subject '{}' does not match the identity's boundSubject", short(sub)));
        }
    }
    for (name, patterns) in &policy.bound_claims {
        let patterns: Vec<&str> = patterns.split(',').map(str::trim).filter(|p| !p.is_empty()).collect();
        let values = claim(claims, name).map(texts).unwrap_or_default();
        if values.is_empty() {
            return Err(format!("the token has no claim '{}', which the identity's boundClaims require", short(name)));
        }
        if !any_match(&patterns, &values) {
            return Err(format!("the token's claim '{}' does not match the identity's boundClaims", short(name)));
        }
    }
    Ok(())
}

/// Whether the server may fetch an issuer's discovery document or keys from `raw`: HTTPS,
/// or plain HTTP to a loopback address (local issuers, tests).
pub fn check_fetch_url(raw: &str) -> Result<Url, String> {
    let url = Url::parse(raw.trim()).map_err(|e| format!("'{}' is not a URL ({e})", short(raw)))?;
    let loopback = match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    match url.scheme() {
        "https" if url.host().is_some() => Ok(url),
        "http" if loopback => Ok(url),
        "http" => Err(format!("'{}' must use https (plain http only for an issuer on a loopback address)", short(raw))),
        _ => Err(format!("'{}' must be an https URL", short(raw))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn globs() {
        let table = [
            ("repo:acme/*", "repo:acme/api:ref:refs/heads/main", true),
            ("repo:acme/*", "repo:other/api", false),
            ("*", "", true),
            ("a*b*c", "aXbYc", true),
            ("a*b*c", "aXbY", false),
            ("exact", "exact", true),
            ("exact", "exactly", false),
            ("*main", "refs/heads/main", true),
            ("", "", true),
            ("", "x", false),
        ];
        for (pattern, value, want) in table {
            assert_eq!(glob_match(pattern, value), want, "{pattern} vs {value}");
        }
    }

    fn policy() -> OidcPolicy {
        OidcPolicy {
            bound_issuer: "https://issuer.example".into(),
            bound_audiences: vec!["sluice".into(), "api://*".into()],
            bound_subject: "repo:acme/*".into(),
            bound_claims: BTreeMap::from([
                ("ref".to_string(), "refs/heads/main, refs/tags/*".to_string()),
                ("ctx.env".to_string(), "prod".to_string()),
            ]),
            ..OidcPolicy::default()
        }
    }

    fn claims() -> Value {
        json!({"iss": "https://issuer.example", "aud": ["other", "sluice"], "sub": "repo:acme/api",
               "ref": "refs/tags/v1", "ctx": {"env": "prod"}})
    }

    #[test]
    fn claims_within_bounds_pass() {
        assert_eq!(check_claims(&policy(), &claims()), Ok(()));
        assert_eq!(check_claims(&OidcPolicy::default(), &json!({})), Ok(()));
    }

    #[test]
    fn each_bound_refuses_with_its_reason() {
        let cases = [
            ("iss", json!("https://evil.example"), "boundIssuer"),
            ("aud", json!("nope"), "boundAudiences"),
            ("sub", json!("repo:evil/api"), "boundSubject"),
            ("ref", json!("refs/heads/dev"), "claim 'ref' does not match"),
            ("ctx", json!({"env": "dev"}), "claim 'ctx.env' does not match"),
        ];
        for (name, value, reason) in cases {
            let mut c = claims();
            c[name] = value;
            let err = check_claims(&policy(), &c).expect_err(name);
            assert!(err.contains(reason), "{name}: {err}");
        }
        let mut c = claims();
        c.as_object_mut().map(|o| o.remove("ref"));
        assert!(check_claims(&policy(), &c).expect_err("missing").contains("no claim 'ref'"));
    }

    #[test]
    fn fetch_urls() {
        assert!(check_fetch_url("https://token.actions.githubusercontent.com").is_ok());
        assert!(check_fetch_url("http://127.0.0.1:8080/x").is_ok());
        assert!(check_fetch_url("http://[::1]:8080/x").is_ok());
        assert!(check_fetch_url("http://localhost/x").is_ok());
        assert!(check_fetch_url("http://issuer.example/x").is_err());
        assert!(check_fetch_url("ftp://127.0.0.1/x").is_err());
        assert!(check_fetch_url("not a url").is_err());
    }
}
