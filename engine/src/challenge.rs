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
/// parameter name). Quoted strings are read as a whole, so the phrase inside another parameter's
/// value (`error_description="…"`) does not count.
pub fn is_insufficient_scope(header: &str) -> bool {
    let bytes = header.as_bytes();
    let at = |i: usize| bytes.get(i).copied();
    // The last bare word (scheme or parameter name) before an `=`.
    let mut name: &[u8] = &[];
    let mut i = 0;
    while let Some(byte) = at(i) {
        match byte {
            b' ' | b'\t' => i += 1,
            b',' => {
                name = &[];
                i += 1;
            }
            b'=' | b'"' => {
                // A value (after `=`) or a stray quoted string: quoted with `\` escapes, or bare.
                if byte == b'=' {
                    i += 1;
                    while matches!(at(i), Some(b' ' | b'\t')) {
                        i += 1;
                    }
                }
                let quoted = at(i) == Some(b'"');
                let start = i + usize::from(quoted);
                i = start;
                while let Some(c) = at(i) {
                    if quoted && c == b'"' || !quoted && matches!(c, b',' | b' ' | b'\t') {
                        break;
                    }
                    i += if quoted && c == b'\\' { 2 } else { 1 };
                }
                let value = bytes.get(start..i.min(bytes.len())).unwrap_or(&[]);
                if byte == b'=' && name.eq_ignore_ascii_case(b"error") && value == b"insufficient_scope" {
                    return true;
                }
                name = &[];
                i += usize::from(quoted);
            }
            _ => {
                let start = i;
                while at(i).is_some_and(|c| !matches!(c, b'=' | b',' | b' ' | b'\t' | b'"')) {
                    i += 1;
                }
                name = bytes.get(start..i).unwrap_or(&[]);
            }
        }
    }
    false
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
            r#"Bearer error_description="a \" error=insufficient_scope, b""#,
        ] {
            assert!(!is_insufficient_scope(header), "{header}");
        }
    }
}
