//! Reading `WWW-Authenticate` (RFC 6750 §3): a 401 for `insufficient_scope` is not a token problem.
//!
//! ```
//! use tokenfetch::engine::challenge::is_insufficient_scope;
//! assert!(is_insufficient_scope(r#"Bearer realm="api", error="insufficient_scope""#));
//! assert!(!is_insufficient_scope(r#"Bearer error="invalid_token""#));
//! ```

/// True when any challenge carries `error="insufficient_scope"` (quoted or not, any case of the
/// parameter name). Quoted strings are skipped as a whole, so the phrase inside another
/// parameter's value (`error_description="…"`) does not count.
pub fn is_insufficient_scope(header: &str) -> bool {
    let bytes = header.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        // Read a word: a scheme or a parameter name.
        let start = i;
        while i < bytes.len() && !matches!(bytes[i], b'=' | b',' | b' ' | b'\t' | b'"') {
            i += 1;
        }
        let word = header.get(start..i).unwrap_or("");
        while i < bytes.len() && matches!(bytes[i], b' ' | b'\t') {
            i += 1;
        }
        if i < bytes.len() && bytes[i] == b'=' {
            i += 1;
            while i < bytes.len() && matches!(bytes[i], b' ' | b'\t') {
                i += 1;
            }
            let (value, next) = read_value(header, i);
            if word.eq_ignore_ascii_case("error") && value == "insufficient_scope" {
                return true;
            }
            i = next;
        } else if i < bytes.len() && bytes[i] == b'"' {
            // A stray quoted string: skip it whole.
            i = read_value(header, i).1;
        } else if i == start {
            i += 1;
        }
    }
    false
}

/// Reads a quoted string (with `\` escapes) or a bare token starting at `i`; returns it and the
/// index just past it. Escapes are kept as written: the values compared here have none.
fn read_value(header: &str, mut i: usize) -> (&str, usize) {
    let bytes = header.as_bytes();
    if i < bytes.len() && bytes[i] == b'"' {
        let start = i + 1;
        i = start;
        while i < bytes.len() && bytes[i] != b'"' {
            i += if bytes[i] == b'\\' { 2 } else { 1 };
        }
        let end = i.min(bytes.len());
        (header.get(start..end).unwrap_or(""), (i + 1).min(bytes.len()))
    } else {
        let start = i;
        while i < bytes.len() && !matches!(bytes[i], b',' | b' ' | b'\t') {
            i += 1;
        }
        (header.get(start..i).unwrap_or(""), i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
