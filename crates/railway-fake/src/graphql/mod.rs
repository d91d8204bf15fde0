//! GraphQL over HTTP the way Railway answers it: parse the JSON body, parse and validate the
//! document against Sluice's Railway schema with apollo-compiler, pick the operation, coerce the
//! variables, execute with the resolvers, and shape every outcome into Railway's envelopes.
//!
//! [`prepare`] does everything up to execution and is pure; [`execute`] runs the resolvers.

mod coerce;
pub(crate) mod errors;
pub(crate) mod schema;
mod suggest;
mod validate;

use apollo_compiler::ExecutableDocument;
use apollo_compiler::executable::Operation;
use apollo_compiler::resolvers::{Execution, ObjectValue};
use apollo_compiler::response::JsonMap;
use apollo_compiler::validation::Valid;
use serde_json::{Value, json};

use errors::{BAD_REQUEST, BAD_USER_INPUT, VALIDATION_FAILED, request_error, request_errors};

/// A request answered before execution (HTTP 400, or 500 if the schema itself is broken).
#[derive(Debug)]
pub(crate) struct Rejection {
    pub status: u16,
    pub body: Value,
}

/// A request ready to execute.
pub(crate) struct Executable {
    document: Valid<ExecutableDocument>,
    operation_name: Option<String>,
    variables: Valid<JsonMap>,
    pub is_mutation: bool,
}

