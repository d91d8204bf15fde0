//! Request and response types shared by the server, the CLI and tests.
