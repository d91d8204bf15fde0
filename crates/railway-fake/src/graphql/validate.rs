//! Turning apollo-compiler diagnostics into Railway's HTTP 400 errors: graphql-js wording,
//! `locations`, the `GRAPHQL_VALIDATION_FAILED` (or `GRAPHQL_PARSE_FAILED`) code, and the
//! "Did you mean ...?" suggestions graphql-js appends.

use apollo_compiler::Schema;
use apollo_compiler::schema::ExtendedType;
use apollo_compiler::validation::DiagnosticList;
use serde_json::Value;

use super::errors::{PARSE_FAILED, VALIDATION_FAILED, request_error};
use super::suggest::{did_you_mean, suggestion_list};

/// The error objects for a document that failed to parse or validate.
pub(crate) fn diagnostics_to_errors(schema: &Schema, diagnostics: &DiagnosticList) -> Vec<Value> {
    diagnostics
        .iter()
        .map(|diagnostic| {
            let compat = diagnostic.unstable_to_json_compat();
            let locations = serde_json::to_value(&compat.locations).unwrap_or(Value::Null);
            let raw = diagnostic.error.to_string();
            if let Some(rest) = raw.strip_prefix("syntax error: ") {
                let message = format!("Syntax Error: {}", capitalize(rest));
                request_error(&message, locations, PARSE_FAILED)
            } else {
                let message = with_suggestion(schema, &fix_selection_type(schema, &compat.message));
                request_error(&message, locations, VALIDATION_FAILED)
            }
        })
        .collect()
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Appends graphql-js's suggestion to the messages it makes suggestions for.
fn with_suggestion(schema: &Schema, message: &str) -> String {
    let quoted = quoted_parts(message);
    let suggestions = match quoted.as_slice() {
        [field, ty] if message.starts_with("Cannot query field ") => {
            field_names(schema, ty).map(|names| suggestion_list(field, names.iter().map(String::as_str)))
        }
        [arg, coordinate] if message.starts_with("Unknown argument ") => {
            argument_names(schema, coordinate).map(|names| suggestion_list(arg, names.iter().map(String::as_str)))
        }
        [field, ty] if message.ends_with("\".") && message.contains("is not defined by type") => {
            field_names(schema, ty).map(|names| suggestion_list(field, names.iter().map(String::as_str)))
        }
        [ty] if message.starts_with("Unknown type ") => {
            Some(suggestion_list(ty, schema.types.keys().map(|k| k.as_str())))
        }
        [value, ty] if message.ends_with("enum.") => match schema.types.get(ty.as_str()) {
            Some(ExtendedType::Enum(def)) => Some(suggestion_list(value, def.values.keys().map(|k| k.as_str()))),
            _ => None,
        },
        _ => None,
    };
    match suggestions {
        Some(list) if !list.is_empty() => format!("{message}{}", did_you_mean(&list)),
        _ => message.to_owned(),
    }
}

/// apollo-compiler names the parent type in "must have a selection of subfields"; graphql-js
/// names the field's own type (`Field "me" of type "User!" ...`).
fn fix_selection_type(schema: &Schema, message: &str) -> String {
    if !message.contains("must have a selection of subfields") {
        return message.to_owned();
    }
    let quoted = quoted_parts(message);
    let [field, parent, ..] = quoted.as_slice() else {
        return message.to_owned();
    };
    let ty = match schema.types.get(parent.as_str()) {
        Some(ExtendedType::Object(def)) => def.fields.get(field.as_str()).map(|f| f.ty.to_string()),
        Some(ExtendedType::Interface(def)) => def.fields.get(field.as_str()).map(|f| f.ty.to_string()),
        _ => None,
    };
    match ty {
        Some(ty) => message.replacen(&format!("of type \"{parent}\""), &format!("of type \"{ty}\""), 1),
        None => message.to_owned(),
    }
}

/// The `"..."`-quoted parts of a message, in order.
fn quoted_parts(message: &str) -> Vec<String> {
    message.split('"').skip(1).step_by(2).map(str::to_owned).collect()
}

fn field_names(schema: &Schema, type_name: &str) -> Option<Vec<String>> {
    let names = match schema.types.get(type_name)? {
        ExtendedType::Object(def) => def.fields.keys().map(|k| k.to_string()).collect(),
        ExtendedType::Interface(def) => def.fields.keys().map(|k| k.to_string()).collect(),
        ExtendedType::InputObject(def) => def.fields.keys().map(|k| k.to_string()).collect(),
        _ => return None,
    };
    Some(names)
}

fn argument_names(schema: &Schema, coordinate: &str) -> Option<Vec<String>> {
    let (type_name, field) = coordinate.split_once('.')?;
    let def = match schema.types.get(type_name)? {
        ExtendedType::Object(def) => def.fields.get(field)?,
        ExtendedType::Interface(def) => def.fields.get(field)?,
        _ => return None,
    };
    Some(def.arguments.iter().map(|a| a.name.to_string()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graphql::schema::schema;

    fn message(query: &str) -> Vec<String> {
        let schema = schema().expect("schema");
        let errors =
            apollo_compiler::ExecutableDocument::parse_and_validate(schema, query, "q.graphql").expect_err("invalid");
        diagnostics_to_errors(schema, &errors.errors)
            .iter()
            .map(|e| e["message"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    #[test]
    fn messages_match_graphql_js() {
        assert_eq!(message("{ nope }"), vec!["Cannot query field \"nope\" on type \"Query\"."]);
        assert_eq!(
            message("{ workspce(workspaceId: \"x\") { id } }"),
            vec!["Cannot query field \"workspce\" on type \"Query\". Did you mean \"workspace\"?"]
        );
        assert_eq!(
            message("{ me { id emial } }"),
            vec!["Cannot query field \"emial\" on type \"User\". Did you mean \"email\"?"]
        );
        assert_eq!(
            message("{ project(id: \"x\", nme: 1) { id } }"),
            vec!["Unknown argument \"nme\" on field \"Query.project\"."]
        );
        let both = message("{ environments(projectI: \"x\") { edges { cursor } } }");
        assert!(both.contains(
            &"Unknown argument \"projectI\" on field \"Query.environments\". Did you mean \"projectId\"?".to_owned()
        ));
        assert!(both.contains(
            &"Field \"environments\" argument \"projectId\" of type \"String!\" is required, but it was not provided."
                .to_owned()
        ));
        assert_eq!(
            message("{ me }"),
            vec!["Field \"me\" of type \"User!\" must have a selection of subfields. Did you mean \"me { ... }\"?"]
        );
        assert!(message("{ me { id ")[0].starts_with("Syntax Error: "));
    }
}
