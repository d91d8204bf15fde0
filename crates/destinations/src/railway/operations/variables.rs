//! Reading and writing variables of one [`RailwayTarget`].
//!
//! - Reads always ask for `unrendered: true`: a sync compares and writes stored text, so
//!   references such as `${{Postgres.DATABASE_URL}}` must stay templates. Sealed
//!   variables come back as `None` (Railway never reveals them).
//! - Writes are one `variableCollectionUpsert` with `replace: false`
//!   ([`upsert_variables`](RailwayClient::upsert_variables)), or, to apply deletions
//!   without a deploy each, `replace: true` with the scope's whole new set
//!   ([`replace_variables`](RailwayClient::replace_variables); the caller makes sure the
//!   set holds every variable to keep: `replace: true` deletes everything else, sealed
//!   variables included). `variableDelete` deletes one name and has no `skipDeploys`.
//! - `serviceId` is omitted, never `null`, for shared variables (`skip_serializing_none`
//!   on the generated inputs, and the transport strips nulls as well).
//!
//! Values are [`SecretValue`]s from the response to the request: the generated types
//! decode into them and encode from them, so nothing here can print one.

use std::collections::BTreeMap;

use sluice_domain::SecretValue;
use sluice_domain::planner::Observed;

use crate::railway::auth::Credentials;
use crate::railway::client::{RailwayClient, Scrub};
use crate::railway::errors::RailwayError;
use crate::railway::types::RailwayTarget;

/// Reads: the `EnvironmentVariables` scalar is a map whose values may be `null` (sealed).
mod read {
    use graphql_client::GraphQLQuery;

    pub(super) type EnvironmentVariables = sluice_domain::planner::Observed;

    #[derive(GraphQLQuery)]
    #[graphql(
        schema_path = "../../schema/railway/railway.graphql",
        query_path = "src/railway/operations/get_variables.graphql",
        skip_serializing_none
    )]
    pub(crate) struct GetVariables;
}

/// Writes: the `EnvironmentVariables` scalar we send holds strings only.
mod write {
    use graphql_client::GraphQLQuery;

    pub(super) type EnvironmentVariables = std::collections::BTreeMap<String, sluice_domain::SecretValue>;

    #[derive(GraphQLQuery)]
    #[graphql(
        schema_path = "../../schema/railway/railway.graphql",
        query_path = "src/railway/operations/upsert_variables.graphql",
        response_derives = "Debug",
        skip_serializing_none
    )]
    pub(crate) struct UpsertVariables;

    #[derive(GraphQLQuery)]
    #[graphql(
        schema_path = "../../schema/railway/railway.graphql",
        query_path = "src/railway/operations/delete_variable.graphql",
        response_derives = "Debug",
        skip_serializing_none
    )]
    pub(crate) struct DeleteVariable;
}

use read::{GetVariables, get_variables};
use write::{DeleteVariable, UpsertVariables, delete_variable, upsert_variables};

impl RailwayClient {
    /// The stored (unrendered) variables of the target; `None` values are sealed.
    pub async fn get_variables(&self, creds: &Credentials, target: &RailwayTarget) -> Result<Observed, RailwayError> {
        let vars = get_variables::Variables {
            project_id: target.project_id.clone(),
            environment_id: target.environment_id.clone(),
            service_id: target.service_id.clone(),
        };
        Ok(self.query::<GetVariables>(creds, vars).await?.variables)
    }

    /// Sets the given variables (others are left alone) in one request. With
    /// `skip_deploys` Railway does not redeploy; call [`RailwayClient::redeploy_service`] after.
    /// An empty map sends nothing.
    pub async fn upsert_variables(
        &self,
        creds: &Credentials,
        target: &RailwayTarget,
        variables: &BTreeMap<String, SecretValue>,
        skip_deploys: bool,
    ) -> Result<(), RailwayError> {
        if variables.is_empty() {
            return Ok(());
        }
        let input = upsert_variables::VariableCollectionUpsertInput {
            project_id: target.project_id.clone(),
            environment_id: target.environment_id.clone(),
            service_id: target.service_id.clone(),
            variables: variables.clone(),
            replace: Some(false),
            skip_deploys: Some(skip_deploys),
        };
        let scrub = Scrub::values(variables.values().map(SecretValue::expose));
        let data = self.mutate::<UpsertVariables>(creds, upsert_variables::Variables { input }, &scrub).await?;
        confirmed("variableCollectionUpsert", data.variable_collection_upsert)
    }

