//! Typed Railway operations, one file per group, each next to its `.graphql` documents
//! (one operation per document: graphql_client sends the whole file).
//!
//! - [`identity`]: credential checks and token-kind auto-detection (`me`, `apiToken`,
//!   `projectToken`).
//! - [`projects`]: the destination picker (`projects`, `environments`, `project.services`),
//!   always paginated.
//! - [`variables`]: read (`unrendered: true`), collection upsert (`replace: false`), delete.
//! - [`deploys`]: redeploying a service after its variables changed.
//! - [`targets`]: whether a target's project, environment and service are still there,
//!   and which services an environment has.
//!
//! Every document is compiled against the project's schema subset
//! (`schema/railway/railway.graphql`) and checked against Railway's full published
//! schema by `tests/schema_conformance.rs`.

pub mod deploys;
pub mod identity;
pub mod projects;
pub mod targets;
pub mod variables;

use super::errors::RailwayError;

/// Upper bound on pages followed for one list, so a server that keeps answering
/// `hasNextPage: true` cannot loop us forever.
const MAX_PAGES: usize = 1_000;

/// Relay pagination state for one list.
pub(crate) struct Pager {
    what: &'static str,
    after: Option<String>,
    pages: usize,
}

impl Pager {
    pub(crate) fn new(what: &'static str) -> Self {
        Self { what, after: None, pages: 0 }
    }

    /// A pager for the pages after a first page that came nested in another query:
    /// `Some` when there are more to fetch.
    pub(crate) fn resume(
        what: &'static str,
        has_next_page: bool,
        end_cursor: Option<String>,
    ) -> Result<Option<Self>, RailwayError> {
        let mut pager = Self::new(what);
        Ok(pager.advance(has_next_page, end_cursor)?.then_some(pager))
    }

    /// The cursor to send for the next page.
    pub(crate) fn cursor(&self) -> Option<String> {
        self.after.clone()
    }

    /// Records a page's `pageInfo`; `Ok(true)` when there is another page to fetch.
    pub(crate) fn advance(&mut self, has_next_page: bool, end_cursor: Option<String>) -> Result<bool, RailwayError> {
        self.pages += 1;
        if !has_next_page {
            return Ok(false);
        }
        let stuck = end_cursor.is_none() || end_cursor == self.after;
        if stuck || self.pages >= MAX_PAGES {
            return Err(RailwayError::Rejected {
                message: format!(
                    "Railway kept reporting more {} after {} pages without a new cursor",
                    self.what, self.pages
                ),
            });
        }
        self.after = end_cursor;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pager_follows_cursors_and_stops() {
        let mut p = Pager::new("projects");
        assert_eq!(p.cursor(), None);
        assert_eq!(p.advance(true, Some("c1".into())), Ok(true));
        assert_eq!(p.cursor().as_deref(), Some("c1"));
        assert_eq!(p.advance(false, None), Ok(false));
    }

    #[test]
    fn pager_refuses_a_stuck_cursor() {
        let mut p = Pager::new("projects");
        assert_eq!(p.advance(true, Some("c1".into())), Ok(true));
        assert!(p.advance(true, Some("c1".into())).is_err());
        assert!(Pager::new("x").advance(true, None).is_err());
    }
}
