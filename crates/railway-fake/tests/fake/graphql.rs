//! GraphQL over HTTP: validation and coercion errors shaped like Railway's, introspection,
//! aliases, fragments, `__typename`, and the transport around them.

use serde_json::{Value, json};

use super::support::*;

#[tokio::test]
async fn misspelled_field_is_a_400_validation_error_with_suggestion() {
    let fake = start().await;
    let reply = gql(&fake, ACCOUNT, "query {\n  workspce(workspaceId: \"x\") { id }\n}", json!({})).await;
    assert_eq!(reply.status, 400);
    assert!(reply.header("content-type").unwrap().starts_with("application/json"));
    let body = reply.json();
    assert!(body.get("data").is_none(), "no data key: {body}");
    let errors = body["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1);
    let error = errors[0].as_object().unwrap();
    let mut keys: Vec<&str> = error.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["extensions", "locations", "message", "traceId"]);
    assert_eq!(error["message"], "Cannot query field \"workspce\" on type \"Query\". Did you mean \"workspace\"?");
    assert_eq!(error["locations"], json!([{ "line": 2, "column": 3 }]));
    assert_eq!(error["extensions"], json!({ "code": "GRAPHQL_VALIDATION_FAILED" }));
    assert_trace_id(&error["traceId"]);
}

#[tokio::test]
async fn unknown_field_without_close_match_has_no_suggestion() {
    let fake = start().await;
    let reply = gql(&fake, Auth::None, "{ nope }", json!({})).await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()["errors"][0]["message"], "Cannot query field \"nope\" on type \"Query\".");
}