/// What is known about a request before execution.
pub(crate) struct Prepared {
    /// From the body, else the selected operation's own name.
    pub operation_name: Option<String>,
    pub root_fields: Vec<String>,
    /// `locations` and `path` of the first root field, for injected resolver errors.
    first_root: Option<(Value, Value)>,
    pub outcome: Result<Executable, Rejection>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Body {
    query: Option<Value>,
    variables: Option<Value>,
    operation_name: Option<Value>,
}

fn bad_request(message: &str) -> Rejection {
    Rejection { status: 400, body: request_errors(vec![request_error(message, json!([]), BAD_REQUEST)]) }
}

fn unprepared(rejection: Rejection) -> Prepared {
    Prepared { operation_name: None, root_fields: Vec::new(), first_root: None, outcome: Err(rejection) }
}

/// Parses, validates and coerces one HTTP body (`json_body`: the request said
/// `Content-Type: application/json`, which Railway's server requires).
pub(crate) fn prepare(body: &[u8], json_body: bool) -> Prepared {
    if !json_body {
        return unprepared(bad_request("POST body missing, invalid Content-Type, or JSON object has no keys."));
    }
    let schema = match schema::schema() {
        Ok(schema) => schema,
        Err(problem) => {
            return unprepared(Rejection {
                status: 500,
                body: json!({ "errors": [{ "message": format!("fake schema is broken: {problem}") }] }),
            });
        }
    };
    let parsed: Value = match serde_json::from_slice(body) {
        Ok(value) => value,
        Err(_) => return unprepared(bad_request("POST body is not valid JSON.")),
    };
    if parsed.is_array() {
        return unprepared(bad_request("Operation batching disabled."));
    }
    let Ok(body) = serde_json::from_value::<Body>(parsed) else {
        return unprepared(bad_request("POST body missing, invalid Content-Type, or JSON object has no keys."));
    };
    let query = match body.query {
        Some(Value::String(q)) if !q.trim().is_empty() => q,
        _ => {
            return unprepared(bad_request(
                "GraphQL operations must contain a non-empty `query` or a `persistedQuery` extension.",
            ));
        }
    };
    let variables = match body.variables {
        None | Some(Value::Null) => JsonMap::new(),
        Some(Value::Object(map)) => map.into_iter().map(|(k, v)| (k.into(), v.into())).collect(),
        Some(_) => {
            return unprepared(bad_request(
                "`variables` in a POST body should be provided as an object whose keys are \
                 variable names and values are variable values.",
            ));
        }
    };
    let requested_name = match body.operation_name {
        None | Some(Value::Null) => None,
        Some(Value::String(name)) => Some(name),
        Some(_) => {
            return unprepared(bad_request("`operationName` in a POST body must be a string if provided."));
        }
    };

    let (document, diagnostics) = match ExecutableDocument::parse_and_validate(schema, query, "query.graphql") {
        Ok(document) => (document, None),
        Err(with_errors) => (Valid::assume_valid(with_errors.partial), Some(with_errors.errors)),
    };
    let operation = document.operations.get(requested_name.as_deref()).ok();
    let operation_name =
        requested_name.clone().or_else(|| operation.and_then(|op| op.name.as_ref().map(|n| n.to_string())));
    let root_fields =
        operation.map(|op| op.root_fields(&document).map(|f| f.name.to_string()).collect()).unwrap_or_default();
    let first_root = operation.and_then(|op| first_root(&document, op));
    Prepared {
        operation_name,
        root_fields,
        first_root,
        outcome: finish(schema, document, diagnostics, requested_name, &variables),
    }
}

fn finish(
    schema: &Valid<apollo_compiler::Schema>,
    document: Valid<ExecutableDocument>,
    diagnostics: Option<apollo_compiler::validation::DiagnosticList>,
    requested_name: Option<String>,
    variables: &JsonMap,
) -> Result<Executable, Rejection> {
    if let Some(diagnostics) = diagnostics {
        return Err(Rejection {
            status: 400,
            body: request_errors(validate::diagnostics_to_errors(schema, &diagnostics)),
        });
    }
    let operation = match document.operations.get(requested_name.as_deref()) {
        Ok(op) => op,
        Err(_) => {
            let message = match &requested_name {
                Some(name) => format!("Unknown operation named \"{name}\"."),
                None => "Must provide operation name if query contains multiple operations.".to_owned(),
            };
            return Err(Rejection {
                status: 400,
                body: request_errors(vec![request_error(&message, json!([]), "OPERATION_RESOLUTION_FAILURE")]),
            });
        }
    };
    if let Err(e) = apollo_compiler::introspection::check_max_depth(&document, operation) {
        let error = e.to_graphql_error(&document.sources);
        let locations = serde_json::to_value(&error.locations).unwrap_or(Value::Null);
        return Err(Rejection {
            status: 400,
            body: request_errors(vec![request_error(&error.message, locations, VALIDATION_FAILED)]),
        });
    }
    let user_input_error = |message: &str, locations: Value| Rejection {
        status: 400,
        body: request_errors(vec![request_error(message, locations, BAD_USER_INPUT)]),
    };
    if let Err(message) = coerce::check_variables(schema, operation, variables) {
        return Err(user_input_error(&message, json!([])));
    }
    let coerced = apollo_compiler::request::coerce_variable_values(schema, operation, variables).map_err(|e| {
        let error = e.to_graphql_error(&document.sources);
        let locations = serde_json::to_value(&error.locations).unwrap_or(Value::Null);
        user_input_error(&error.message, locations)
    })?;
    let is_mutation = operation.operation_type.is_mutation();
    Ok(Executable {
        operation_name: operation.name.as_ref().map(|n| n.to_string()),
        document,
        variables: coerced,
        is_mutation,
    })
}

fn first_root(document: &ExecutableDocument, operation: &Operation) -> Option<(Value, Value)> {
    let field = operation.root_fields(document).next()?;
    let location = field.location().and_then(|span| span.line_column(&document.sources));
    let locations = serde_json::to_value(location.into_iter().collect::<Vec<_>>()).ok()?;
    Some((locations, json!([field.response_key().as_str()])))
}

impl Prepared {
    /// A resolver-error answer as if the first root field had failed with `message`.
    pub fn root_field_error(&self, message: &str) -> Value {
        let (locations, path) = self.first_root.clone().unwrap_or_else(|| (json!([]), json!([])));
        json!({
            "errors": [errors::field_error(message, locations, path)],
            "data": null,
        })
    }
}

/// Runs the operation with `root` as the root object; always an HTTP 200 body.
pub(crate) fn execute(executable: &Executable, root: &dyn ObjectValue) -> Value {
    let Ok(schema) = schema::schema() else {
        return json!({ "errors": [{ "message": "fake schema is broken" }], "data": null });
    };
    let Ok(operation) = executable.document.operations.get(executable.operation_name.as_deref()) else {
        return json!({ "errors": [{ "message": "operation vanished" }], "data": null });
    };
    let result = Execution::new(schema, &executable.document)
        .operation(operation)
        .coerced_variable_values(&executable.variables)
        .enable_schema_introspection(true)
        .execute_sync(root);
    match result {
        Ok(response) => errors::execution_body(&response),
        Err(e) => {
            let error = e.to_graphql_error(&executable.document.sources);
            let locations = serde_json::to_value(&error.locations).unwrap_or(Value::Null);
            request_errors(vec![request_error(&error.message, locations, BAD_USER_INPUT)])
        }
    }
}
