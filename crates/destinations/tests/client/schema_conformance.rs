//! Every operation the Railway client sends (each `.graphql` file under
//! `src/railway/operations/`) must validate against Railway's full published schema —
//! not only against the project's subset that graphql_client compiles them with.
//!
//! Railway's schema is read from its introspection JSON (the source of truth), converted
//! to SDL here, and handed to apollo-compiler. Path: env `SLUICE_RAILWAY_SCHEMA_JSON`,
//! else `../../../shared/railway/schema.json` from this crate. When the file is absent
//! the full-schema check prints `skipped: …` and passes; the subset check always runs.

use std::path::{Path, PathBuf};

use apollo_compiler::validation::Valid;
use apollo_compiler::{ExecutableDocument, Schema};
use serde_json::Value;

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// All operation documents, sorted, with their text.
fn operations() -> Vec<(PathBuf, String)> {
    fn walk(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
        let mut entries: Vec<PathBuf> =
            std::fs::read_dir(dir).expect("read operations dir").map(|e| e.expect("dir entry").path()).collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "graphql") {
                let text = std::fs::read_to_string(&path).expect("read operation");
                out.push((path, text));
            }
        }
    }
    let mut out = Vec::new();
    walk(&manifest_dir().join("src/railway/operations"), &mut out);
    assert!(out.len() >= 10, "expected the client's operations, found {}", out.len());
    out
}

fn validate_all(schema: &Valid<Schema>, which: &str) {
    let mut failures = Vec::new();
    for (path, text) in operations() {
        if let Err(e) = ExecutableDocument::parse_and_validate(schema, text, &path) {
            failures.push(format!("{}:\n{}", path.display(), e.errors));
        }
    }
    assert!(failures.is_empty(), "operations invalid against {which}:\n{}", failures.join("\n"));
}

#[test]
fn operations_validate_against_railways_published_schema() {
    let path = std::env::var_os("SLUICE_RAILWAY_SCHEMA_JSON")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest_dir().join("../../../shared/railway/schema.json"));
    let Ok(text) = std::fs::read_to_string(&path) else {
        println!("skipped: Railway's schema not found at {}", path.display());
        return;
    };
    let json: Value = serde_json::from_str(&text).expect("schema.json is JSON");
    let sdl = introspection_to_sdl(&json);
    let schema = Schema::parse_and_validate(sdl, "railway-introspection.graphql")
        .unwrap_or_else(|e| panic!("Railway's schema did not convert cleanly:\n{}", e.errors));
    validate_all(&schema, &format!("Railway's schema ({})", path.display()));
}

#[test]
fn operations_validate_against_the_projects_subset() {
    let path = manifest_dir().join("../../schema/railway/railway.graphql");
    let sdl = std::fs::read_to_string(&path).expect("the project's Railway schema subset");
    let schema = Schema::parse_and_validate(sdl, &path)
        .unwrap_or_else(|e| panic!("{} is not a valid schema:\n{}", path.display(), e.errors));
    validate_all(&schema, "schema/railway/railway.graphql");
}

#[test]
fn a_misspelled_field_is_caught() {
    // Guards the guard: the conversion must produce a schema strict enough to reject.
    let json = serde_json::json!({"data": {"__schema": {
        "queryType": {"name": "Query"}, "mutationType": null, "subscriptionType": null,
        "directives": [],
        "types": [{"kind": "OBJECT", "name": "Query", "interfaces": [], "fields": [
            {"name": "me", "args": [], "type": {"kind": "NON_NULL", "name": null,
                "ofType": {"kind": "SCALAR", "name": "String", "ofType": null}}}
        ]}]
    }}});
    let schema = Schema::parse_and_validate(introspection_to_sdl(&json), "t.graphql").expect("schema");
    assert!(ExecutableDocument::parse_and_validate(&schema, "{ me }", "ok.graphql").is_ok());
    assert!(ExecutableDocument::parse_and_validate(&schema, "{ mee }", "bad.graphql").is_err());
}

// ---- introspection JSON → SDL ---------------------------------------------------------

