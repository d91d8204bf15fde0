//! Text that must never be printed: secret values ([`SecretValue`]) and credentials
//! ([`SecretToken`]: access tokens, client secrets, Railway tokens).
//!
//! Both carry their text from where it enters (an HTTP body, a decrypted row, a Railway
//! answer) to where it leaves (a response body, a Railway request), and are printed by
//! nothing in between: `Debug` and `Display` show `<redacted>`, so a `{:?}` in a log line,
//! an error or a panic message cannot leak them. The text is reached only through
//! [`expose`](SecretValue::expose), which makes every place that needs it visible in the
//! code. Serde sees the plain text (wire and storage formats need it). The memory is
//! zeroed when a value is dropped.

use serde::{Deserialize, Serialize};
use std::fmt;
use zeroize::Zeroize;

/// Declares a redacted text type.
macro_rules! redacted_text {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// The text. Call it only where the text must leave: a response body, a
            /// request to the destination, encryption, a comparison.
            pub fn expose(&self) -> &str {
                &self.0
            }

            /// Takes the text out (the value is left empty, and zeroed when dropped).
            pub fn into_exposed(mut self) -> String {
                std::mem::take(&mut self.0)
            }

            pub fn is_empty(&self) -> bool {
                self.0.is_empty()
            }

            /// Whether the text contains `needle` (reference detection, scrubbing).
            pub fn contains(&self, needle: &str) -> bool {
                self.0.contains(needle)
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                Self(s)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.to_string())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}(<redacted>)", stringify!($name))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("<redacted>")
            }
        }

        impl Drop for $name {
            fn drop(&mut self) {
                self.0.zeroize();
            }
        }
    };
}

redacted_text!(
    /// The value of a secret.
    SecretValue
);

redacted_text!(
    /// A credential: an access token, a client secret, a Railway API token.
    SecretToken
);

impl SecretValue {
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }

    /// The value as Infisical keeps what a client writes: surrounding whitespace dropped,
    /// but one trailing newline kept when the value ended with one (a PEM file, say).
    /// Infisical's API does this to every `secretValue` it is sent (`val.trim()`, plus
    /// `"\n"` when `val` ended with one); "whitespace" is JavaScript's, so U+FEFF counts
    /// and U+0085 does not.
    pub fn trimmed(self) -> Self {
        let is_space = |c: char| (c.is_whitespace() && c != '\u{85}') || c == '\u{feff}';
        let trimmed = self.0.trim_matches(is_space);
        if trimmed.len() == self.0.len() {
            return self;
        }
        let newline = if self.0.ends_with('\n') { "\n" } else { "" };
        Self(format!("{trimmed}{newline}"))
    }

    /// Infisical's encoding of a multi-line value for a `.env` line, applied on reads to
    /// secrets with `skipMultilineEncoding` whose value had references to expand: a value
    /// with a newline becomes one quoted line with each newline written `\n`; any other
    /// value is unchanged.
    pub fn multiline_encoded(self) -> Self {
        if !self.0.contains('\n') {
            return self;
        }
        Self(format!("\"{}\"", self.0.replace('\n', "\\n")))
    }
}

impl SecretToken {
    /// A token as pasted: surrounding whitespace (a trailing newline, say) is dropped.
    pub fn new(s: impl Into<String>) -> Self {
        let mut raw: String = s.into();
        let trimmed = raw.trim();
        if trimmed.len() == raw.len() {
            return Self(raw);
        }
        let token = Self(trimmed.to_string());
        raw.zeroize();
        token
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_prints_the_text() {
        let v = SecretValue::new("hunter2-value");
        let t = SecretToken::new(" hunter2-token\n");
        for shown in [format!("{v:?}"), format!("{v}"), format!("{t:?}"), format!("{t}"), format!("{:?}", Some(&v))] {
            assert!(!shown.contains("hunter2"), "{shown}");
        }
        assert_eq!(format!("{v:?}"), "SecretValue(<redacted>)");
        assert_eq!(v.expose(), "hunter2-value");
        assert_eq!(t.expose(), "hunter2-token", "tokens are trimmed");
    }

    #[test]
    fn values_are_trimmed_as_infisical_trims_them() {
        let cases = [
            ("plain", "plain"),
            ("  padded \t", "padded"),
            ("line\n", "line\n"),
            ("  pem\n\n", "pem\n"),
            ("\r\n crlf \r\n", "crlf\n"),
            ("inner  space", "inner  space"),
            ("\u{feff}bom\u{a0}", "bom"),
            ("\u{85}nel\u{85}", "\u{85}nel\u{85}"),
            ("   ", ""),
            (" \n", "\n"),
            ("", ""),
        ];
        for (raw, want) in cases {
            assert_eq!(SecretValue::new(raw).trimmed().expose(), want, "{raw:?}");
        }
    }

    #[test]
    fn multiline_values_are_encoded_as_one_quoted_line() {
        let cases = [("one line", "one line"), ("a\nb", "\"a\\nb\""), ("end\n", "\"end\\n\""), ("", "")];
        for (raw, want) in cases {
            assert_eq!(SecretValue::new(raw).multiline_encoded().expose(), want, "{raw:?}");
        }
    }

    #[test]
    fn serde_sees_the_text() {
        let v: SecretValue = serde_json::from_str("\"a b\"").expect("parses");
        assert_eq!(v.expose(), "a b");
        assert_eq!(serde_json::to_string(&v).expect("serializes"), "\"a b\"");
        assert_eq!(v.clone().into_exposed(), "a b");
        assert_eq!(SecretValue::from("x"), SecretValue::new("x".to_string()));
    }
}
