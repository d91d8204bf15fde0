use super::*;
use proptest::prelude::*;
use std::collections::HashMap;

fn loc(env: &str, path: &str) -> RefLocation {
    RefLocation::new(env, FolderPath::parse(path).expect("path"))
}

fn key(k: &str) -> SecretKey {
    SecretKey::parse(k).expect("key")
}

/// A store of raw values: (env, path, key) → value.
fn store(entries: &[(&str, &str, &str, &str)]) -> HashMap<RefTarget, String> {
    entries.iter().map(|(e, p, k, v)| (RefTarget { location: loc(e, p), key: key(k) }, v.to_string())).collect()
}

/// [`expand`] over plain text, for tables of literal values.
fn expand_text(
    value: &str,
    at: &RefLocation,
    lookup: &mut dyn FnMut(&RefLocation, &SecretKey) -> Option<String>,
) -> Result<String, ExpandError> {
    expand(&SecretValue::from(value), at, &mut |l, k| lookup(l, k).map(SecretValue::new)).map(SecretValue::into_exposed)
}

/// [`expand_secret`] over plain text.
fn expand_secret_text(
    at: &RefLocation,
    key: &SecretKey,
    value: &str,
    lookup: &mut dyn FnMut(&RefLocation, &SecretKey) -> Option<String>,
) -> Result<String, ExpandError> {
    expand_secret(at, key, &SecretValue::from(value), &mut |l, k| lookup(l, k).map(SecretValue::new))
        .map(SecretValue::into_exposed)
}

fn run(entries: &[(&str, &str, &str, &str)], value: &str, at: &RefLocation) -> Result<String, ExpandError> {
    let s = store(entries);
    expand_text(value, at, &mut |l, k| s.get(&RefTarget { location: l.clone(), key: k.clone() }).cloned())
}

#[test]
fn parses_the_three_forms() {
    let refs = references("a${KEY}b${prod.DB}c${prod.app.api.URL}d");
    assert_eq!(
        refs,
        [
            Reference::Local(key("KEY")),
            Reference::Remote { environment: "prod".into(), path: FolderPath::root(), key: key("DB") },
            Reference::Remote {
                environment: "prod".into(),
                path: FolderPath::parse("/app/api").expect("p"),
                key: key("URL")
            },
        ]
    );
    let written: Vec<String> = refs.iter().map(ToString::to_string).collect();
    assert_eq!(written, ["${KEY}", "${prod.DB}", "${prod.app.api.URL}"]);
}

#[test]
fn malformed_references_are_literal_text() {
    for value in [
        "${",
        "abc ${KEY",
        "${}",
        "${ KEY }",
        "${{shared.API_KEY}}",
        "https://${{backend.RAILWAY_PUBLIC_DOMAIN}}/x",
        "${A:-default}",
        "${dev..KEY}",
        "${.KEY}",
        "${KEY.}",
        "${Prod.KEY}",
        "${dev.a/b.KEY}",
        "${dev.a b.KEY}",
        "$KEY {KEY}",
    ] {
        assert!(references(value).is_empty(), "{value}");
        assert_eq!(run(&[], value, &loc("dev", "/")).as_deref(), Ok(value), "{value}");
    }
}

#[test]
fn expands_relative_to_each_secrets_location() {
    let entries = [
        ("dev", "/", "A", "a[${B}]"),
        ("dev", "/", "B", "b[${prod.db.URL}]"),
        ("prod", "/db", "URL", "postgres://${HOST}:${prod.PORT}"),
        ("prod", "/db", "HOST", "db.internal"),
        ("prod", "/", "PORT", "5432"),
    ];
    assert_eq!(run(&entries, "${A}", &loc("dev", "/")).as_deref(), Ok("a[b[postgres://db.internal:5432]]"));
    // The same text at another location resolves elsewhere.
    assert!(matches!(run(&entries, "${A}", &loc("dev", "/other")), Err(ExpandError::Missing { .. })));
}

#[test]
fn missing_names_the_reference_as_written() {
    let err = run(&[("dev", "/", "A", "x ${prod.db.URL} y")], "${A}", &loc("dev", "/")).expect_err("missing");
    assert_eq!(err, ExpandError::Missing { reference: "${prod.db.URL}".into(), target: "prod:/db:URL".into() });
    assert_eq!(err.to_string(), "secret reference ${prod.db.URL} points to a secret that does not exist");
}

#[test]
fn cycles_are_named() {
    let entries = [("dev", "/", "A", "secret-a ${B}"), ("dev", "/", "B", "secret-b ${A}")];
    let err = run(&entries, "${A}", &loc("dev", "/")).expect_err("cycle");
    assert_eq!(err.to_string(), "secret references form a cycle: dev:/:A -> dev:/:B -> dev:/:A");
    assert!(!err.to_string().contains("secret-a"));

    let s = store(&[("dev", "/", "A", "${A}")]);
    let mut lookup =
        |l: &RefLocation, k: &SecretKey| s.get(&RefTarget { location: l.clone(), key: k.clone() }).cloned();
    let err = expand_secret_text(&loc("dev", "/"), &key("A"), "${A}", &mut lookup).expect_err("self");
    assert_eq!(err, ExpandError::Cycle { chain: vec!["dev:/:A".into(), "dev:/:A".into()] });
}