const BUILT_IN_SCALARS: [&str; 5] = ["String", "Int", "Float", "Boolean", "ID"];
const BUILT_IN_DIRECTIVES: [&str; 5] = ["deprecated", "include", "skip", "specifiedBy", "oneOf"];

fn introspection_to_sdl(json: &Value) -> String {
    let schema =
        json.pointer("/data/__schema").or_else(|| json.get("__schema")).expect("an introspection result with __schema");
    let mut sdl = String::from("schema {\n");
    for (op, key) in [("query", "queryType"), ("mutation", "mutationType"), ("subscription", "subscriptionType")] {
        if let Some(name) = schema.get(key).and_then(|t| t.get("name")).and_then(Value::as_str) {
            sdl.push_str(&format!("  {op}: {name}\n"));
        }
    }
    sdl.push_str("}\n\n");

    for d in list(schema, "directives") {
        let name = str_of(d, "name");
        if BUILT_IN_DIRECTIVES.contains(&name) {
            continue;
        }
        let locations: Vec<&str> = list(d, "locations").iter().filter_map(|l| l.as_str()).collect();
        let repeatable = if d.get("isRepeatable").and_then(Value::as_bool) == Some(true) { " repeatable" } else { "" };
        sdl.push_str(&format!("directive @{name}{}{repeatable} on {}\n\n", args(d), locations.join(" | ")));
    }

    for t in list(schema, "types") {
        let name = str_of(t, "name");
        if name.starts_with("__") || BUILT_IN_SCALARS.contains(&name) {
            continue;
        }
        match str_of(t, "kind") {
            "SCALAR" => sdl.push_str(&format!("scalar {name}\n\n")),
            "OBJECT" | "INTERFACE" => {
                let keyword = if str_of(t, "kind") == "OBJECT" { "type" } else { "interface" };
                let interfaces: Vec<&str> = list(t, "interfaces").iter().map(|i| str_of(i, "name")).collect();
                let implements = if interfaces.is_empty() {
                    String::new()
                } else {
                    format!(" implements {}", interfaces.join(" & "))
                };
                sdl.push_str(&format!("{keyword} {name}{implements} {{\n"));
                for f in list(t, "fields") {
                    sdl.push_str(&format!("  {}{}: {}\n", str_of(f, "name"), args(f), type_ref(&f["type"])));
                }
                sdl.push_str("}\n\n");
            }
            "UNION" => {
                let members: Vec<&str> = list(t, "possibleTypes").iter().map(|p| str_of(p, "name")).collect();
                sdl.push_str(&format!("union {name} = {}\n\n", members.join(" | ")));
            }
            "ENUM" => {
                sdl.push_str(&format!("enum {name} {{\n"));
                for v in list(t, "enumValues") {
                    sdl.push_str(&format!("  {}\n", str_of(v, "name")));
                }
                sdl.push_str("}\n\n");
            }
            "INPUT_OBJECT" => {
                sdl.push_str(&format!("input {name} {{\n"));
                for f in list(t, "inputFields") {
                    sdl.push_str(&format!("  {}\n", input_value(f)));
                }
                sdl.push_str("}\n\n");
            }
            other => panic!("unknown type kind {other} for {name}"),
        }
    }
    sdl
}

fn list<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key).and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[])
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or_else(|| panic!("missing {key} in {v}"))
}

fn args(field: &Value) -> String {
    let args: Vec<String> = list(field, "args").iter().map(input_value).collect();
    if args.is_empty() { String::new() } else { format!("({})", args.join(", ")) }
}

/// `name: Type = default` — introspection already gives defaults as GraphQL literals.
fn input_value(v: &Value) -> String {
    let mut s = format!("{}: {}", str_of(v, "name"), type_ref(&v["type"]));
    if let Some(default) = v.get("defaultValue").and_then(Value::as_str) {
        s.push_str(&format!(" = {default}"));
    }
    s
}

fn type_ref(t: &Value) -> String {
    match str_of(t, "kind") {
        "NON_NULL" => format!("{}!", type_ref(&t["ofType"])),
        "LIST" => format!("[{}]", type_ref(&t["ofType"])),
        _ => str_of(t, "name").to_owned(),
    }
}