#[tokio::test]
async fn other_validation_failures() {
    let fake = start().await;
    let cases = [
        ("{ me }", "Field \"me\" of type \"User!\" must have a selection of subfields. Did you mean \"me { ... }\"?"),
        (
            "{ project { id } }",
            "Field \"project\" argument \"id\" of type \"String!\" is required, but it was not provided.",
        ),
        (
            "{ projects(orderBy: NAME_AS) { edges { cursor } } }",
            "Value \"NAME_AS\" does not exist in \"ProjectsOrderBy\" enum. Did you mean \"NAME_ASC\"?",
        ),
        ("query Q($x: String) { me { id } }", "Variable \"$x\" is never used."),
        ("{ me { id ...Missing } }", "Unknown fragment \"Missing\"."),
        ("subscription { me { id } }", "The schema has no \"subscription\" root type defined"),
    ];
    for (query, message) in cases {
        let reply = gql(&fake, ACCOUNT, query, json!({})).await;
        assert_eq!(reply.status, 400, "{query}");
        let body = reply.json();
        let messages: Vec<&str> =
            body["errors"].as_array().unwrap().iter().map(|e| e["message"].as_str().unwrap()).collect();
        assert!(messages.contains(&message), "{query}: {messages:?}");
        assert_eq!(body["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED");
    }
}

#[tokio::test]
async fn syntax_error_is_a_400_parse_failure() {
    let fake = start().await;
    let reply = gql(&fake, ACCOUNT, "{ me { id ", json!({})).await;
    assert_eq!(reply.status, 400);
    let error = &reply.json()["errors"][0];
    assert!(error["message"].as_str().unwrap().starts_with("Syntax Error: "), "{error}");
    assert_eq!(error["extensions"]["code"], "GRAPHQL_PARSE_FAILED");
}

#[tokio::test]
async fn variable_coercion_failures_are_400_bad_user_input() {
    let fake = start().await;
    let cases = [
        (
            json!({ "environmentId": PRODUCTION }),
            "Variable \"$projectId\" of required type \"String!\" was not provided.",
        ),
        (
            json!({ "projectId": null, "environmentId": PRODUCTION }),
            "Variable \"$projectId\" of non-null type \"String!\" must not be null.",
        ),
        (
            json!({ "projectId": 5, "environmentId": PRODUCTION }),
            "Variable \"$projectId\" got invalid value; String cannot represent a non string value.",
        ),
        (
            json!({ "projectId": PROJECT, "environmentId": PRODUCTION, "unrendered": "yes" }),
            "Variable \"$unrendered\" got invalid value; Boolean cannot represent a non boolean value.",
        ),
    ];
    for (variables, message) in cases {
        let reply = gql(&fake, ACCOUNT, VARIABLES, variables.clone()).await;
        assert_eq!(reply.status, 400, "{variables}");
        let body = reply.json();
        assert!(body.get("data").is_none());
        assert_eq!(body["errors"][0]["message"], message);
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
        assert_trace_id(&body["errors"][0]["traceId"]);
    }
    let input = json!({ "input": { "projectId": PROJECT, "environmentId": PRODUCTION, "name": "A", "vlaue": "x" } });
    let reply = gql(&fake, ACCOUNT, UPSERT, input).await;
    assert_eq!(reply.status, 400);
    assert_eq!(
        reply.json()["errors"][0]["message"],
        "Variable \"$input\" got invalid value; Field \"vlaue\" is not defined by type \"VariableUpsertInput\". Did you mean \"value\" or \"name\"?"
    );
    let input = json!({ "input": { "projectId": PROJECT, "environmentId": PRODUCTION, "name": "A", "value": 1 } });
    let reply = gql(&fake, ACCOUNT, UPSERT, input).await;
    assert_eq!(
        reply.json()["errors"][0]["message"],
        "Variable \"$input\" got invalid value at \"input.value\"; String cannot represent a non string value."
    );
    assert!(fake.deploys().is_empty());
}

#[tokio::test]
async fn malformed_bodies_are_400() {
    let fake = start().await;
    for body in ["not json", "[]", "{}", r#"{"query": ""}"#, r#"{"query":"{ me { id } }","variables":[1]}"#] {
        let reply = post_raw(&fake, ACCOUNT, body.to_owned()).await;
        assert_eq!(reply.status, 400, "{body}");
        assert_eq!(reply.json()["errors"][0]["extensions"]["code"], "BAD_REQUEST", "{body}");
    }
}

#[tokio::test]
async fn a_body_not_sent_as_json_is_refused() {
    let fake = start().await;
    let client = reqwest::Client::new();
    for content_type in [None, Some("text/plain"), Some("application/x-www-form-urlencoded")] {
        let mut request = client
            .post(fake.graphql_url())
            .bearer_auth(ACCOUNT_TOKEN)
            .body(json!({ "query": "{ me { id } }" }).to_string());
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 400, "{content_type:?}");
    }
    let response = client
        .post(fake.graphql_url())
        .bearer_auth(ACCOUNT_TOKEN)
        .header("content-type", "application/json; charset=utf-8")
        .body(json!({ "query": "{ me { id } }" }).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn introspection_works_anonymously() {
    let fake = start().await;
    let data =
        gql(&fake, Auth::None, "{ __schema { queryType { name } mutationType { name } } }", json!({})).await.data();
    assert_eq!(
        data,
        json!({ "__schema": { "queryType": { "name": "Query" }, "mutationType": { "name": "Mutation" } } })
    );

    let query = r#"{ __type(name: "VariableCollectionUpsertInput") { name kind inputFields { name type { kind name ofType { name } } } } }"#;
    let data = gql(&fake, Auth::None, query, json!({})).await.data();
    assert_eq!(data["__type"]["kind"], "INPUT_OBJECT");
    let fields = data["__type"]["inputFields"].as_array().unwrap();
    let replace = fields.iter().find(|f| f["name"] == "replace").unwrap();
    assert_eq!(replace["type"], json!({ "kind": "SCALAR", "name": "Boolean", "ofType": null }));
    let variables = fields.iter().find(|f| f["name"] == "variables").unwrap();
    assert_eq!(variables["type"]["kind"], "NON_NULL");
    assert_eq!(variables["type"]["ofType"]["name"], "EnvironmentVariables");

    let data = gql(&fake, Auth::None, "{ __type(name: \"Nope\") { name } }", json!({})).await.data();
    assert_eq!(data, json!({ "__type": null }));
}

#[tokio::test]
async fn full_introspection_query_succeeds() {
    let fake = start().await;
    let query = "query IntrospectionQuery { __schema { queryType { name } mutationType { name } subscriptionType { name }
      types { ...FullType } directives { name locations args { ...InputValue } } } }
      fragment FullType on __Type { kind name description
        fields(includeDeprecated: true) { name args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
        inputFields { ...InputValue } interfaces { ...TypeRef }
        enumValues(includeDeprecated: true) { name isDeprecated } possibleTypes { ...TypeRef } }
      fragment InputValue on __InputValue { name type { ...TypeRef } defaultValue }
      fragment TypeRef on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }";
    let data = gql(&fake, Auth::None, query, json!({})).await.data();
    let types = data["__schema"]["types"].as_array().unwrap();
    assert!(types.iter().any(|t| t["name"] == "QueryProjectsConnection"));
    assert!(types.iter().any(|t| t["name"] == "DeploymentStatus"));
}

