//! Variable coercion checks with graphql-js's wording (Railway answers these as HTTP 400
//! `BAD_USER_INPUT`). apollo-compiler does the actual coercion afterwards; this pass exists to
//! phrase the errors the way Railway's server does.
//!
//! Unlike graphql-js, messages never echo the offending value: variables carry secrets.

use apollo_compiler::Schema;
use apollo_compiler::ast::Type;
use apollo_compiler::executable::Operation;
use apollo_compiler::response::{JsonMap, JsonValue};
use apollo_compiler::schema::ExtendedType;

use super::suggest::{did_you_mean, suggestion_list};

/// Checks every variable of `operation` against `values`; the first problem as a message.
pub(crate) fn check_variables(schema: &Schema, operation: &Operation, values: &JsonMap) -> Result<(), String> {
    for def in &operation.variables {
        let name = def.name.as_str();
        let ty = &*def.ty;
        match values.get(name) {
            None if ty.is_non_null() && def.default_value.is_none() => {
                return Err(format!("Variable \"${name}\" of required type \"{ty}\" was not provided."));
            }
            None => {}
            Some(JsonValue::Null) if ty.is_non_null() => {
                return Err(format!("Variable \"${name}\" of non-null type \"{ty}\" must not be null."));
            }
            Some(value) => {
                let mut path = vec![name.to_owned()];
                if let Err(problem) = check_value(schema, ty, value, &mut path) {
                    let at = if path.len() > 1 { format!(" at \"{}\"", path.join(".")) } else { String::new() };
                    return Err(format!("Variable \"${name}\" got invalid value{at}; {problem}"));
                }
            }
        }
    }
    Ok(())
}

fn check_value(schema: &Schema, ty: &Type, value: &JsonValue, path: &mut Vec<String>) -> Result<(), String> {
    if value.is_null() {
        return if ty.is_non_null() {
            Err(format!("Expected non-nullable type \"{ty}\" not to be null."))
        } else {
            Ok(())
        };
    }
    match ty {
        Type::List(inner) | Type::NonNullList(inner) => match value.as_array() {
            Some(items) => {
                for (i, item) in items.iter().enumerate() {
                    path.push(i.to_string());
                    check_value(schema, inner, item, path)?;
                    path.pop();
                }
                Ok(())
            }
            None => check_value(schema, inner, value, path),
        },
        Type::Named(name) | Type::NonNullNamed(name) => check_named(schema, name.as_str(), value, path),
    }
}

fn check_named(schema: &Schema, name: &str, value: &JsonValue, path: &mut Vec<String>) -> Result<(), String> {
    match schema.types.get(name) {
        Some(ExtendedType::Scalar(_)) => check_scalar(name, value),
        Some(ExtendedType::Enum(def)) => {
            let Some(text) = value.as_str() else {
                return Err(format!("Enum \"{name}\" cannot represent non-string value."));
            };
            if def.values.contains_key(text) {
                Ok(())
            } else {
                let names = def.values.keys().map(|k| k.as_str());
                Err(format!(
                    "Value \"{text}\" does not exist in \"{name}\" enum.{}",
                    did_you_mean(&suggestion_list(text, names))
                ))
            }
        }
        Some(ExtendedType::InputObject(def)) => {
            let Some(object) = value.as_object() else {
                return Err(format!("Expected type \"{name}\" to be an object."));
            };
            for key in object.keys() {
                let key = key.as_str();
                if !def.fields.contains_key(key) {
                    let names = def.fields.keys().map(|k| k.as_str());
                    return Err(format!(
                        "Field \"{key}\" is not defined by type \"{name}\".{}",
                        did_you_mean(&suggestion_list(key, names))
                    ));
                }
            }
            for (field, field_def) in &def.fields {
                match object.get(field.as_str()) {
                    None if field_def.ty.is_non_null() && field_def.default_value.is_none() => {
                        return Err(format!(
                            "Field \"{field}\" of required type \"{}\" was not provided.",
                            field_def.ty
                        ));
                    }
                    None => {}
                    Some(field_value) => {
                        path.push(field.to_string());
                        check_value(schema, &field_def.ty, field_value, path)?;
                        path.pop();
                    }
                }
            }
            Ok(())
        }
        // Output types cannot be variable types; validation has already refused them.
        _ => Ok(()),
    }
}

fn check_scalar(name: &str, value: &JsonValue) -> Result<(), String> {
    let ok = match name {
        "String" => value.is_string(),
        "Boolean" => value.is_boolean(),
        "ID" => value.is_string() || value.is_i64() || value.is_u64(),
        "Float" => value.is_number(),
        "Int" => {
            if value.as_i64().is_some_and(|i| i32::try_from(i).is_ok()) {
                true
            } else if value.is_number() && value.as_f64().is_some_and(|f| f.fract() == 0.0) {
                return Err("Int cannot represent non 32-bit signed integer value.".to_owned());
            } else {
                false
            }
        }
        // Custom scalars (EnvironmentVariables, DateTime, JSON) accept any JSON here; their
        // resolvers check the shape they need.
        _ => true,
    };
    if ok {
        return Ok(());
    }
    Err(match name {
        "String" => "String cannot represent a non string value.".to_owned(),
        "Boolean" => "Boolean cannot represent a non boolean value.".to_owned(),
        "ID" => "ID cannot represent value.".to_owned(),
        "Float" => "Float cannot represent non numeric value.".to_owned(),
        _ => "Int cannot represent non-integer value.".to_owned(),
    })
}
