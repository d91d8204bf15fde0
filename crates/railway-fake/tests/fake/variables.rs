//! Reading variables (reference §10.5): scopes, rendered vs unrendered, sealed values, and the
//! Railway-provided `RAILWAY_*` variables.

use serde_json::{Value, json};

use super::support::*;

fn vars(reply: Reply) -> serde_json::Map<String, Value> {
    reply.data()["variables"].as_object().unwrap().clone()
}

#[tokio::test]
async fn unrendered_returns_stored_strings_and_sealed_as_null() {
    let fake = start().await;
    let api = vars(read_variables(&fake, PROJ, PRODUCTION, Some(API), true).await);
    assert_eq!(
        Value::Object(api),
        json!({
            "DATABASE_URL": "postgres://shop:example-password@db.railway.internal:5432/shop",
            "LOG_LEVEL": "${{shared.LOG_LEVEL}}",
            "STRIPE_SECRET_KEY": null
        })
    );
}

#[tokio::test]
async fn rendered_service_output_substitutes_and_adds_railway_variables() {
    let fake = start().await;
    let api = vars(read_variables(&fake, ACCOUNT, PRODUCTION, Some(API), false).await);
    assert_eq!(api["LOG_LEVEL"], "info");
    assert_eq!(api["STRIPE_SECRET_KEY"], Value::Null);
    for (name, value) in [
        ("RAILWAY_ENVIRONMENT_ID", PRODUCTION),
        ("RAILWAY_ENVIRONMENT_NAME", "production"),
        ("RAILWAY_PROJECT_ID", PROJECT),
        ("RAILWAY_PROJECT_NAME", "shop"),
        ("RAILWAY_SERVICE_ID", API),
        ("RAILWAY_SERVICE_NAME", "api"),
        ("RAILWAY_PRIVATE_DOMAIN", "api.railway.internal"),
    ] {
        assert_eq!(api[name], value, "{name}");
    }
    let worker = vars(read_variables(&fake, ACCOUNT, PRODUCTION, Some(WORKER), false).await);
    assert_eq!(worker["API_INTERNAL_URL"], "http://api.railway.internal:8080", "spaces inside braces");
}

#[tokio::test]
async fn railway_variables_only_in_rendered_service_output() {
    let fake = start().await;
    let cases = [(Some(API), true), (None, true), (None, false)];
    for (service, unrendered) in cases {
        let map = vars(read_variables(&fake, ACCOUNT, PRODUCTION, service, unrendered).await);
        assert!(!map.keys().any(|k| k.starts_with("RAILWAY_")), "{service:?} unrendered={unrendered}");
    }
    let map = vars(read_variables(&fake, ACCOUNT, PRODUCTION, Some(API), false).await);
    assert_eq!(map.keys().filter(|k| k.starts_with("RAILWAY_")).count(), 8);
}

#[tokio::test]
async fn shared_scope_when_service_id_is_omitted_or_null() {
    let fake = start().await;
    let omitted = vars(read_variables(&fake, ACCOUNT, PRODUCTION, None, true).await);
    let null = vars(
        gql(
            &fake,
            ACCOUNT,
            VARIABLES,
            json!({ "projectId": PROJECT, "environmentId": PRODUCTION, "serviceId": null, "unrendered": true }),
        )
        .await,
    );
    assert_eq!(omitted, null);
    assert_eq!(Value::Object(omitted), json!({ "LOG_LEVEL": "info", "PUBLIC_URL": "https://shop.example.com" }));
    let staging = vars(read_variables(&fake, ACCOUNT, STAGING, None, true).await);
    assert_eq!(Value::Object(staging), json!({ "LOG_LEVEL": "debug" }));
}

#[tokio::test]
async fn unresolvable_references_render_empty_and_rendering_follows_edits() {
    let fake = start().await;
    fake.set_variable(
        PRODUCTION,
        Some(API),
        "BROKEN",
        "postgresql://${{Postgres.USER}}:@${{ shared.NOPE }}:/${{MISSING}}",
        false,
    );
    fake.set_variable(PRODUCTION, Some(API), "SELF", "${{DATABASE_URL}}?ssl=1", false);
    fake.set_variable(PRODUCTION, None, "LOG_LEVEL", "warn", false);
    let api = vars(read_variables(&fake, ACCOUNT, PRODUCTION, Some(API), false).await);
    assert_eq!(api["BROKEN"], "postgresql://:@:/");
    assert_eq!(api["SELF"], "postgres://shop:example-password@db.railway.internal:5432/shop?ssl=1");
    assert_eq!(api["LOG_LEVEL"], "warn");
}

#[tokio::test]
async fn empty_scope_is_an_empty_object() {
    let fake = start().await;
    let worker = vars(read_variables(&fake, ACCOUNT, STAGING, Some(WORKER), true).await);
    assert!(worker.is_empty());
}
