//! Printing: aligned tables for people, and JSON, dotenv and YAML for programs.
//!
//! dotenv quoting: a value of only `[A-Za-z0-9_./:@,+%=-]` is written bare; otherwise in
//! single quotes (taken literally by dotenv loaders and shells) unless it holds a single
//! quote or a line break, in which case it is double-quoted with `\\`, `\"`, `\n`, `\r`, `\t`
//! and `\$` escaped — the forms [`crate::dotenv::parse`] reads back unchanged.
//!
//! YAML: a small emitter for JSON values (block mappings and sequences, every string
//! double-quoted with YAML's escapes, keys bare only when they cannot be misread), so no
//! string can turn into a number, a boolean or null.

use serde_json::Value;
use std::fmt::Write;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Dotenv,
    Yaml,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Dotenv => "dotenv",
            Format::Yaml => "yaml",
        }
    }
}

/// An aligned text table: a header row and rows, columns padded to the widest cell.
/// Line breaks and tabs inside cells are shown as `\n` and `\t` so rows stay one line.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let cells: Vec<Vec<String>> = std::iter::once(headers.iter().map(|h| h.to_string()).collect())
        .chain(rows.iter().map(|r| r.iter().map(|c| one_line(c)).collect()))
        .collect();
    let mut widths = vec![0; headers.len()];
    for row in &cells {
        for (i, c) in row.iter().enumerate().take(widths.len()) {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let mut out = String::new();
    for row in &cells {
        let mut line = String::new();
        for (i, c) in row.iter().enumerate().take(widths.len()) {
            if i + 1 == widths.len() {
                line.push_str(c);
            } else {
                let _ = write!(line, "{c:<w$}  ", w = widths[i]);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn one_line(s: &str) -> String {
    s.replace('\\', "\\\\").replace('\n', "\\n").replace('\r', "\\r").replace('\t', "\\t")
}

/// Pretty JSON with a final newline.
pub fn json(value: &impl serde::Serialize) -> String {
    let mut s = serde_json::to_string_pretty(value).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

fn bare_dotenv(v: &str) -> bool {
    !v.is_empty() && v.chars().all(|c| c.is_ascii_alphanumeric() || "_./:@,+%=-".contains(c))
}

/// One `KEY=value` line (without the newline), quoted as the module docs say.
pub fn dotenv_line(key: &str, value: &str) -> String {
    if bare_dotenv(value) {
        return format!("{key}={value}");
    }
    if !value.contains(['\'', '\n', '\r']) {
        return format!("{key}='{value}'");
    }
    let mut q = String::with_capacity(value.len() + 2);
    for c in value.chars() {
        match c {
            '\\' => q.push_str("\\\\"),
            '"' => q.push_str("\\\""),
            '\n' => q.push_str("\\n"),
            '\r' => q.push_str("\\r"),
            '\t' => q.push_str("\\t"),
            '$' => q.push_str("\\$"),
            c => q.push(c),
        }
    }
    format!("{key}=\"{q}\"")
}

/// `KEY=value` lines for pairs, in the order given.
pub fn dotenv<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    pairs.into_iter().map(|(k, v)| dotenv_line(k, v) + "\n").collect()
}

/// A YAML document for a JSON value.
pub fn yaml(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(m) if !m.is_empty() => yaml_map(&mut out, m, 0),
        Value::Array(a) if !a.is_empty() => yaml_seq(&mut out, a, 0),
        scalar => {
            out.push_str(&yaml_scalar(scalar));
            out.push('\n');
        }
    }
    out
}

fn yaml_map(out: &mut String, m: &serde_json::Map<String, Value>, indent: usize) {
    for (k, v) in m {
        let _ = write!(out, "{:indent$}{}:", "", yaml_key(k));
        yaml_child(out, v, indent);
    }
}

fn yaml_seq(out: &mut String, a: &[Value], indent: usize) {
    for v in a {
        let _ = write!(out, "{:indent$}-", "");
        match v {
            // A mapping item starts on the dash's line: "- key: value".
            Value::Object(m) if !m.is_empty() => {
                let mut inner = String::new();
                yaml_map(&mut inner, m, indent + 2);
                out.push(' ');
                out.push_str(&inner[indent + 2..]);
            }
            other => yaml_child(out, other, indent),
        }
    }
}

fn yaml_child(out: &mut String, v: &Value, indent: usize) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            out.push('\n');
            yaml_map(out, m, indent + 2);
        }
        Value::Array(a) if !a.is_empty() => {
            out.push('\n');
            yaml_seq(out, a, indent + 2);
        }
        scalar => {
            out.push(' ');
            out.push_str(&yaml_scalar(scalar));
            out.push('\n');
        }
    }
}

fn yaml_scalar(v: &Value) -> String {
    match v {
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => yaml_quoted(s),
        Value::Array(_) => "[]".to_string(),
        Value::Object(_) => "{}".to_string(),
    }
}

const YAML_WORDS: [&str; 12] = ["y", "n", "yes", "no", "true", "false", "on", "off", "null", "~", "inf", "nan"];

fn yaml_key(k: &str) -> String {
    let mut chars = k.chars();
    let plain = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
        && !YAML_WORDS.contains(&k.to_ascii_lowercase().as_str());
    if plain { k.to_string() } else { yaml_quoted(k) }
}

/// A YAML double-quoted scalar: escapes the quote, the backslash and every character
/// YAML does not allow printed as is.
pub fn yaml_quoted(s: &str) -> String {
    let mut q = String::with_capacity(s.len() + 2);
    q.push('"');
    for c in s.chars() {
        match c {
            '"' => q.push_str("\\\""),
            '\\' => q.push_str("\\\\"),
            '\n' => q.push_str("\\n"),
            '\r' => q.push_str("\\r"),
            '\t' => q.push_str("\\t"),
            '\u{0}' => q.push_str("\\0"),
            c if yaml_printable(c) => q.push(c),
            c if (c as u32) <= 0xFF => {
                let _ = write!(q, "\\x{:02X}", c as u32);
            }
            c => {
                let _ = write!(q, "\\u{:04X}", c as u32);
            }
        }
    }
    q.push('"');
    q
}

/// YAML 1.2's `c-printable`, less the line separators (U+2028, U+2029) and the BOM,
/// which some readers treat specially.
fn yaml_printable(c: char) -> bool {
    matches!(c as u32, 0x20..=0x7E | 0x85 | 0xA0..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF)
        && !matches!(c, '\u{2028}' | '\u{2029}' | '\u{FEFF}')
}

/// "2 minutes", "5 seconds", "3 days" for a number of seconds.
pub fn duration_words(secs: i64) -> String {
    let (n, unit) = match secs {
        s if s < 90 => (s, "second"),
        s if s < 90 * 60 => ((s + 30) / 60, "minute"),
        s if s < 36 * 3600 => ((s + 1800) / 3600, "hour"),
        s => ((s + 43200) / 86400, "day"),
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn table_aligns_and_keeps_rows_on_one_line() {
        let t = table(&["KEY", "VALUE"], &[vec!["A".into(), "1".into()], vec!["LONGER".into(), "x\ny".into()]]);
        assert_eq!(t, "KEY     VALUE\nA       1\nLONGER  x\\ny\n");
    }

    #[test]
    fn dotenv_quotes_only_when_needed() {
        assert_eq!(dotenv_line("A", "postgres://u@h:5432/db"), "A=postgres://u@h:5432/db");
        assert_eq!(dotenv_line("A", ""), "A=''");
        assert_eq!(dotenv_line("A", "two words $HOME"), "A='two words $HOME'");
        assert_eq!(dotenv_line("A", "it's"), "A=\"it's\"");
        assert_eq!(dotenv_line("A", "l1\nl2 \"q\" \\ $x"), r#"A="l1\nl2 \"q\" \\ \$x""#);
    }

    #[test]
    fn dotenv_output_reads_back_unchanged() {
        let values =
            ["plain", "", "a b", "it's", "multi\nline", "tab\there", "back\\slash", "$HOME ${X}", "\"q\"", "#x"];
        for v in values {
            let text = dotenv([("K", v)]);
            let parsed = crate::dotenv::parse(&text).expect("parses");
            assert_eq!(parsed, vec![("K".to_string(), v.to_string())], "value {v:?} as {text:?}");
        }
    }

    #[test]
    fn yaml_quotes_every_string_and_nests() {
        let v = json!({"A": "1", "yes": "true", "n": null, "list": [{"k": "v", "o": 2}, "s"], "e": {}, "x": "a\"\\\u{7}\u{2028}"});
        let want = "A: \"1\"\n\"yes\": \"true\"\n\"n\": null\nlist:\n  - k: \"v\"\n    o: 2\n  - \"s\"\ne: {}\nx: \"a\\\"\\\\\\x07\\u2028\"\n";
        assert_eq!(yaml(&v), want);
        assert_eq!(yaml(&json!({})), "{}\n");
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration_words(1), "1 second");
        assert_eq!(duration_words(125), "2 minutes");
        assert_eq!(duration_words(7200), "2 hours");
        assert_eq!(duration_words(2_592_000), "30 days");
    }
}
