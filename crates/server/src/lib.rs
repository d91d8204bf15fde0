//! The Sluice server.
