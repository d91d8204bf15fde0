use super::*;
use crate::testgen::{self, schema};
use proptest::prelude::*;

#[test]
fn parse_accepts_templates() {
    for (input, stored) in [
        ("INFISICAL_{{secretKey}}", "INFISICAL_{{secretKey}}"),
        ("  {{environment}}_{{secretKey}}  ", "{{environment}}_{{secretKey}}"),
        ("{{secretKey}}", "{{secretKey}}"),
        ("/app/{{environment}}/{{secretKey}}-{{environment}}", "/app/{{environment}}/{{secretKey}}-{{environment}}"),
    ] {
        assert_eq!(schema(input).as_str(), stored, "{input}");
    }
}

#[test]
fn parse_treats_blank_as_no_schema() {
    assert_eq!(KeySchema::parse(""), Ok(None));
    assert_eq!(KeySchema::parse("   \t"), Ok(None));
}

#[test]
fn parse_refuses_with_infisicals_message() {
    for input in [
        "PREFIX_",                     // no {{secretKey}}
        "{{secretKey}}_{{secretKey}}", // two
        "APP.{{secretKey}}",           // dot
        "APP {{secretKey}}",           // space
        "{{secretkey}}",               // wrong case
        "{{ secretKey }}",             // spaces in placeholder
        "{{env}}_{{secretKey}}",       // unknown placeholder
        "{{secretKey}}&",              // punctuation
        "É_{{secretKey}}",             // non-ASCII letter
        "{{environment}}",             // environment only
    ] {
        let err = KeySchema::parse(input).expect_err(input);
        assert_eq!(err.field, "keySchema", "{input}");
        assert_eq!(err.message, KEY_SCHEMA_MESSAGE, "{input}");
    }
}

#[test]
fn parse_limits_length_after_trimming() {
    let at_limit = format!("{}{{{{secretKey}}}}", "A".repeat(KEY_SCHEMA_MAX - 13));
    assert_eq!(at_limit.len(), KEY_SCHEMA_MAX);
    assert!(KeySchema::parse(&format!("  {at_limit}  ")).is_ok());
    let err = KeySchema::parse(&format!("A{at_limit}")).expect_err("too long");
    assert!(err.message.contains("255"), "{err}");
}

#[test]
fn render_substitutes_plainly() {
    assert_eq!(schema("INFISICAL_{{secretKey}}").render("DB_URL", "dev"), "INFISICAL_DB_URL");
    assert_eq!(schema("{{environment}}_{{secretKey}}").render("DB_URL", "prod"), "prod_DB_URL");
    assert_eq!(schema("{{environment}}/{{secretKey}}/{{environment}}").render("K", "dev"), "dev/K/dev");
    // No HTML escaping, unlike Handlebars.
    assert_eq!(schema("X_{{secretKey}}").render("a=b&<c>", "dev"), "X_a=b&<c>");
    assert!(schema("{{environment}}_{{secretKey}}").uses_environment());
    assert!(!schema("APP_{{secretKey}}").uses_environment());
}

