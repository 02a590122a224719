//! Reading `WWW-Authenticate`: a 401 for `insufficient_scope` (RFC 6750 §3) is not a token
//! problem, and neither is a DPoP server asking for a nonce (RFC 9449 §8: `use_dpop_nonce`, or
//! `invalid_dpop_nonce` as some APIs say for an expired one).
//!
//! ```
//! use tokenfetch_engine::challenge::{is_insufficient_scope, is_nonce_challenge, is_token_problem};
//! assert!(is_insufficient_scope(r#"Bearer realm="api", error="insufficient_scope""#));
//! assert!(!is_insufficient_scope(r#"Bearer error="invalid_token""#));
//! assert!(is_token_problem(401, &[401], Some(r#"Bearer error="invalid_token""#)));
//! assert!(!is_token_problem(401, &[401], Some(r#"Bearer error="insufficient_scope""#)));
//! assert!(!is_token_problem(403, &[401], None));
//! assert!(is_nonce_challenge(r#"DPoP error="use_dpop_nonce", algs="ES256""#));
//! assert!(!is_nonce_challenge(r#"Bearer error="use_dpop_nonce""#), "only in the DPoP challenge");
//! ```

/// Whether a response asks for a new token: its status is in `refreshOn` and it is neither an
/// RFC 6750 `insufficient_scope` challenge (a token problem no new token solves) nor a DPoP
/// nonce challenge (a new proof solves it).
pub fn is_token_problem(status: u16, refresh_on: &[u16], www_authenticate: Option<&str>) -> bool {
    refresh_on.contains(&status)
        && !www_authenticate.is_some_and(|header| is_insufficient_scope(header) || is_nonce_challenge(header))
}

/// True when any challenge carries `error="insufficient_scope"` (quoted or not, any case of the
/// parameter name). Quoted strings are read as a whole, so the phrase inside another parameter's
/// value (`error_description="…"`) does not count.
pub fn is_insufficient_scope(header: &str) -> bool {
    has_error(header, None, &[b"insufficient_scope"])
}

/// True when the `DPoP` challenge carries `error="use_dpop_nonce"` or `error="invalid_dpop_nonce"`.
pub fn is_nonce_challenge(header: &str) -> bool {
    has_error(header, Some(b"DPoP"), &[b"use_dpop_nonce", b"invalid_dpop_nonce"])
}

/// Whether a challenge (of `scheme`, any case; of any scheme for `None`) has an `error`
/// parameter whose value is one of `errors`.
fn has_error(header: &str, scheme: Option<&[u8]>, errors: &[&[u8]]) -> bool {
    let bytes = header.as_bytes();
    let at = |i: usize| bytes.get(i).copied();
    // The challenge being read (its scheme), and the last bare word before an `=`.
    let mut current: &[u8] = &[];
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
                if byte == b'='
                    && name.eq_ignore_ascii_case(b"error")
                    && scheme.is_none_or(|scheme| scheme.eq_ignore_ascii_case(current))
                    && errors.contains(&value)
                {
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
                // A word that no `=` follows starts a challenge: it is the scheme.
                let mut next = i;
                while matches!(at(next), Some(b' ' | b'\t')) {
                    next += 1;
                }
                if at(next) != Some(b'=') {
                    current = name;
                }
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
    fn nonce_challenges_are_read_in_the_dpop_challenge_only() {
        for header in [
            r#"DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof""#,
            r#"DPoP algs="ES256", error="invalid_dpop_nonce""#,
            r#"Bearer realm="x", DPoP error=use_dpop_nonce"#,
            r#"dpop ERROR = "use_dpop_nonce""#,
        ] {
            assert!(is_nonce_challenge(header), "{header}");
            assert!(!is_token_problem(401, &[401], Some(header)), "{header}");
        }
        for header in [
            r#"Bearer error="use_dpop_nonce""#,
            r#"DPoP error="invalid_dpop_proof""#,
            r#"DPoP error_description="use_dpop_nonce""#,
            r#"DPoP realm="a", Bearer error="use_dpop_nonce""#,
        ] {
            assert!(!is_nonce_challenge(header), "{header}");
        }
        assert!(is_token_problem(401, &[401], Some(r#"DPoP error="invalid_token""#)));
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
