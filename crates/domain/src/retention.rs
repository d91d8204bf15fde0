//! How many versions of each secret a project keeps: Infisical's `pitVersionLimit`,
//! a whole number from 1 to 100 (default 10). Parsed once from a request's JSON value
//! with the messages Infisical's clients know (its Zod schema's).

/// A project's per-secret version limit, known to be within bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct VersionLimit(i64);

impl VersionLimit {
    pub const MIN: i64 = 1;
    pub const MAX: i64 = 100;
    /// A new project's limit.
    pub const DEFAULT: Self = Self(10);

    /// Parses a JSON value; the error says what is wrong with it (never echoing it).
    pub fn parse(value: &serde_json::Value) -> Result<Self, String> {
        let n = match value {
            serde_json::Value::Number(n) => n,
            other => return Err(format!("Expected number, received {}", json_kind(other))),
        };
        if let Some(n) = n.as_i64() {
            return Self::new(n);
        }
        // A float (or a whole number beyond i64): JSON has one number type, so 5.0 is 5.
        match n.as_f64() {
            Some(f) if f.fract() != 0.0 => Err("Expected integer, received float".to_string()),
            Some(f) if f < Self::MIN as f64 => Err(too_small()),
            Some(f) if f > Self::MAX as f64 => Err(too_big()),
            Some(f) => Self::new(f as i64),
            None => Err("Expected integer, received float".to_string()),
        }
    }

    /// A limit from a whole number; outside 1–100 the error says which bound it broke.
    pub fn new(n: i64) -> Result<Self, String> {
        match n {
            n if n < Self::MIN => Err(too_small()),
            n if n > Self::MAX => Err(too_big()),
            n => Ok(Self(n)),
        }
    }

    /// A stored limit, clamped into bounds (the database holds only parsed ones).
    pub fn from_stored(n: i64) -> Self {
        Self(n.clamp(Self::MIN, Self::MAX))
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

fn too_small() -> String {
    format!("Number must be greater than or equal to {}", VersionLimit::MIN)
}

fn too_big() -> String {
    format!("Number must be less than or equal to {}", VersionLimit::MAX)
}

fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "boolean",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn limits_parse_within_bounds_and_say_why_not() {
        let cases = [
            (json!(1), Ok(1)),
            (json!(10), Ok(10)),
            (json!(100), Ok(100)),
            (json!(5.0), Ok(5)),
            (json!(0), Err("Number must be greater than or equal to 1")),
            (json!(-3), Err("Number must be greater than or equal to 1")),
            (json!(101), Err("Number must be less than or equal to 100")),
            (json!(1e300), Err("Number must be less than or equal to 100")),
            (json!(u64::MAX), Err("Number must be less than or equal to 100")),
            (json!(-1e300), Err("Number must be greater than or equal to 1")),
            (json!(2.5), Err("Expected integer, received float")),
            (json!("10"), Err("Expected number, received string")),
            (json!(null), Err("Expected number, received null")),
            (json!(true), Err("Expected number, received boolean")),
            (json!([10]), Err("Expected number, received array")),
        ];
        for (input, want) in cases {
            let got = VersionLimit::parse(&input).map(VersionLimit::get);
            assert_eq!(got, want.map_err(str::to_string), "{input}");
        }
    }

    #[test]
    fn stored_limits_are_clamped() {
        assert_eq!(VersionLimit::from_stored(0).get(), 1);
        assert_eq!(VersionLimit::from_stored(7).get(), 7);
        assert_eq!(VersionLimit::from_stored(1000).get(), 100);
        assert_eq!(VersionLimit::DEFAULT.get(), 10);
    }
}