#[tokio::test]
async fn aliases_fragments_and_typename() {
    let fake = start().await;
    let query = "query Mix($p: String!) {
      __typename
      who: me { __typename ...UserBits }
      prod: environment(id: \"44444444-4444-4444-8444-444444444444\") { ... on Environment { name } }
      project(id: $p) { __typename id title: name services { edges { node { ...ServiceBits } } } }
    }
    fragment UserBits on User { id mail: email }
    fragment ServiceBits on Service { __typename name }";
    let data = gql(&fake, ACCOUNT, query, json!({ "p": PROJECT })).await.data();
    assert_eq!(
        data,
        json!({
            "__typename": "Query",
            "who": { "__typename": "User", "id": USER, "mail": "dev@acme.test" },
            "prod": { "name": "production" },
            "project": {
                "__typename": "Project", "id": PROJECT, "title": "shop",
                "services": { "edges": [
                    { "node": { "__typename": "Service", "name": "api" } },
                    { "node": { "__typename": "Service", "name": "worker" } }
                ] }
            }
        })
    );
}

#[tokio::test]
async fn operation_name_selects_among_several() {
    let fake = start().await;
    let query = "query A { me { id } } query B { apiToken { workspaces { id } } }";
    let data = gql_op(&fake, ACCOUNT, "B", query, json!({})).await.data();
    assert_eq!(data, json!({ "apiToken": { "workspaces": [{ "id": WORKSPACE }] } }));
    let reply = gql(&fake, ACCOUNT, query, json!({})).await;
    assert_eq!(reply.status, 400);
    assert_eq!(
        reply.json()["errors"][0]["message"],
        "Must provide operation name if query contains multiple operations."
    );
    let reply = gql_op(&fake, ACCOUNT, "C", query, json!({})).await;
    assert_eq!(reply.json()["errors"][0]["message"], "Unknown operation named \"C\".");
}

#[tokio::test]
async fn query_string_is_ignored_and_other_paths_are_404() {
    let fake = start().await;
    let client = reqwest::Client::new();
    let url = format!("{}?source=terraform_provider_railway", fake.graphql_url());
    let response =
        client.post(url).bearer_auth(ACCOUNT_TOKEN).json(&json!({ "query": "{ me { id } }" })).send().await.unwrap();
    assert_eq!(response.status(), 200);

    for (method, path) in [("POST", "/graphql/internal"), ("GET", "/"), ("GET", "/graphql/v2"), ("POST", "/graphql")] {
        let url = format!("{}{path}", fake.base_url());
        let response = client.request(method.parse().unwrap(), url).send().await.unwrap();
        assert_eq!(response.status(), 404, "{method} {path}");
        assert!(response.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["message"], "Not Found");
        let request_id = body["requestId"].as_str().unwrap();
        assert!(uuid::Uuid::parse_str(request_id).is_ok(), "{request_id}");
    }
}
