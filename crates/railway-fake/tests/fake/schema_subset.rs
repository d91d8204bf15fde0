//! `schema/railway/railway.graphql` is a faithful subset of Railway's published schema: every
//! type, field, argument, input field and enum value it declares exists in Railway's
//! introspection (`/work/shared/railway/schema.json`, or `SLUICE_RAILWAY_SCHEMA_JSON`) with the
//! same type, nullability, list wrapping and default; and nothing Railway requires
//! (non-null arguments and input fields without a default) is missing.

use std::collections::BTreeMap;
use std::path::PathBuf;

use apollo_compiler::Schema;
use apollo_compiler::schema::ExtendedType;
use serde_json::Value;
use sluice_railway_fake::SCHEMA_SDL;

/// Input values as (name, type, default).
type InputList = Vec<(String, String, Option<String>)>;
/// Fields as (name, type, arguments).
type FieldList = Vec<(String, String, InputList)>;

fn railway_schema_path() -> PathBuf {
    match std::env::var_os("SLUICE_RAILWAY_SCHEMA_JSON") {
        Some(path) => PathBuf::from(path),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/railway/schema.json"),
    }
}

/// Prints a type reference of the introspection JSON as SDL (`[Foo!]!`).
fn type_ref(t: &Value) -> String {
    match t["kind"].as_str() {
        Some("NON_NULL") => format!("{}!", type_ref(&t["ofType"])),
        Some("LIST") => format!("[{}]", type_ref(&t["ofType"])),
        _ => t["name"].as_str().unwrap_or("?").to_owned(),
    }
}

/// Railway's input values (arguments or input fields) by name: (type, default).
fn inputs(list: &Value) -> BTreeMap<String, (String, Option<String>)> {
    list.as_array()
        .into_iter()
        .flatten()
        .map(|v| {
            let name = v["name"].as_str().unwrap_or_default().to_owned();
            let default = v["defaultValue"].as_str().map(str::to_owned);
            (name, (type_ref(&v["type"]), default))
        })
        .collect()
}

fn compare_inputs(
    problems: &mut Vec<String>,
    at: &str,
    ours: impl Iterator<Item = (String, String, Option<String>)>,
    theirs: &BTreeMap<String, (String, Option<String>)>,
) {
    let mut seen = Vec::new();
    for (name, ty, default) in ours {
        match theirs.get(&name) {
            None => problems.push(format!("{at}({name}:) does not exist in Railway's schema")),
            Some((their_ty, their_default)) => {
                if &ty != their_ty {
                    problems.push(format!("{at}({name}:) is {ty}, Railway has {their_ty}"));
                }
                if &default != their_default {
                    problems.push(format!("{at}({name}:) defaults to {default:?}, Railway to {their_default:?}"));
                }
            }
        }
        seen.push(name);
    }
    for (name, (ty, default)) in theirs {
        if ty.ends_with('!') && default.is_none() && !seen.contains(name) {
            problems.push(format!("{at}({name}: {ty}) is required by Railway but missing here"));
        }
    }
}

#[test]
fn sdl_subset_matches_railway_schema() {
    let path = railway_schema_path();
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!(
            "skipped: Railway's schema not found at {} (set SLUICE_RAILWAY_SCHEMA_JSON to check the subset)",
            path.display()
        );
        return;
    };
    let json: Value = serde_json::from_str(&text).unwrap();
    let schema_json = &json["data"]["__schema"];
    let theirs: BTreeMap<&str, &Value> =
        schema_json["types"].as_array().unwrap().iter().map(|t| (t["name"].as_str().unwrap(), t)).collect();
    assert_eq!(schema_json["queryType"]["name"], "Query");
    assert_eq!(schema_json["mutationType"]["name"], "Mutation");

    let ours = Schema::parse_and_validate(SCHEMA_SDL, "railway.graphql").unwrap();
    let mut problems = Vec::new();
    let mut checked = 0;
    for (name, def) in &ours.types {
        if name.starts_with("__") || def.is_built_in() {
            continue;
        }
        checked += 1;
        let Some(their) = theirs.get(name.as_str()) else {
            problems.push(format!("type {name} does not exist in Railway's schema"));
            continue;
        };
        let kind = their["kind"].as_str().unwrap_or_default();
        let expected_kind = match def {
            ExtendedType::Scalar(_) => "SCALAR",
            ExtendedType::Object(_) => "OBJECT",
            ExtendedType::Interface(_) => "INTERFACE",
            ExtendedType::Union(_) => "UNION",
            ExtendedType::Enum(_) => "ENUM",
            ExtendedType::InputObject(_) => "INPUT_OBJECT",
        };
        if kind != expected_kind {
            problems.push(format!("{name} is {expected_kind} here, {kind} in Railway's schema"));
            continue;
        }
        let fields = |def_fields: FieldList, problems: &mut Vec<String>| {
            let their_fields: BTreeMap<String, &Value> = their["fields"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|f| (f["name"].as_str().unwrap_or_default().to_owned(), f))
                .collect();
            for (field, ty, args) in def_fields {
                let Some(their_field) = their_fields.get(&field) else {
                    problems.push(format!("{name}.{field} does not exist in Railway's schema"));
                    continue;
                };
                let their_ty = type_ref(&their_field["type"]);
                if ty != their_ty {
                    problems.push(format!("{name}.{field} is {ty}, Railway has {their_ty}"));
                }
                compare_inputs(problems, &format!("{name}.{field}"), args.into_iter(), &inputs(&their_field["args"]));
            }
        };
        match def {
            ExtendedType::Object(obj) => {
                let list = obj
                    .fields
                    .values()
                    .map(|f| {
                        let args = f
                            .arguments
                            .iter()
                            .map(|a| {
                                (a.name.to_string(), a.ty.to_string(), a.default_value.as_ref().map(|v| v.to_string()))
                            })
                            .collect();
                        (f.name.to_string(), f.ty.to_string(), args)
                    })
                    .collect();
                fields(list, &mut problems);
                let their_interfaces: Vec<&str> =
                    their["interfaces"].as_array().into_iter().flatten().filter_map(|i| i["name"].as_str()).collect();
                for interface in &obj.implements_interfaces {
                    if !their_interfaces.contains(&interface.as_str()) {
                        problems.push(format!("{name} implements {} only here", interface.name));
                    }
                }
            }
            ExtendedType::Interface(iface) => {
                let list = iface.fields.values().map(|f| (f.name.to_string(), f.ty.to_string(), Vec::new())).collect();
                fields(list, &mut problems);
            }
            ExtendedType::InputObject(input) => {
                let list = input
                    .fields
                    .values()
                    .map(|f| (f.name.to_string(), f.ty.to_string(), f.default_value.as_ref().map(|v| v.to_string())));
                compare_inputs(&mut problems, name.as_str(), list, &inputs(&their["inputFields"]));
            }
            ExtendedType::Enum(e) => {
                let mut ours: Vec<String> = e.values.keys().map(|k| k.to_string()).collect();
                let mut their_values: Vec<String> = their["enumValues"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|v| v["name"].as_str().map(str::to_owned))
                    .collect();
                ours.sort();
                their_values.sort();
                if ours != their_values {
                    problems.push(format!("enum {name} is {ours:?} here, {their_values:?} in Railway's schema"));
                }
            }
            ExtendedType::Scalar(_) | ExtendedType::Union(_) => {}
        }
    }
    assert!(checked > 40, "only {checked} types checked");
    assert!(problems.is_empty(), "schema subset drifted from Railway's:\n{}", problems.join("\n"));
}
