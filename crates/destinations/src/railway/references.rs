//! Which services a change reaches through Railway's reference variables: the pure part of
//! the redeploy fan-out ([`affected_services`]).
//!
//! Railway renders `${{NAMESPACE.VAR}}` when it deploys a service, where the namespace is
//! `shared` (the environment's shared variables) or another service's name, and
//! `${{VAR}}` is a variable of the same service; spaces are allowed inside the braces
//! (`${{ shared.API_KEY }}`) (Railway docs, variables reference). A service runs with a
//! changed value when one of its variables references a changed variable, directly or
//! through other references (`A=${{shared.X}}`, `X=${{shared.Y}}`, `Y` changed). Sealed
//! values cannot be read, so references inside them are not seen.

use sluice_domain::planner::Observed;
use std::collections::{BTreeMap, BTreeSet};

/// A variable's scope in one environment: the shared variables, or a service's (by id).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    Shared,
    Service(String),
}

/// One service of the environment and its stored (unrendered) variables.
#[derive(Clone, Debug)]
pub struct ServiceVariables {
    pub id: String,
    pub name: String,
    pub variables: Observed,
}

/// An environment's stored variables: the shared ones and each service's.
#[derive(Clone, Debug, Default)]
pub struct EnvironmentVariables {
    pub shared: Observed,
    pub services: Vec<ServiceVariables>,
}

/// One `${{…}}` in a value: its namespace (`shared`, a service name, or none for the
/// same scope) and the variable name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reference<'a> {
    pub namespace: Option<&'a str>,
    pub name: &'a str,
}

/// The references in a stored value, in order.
pub fn references(value: &str) -> Vec<Reference<'_>> {
    let mut out = Vec::new();
    let mut rest = value;
    while let Some(start) = rest.find("${{") {
        let after = &rest[start + 3..];
        let Some(end) = after.find("}}") else { break };
        let inner = after[..end].trim();
        let reference = match inner.split_once('.') {
            Some((ns, name)) => Reference { namespace: Some(ns.trim()), name: name.trim() },
            None => Reference { namespace: None, name: inner },
        };
        if !reference.name.is_empty() {
            out.push(reference);
        }
        rest = &after[end + 2..];
    }
    out
}

