//! What a delivery says, decided from its stored row alone (pure): the webhook body in
//! Standard Webhooks' payload shape `{"type", "timestamp", "data"}`, and the email's
//! subject and text. The stored `data` holds names, ids, counts and messages, never a
//! secret value, and nothing is added here but the event's type and time.

use serde_json::{Value, json};
use sluice_domain::EventType;
use sluice_storage::notifications::DeliveryRow;

/// The event's `data` object as stored (an unreadable one reads as `{}`).
fn data_of(row: &DeliveryRow) -> Value {
    serde_json::from_str(&row.data).unwrap_or_else(|_| json!({}))
}

/// The webhook body: `{"type":"sync.failed","timestamp":"2026-…Z","data":{…}}`, minified.
/// The same on every attempt (the timestamp is the event's, not the attempt's).
pub fn webhook_body(row: &DeliveryRow) -> String {
    json!({
        "type": row.event_type,
        "timestamp": sluice_api_types::iso(row.created_at),
        "data": data_of(row),
    })
    .to_string()
}

/// `[Sluice] A sync failed: shop-api`.
pub fn email_subject(row: &DeliveryRow) -> String {
    let data = data_of(row);
    let subject = ["syncName", "connectionName", "channelName"].iter().find_map(|k| data.get(*k)?.as_str());
    match subject {
        Some(name) => format!("[Sluice] {}: {name}", row.event_type.describe()),
        None => format!("[Sluice] {}", row.event_type.describe()),
    }
}

/// The email's text: what happened, then every field of the event, one per line.
pub fn email_text(row: &DeliveryRow, channel_name: &str) -> String {
    let data = data_of(row);
    let mut text = format!("{}.\n\n", row.event_type.describe());
    if let Some(message) = data.get("message").and_then(Value::as_str) {
        text.push_str(&format!("{message}\n\n"));
    }
    if let Value::Object(fields) = &data {
        for (key, value) in fields {
            let shown = match value {
                Value::String(s) => s.clone(),
                Value::Null => continue,
                other => other.to_string(),
            };
            text.push_str(&format!("{key}: {shown}\n"));
        }
    }
    text.push_str(&format!(
        "\nevent: {} {} at {}\n\n-- \nSent by Sluice to the notification channel \"{channel_name}\".\n",
        row.event_type,
        row.event_id,
        sluice_api_types::iso(row.created_at)
    ));
    if row.event_type == EventType::Test {
        text.push_str("This is a test: nothing happened to your syncs.\n");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use sluice_domain::{ChannelId, DeliveryId, DeliveryStatus, EventId, ProjectId};

    fn row(event: EventType, data: Value) -> DeliveryRow {
        DeliveryRow {
            id: DeliveryId::new(),
            project_id: ProjectId::new(),
            channel_id: ChannelId::new(),
            event_id: EventId::new(),
            event_type: event,
            data: data.to_string(),
            status: DeliveryStatus::Pending,
            attempts: 1,
            max_attempts: 6,
            next_attempt_at: Some(0),
            lease_owner: None,
            lease_until: None,
            last_status: None,
            last_error: None,
            created_at: 1_745_437_594_831,
            updated_at: 0,
            finished_at: None,
        }
    }

    #[test]
    fn the_body_is_the_standard_webhooks_payload_shape() {
        let r = row(EventType::SyncFailed, json!({"syncName": "shop-api", "attempt": 3}));
        assert_eq!(
            webhook_body(&r),
            r#"{"type":"sync.failed","timestamp":"2025-04-23T19:46:34.831Z","data":{"syncName":"shop-api","attempt":3}}"#
        );
    }

    #[test]
    fn emails_name_the_sync_and_list_the_fields() {
        let r = row(EventType::SyncFailed, json!({"syncName": "shop-api", "message": "Railway refused", "attempt": 3}));
        assert_eq!(email_subject(&r), "[Sluice] A sync failed: shop-api");
        let text = email_text(&r, "ops");
        assert!(text.starts_with("A sync failed.\n\nRailway refused\n\n"), "{text}");
        assert!(text.contains("syncName: shop-api\n") && text.contains("attempt: 3\n"), "{text}");
        assert!(text.contains("notification channel \"ops\""), "{text}");
        assert_eq!(email_subject(&row(EventType::Test, json!({}))), "[Sluice] Test event");
    }
}
