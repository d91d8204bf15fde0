//! Booleans read back through sqlx's `Any` driver.
//!
//! SQLite has no boolean type: a column declared `BOOLEAN` makes the `Any` driver refuse
//! the whole row ("Any driver does not support the SQLite type Bool"), and integers do not
//! decode as `bool`. So queries select flag columns as expressions — [`flag`] writes
//! `(revoked = TRUE) AS revoked` —, which SQLite returns as integers and PostgreSQL as
//! booleans, and row structs read them through [`Flag`]:
//!
//! ```ignore
//! #[sqlx(try_from = "crate::flag::Flag")]
//! pub revoked: bool,
//! ```

use sqlx::any::{Any, AnyTypeInfo, AnyTypeInfoKind};
use sqlx::decode::Decode;
use sqlx::error::BoxDynError;
use sqlx::{Type, ValueRef};

/// A boolean stored as a boolean (PostgreSQL) or an integer (SQLite).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Flag(pub bool);

impl Type<Any> for Flag {
    fn type_info() -> AnyTypeInfo {
        <bool as Type<Any>>::type_info()
    }

    fn compatible(ty: &AnyTypeInfo) -> bool {
        matches!(ty.kind(), AnyTypeInfoKind::Bool | AnyTypeInfoKind::Null) || ty.kind().is_integer()
    }
}

impl<'r> Decode<'r, Any> for Flag {
    fn decode(value: <Any as sqlx::Database>::ValueRef<'r>) -> Result<Self, BoxDynError> {
        if matches!(value.type_info().kind(), AnyTypeInfoKind::Bool) {
            <bool as Decode<Any>>::decode(value).map(Flag)
        } else {
            <i64 as Decode<Any>>::decode(value).map(|i| Flag(i != 0))
        }
    }
}

impl From<Flag> for bool {
    fn from(f: Flag) -> bool {
        f.0
    }
}

/// `(column = TRUE) AS name`: a flag column as an expression both backends can return
/// through the `Any` driver. `column` may be qualified (`u.super_admin`).
pub fn flag(column: &str) -> String {
    let name = column.rsplit('.').next().unwrap_or(column);
    format!("({column} = TRUE) AS {name}")
}