/// The services whose deployments see a change of `changed` in `origin`: every service
/// with a variable that references a changed variable, directly or through others, plus
/// `origin` itself when it is a service. Ordered by service name.
pub fn affected_services(env: &EnvironmentVariables, origin: &Scope, changed: &BTreeSet<String>) -> Vec<String> {
    let by_name: BTreeMap<&str, &str> = env.services.iter().map(|s| (s.name.as_str(), s.id.as_str())).collect();
    let mut scopes: Vec<(Scope, &Observed)> = vec![(Scope::Shared, &env.shared)];
    scopes.extend(env.services.iter().map(|s| (Scope::Service(s.id.clone()), &s.variables)));

    let mut affected: BTreeSet<(Scope, String)> = changed.iter().map(|k| (origin.clone(), k.clone())).collect();
    loop {
        let mut grew = false;
        for (scope, variables) in &scopes {
            for (key, value) in variables.iter() {
                let Some(value) = value else { continue };
                if affected.contains(&(scope.clone(), key.clone())) {
                    continue;
                }
                let reaches = references(value.expose()).iter().any(|r| {
                    let target = match r.namespace {
                        None => Some(scope.clone()),
                        Some("shared") => Some(Scope::Shared),
                        Some(service) => by_name.get(service).map(|id| Scope::Service((*id).to_owned())),
                    };
                    target.is_some_and(|t| affected.contains(&(t, r.name.to_owned())))
                });
                if reaches {
                    affected.insert((scope.clone(), key.clone()));
                    grew = true;
                }
            }
        }
        if !grew {
            break;
        }
    }
    let mut services: Vec<&ServiceVariables> = env
        .services
        .iter()
        .filter(|s| {
            *origin == Scope::Service(s.id.clone())
                || affected.iter().any(|(scope, _)| *scope == Scope::Service(s.id.clone()))
        })
        .collect();
    services.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
    services.into_iter().map(|s| s.id.clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use sluice_domain::SecretValue;

    fn vars(pairs: &[(&str, Option<&str>)]) -> Observed {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), v.map(SecretValue::from))).collect()
    }

    fn service(id: &str, pairs: &[(&str, Option<&str>)]) -> ServiceVariables {
        ServiceVariables { id: id.to_owned(), name: id.to_owned(), variables: vars(pairs) }
    }

    fn changed(keys: &[&str]) -> BTreeSet<String> {
        keys.iter().map(|k| (*k).to_owned()).collect()
    }

    #[test]
    fn references_are_read_with_railways_spacing() {
        let refs = references("postgres://${{ shared.USER }}:${{Postgres.PASSWORD}}@${{HOST}}/${{ db }} ${{");
        let got: Vec<(Option<&str>, &str)> = refs.iter().map(|r| (r.namespace, r.name)).collect();
        assert_eq!(got, [(Some("shared"), "USER"), (Some("Postgres"), "PASSWORD"), (None, "HOST"), (None, "db")]);
        assert!(references("no references, $X, ${Y}, {{Z}}").is_empty());
        assert!(references("${{}} ${{ . }}").iter().all(|r| !r.name.is_empty()));
    }

    struct Case {
        name: &'static str,
        origin: Scope,
        changed: &'static [&'static str],
        want: &'static [&'static str],
    }

    fn environment() -> EnvironmentVariables {
        EnvironmentVariables {
            shared: vars(&[
                ("LOG_LEVEL", Some("info")),
                ("API_KEY", Some("k")),
                ("DSN", Some("${{ shared.API_KEY }}@db")),
                ("UNUSED", Some("x")),
            ]),
            services: vec![
                service(
                    "api",
                    &[
                        ("LOG", Some("${{shared.LOG_LEVEL}}")),
                        ("URL", Some("https://x")),
                        ("SELF", Some("${{URL}}/v1")),
                        ("SEALED", None),
                    ],
                ),
                service("worker", &[("API", Some("${{ api.SELF }}")), ("Q", Some("jobs"))]),
                service("cron", &[("KEY", Some("${{shared.DSN}}"))]),
                service("idle", &[("X", Some("1"))]),
            ],
        }
    }

    const CASES: &[Case] = &[
        Case { name: "a shared key nobody references", origin: Scope::Shared, changed: &["UNUSED"], want: &[] },
        Case {
            name: "a shared key one service references",
            origin: Scope::Shared,
            changed: &["LOG_LEVEL"],
            want: &["api"],
        },
        Case { name: "through another shared variable", origin: Scope::Shared, changed: &["API_KEY"], want: &["cron"] },
        Case { name: "a new shared key", origin: Scope::Shared, changed: &["NEW"], want: &[] },
        Case { name: "nothing changed", origin: Scope::Shared, changed: &[], want: &[] },
    ];

    #[test]
    fn affected_services_table() {
        let env = environment();
        for case in CASES {
            let got = affected_services(&env, &case.origin, &changed(case.changed));
            assert_eq!(got, case.want, "{}", case.name);
        }
    }

    #[test]
    fn a_service_target_redeploys_itself_and_those_referencing_it() {
        let env = environment();
        let svc = |id: &str| Scope::Service(id.to_owned());
        assert_eq!(affected_services(&env, &svc("api"), &changed(&["URL"])), ["api", "worker"], "URL → SELF → worker");
        assert_eq!(affected_services(&env, &svc("api"), &changed(&["LOG"])), ["api"]);
        assert_eq!(affected_services(&env, &svc("idle"), &changed(&["X"])), ["idle"]);
        assert_eq!(affected_services(&env, &svc("worker"), &changed(&["Q"])), ["worker"]);
    }

    #[test]
    fn cycles_end() {
        let env = EnvironmentVariables {
            shared: vars(&[("A", Some("${{B}}")), ("B", Some("${{A}}"))]),
            services: vec![service("s", &[("X", Some("${{shared.A}}"))])],
        };
        assert_eq!(affected_services(&env, &Scope::Shared, &changed(&["B"])), ["s"]);
    }
}
