//! Relay connections (reference §8): `first`/`after`/`last`/`before` over a list in its final
//! order, opaque base64 cursors on edges, and honest `pageInfo`. The connection's GraphQL type
//! name is read off the field definition, so one implementation serves every
//! `<Parent><Field>Connection` type.

use apollo_compiler::resolvers::{FieldError, ObjectValue, ResolveInfo, ResolvedValue};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::environment::{DeploymentObj, EnvironmentObj, ServiceInstanceObj, VariableObj};
use super::objects::{ProjectObj, ServiceObj};
use super::{Args, Leaves, error};

/// Any object that can sit in a connection.
#[derive(Clone)]
pub(crate) enum Node<'c> {
    Project(ProjectObj<'c>),
    Environment(EnvironmentObj<'c>),
    Service(ServiceObj<'c>),
    ServiceInstance(ServiceInstanceObj<'c>),
    Variable(VariableObj<'c>),
    Deployment(DeploymentObj<'c>),
}

impl ObjectValue for Node<'_> {
    fn type_name(&self) -> &str {
        match self {
            Node::Project(o) => o.type_name(),
            Node::Environment(o) => o.type_name(),
            Node::Service(o) => o.type_name(),
            Node::ServiceInstance(o) => o.type_name(),
            Node::Variable(o) => o.type_name(),
            Node::Deployment(o) => o.type_name(),
        }
    }

    fn resolve_field<'a>(&'a self, info: &'a ResolveInfo<'a>) -> Result<ResolvedValue<'a>, FieldError> {
        match self {
            Node::Project(o) => o.resolve_field(info),
            Node::Environment(o) => o.resolve_field(info),
            Node::Service(o) => o.resolve_field(info),
            Node::ServiceInstance(o) => o.resolve_field(info),
            Node::Variable(o) => o.resolve_field(info),
            Node::Deployment(o) => o.resolve_field(info),
        }
    }
}

/// Pagination arguments.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct PageArgs {
    pub first: Option<i64>,
    pub after: Option<String>,
    pub last: Option<i64>,
    pub before: Option<String>,
}

impl PageArgs {
    pub fn from(args: Args<'_>) -> Self {
        Self {
            first: args.int("first"),
            after: args.str("after").map(str::to_owned),
            last: args.int("last"),
            before: args.str("before").map(str::to_owned),
        }
    }
}

/// The selected slice `[start, end)` of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Window {
    pub start: usize,
    pub end: usize,
    pub has_previous: bool,
    pub has_next: bool,
}

pub(crate) fn cursor_for(id: &str) -> String {
    STANDARD.encode(format!("cursor:{id}"))
}

fn position(ids: &[String], cursor: &str) -> Result<usize, String> {
    let decoded = STANDARD.decode(cursor).ok().and_then(|bytes| String::from_utf8(bytes).ok());
    decoded
        .as_deref()
        .and_then(|text| text.strip_prefix("cursor:"))
        .and_then(|id| ids.iter().position(|candidate| candidate == id))
        .ok_or_else(|| format!("Invalid cursor \"{cursor}\""))
}

/// Relay's slicing algorithm over `ids` (already in order).
pub(crate) fn paginate(ids: &[String], args: &PageArgs, default_size: Option<usize>) -> Result<Window, String> {
    let mut start = 0;
    let mut end = ids.len();
    if let Some(after) = &args.after {
        start = position(ids, after)? + 1;
    }
    if let Some(before) = &args.before {
        end = position(ids, before)?;
    }
    end = end.max(start);
    let count = |n: i64, what: &str| {
        usize::try_from(n).map_err(|_| format!("Argument \"{what}\" must be a non-negative integer"))
    };
    let first = match (args.first, args.last, default_size) {
        (Some(n), _, _) => Some(count(n, "first")?),
        (None, None, size) => size,
        (None, Some(_), _) => None,
    };
    if let Some(first) = first {
        end = end.min(start + first);
    }
    if let Some(last) = args.last {
        let last = count(last, "last")?;
        start = start.max(end.saturating_sub(last));
    }
    Ok(Window { start, end, has_previous: start > 0, has_next: end < ids.len() })
}

/// A page of a connection field, typed after the field's definition.
pub(crate) struct Connection<'c> {
    type_name: String,
    edges: Vec<(String, Node<'c>)>,
    page_info: Leaves,
}