#[test]
fn matcher_follows_the_prefix_suffix_rule() {
    // (schema, environment, destination key, managed?, stripped)
    type Row = (Option<&'static str>, &'static str, &'static str, bool, Option<&'static str>);
    let cases: &[Row] = &[
        (None, "dev", "ANYTHING/at.all", true, Some("ANYTHING/at.all")),
        (Some("{{secretKey}}"), "dev", "A/B", true, Some("A/B")),
        (Some("APP_{{secretKey}}"), "dev", "APP_DB", true, Some("DB")),
        (Some("APP_{{secretKey}}"), "dev", "OTHER_DB", false, None),
        (Some("APP_{{secretKey}}"), "dev", "APP_", true, Some("")),
        (Some("APP_{{secretKey}}"), "dev", "APP", false, None),
        (Some("{{secretKey}}_APP"), "dev", "DB_APP", true, Some("DB")),
        (Some("A_{{secretKey}}_B"), "dev", "A_B", false, None), // shorter than prefix + suffix
        (Some("A_{{secretKey}}_B"), "dev", "A__B", true, Some("")),
        (Some("{{environment}}_{{secretKey}}"), "prod", "prod_DB", true, Some("DB")),
        (Some("{{environment}}_{{secretKey}}"), "prod", "dev_DB", false, None),
        (Some("/app/{{secretKey}}"), "dev", "/app/KEY", true, Some("KEY")),
        (Some("/app/{{secretKey}}"), "dev", "/app/sub/KEY", false, None),
        (Some("{{secretKey}}/x"), "dev", "a/b/x", false, None),
        (Some("APP_{{secretKey}}"), "dev", "APP_a/b", true, Some("a/b")), // no slash in template
    ];
    for (schema_text, env, key, managed, stripped) in cases {
        let parsed = schema_text.map(schema);
        let m = KeyMatcher::new(parsed.as_ref(), env);
        assert_eq!(m.matches(key), *managed, "{schema_text:?} {key}");
        assert_eq!(m.strip(key).as_deref(), *stripped, "{schema_text:?} {key}");
    }
}

#[test]
fn serde_round_trips_the_template() {
    let s = schema("APP_{{secretKey}}");
    let json = serde_json::to_string(&s).expect("serialize");
    assert_eq!(json, "\"APP_{{secretKey}}\"");
    assert_eq!(serde_json::from_str::<KeySchema>(&json).expect("deserialize"), s);
    let err = serde_json::from_str::<KeySchema>("\"APP\"").expect_err("invalid");
    assert!(err.to_string().starts_with("Key schema must include exactly one"), "{err}");
    assert!(serde_json::from_str::<KeySchema>("\"  \"").is_err());
}

proptest! {
    #[test]
    fn strip_undoes_render(s in testgen::key_schema(), k in testgen::secret_key(), env in testgen::environment()) {
        let rendered = s.render(k.as_str(), &env);
        let m = s.matcher(&env);
        prop_assert!(m.matches(&rendered));
        prop_assert_eq!(m.strip(&rendered), Some(k.as_str().to_string()));
        prop_assert_eq!(m.render(k.as_str()), rendered);
    }

    #[test]
    fn parse_is_idempotent(s in testgen::key_schema()) {
        let again = KeySchema::parse(s.as_str()).expect("valid").expect("non-empty");
        prop_assert_eq!(again, s);
    }

    #[test]
    fn matched_keys_render_back(s in testgen::maybe_schema(), env in testgen::environment(), key in "[A-Za-z0-9_/.-]{0,12}") {
        let m = KeyMatcher::new(s.as_ref(), &env);
        if let Some(stripped) = m.strip(&key) {
            prop_assert_eq!(m.render(&stripped), key);
        }
    }

    /// Two syncs whose schemas start with different literal text never claim each other's keys,
    /// so they can share one Railway service.
    #[test]
    fn disjoint_prefixes_never_overlap(
        stem in "[A-Za-z0-9_]{0,3}",
        (a, b) in ("[A-Z]", "[a-z]"),
        rest_a in "[A-Za-z0-9_/-]{0,3}",
        rest_b in "[A-Za-z0-9_/-]{0,3}",
        suffix_a in "[A-Za-z0-9_-]{0,3}",
        suffix_b in "[A-Za-z0-9_-]{0,3}",
        env in testgen::environment(),
        k in testgen::secret_key(),
    ) {
        let sa = schema(&format!("{stem}{a}{rest_a}{{{{secretKey}}}}{suffix_a}"));
        let sb = schema(&format!("{stem}{b}{rest_b}{{{{secretKey}}}}{suffix_b}"));
        prop_assert!(!sb.matcher(&env).matches(&sa.render(k.as_str(), &env)));
        prop_assert!(!sa.matcher(&env).matches(&sb.render(k.as_str(), &env)));
    }
}
