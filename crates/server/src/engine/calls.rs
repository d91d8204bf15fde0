//! Recording the Railway calls a run makes (operation, outcome, duration), for the run
//! history and the per-sync call-count benchmarks. Names only, never values.

use serde::Serialize;
use sluice_destinations::railway::RailwayError;
use std::future::Future;
use std::time::Instant;

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CallRecord {
    /// `variables`, `variableCollectionUpsert`, `variableDelete`, `redeploy`, …
    pub operation: String,
    /// For per-key operations, the variable name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    pub ok: bool,
    pub duration_ms: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The calls of one run.
#[derive(Clone, Debug, Default)]
pub struct Calls(pub Vec<CallRecord>);

impl Calls {
    pub async fn track<T>(
        &mut self,
        operation: &str,
        key: Option<&str>,
        call: impl Future<Output = Result<T, RailwayError>>,
    ) -> Result<T, RailwayError> {
        let started = Instant::now();
        let result = call.await;
        self.0.push(CallRecord {
            operation: operation.to_string(),
            key: key.map(str::to_string),
            ok: result.is_ok(),
            duration_ms: started.elapsed().as_millis() as u64,
            error: result.as_ref().err().map(|e| e.to_string()),
        });
        result
    }

    pub fn count(&self, operation: &str) -> usize {
        self.0.iter().filter(|c| c.operation == operation).count()
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.0).unwrap_or_else(|_| "[]".to_string())
    }
}
