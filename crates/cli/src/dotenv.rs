//! Reading `.env` files for `sluice secrets set --file`.
//!
//! What it accepts: `KEY=value` lines, an optional `export ` before the key, blank lines
//! and `#` comments; bare values (trimmed, a ` #` starts a comment), single-quoted values
//! (taken literally, may span lines) and double-quoted values (may span lines; `\n`, `\r`,
//! `\t`, `\\`, `\"`, `\$` are unescaped, any other backslash is kept). A later line for
//! the same key replaces the earlier one. Errors name the line and what is wrong.

/// The pairs of a `.env` text, in order of first appearance.
pub fn parse(text: &str) -> Result<Vec<(String, String)>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut pairs: Vec<(String, String)> = Vec::new();
    let mut i = 0;
    let mut line = 1;
    while i < chars.len() {
        let start_line = line;
        let end = line_end(&chars, i);
        let raw: String = chars[i..end].iter().collect();
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            i = end + 1;
            line += 1;
            continue;
        }
        let Some(eq) = raw.find('=') else {
            return Err(format!("line {start_line}: expected KEY=VALUE, found \"{}\"", clip(trimmed)));
        };
        let key_part = raw[..eq].trim();
        let key = key_part.strip_prefix("export ").map(str::trim).unwrap_or(key_part);
        if key.is_empty() || key.chars().any(char::is_whitespace) {
            return Err(format!("line {start_line}: \"{}\" is not a valid key (no spaces, not empty)", clip(key)));
        }
        // Position of the value's first character in `chars`.
        let mut j = i + raw[..=eq].chars().count();
        while j < end && (chars[j] == ' ' || chars[j] == '\t') {
            j += 1;
        }
        let (value, after) = match chars.get(j) {
            Some('\'') => quoted(&chars, j, '\'', &mut line).ok_or_else(|| unterminated(start_line, '\''))?,
            Some('"') => quoted(&chars, j, '"', &mut line).ok_or_else(|| unterminated(start_line, '"'))?,
            _ => (bare(&chars[j..end]), end),
        };
        let rest_end = line_end(&chars, after);
        let rest: String = chars[after..rest_end].iter().collect();
        let rest = rest.trim();
        if !rest.is_empty() && !rest.starts_with('#') {
            return Err(format!("line {line}: unexpected \"{}\" after the closing quote of {key}", clip(rest)));
        }
        match pairs.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = value,
            None => pairs.push((key.to_string(), value)),
        }
        i = rest_end + 1;
        line += 1;
    }
    Ok(pairs)
}

fn line_end(chars: &[char], from: usize) -> usize {
    chars[from.min(chars.len())..].iter().position(|c| *c == '\n').map(|p| from + p).unwrap_or(chars.len())
}

fn unterminated(line: usize, quote: char) -> String {
    format!("line {line}: the value's {quote} quote is never closed")
}

fn clip(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if s.chars().count() > 40 {
        out.push('…');
    }
    out
}

/// A bare value: up to a ` #` comment, trimmed (a trailing `\r` of CRLF included).
fn bare(chars: &[char]) -> String {
    let mut end = chars.len();
    for (k, c) in chars.iter().enumerate() {
        if *c == '#' && k > 0 && chars[k - 1].is_whitespace() {
            end = k;
            break;
        }
    }
    chars[..end].iter().collect::<String>().trim().to_string()
}

/// A quoted value starting at `open`; returns it and the index after the closing quote.
fn quoted(chars: &[char], open: usize, quote: char, line: &mut usize) -> Option<(String, usize)> {
    let mut out = String::new();
    let mut k = open + 1;
    while k < chars.len() {
        let c = chars[k];
        if c == quote {
            return Some((out, k + 1));
        }
        if c == '\n' {
            *line += 1;
        }
        if quote == '"' && c == '\\' && k + 1 < chars.len() {
            let next = chars[k + 1];
            match next {
                'n' => out.push('\n'),
                'r' => out.push('\r'),
                't' => out.push('\t'),
                '\\' | '"' | '$' => out.push(next),
                other => {
                    out.push('\\');
                    out.push(other);
                }
            }
            k += 2;
            continue;
        }
        out.push(c);
        k += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::parse;

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn reads_the_common_forms() {
        let text = "# comment\n\nexport A=1\nB = two words  # note\nC='single # not a comment'\nD=\"x\\ny \\\"q\\\" \\$H\"\nE=\nF=a#b\r\nA=again\n";
        assert_eq!(
            parse(text).expect("parses"),
            pairs(&[
                ("A", "again"),
                ("B", "two words"),
                ("C", "single # not a comment"),
                ("D", "x\ny \"q\" $H"),
                ("E", ""),
                ("F", "a#b"),
            ])
        );
    }

    #[test]
    fn quoted_values_may_span_lines() {
        let text = "KEY=\"-----BEGIN-----\nabc\n-----END-----\"\nNEXT='a\nb'\nLAST=1";
        assert_eq!(
            parse(text).expect("parses"),
            pairs(&[("KEY", "-----BEGIN-----\nabc\n-----END-----"), ("NEXT", "a\nb"), ("LAST", "1")])
        );
    }

    #[test]
    fn errors_name_the_line() {
        assert_eq!(parse("A=1\nnot a pair\n").unwrap_err(), "line 2: expected KEY=VALUE, found \"not a pair\"");
        assert_eq!(parse("A=1\nB C=2").unwrap_err(), "line 2: \"B C\" is not a valid key (no spaces, not empty)");
        assert_eq!(parse("A=\"open\nB=2\n").unwrap_err(), "line 1: the value's \" quote is never closed");
        assert_eq!(parse("A='x' y").unwrap_err(), "line 1: unexpected \"y\" after the closing quote of A");
    }
}
