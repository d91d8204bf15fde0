//! The client's one error type and the exit statuses it maps to.
//!
//! Every failure a person sees says what went wrong and, where there is one, what to do
//! about it (`hint`). The exit status tells scripts which kind of failure it was:
//!
//! | status | meaning |
//! |---|---|
//! | 0 | success |
//! | 1 | the operation failed (a sync, import or removal failed; the server or Railway failed) |
//! | 2 | usage: a flag or value is wrong (also when the server rejects a value as invalid) |
//! | 3 | authentication: not logged in, the token was refused, or permission denied |
//! | 4 | not found: the project, environment, secret, connection or sync does not exist |
//! | 5 | the server cannot be reached |
//! | 6 | drifted: the latest drift report says Railway no longer holds what the sync wrote |
//! | 7 | held: a sync run would delete too many variables and waits for `syncs railway confirm` |
//!
//! `sluice run` exits with its command's status instead (127 when the command cannot be found,
//! 126 when it cannot be started).

use std::fmt;

/// What kind of failure, which decides the exit status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Failed,
    Usage,
    Auth,
    NotFound,
    Unreachable,
    /// A drift report found Railway changed (`syncs railway drift`).
    Drifted,
    /// A sync run was held by the mass-deletion guard.
    Held,
}

impl Kind {
    pub fn exit_code(self) -> u8 {
        match self {
            Kind::Failed => 1,
            Kind::Usage => 2,
            Kind::Auth => 3,
            Kind::NotFound => 4,
            Kind::Unreachable => 5,
            Kind::Drifted => 6,
            Kind::Held => 7,
        }
    }
}

/// A failure to report: a message, an optional hint, and its kind.
#[derive(Debug)]
pub struct CliError {
    pub kind: Kind,
    pub message: String,
    pub hint: Option<String>,
    /// Set when the process should exit with a specific status (a child's, in `run`).
    pub exit_code: Option<u8>,
    /// The fields a server validation error named (`body.name`, rule), to be named as flags.
    pub fields: Vec<(String, String)>,
}

pub type CliResult<T> = Result<T, CliError>;

impl CliError {
    pub fn new(kind: Kind, message: impl Into<String>) -> Self {
        CliError { kind, message: message.into(), hint: None, exit_code: None, fields: Vec::new() }
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(Kind::Usage, message)
    }

    pub fn failed(message: impl Into<String>) -> Self {
        Self::new(Kind::Failed, message)
    }

    pub fn auth(message: impl Into<String>) -> Self {
        Self::new(Kind::Auth, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(Kind::NotFound, message)
    }

    /// A flag's value is wrong: names the flag and the value.
    pub fn flag(flag: &str, value: &str, rule: impl fmt::Display) -> Self {
        Self::usage(format!("{flag} \"{value}\": {rule}"))
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn with_exit_code(mut self, code: u8) -> Self {
        self.exit_code = Some(code);
        self
    }

    pub fn exit_code(&self) -> u8 {
        self.exit_code.unwrap_or_else(|| self.kind.exit_code())
    }

    /// Renames the server's field paths (`body.syncOptions.keySchema`) to the flags a person
    /// typed (`--key-schema`), rewriting the message from the field list.
    pub fn name_flags(mut self, names: &[(&str, &str)]) -> Self {
        if self.fields.is_empty() {
            return self;
        }
        let named: Vec<String> = self
            .fields
            .iter()
            .map(|(path, rule)| {
                let flag = names.iter().find(|(p, _)| p == path).map(|(_, f)| *f).unwrap_or(path.as_str());
                format!("{flag}: {rule}")
            })
            .collect();
        self.message = named.join("; ");
        self
    }

    /// Prefixes the message with what was being done.
    pub fn context(mut self, what: impl fmt::Display) -> Self {
        self.message = format!("{what}: {}", self.message);
        self
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error: {}", self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for CliError {}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        CliError::failed(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_map_to_documented_exit_codes() {
        assert_eq!(CliError::failed("x").exit_code(), 1);
        assert_eq!(CliError::usage("x").exit_code(), 2);
        assert_eq!(CliError::auth("x").exit_code(), 3);
        assert_eq!(CliError::not_found("x").exit_code(), 4);
        assert_eq!(CliError::new(Kind::Unreachable, "x").exit_code(), 5);
        assert_eq!(CliError::new(Kind::Drifted, "").exit_code(), 6);
        assert_eq!(CliError::new(Kind::Held, "x").exit_code(), 7);
        assert_eq!(CliError::failed("x").with_exit_code(127).exit_code(), 127);
    }

    #[test]
    fn server_fields_are_renamed_to_flags() {
        let mut e = CliError::usage("body.syncOptions.keySchema: must contain {{secretKey}}");
        e.fields = vec![("body.syncOptions.keySchema".into(), "must contain {{secretKey}}".into())];
        let e = e.name_flags(&[("body.syncOptions.keySchema", "--key-schema")]);
        assert_eq!(e.message, "--key-schema: must contain {{secretKey}}");
    }

    #[test]
    fn display_names_flag_value_and_hint() {
        let e = CliError::flag("--env", "prd", "no such environment").with_hint("use dev, staging or prod");
        assert_eq!(e.to_string(), "error: --env \"prd\": no such environment\n  hint: use dev, staging or prod");
    }
}
