//! "Did you mean ...?" suggestions, computed the way graphql-js (which Railway runs) computes them:
//! a case-insensitive Damerau–Levenshtein distance within 40 % of the input's length, closest
//! first, at most five, joined as `"a"`, `"a" or "b"`, `"a", "b", or "c"`.

/// Options close enough to `input`, closest first.
pub(crate) fn suggestion_list<'a>(input: &str, options: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let threshold = input.chars().count() * 4 / 10 + 1;
    let mut scored: Vec<(usize, &str)> =
        options.into_iter().filter_map(|option| distance(input, option, threshold).map(|d| (d, option))).collect();
    scored.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)));
    scored.into_iter().map(|(_, o)| o.to_owned()).collect()
}

/// ` Did you mean "a"?` (with the leading space), or `""` without suggestions.
pub(crate) fn did_you_mean(suggestions: &[String]) -> String {
    let quoted: Vec<String> = suggestions.iter().take(5).map(|s| format!("\"{s}\"")).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => format!(" Did you mean {one}?"),
        [a, b] => format!(" Did you mean {a} or {b}?"),
        [init @ .., last] => format!(" Did you mean {}, or {last}?", init.join(", ")),
    }
}

fn distance(input: &str, option: &str, threshold: usize) -> Option<usize> {
    if input == option {
        return Some(0);
    }
    let a: Vec<char> = option.to_lowercase().chars().collect();
    let b: Vec<char> = input.to_lowercase().chars().collect();
    if a == b {
        return Some(1);
    }
    let (a, b) = if a.len() < b.len() { (b, a) } else { (a, b) };
    if a.len() - b.len() > threshold {
        return None;
    }
    // Optimal string alignment distance over three rolling rows.
    let mut rows = [vec![0usize; b.len() + 1], vec![0; b.len() + 1], vec![0; b.len() + 1]];
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        let (cur, prev, prev2) = (i % 3, (i - 1) % 3, (i + 1) % 3);
        rows[cur][0] = i;
        let mut smallest = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut value = (rows[prev][j] + 1).min(rows[cur][j - 1] + 1).min(rows[prev][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                value = value.min(rows[prev2][j - 2] + 1);
            }
            rows[cur][j] = value;
            smallest = smallest.min(value);
        }
        if smallest > threshold {
            return None;
        }
    }
    let d = rows[a.len() % 3][b.len()];
    (d <= threshold).then_some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_like_graphql_js() {
        let fields = ["me", "projects", "project", "workspace", "variables", "environment"];
        assert_eq!(suggestion_list("workspce", fields), vec!["workspace"]);
        assert_eq!(suggestion_list("projet", fields), vec!["project", "projects"]);
        assert_eq!(suggestion_list("ME", fields), vec!["me"]);
        assert!(suggestion_list("nope", fields).is_empty());
        assert_eq!(suggestion_list("varaibles", fields), vec!["variables"], "transposition");
    }

    #[test]
    fn formats_the_sentence() {
        let s = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
        assert_eq!(did_you_mean(&[]), "");
        assert_eq!(did_you_mean(&s(&["a"])), " Did you mean \"a\"?");
        assert_eq!(did_you_mean(&s(&["a", "b"])), " Did you mean \"a\" or \"b\"?");
        assert_eq!(
            did_you_mean(&s(&["a", "b", "c", "d", "e", "f"])),
            " Did you mean \"a\", \"b\", \"c\", \"d\", or \"e\"?"
        );
    }
}
