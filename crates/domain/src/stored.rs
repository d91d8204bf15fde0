//! How domain values are read from and written to the database (feature `sqlx`, which
//! only `sluice-storage` turns on): typed ids, words and names as text columns, sync
//! settings as JSON text. This is the storage edge: a row that decodes holds valid
//! values, so nothing above storage wraps or re-parses a column again.
//!
//! Every impl is for sqlx's `Any` driver, the one storage runs on both backends.

use crate::ids::*;
use crate::names::FolderPath;
use crate::notifications::{ChannelKind, DeliveryStatus, EventType};
use crate::status::{ActorType, App, DriftStatus, JobKind, JobState, RunStatus, SyncStatus, Trigger, VersionAction};
use crate::sync_config::{DestinationConfig, SyncOptions};
use sqlx::any::{Any, AnyTypeInfo};
use sqlx::decode::Decode;
use sqlx::encode::{Encode, IsNull};
use sqlx::error::BoxDynError;
use sqlx::{Database, Type};

/// Implements `Type`, `Decode` and `Encode` over a text column: `$decode` turns the
/// stored text into the value, `$encode` the value into the text to store.
macro_rules! text_column {
    ($ty:ty, |$text:ident| $decode:expr, |$value:ident| $encode:expr) => {
        impl Type<Any> for $ty {
            fn type_info() -> AnyTypeInfo {
                <String as Type<Any>>::type_info()
            }

            fn compatible(ty: &AnyTypeInfo) -> bool {
                <String as Type<Any>>::compatible(ty)
            }
        }

        impl<'r> Decode<'r, Any> for $ty {
            fn decode(raw: <Any as Database>::ValueRef<'r>) -> Result<Self, BoxDynError> {
                let $text = <String as Decode<'r, Any>>::decode(raw)?;
                $decode
            }
        }

        impl<'q> Encode<'q, Any> for $ty {
            fn encode_by_ref(&self, buf: &mut <Any as Database>::ArgumentBuffer) -> Result<IsNull, BoxDynError> {
                let $value = self;
                <String as Encode<'q, Any>>::encode($encode, buf)
            }
        }
    };
}

/// Typed ids: stored as their UUID text; anything else in the column is corrupt data.
macro_rules! id_columns {
    ($($ty:ident),* $(,)?) => {$(
        text_column!(
            $ty,
            |text| match uuid::Uuid::parse_str(&text) {
                Ok(_) => Ok($ty::from_trusted(text)),
                Err(_) => Err(format!("stored {} \"{}\" is not a UUID", stringify!($ty), text).into()),
            },
            |id| id.as_str().to_string()
        );
    )*};
}

id_columns!(
    OrgId,
    UserId,
    IdentityId,
    ProjectId,
    EnvironmentId,
    FolderId,
    SecretId,
    SecretImportId,
    ClientSecretId,
    AccessTokenId,
    ConnectionId,
    SyncId,
    JobId,
    RunId,
    ChannelId,
    DeliveryId,
    EventId,
    AuditId,
    MembershipId,
    SessionId,
    TagId,
);

/// Words: stored as their one spelling.
macro_rules! word_columns {
    ($($ty:ident),* $(,)?) => {$(
        text_column!($ty, |text| Ok(text.parse::<$ty>()?), |word| word.as_str().to_string());
    )*};
}

word_columns!(SyncStatus, RunStatus, JobState, JobKind, Trigger, ActorType, VersionAction, DriftStatus);
word_columns!(ChannelKind, DeliveryStatus, EventType);
text_column!(App, |text| Ok(App::from(text)), |app| app.as_str().to_string());

// Paths were validated when written; reading them back does not re-validate (a rule made
// stricter later must not make stored rows unreadable).
text_column!(FolderPath, |text| Ok(FolderPath::from_trusted(text)), |path| path.as_str().to_string());

/// Settings stored as JSON text; decoding validates them as deserializing does anywhere.
macro_rules! json_columns {
    ($($ty:ident),* $(,)?) => {$(
        text_column!(
            $ty,
            |text| serde_json::from_str::<$ty>(&text)
                .map_err(|e| format!("stored {} does not decode: {e}", stringify!($ty)).into()),
            |value| serde_json::to_string(value)?
        );
    )*};
}

json_columns!(SyncOptions, DestinationConfig);
