//! Reading request headers: the `Authorization` header (its scheme and credentials), the `DPoP`
//! proof, cookies and `X-Request-Id`.

use std::borrow::Cow;

use axum::http::header::{self, HeaderMap};

/// What the `Authorization` header holds for the scheme a route expects.
#[derive(Debug, PartialEq, Eq)]
pub enum Credentials<'a> {
    Missing,
    /// Present but not `<scheme> <token>`.
    Malformed,
    Token(&'a str),
}

/// The token in `Authorization: <scheme> <token>` (scheme compared case-insensitively).
pub fn credentials<'a>(headers: &'a HeaderMap, scheme: &str) -> Credentials<'a> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Credentials::Missing;
    };
    let Ok(value) = value.to_str() else {
        return Credentials::Malformed;
    };
    match value.trim().split_once(|c: char| c.is_ascii_whitespace()) {
        Some((given, token)) if given.eq_ignore_ascii_case(scheme) => {
            let token = token.trim();
            if token.is_empty() || token.contains(char::is_whitespace) {
                Credentials::Malformed
            } else {
                Credentials::Token(token)
            }
        }
        _ => Credentials::Malformed,
    }
}

/// The whole `Authorization` header as text (bytes that are not UTF-8 replaced), if present.
pub fn authorization(headers: &HeaderMap) -> Option<Cow<'_, str>> {
    headers.get(header::AUTHORIZATION).map(|v| String::from_utf8_lossy(v.as_bytes()))
}

/// The scheme of an `Authorization` value (RFC 7235: the word before the credentials), as sent.
pub fn scheme_of(authorization: &str) -> &str {
    let value = authorization.trim();
    value.split_once(|c: char| c.is_ascii_whitespace()).map_or(value, |(scheme, _)| scheme)
}

/// Value of cookie `name` in the request's `Cookie` header(s).
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
}

/// The `DPoP` request header(s) (RFC 9449 §4.1): a request carries at most one proof.
#[derive(Debug, PartialEq, Eq)]
pub enum ProofHeader<'a> {
    Missing,
    /// Its value (empty if it is not text, which no proof is).
    One(&'a str),
    Many,
}

pub fn dpop_proof(headers: &HeaderMap) -> ProofHeader<'_> {
    let mut values = headers.get_all("dpop").iter();
    match (values.next(), values.next()) {
        (None, _) => ProofHeader::Missing,
        (Some(value), None) => ProofHeader::One(value.to_str().unwrap_or("")),
        (Some(_), Some(_)) => ProofHeader::Many,
    }
}

/// `X-Request-Id`, if present and readable.
pub fn request_id(headers: &HeaderMap) -> Option<&str> {
    headers.get("x-request-id").and_then(|v| v.to_str().ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn credentials_parsing() {
        /// What `Authorization: value` holds for the scheme `scheme`, owned.
        fn read(value: &'static str, scheme: &str) -> Result<Option<String>, ()> {
            match credentials(&headers(&[("authorization", value)]), scheme) {
                Credentials::Token(token) => Ok(Some(token.to_owned())),
                Credentials::Missing => Ok(None),
                Credentials::Malformed => Err(()),
            }
        }
        let token = |t: &str| Ok(Some(t.to_owned()));
        assert_eq!(credentials(&headers(&[]), "Bearer"), Credentials::Missing);
        assert_eq!(read("Bearer abc", "Bearer"), token("abc"));
        assert_eq!(read("bEaReR  abc ", "Bearer"), token("abc"));
        assert_eq!(read("Basic abc", "Bearer"), Err(()));
        assert_eq!(read("Bearer", "Bearer"), Err(()));
        assert_eq!(read("Bearer a b", "Bearer"), Err(()));
        // Another expected scheme: Bearer is then the wrong one.
        assert_eq!(read("Token abc", "token"), token("abc"));
        assert_eq!(read("Token abc", "Bearer"), Err(()));
        assert_eq!(read("Bearer abc", "Token"), Err(()));
    }

    #[test]
    fn authorization_and_scheme() {
        assert_eq!(authorization(&headers(&[])), None);
        let h = headers(&[("authorization", "Token abc.def")]);
        assert_eq!(authorization(&h).as_deref(), Some("Token abc.def"));
        assert_eq!(scheme_of("Token abc.def"), "Token");
        assert_eq!(scheme_of(" bearer\tx "), "bearer");
        assert_eq!(scheme_of("Negotiate"), "Negotiate");
        assert_eq!(scheme_of(""), "");
    }

    #[test]
    fn at_most_one_proof() {
        assert_eq!(dpop_proof(&headers(&[])), ProofHeader::Missing);
        assert_eq!(dpop_proof(&headers(&[("dpop", "a.b.c")])), ProofHeader::One("a.b.c"));
        assert_eq!(dpop_proof(&headers(&[("DPoP", "a.b.c"), ("dpop", "d.e.f")])), ProofHeader::Many);
    }

    #[test]
    fn cookie_parsing() {
        let h = headers(&[("cookie", "a=1; tf_session=xyz"), ("cookie", "b=2")]);
        assert_eq!(cookie(&h, "tf_session"), Some("xyz"));
        assert_eq!(cookie(&h, "b"), Some("2"));
        assert_eq!(cookie(&h, "c"), None);
    }
}
