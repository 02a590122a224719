//! The origin of a request's URL, read from the URL the host has already parsed and serialized
//! (a `Request`'s `url`), so that no second URL object is built per request.
//!
//! ```
//! use tokenfetch_engine::origin::origin_of;
//! assert_eq!(origin_of("https://api.example:8443/v1/me?x=1"), "https://api.example:8443");
//! assert_eq!(origin_of("data:text/plain,hi"), "null");
//! ```

/// `scheme://host[:port]` of an `http:` or `https:` URL serialized by the URL standard
/// (lowercase scheme and host, no default port, no credentials in a `Request`'s URL, a path
/// that starts with `/`); `"null"` for every other scheme, which never gets the token.
pub fn origin_of(url: &str) -> &str {
    let bytes = url.as_bytes();
    let scheme = match () {
        _ if bytes.starts_with(b"https://") => 8,
        _ if bytes.starts_with(b"http://") => 7,
        _ => return "null",
    };
    let authority = bytes.get(scheme..).unwrap_or_default();
    let host = authority.iter().position(|b| matches!(b, b'/' | b'?' | b'#')).unwrap_or(authority.len());
    url.get(..scheme + host).unwrap_or("null")
}

#[cfg(test)]
mod tests {
    use super::origin_of;

    #[test]
    fn the_origin_is_scheme_host_and_port() {
        assert_eq!(origin_of("https://api.example/v1/me"), "https://api.example");
        assert_eq!(origin_of("http://127.0.0.1:8787/api/me"), "http://127.0.0.1:8787");
        assert_eq!(origin_of("http://[::1]:8080/"), "http://[::1]:8080");
        assert_eq!(origin_of("https://api.example?q"), "https://api.example");
    }

    #[test]
    fn other_schemes_and_junk_have_no_origin() {
        for url in ["blob:https://api.example/1f2e", "file:///etc/passwd", "data:,x", "", "https:/x", "HTTPS-ish"] {
            assert_eq!(origin_of(url), "null", "{url}");
        }
    }
}