#[test]
fn a_repeated_reference_is_not_a_cycle() {
    let entries = [("dev", "/", "A", "${B}${B}"), ("dev", "/", "B", "${C}-${C}"), ("dev", "/", "C", "c")];
    assert_eq!(run(&entries, "${A}|${B}", &loc("dev", "/")).as_deref(), Ok("c-cc-c|c-c"));
}

/// K0 → K1 → … → Kn, where Kn is a literal.
fn chain(n: usize) -> Vec<(String, String)> {
    (0..=n).map(|i| (format!("K{i}"), if i == n { "end".to_string() } else { format!("${{K{}}}", i + 1) })).collect()
}

fn run_chain(n: usize, value: &str) -> Result<String, ExpandError> {
    let c = chain(n);
    let owned: Vec<(&str, &str, &str, &str)> = c.iter().map(|(k, v)| ("dev", "/", k.as_str(), v.as_str())).collect();
    run(&owned, value, &loc("dev", "/"))
}

#[test]
fn depth_is_limited_to_ten_hops() {
    // "${K0}" follows n + 1 references to reach the literal in Kn.
    assert_eq!(run_chain(MAX_REFERENCE_DEPTH - 1, "${K0}").as_deref(), Ok("end"));
    let err = run_chain(MAX_REFERENCE_DEPTH, "${K0}").expect_err("too deep");
    assert_eq!(err, ExpandError::TooDeep { reference: "${K10}".into(), max_depth: 10 });
    assert_eq!(err.to_string(), "secret reference ${K10} is nested more than 10 levels deep");
    // Reusing an already expanded secret deeper down still counts its depth.
    assert_eq!(run_chain(MAX_REFERENCE_DEPTH - 1, "${K5}${K0}").as_deref(), Ok("endend"));
    let c = chain(5);
    let mut entries: Vec<(&str, &str, &str, &str)> =
        c.iter().map(|(k, v)| ("dev", "/", k.as_str(), v.as_str())).collect();
    let deep = chain(MAX_REFERENCE_DEPTH);
    let deep_names: Vec<(String, String)> =
        deep.iter().map(|(k, v)| (format!("D{k}"), v.replace("${K", "${DK"))).collect();
    let last = "${K0}".to_string();
    let mut deep_entries: Vec<(&str, &str, &str, &str)> =
        deep_names.iter().map(|(k, v)| ("dev", "/", k.as_str(), v.as_str())).collect();
    // DK5 points at the shallow chain instead of continuing: DK0..DK5 then K0..K5.
    deep_entries[5].3 = &last;
    entries.extend(deep_entries);
    assert!(matches!(run(&entries, "${K0}${DK0}", &loc("dev", "/")), Err(ExpandError::TooDeep { .. })));
}

#[test]
fn doubling_values_are_capped() {
    let entries: Vec<(String, String)> =
        (0..9).map(|i| (format!("L{i}"), format!("${{L{}}}${{L{}}}", i + 1, i + 1))).collect();
    let big = "x".repeat(MAX_EXPANDED_LEN / 256);
    let mut owned: Vec<(&str, &str, &str, &str)> =
        entries.iter().map(|(k, v)| ("dev", "/", k.as_str(), v.as_str())).collect();
    owned.push(("dev", "/", "L9", &big));
    assert_eq!(run(&owned, "${L0}", &loc("dev", "/")), Err(ExpandError::TooLarge { max_len: MAX_EXPANDED_LEN }));
}

#[test]
fn dependencies_are_resolved_and_deduplicated() {
    let deps = dependencies("${B}${A}${B}${prod.A}${prod.x.A}", &loc("dev", "/app"));
    let shown: Vec<String> = deps.iter().map(ToString::to_string).collect();
    assert_eq!(shown, ["dev:/app:A", "dev:/app:B", "prod:/:A", "prod:/x:A"]);
}

fn reference() -> impl Strategy<Value = Reference> {
    let key = "[A-Za-z_][A-Za-z0-9_-]{0,6}".prop_map(|k| key(&k));
    prop_oneof![
        key.clone().prop_map(Reference::Local),
        ("[a-z][a-z0-9]{0,4}", proptest::collection::vec("[A-Za-z0-9_-]{1,4}", 0..3), key).prop_map(|(e, f, k)| {
            Reference::Remote { environment: e, path: FolderPath::parse(&f.join("/")).expect("p"), key: k }
        }),
    ]
}

