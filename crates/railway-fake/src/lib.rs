//! The fake Railway server: see README.
