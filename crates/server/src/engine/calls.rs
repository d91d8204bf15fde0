//! Recording the Railway calls a run makes (operation, outcome, duration), for the run
//! history and the per-sync call-count benchmarks. Names only, never values.

use sluice_api_types::runs::RailwayCallOut;
use sluice_destinations::railway::RailwayError;
use std::future::Future;
use std::time::Instant;

/// The calls of one run.
#[derive(Clone, Debug, Default)]
pub struct Calls(pub Vec<RailwayCallOut>);

impl Calls {
    pub async fn track<T>(
        &mut self,
        operation: &str,
        key: Option<&str>,
        call: impl Future<Output = Result<T, RailwayError>>,
    ) -> Result<T, RailwayError> {
        let started = Instant::now();
        let result = call.await;
        self.0.push(RailwayCallOut {
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
}