proptest! {
    #[test]
    fn values_without_references_expand_to_themselves(value in "[^$]*|.*\\$[^{]*") {
        prop_assume!(!value.contains("${"));
        let mut calls = 0;
        let out = expand_text(&value, &loc("dev", "/"), &mut |_, _| { calls += 1; None });
        prop_assert_eq!(out.as_deref(), Ok(value.as_str()));
        prop_assert_eq!(calls, 0);
    }

    #[test]
    fn written_references_parse_back(r in reference(), before in "[a-z :/]{0,4}", after in "[a-z :/]{0,4}") {
        prop_assert_eq!(references(&format!("{before}{r}{after}")), vec![r]);
    }

    #[test]
    fn any_text_expands_or_fails_cleanly(value in ".{0,40}") {
        let out = expand_text(&value, &loc("dev", "/"), &mut |_, k| Some(format!("<{k}>")));
        if references(&value).is_empty() {
            prop_assert_eq!(out.as_deref(), Ok(value.as_str()));
        }
        let too_large = matches!(out, Err(ExpandError::TooLarge { .. }));
        prop_assert!(!too_large);
    }

    /// A chain of references across environments and folders, without cycles, expands to the
    /// text around each reference wrapped around the final literal.
    #[test]
    fn chains_expand_to_the_final_literal(
        hops in proptest::collection::vec(
            (reference(), "[a-z :/]{0,3}", "[a-z :/]{0,3}", any::<bool>()),
            0..=MAX_REFERENCE_DEPTH,
        ),
        literal in "[a-z :/=]{0,8}",
    ) {
        // Hop i lives at `at`, refers to target i (renamed K{i} so targets are distinct).
        let mut at = loc("dev", "/");
        let mut values: HashMap<RefTarget, String> = HashMap::new();
        let mut first_value = String::new();
        let mut expected_before = String::new();
        let mut expected_after = String::new();
        let mut previous: Option<RefTarget> = None;
        for (i, (r, before, after, local)) in hops.iter().enumerate() {
            let k = key(&format!("K{i}"));
            let r = match r {
                _ if *local => Reference::Local(k),
                Reference::Remote { environment, path, .. } => Reference::Remote { environment: environment.clone(), path: path.clone(), key: k },
                Reference::Local(_) => Reference::Local(k),
            };
            let text = format!("{before}{r}{after}");
            match &previous {
                None => first_value = text,
                Some(t) => { values.insert(t.clone(), text); }
            }
            expected_before.push_str(before);
            expected_after.insert_str(0, after);
            let target = r.target(&at);
            at = target.location.clone();
            previous = Some(target);
        }
        match &previous {
            None => first_value = literal.clone(),
            Some(t) => { values.insert(t.clone(), literal.clone()); }
        }
        let out = expand_text(&first_value, &loc("dev", "/"), &mut |l, k| values.get(&RefTarget { location: l.clone(), key: k.clone() }).cloned());
        prop_assert_eq!(out, Ok(format!("{expected_before}{literal}{expected_after}")));
    }
}

/// [`expand_secret_lenient`] over a store, as reads do it: the text and the broken references.
fn lenient(entries: &[(&str, &str, &str, &str)], k: &str, value: &str) -> (String, Vec<String>) {
    let s = store(entries);
    let e = expand_secret_lenient(&loc("dev", "/"), &key(k), &SecretValue::from(value), &mut |l, k| {
        s.get(&RefTarget { location: l.clone(), key: k.clone() }).cloned().map(SecretValue::new)
    });
    (e.value.into_exposed(), e.broken.iter().map(|b| format!("{}: {}", b.reference, b.error)).collect())
}

#[test]
fn lenient_expansion_leaves_what_does_not_resolve_as_written() {
    // (store, secret, raw value) → (read value, broken)
    let host = [("dev", "/", "HOST", "db.internal")];
    let (v, broken) = lenient(&host, "URL", "postgres://${HOST}:${PORT}/x");
    assert_eq!(v, "postgres://db.internal:${PORT}/x", "the good reference expands, the missing one stays");
    assert_eq!(broken, ["${PORT}: secret reference ${PORT} points to a secret that does not exist"]);
    let (v, broken) = lenient(&[("dev", "/", "B", "${A}")], "A", "x${B}");
    assert_eq!(v, "x${A}", "a cycle stops expanding where it closes");
    assert!(broken[0].contains("cycle: dev:/:A -> dev:/:B -> dev:/:A"), "{broken:?}");
    let (v, broken) = lenient(&[], "A", "${staging.NOPE} and ${nope.app.X}");
    assert_eq!(v, "${staging.NOPE} and ${nope.app.X}");
    assert_eq!(broken.len(), 2);
    let (v, broken) = lenient(&host, "A", "plain ${HOST}");
    assert_eq!((v.as_str(), broken.len()), ("plain db.internal", 0));
}

#[test]
fn lenient_expansion_stops_at_ten_levels() {
    let owned: Vec<(String, String)> = chain(12);
    let entries: Vec<(&str, &str, &str, &str)> =
        owned.iter().map(|(k, v)| ("dev", "/", k.as_str(), v.as_str())).collect();
    let (v, broken) = lenient(&entries, "START", "${K0}");
    assert!(v.contains("${K"), "the reference past the tenth level stays literal: {v}");
    assert!(broken.iter().any(|b| b.contains("nested more than 10 levels")), "{broken:?}");
}
