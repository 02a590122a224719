//! Reading `WWW-Authenticate` (RFC 6750 §3): a 401 for `insufficient_scope` is not a token problem.
//!
//! ```
//! use tokenfetch_engine::challenge::{is_insufficient_scope, is_token_problem};
//! assert!(is_insufficient_scope(r#"Bearer realm="api", error="insufficient_scope""#));
//! assert!(!is_insufficient_scope(r#"Bearer error="invalid_token""#));
//! assert!(is_token_problem(401, &[401], Some(r#"Bearer error="invalid_token""#)));
//! assert!(!is_token_problem(401, &[401], Some(r#"Bearer error="insufficient_scope""#)));
//! assert!(!is_token_problem(403, &[401], None));
//! ```

/// Whether a response asks for a new token: its status is in `refreshOn` and it is not an
/// RFC 6750 `insufficient_scope` challenge (a token problem no new token solves).
pub fn is_token_problem(status: u16, refresh_on: &[u16], www_authenticate: Option<&str>) -> bool {
    refresh_on.contains(&status) && !www_authenticate.is_some_and(is_insufficient_scope)
}

/// True when any challenge carries `error="insufficient_scope"` (quoted or not, any case of the
/// parameter name). Quoted strings are skipped as a whole, so the phrase inside another
/// parameter's value (`error_description="…"`) does not count.
pub fn is_insufficient_scope(header: &str) -> bool {
    let bytes = header.as_bytes();
    let at = |i: usize| bytes.get(i).copied();
    let skip_blanks = |mut i: usize| {
        while matches!(at(i), Some(b' ' | b'\t')) {
            i += 1;
        }
        i
    };
    let mut i = 0;
    while i < bytes.len() {
        // Read a word: a scheme or a parameter name.
        let start = i;
        while at(i).is_some_and(|b| !matches!(b, b'=' | b',' | b' ' | b'\t' | b'"')) {
            i += 1;
        }
        let word = header.get(start..i).unwrap_or("");
        i = skip_blanks(i);
        match at(i) {
            Some(b'=') => {
                let (value, next) = read_value(header, skip_blanks(i + 1));
                if word.eq_ignore_ascii_case("error") && value == "insufficient_scope" {
                    return true;
                }
                i = next;
            }
            // A stray quoted string: skip it whole.
            Some(b'"') => i = read_value(header, i).1,
            _ if i == start => i += 1,
            _ => {}
        }
    }
    false
}

/// Reads a quoted string (with `\` escapes) or a bare token starting at `i`; returns it and the
/// index just past it. Escapes are kept as written: the values compared here have none.
fn read_value(header: &str, mut i: usize) -> (&str, usize) {
    let bytes = header.as_bytes();
    let at = |i: usize| bytes.get(i).copied();
    if at(i) == Some(b'"') {
        let start = i + 1;
        i = start;
        while let Some(b) = at(i).filter(|&b| b != b'"') {
            i += if b == b'\\' { 2 } else { 1 };
        }
        let end = i.min(bytes.len());
        (header.get(start..end).unwrap_or(""), (i + 1).min(bytes.len()))
    } else {
        let start = i;
        while at(i).is_some_and(|b| !matches!(b, b',' | b' ' | b'\t')) {
            i += 1;
        }
        (header.get(start..i).unwrap_or(""), i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_statuses_in_refresh_on_without_insufficient_scope_are_token_problems() {
        assert!(is_token_problem(401, &[401], None));
        assert!(is_token_problem(419, &[401, 419], Some("Bearer")));
        assert!(!is_token_problem(401, &[419], None));
        assert!(!is_token_problem(401, &[401], Some(r#"Bearer realm="x", error="insufficient_scope""#)));
        assert!(!is_token_problem(200, &[401], None));
    }

    #[test]
    fn recognises_insufficient_scope_in_its_forms() {
        for header in [
            r#"Bearer error="insufficient_scope""#,
            r#"Bearer realm="example", error="insufficient_scope", scope="admin""#,
            "Bearer error=insufficient_scope",
            r#"Bearer ERROR = "insufficient_scope""#,
            r#"Basic realm="x", Bearer error="insufficient_scope""#,
        ] {
            assert!(is_insufficient_scope(header), "{header}");
        }
    }

    #[test]
    fn other_errors_and_lookalikes_are_token_problems() {
        for header in [
            "",
            "Bearer",
            r#"Bearer error="invalid_token""#,
            r#"Bearer error="invalid_token", error_description="not insufficient_scope, error=\"insufficient_scope\"""#,
            r#"Bearer scope="insufficient_scope""#,
            r#"Bearer error="insufficient_scope_x""#,
            "Bearer error=\"unterminated",
        ] {
            assert!(!is_insufficient_scope(header), "{header}");
        }
    }
}
