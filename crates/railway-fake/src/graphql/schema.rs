//! The schema the fake serves: `schema/railway/railway.graphql` at the repository root, the
//! same file the Railway client compiles its operations against. Parsed once.

use std::sync::LazyLock;

use apollo_compiler::Schema;
use apollo_compiler::validation::Valid;

/// The SDL text of Sluice's Railway schema subset.
pub const SDL: &str = include_str!("../../../../schema/railway/railway.graphql");

static SCHEMA: LazyLock<Result<Valid<Schema>, String>> =
    LazyLock::new(|| Schema::parse_and_validate(SDL, "schema/railway/railway.graphql").map_err(|e| e.to_string()));

/// The parsed, validated schema (an error only if the SDL file itself is broken).
pub(crate) fn schema() -> Result<&'static Valid<Schema>, &'static str> {
    SCHEMA.as_ref().map_err(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sdl_is_valid() {
        let schema = schema().expect("railway.graphql validates");
        for root in ["Query", "Mutation"] {
            assert!(schema.get_object(root).is_some(), "{root}");
        }
    }
}
