//! The resolvers: Railway's root fields and object fields over the in-memory world.
//!
//! Execution is synchronous and holds the state lock for the whole request, so one request sees
//! one consistent world and mutations apply in order. The world is lent to a [`Ctx`] for the
//! duration; every object below holds `&Ctx` plus an owned copy of its record.
//!
//! Where to read: `query.rs` and `mutation.rs` for root fields, `lookup.rs` for the access
//! checks they share, `objects.rs` and `environment.rs` for object types, `connection.rs` for Relay pagination.

mod connection;
mod environment;
mod lookup;
mod mutation;
mod objects;
mod query;

use std::cell::{Ref, RefCell, RefMut};

use apollo_compiler::resolvers::{FieldError, ObjectValue, ResolveInfo, ResolvedValue};
use apollo_compiler::response::{JsonMap, JsonValue};
use time::OffsetDateTime;

use crate::auth::Principal;
use crate::config::Knobs;
use crate::graphql::errors::NOT_AUTHORIZED;
use crate::state::{World, iso_millis};

/// The rate-limit budget of the requesting token, for `apiTokenRateLimit`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Budget {
    pub remaining: u32,
    pub resets_at: OffsetDateTime,
}

/// Everything a resolver may consult or change.
pub(crate) struct Ctx {
    world: RefCell<World>,
    pub principal: Principal,
    pub knobs: Knobs,
    pub budget: Budget,
}

impl Ctx {
    pub fn new(world: World, principal: Principal, knobs: Knobs, budget: Budget) -> Self {
        Self { world: RefCell::new(world), principal, knobs, budget }
    }

    /// Gives the (possibly changed) world back.
    pub fn into_world(self) -> World {
        self.world.into_inner()
    }

    fn world(&self) -> Ref<'_, World> {
        self.world.borrow()
    }

    fn world_mut(&self) -> RefMut<'_, World> {
        self.world.borrow_mut()
    }
}

/// The root object of an operation: `Query` or `Mutation`.
pub(crate) struct Root<'c> {
    ctx: &'c Ctx,
    mutation: bool,
}

impl<'c> Root<'c> {
    pub fn new(ctx: &'c Ctx, mutation: bool) -> Self {
        Self { ctx, mutation }
    }
}

impl ObjectValue for Root<'_> {
    fn type_name(&self) -> &str {
        if self.mutation { "Mutation" } else { "Query" }
    }

    fn resolve_field<'a>(&'a self, info: &'a ResolveInfo<'a>) -> Result<ResolvedValue<'a>, FieldError> {
        if self.mutation { mutation::resolve(self.ctx, info) } else { query::resolve(self.ctx, info) }
    }
}

/// A resolver error with Railway's message.
pub(crate) fn error(message: impl Into<String>) -> FieldError {
    FieldError { message: message.into() }
}

pub(crate) fn not_authorized() -> FieldError {
    error(NOT_AUTHORIZED)
}

/// Typed access to coerced field arguments.
#[derive(Clone, Copy)]
pub(crate) struct Args<'a>(&'a JsonMap);

impl<'a> Args<'a> {
    pub fn of(info: &'a ResolveInfo<'a>) -> Self {
        Self(info.arguments())
    }

    pub fn object(map: &'a JsonMap) -> Self {
        Self(map)
    }

    pub fn value(self, name: &str) -> Option<&'a JsonValue> {
        self.0.get(name).filter(|v| !v.is_null())
    }

    pub fn str(self, name: &str) -> Option<&'a str> {
        self.value(name).and_then(JsonValue::as_str)
    }

    /// A required argument; validation guarantees presence, so absence reads as `""`.
    pub fn req(self, name: &str) -> &'a str {
        self.str(name).unwrap_or_default()
    }

    pub fn bool(self, name: &str) -> Option<bool> {
        self.value(name).and_then(JsonValue::as_bool)
    }

    pub fn int(self, name: &str) -> Option<i64> {
        self.value(name).and_then(JsonValue::as_i64)
    }

    pub fn map(self, name: &str) -> Option<&'a JsonMap> {
        self.value(name).and_then(JsonValue::as_object)
    }
}

/// A leaf value for a `DateTime`.
pub(crate) fn date<'a>(at: OffsetDateTime) -> ResolvedValue<'a> {
    ResolvedValue::leaf(iso_millis(at))
}

/// A leaf value for a nullable `DateTime`.
pub(crate) fn opt_date<'a>(at: Option<OffsetDateTime>) -> ResolvedValue<'a> {
    at.map_or_else(ResolvedValue::null, date)
}

/// A leaf value for a nullable string.
pub(crate) fn opt_str<'a>(value: Option<&str>) -> ResolvedValue<'a> {
    value.map_or_else(ResolvedValue::null, |v| ResolvedValue::leaf(v.to_owned()))
}

/// An object whose fields are all leaves, known up front.
pub(crate) struct Leaves {
    type_name: &'static str,
    fields: JsonMap,
}

impl Leaves {
    pub fn new(type_name: &'static str, fields: impl IntoIterator<Item = (&'static str, JsonValue)>) -> Self {
        Self { type_name, fields: fields.into_iter().map(|(k, v)| (k.into(), v)).collect() }
    }
}

impl ObjectValue for Leaves {
    fn type_name(&self) -> &str {
        self.type_name
    }

    fn resolve_field<'a>(&'a self, info: &'a ResolveInfo<'a>) -> Result<ResolvedValue<'a>, FieldError> {
        match self.fields.get(info.field_name()) {
            Some(value) => Ok(ResolvedValue::Leaf(value.clone())),
            None => Err(self.unknown_field_error(info)),
        }
    }
}
