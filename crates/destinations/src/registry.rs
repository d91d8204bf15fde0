//! [`Destinations`]: every destination this build can sync to, by app. Adding one means
//! a folder of its own beside `railway/` and one line here.

use crate::destination::Destination;
use crate::railway::{Railway, RailwayApi};
use sluice_domain::App;
use std::sync::Arc;

/// The registered destinations. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Destinations {
    railway: Arc<Railway>,
}

impl Destinations {
    /// The destinations, with Railway reached through `railway` (the real client, pointed
    /// at Railway or at a fake Railway).
    pub fn new(railway: Arc<dyn RailwayApi>) -> Self {
        Self { railway: Arc::new(Railway::new(railway)) }
    }

    /// The destination of an app, if this build has one.
    pub fn get(&self, app: &App) -> Option<&dyn Destination> {
        match app {
            App::Railway => Some(self.railway.as_ref()),
            App::Other(_) => None,
        }
    }

    /// Railway's client, for what is Railway's alone (credential checks, the picker).
    pub fn railway(&self) -> &Arc<dyn RailwayApi> {
        self.railway.api()
    }
}