/// Builds the connection for the field being resolved from `(id, node)` pairs in order.
pub(crate) fn connection<'c>(
    info: &ResolveInfo<'_>,
    items: Vec<(String, Node<'c>)>,
    default_size: Option<usize>,
) -> Result<Connection<'c>, FieldError> {
    let ids: Vec<String> = items.iter().map(|(id, _)| id.clone()).collect();
    let window = paginate(&ids, &PageArgs::from(Args::of(info)), default_size).map_err(error)?;
    let edges: Vec<(String, Node<'c>)> = items
        .into_iter()
        .skip(window.start)
        .take(window.end - window.start)
        .map(|(id, node)| (cursor_for(&id), node))
        .collect();
    let cursor = |c: Option<&(String, Node<'c>)>| {
        c.map_or(apollo_compiler::response::JsonValue::Null, |(c, _)| c.as_str().into())
    };
    let page_info = Leaves::new(
        "PageInfo",
        [
            ("hasNextPage", window.has_next.into()),
            ("hasPreviousPage", window.has_previous.into()),
            ("startCursor", cursor(edges.first())),
            ("endCursor", cursor(edges.last())),
        ],
    );
    Ok(Connection { type_name: info.field_definition().ty.inner_named_type().to_string(), edges, page_info })
}

impl ObjectValue for Connection<'_> {
    fn type_name(&self) -> &str {
        &self.type_name
    }

    fn resolve_field<'a>(&'a self, info: &'a ResolveInfo<'a>) -> Result<ResolvedValue<'a>, FieldError> {
        match info.field_name() {
            "edges" => Ok(ResolvedValue::list(self.edges.iter().map(|(cursor, node)| {
                ResolvedValue::object(Edge { type_name: format!("{}Edge", self.type_name), cursor, node })
            }))),
            "pageInfo" => Ok(ResolvedValue::Object(Box::new(&self.page_info))),
            _ => Err(self.unknown_field_error(info)),
        }
    }
}

struct Edge<'a, 'c> {
    type_name: String,
    cursor: &'a str,
    node: &'a Node<'c>,
}

impl ObjectValue for Edge<'_, '_> {
    fn type_name(&self) -> &str {
        &self.type_name
    }

    fn resolve_field<'a>(&'a self, info: &'a ResolveInfo<'a>) -> Result<ResolvedValue<'a>, FieldError> {
        match info.field_name() {
            "cursor" => Ok(ResolvedValue::leaf(self.cursor)),
            "node" => Ok(ResolvedValue::Object(Box::new(self.node.clone()))),
            _ => Err(self.unknown_field_error(info)),
        }
    }
}

impl ObjectValue for &Leaves {
    fn type_name(&self) -> &str {
        (**self).type_name()
    }

    fn resolve_field<'a>(&'a self, info: &'a ResolveInfo<'a>) -> Result<ResolvedValue<'a>, FieldError> {
        (**self).resolve_field(info)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("id{i}")).collect()
    }

    fn page(first: Option<i64>, after: Option<&str>, last: Option<i64>, before: Option<&str>) -> PageArgs {
        PageArgs { first, after: after.map(cursor_for), last, before: before.map(cursor_for) }
    }

    #[test]
    fn relay_windows() {
        let ids = ids(5);
        let w = |args: PageArgs, default| {
            paginate(&ids, &args, default).map(|w| (w.start, w.end, w.has_previous, w.has_next))
        };
        assert_eq!(w(page(None, None, None, None), None), Ok((0, 5, false, false)));
        assert_eq!(w(page(Some(2), None, None, None), None), Ok((0, 2, false, true)));
        assert_eq!(w(page(Some(2), Some("id1"), None, None), None), Ok((2, 4, true, true)));
        assert_eq!(w(page(Some(10), Some("id3"), None, None), None), Ok((4, 5, true, false)));
        assert_eq!(w(page(None, None, Some(2), None), None), Ok((3, 5, true, false)));
        assert_eq!(w(page(None, None, Some(2), Some("id3")), None), Ok((1, 3, true, true)));
        assert_eq!(w(page(None, None, None, None), Some(3)), Ok((0, 3, false, true)));
        assert_eq!(w(page(Some(0), None, None, None), None), Ok((0, 0, false, true)));
        assert!(w(page(Some(-1), None, None, None), None).is_err());
        assert!(paginate(&ids, &PageArgs { after: Some("garbage".into()), ..PageArgs::default() }, None).is_err());
    }

    #[test]
    fn paging_through_everything_visits_each_once() {
        let ids = ids(7);
        let mut seen = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let args = PageArgs { first: Some(3), after: after.clone(), ..PageArgs::default() };
            let w = paginate(&ids, &args, None).expect("valid");
            seen.extend(ids[w.start..w.end].iter().cloned());
            if !w.has_next {
                break;
            }
            after = Some(cursor_for(&ids[w.end - 1]));
        }
        assert_eq!(seen, ids);
    }
}