    /// Replaces the target's whole variable set with `variables`, without deploying
    /// (`replace: true, skipDeploys: true`): every variable not in the map is deleted.
    /// Sent even when the map is empty.
    pub async fn replace_variables(
        &self,
        creds: &Credentials,
        target: &RailwayTarget,
        variables: &BTreeMap<String, SecretValue>,
    ) -> Result<(), RailwayError> {
        let input = upsert_variables::VariableCollectionUpsertInput {
            project_id: target.project_id.clone(),
            environment_id: target.environment_id.clone(),
            service_id: target.service_id.clone(),
            variables: variables.clone(),
            replace: Some(true),
            skip_deploys: Some(true),
        };
        let scrub = Scrub::values(variables.values().map(SecretValue::expose));
        let data = self.mutate::<UpsertVariables>(creds, upsert_variables::Variables { input }, &scrub).await?;
        confirmed("variableCollectionUpsert", data.variable_collection_upsert)
    }

    /// Deletes one variable of the target.
    pub async fn delete_variable(
        &self,
        creds: &Credentials,
        target: &RailwayTarget,
        name: &str,
    ) -> Result<(), RailwayError> {
        let input = delete_variable::VariableDeleteInput {
            project_id: target.project_id.clone(),
            environment_id: target.environment_id.clone(),
            service_id: target.service_id.clone(),
            name: name.to_owned(),
        };
        let data = self.mutate::<DeleteVariable>(creds, delete_variable::Variables { input }, &Scrub::none()).await?;
        confirmed("variableDelete", data.variable_delete)
    }
}

/// Railway's variable mutations answer `true`; `false` has never been seen and says
/// nothing about what happened.
pub(crate) fn confirmed(field: &str, answer: bool) -> Result<(), RailwayError> {
    if answer {
        Ok(())
    } else {
        Err(RailwayError::OutcomeUnknown { message: format!("Railway answered false to {field}") })
    }
}

#[cfg(test)]
mod tests {
    use graphql_client::GraphQLQuery;

    use super::*;

    fn target(service: Option<&str>) -> RailwayTarget {
        RailwayTarget { project_id: "p".into(), environment_id: "e".into(), service_id: service.map(str::to_owned) }
    }

    fn upsert_body(t: &RailwayTarget) -> serde_json::Value {
        let input = upsert_variables::VariableCollectionUpsertInput {
            project_id: t.project_id.clone(),
            environment_id: t.environment_id.clone(),
            service_id: t.service_id.clone(),
            variables: BTreeMap::from([("A".to_owned(), SecretValue::from("1"))]),
            replace: Some(false),
            skip_deploys: Some(true),
        };
        serde_json::to_value(UpsertVariables::build_query(upsert_variables::Variables { input })).expect("serializes")
    }

    #[test]
    fn shared_targets_omit_service_id_instead_of_sending_null() {
        let shared = upsert_body(&target(None));
        let input = &shared["variables"]["input"];
        assert!(input.get("serviceId").is_none(), "{input}");
        assert_eq!(input["replace"], false);
        assert_eq!(input["skipDeploys"], true);
        assert_eq!(shared["operationName"], "UpsertVariables");

        let service = upsert_body(&target(Some("s")));
        assert_eq!(service["variables"]["input"]["serviceId"], "s");

        let read = serde_json::to_value(GetVariables::build_query(get_variables::Variables {
            project_id: "p".into(),
            environment_id: "e".into(),
            service_id: None,
        }))
        .expect("serializes");
        assert!(read["variables"].get("serviceId").is_none(), "{read}");
        assert!(read["query"].as_str().is_some_and(|q| q.contains("unrendered: true")));
    }

    #[test]
    fn false_is_not_success() {
        assert!(confirmed("variableDelete", true).is_ok());
        assert!(matches!(confirmed("variableDelete", false), Err(RailwayError::OutcomeUnknown { .. })));
    }
}
