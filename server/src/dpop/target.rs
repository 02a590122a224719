//! What a proof must be for: the request's method, its URL as the client sees it (`htu`), and
//! its origin (nonces are kept per origin), with the URL normalisation RFC 9449 §4.3 asks for.

use axum::http::header::{self, HeaderMap};
use axum::http::{Method, Uri};

/// The request a proof is checked against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub method: String,
    /// `http://host[:port]`, normalised: the origin the client sent the request to.
    pub origin: String,
    /// `origin` + path, normalised, without query.
    pub htu: String,
}

impl Target {
    /// The devserver speaks plain `http`; the host is the `Host` header's (the two ports are two
    /// origins), else the request target's authority, else `localhost`.
    pub fn of(method: &Method, uri: &Uri, headers: &HeaderMap) -> Self {
        let origin = origin_of(uri, headers);
        let htu = normalize(&format!("{origin}{}", uri.path())).unwrap_or_else(|_| format!("{origin}{}", uri.path()));
        Self { method: method.as_str().to_owned(), origin, htu }
    }
}

/// The normalised origin a request was sent to (see [`Target::of`]).
pub fn origin_of(uri: &Uri, headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| uri.authority().map(|a| a.as_str().to_owned()))
        .unwrap_or_else(|| "localhost".to_owned());
    let raw = format!("http://{}", host.trim());
    normalize(&raw).map(|url| url.trim_end_matches('/').to_owned()).unwrap_or(raw)
}

/// Why a URL is not a usable `htu`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlError {
    /// Not `scheme://authority/path`, or a broken percent-escape.
    Malformed,
    /// It has a query or a fragment, which RFC 9449 §4.2 leaves out of `htu`.
    QueryOrFragment,
}

/// An absolute URL without query and fragment, normalised as RFC 3986 §6.2.2 (case, percent-
/// encoding, dot segments) and §6.2.3 (default port, empty path) have it, so that two spellings
/// of one URL compare equal.
pub fn normalize(url: &str) -> Result<String, UrlError> {
    if url.contains(['?', '#']) {
        return Err(UrlError::QueryOrFragment);
    }
    let (scheme, rest) = url.split_once("://").ok_or(UrlError::Malformed)?;
    let scheme_ok = scheme.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
        && scheme.bytes().all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b));
    if !scheme_ok {
        return Err(UrlError::Malformed);
    }
    let scheme = scheme.to_ascii_lowercase();
    let (authority, path) = rest.find('/').map_or((rest, ""), |i| rest.split_at(i));
    // No userinfo: a proof for `http://user@host/` is not one for `http://host/`.
    if authority.is_empty() || authority.contains('@') || authority.bytes().any(|b| b.is_ascii_whitespace()) {
        return Err(UrlError::Malformed);
    }
    let (host, port) = split_port(authority)?;
    let default_port = match scheme.as_str() {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    };
    let mut out = format!("{scheme}://{}", percent_normalized(&host.to_ascii_lowercase())?);
    if let Some(port) = port.filter(|p| Some(*p) != default_port) {
        out.push_str(&format!(":{port}"));
    }
    let path = percent_normalized(if path.is_empty() { "/" } else { path })?;
    out.push_str(&remove_dot_segments(&path));
    Ok(out)
}

/// `host[:port]` (an IPv6 host in brackets); an empty port is no port.
fn split_port(authority: &str) -> Result<(&str, Option<u16>), UrlError> {
    let colon = match authority.strip_prefix('[') {
        Some(inner) => {
            let close = inner.find(']').ok_or(UrlError::Malformed)? + 1;
            match &authority[close + 1..] {
                "" => None,
                rest if rest.starts_with(':') => Some(close + 1),
                _ => return Err(UrlError::Malformed),
            }
        }
        None => authority.rfind(':'),
    };
    let Some(colon) = colon else {
        return Ok((authority, None));
    };
    let (host, port) = (&authority[..colon], &authority[colon + 1..]);
    if host.is_empty() {
        return Err(UrlError::Malformed);
    }
    if port.is_empty() {
        return Ok((host, None));
    }
    if !port.bytes().all(|b| b.is_ascii_digit()) {
        return Err(UrlError::Malformed);
    }
    port.parse().map(|p| (host, Some(p))).map_err(|_| UrlError::Malformed)
}

/// Percent-escapes with upper-case hex digits, and unreserved characters (RFC 3986 §2.3)
/// unescaped.
fn percent_normalized(s: &str) -> Result<String, UrlError> {
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3).ok_or(UrlError::Malformed)?;
            let byte = u8::from_str_radix(hex, 16).map_err(|_| UrlError::Malformed)?;
            if hex.bytes().any(|b| !b.is_ascii_hexdigit()) {
                return Err(UrlError::Malformed);
            }
            if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
                out.push(char::from(byte));
            } else {
                out.push_str(&format!("%{byte:02X}"));
            }
            i += 3;
        } else {
            let ch = s[i..].chars().next().ok_or(UrlError::Malformed)?;
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    Ok(out)
}

/// RFC 3986 §5.2.4 for a path that starts with `/`.
fn remove_dot_segments(path: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    let parts: Vec<&str> = path.split('/').skip(1).collect();
    for (i, segment) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        match *segment {
            "." => {
                if last {
                    segments.push("");
                }
            }
            ".." => {
                segments.pop();
                if last {
                    segments.push("");
                }
            }
            other => segments.push(other),
        }
    }
    format!("/{}", segments.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_of_one_url_normalise_alike() {
        let canonical = "http://127.0.0.1:8787/api/me";
        for spelling in [
            "http://127.0.0.1:8787/api/me",
            "HTTP://127.0.0.1:8787/api/me",
            "http://127.0.0.1:8787/api/./me",
            "http://127.0.0.1:8787/api/x/../me",
            "http://127.0.0.1:8787/%61pi/me",
        ] {
            assert_eq!(normalize(spelling).as_deref(), Ok(canonical), "{spelling}");
        }
        assert_eq!(normalize("http://LocalHost:80").as_deref(), Ok("http://localhost/"));
        assert_eq!(normalize("https://h:443/a").as_deref(), Ok("https://h/a"));
        assert_eq!(normalize("http://h:/a%2fb%c3%a9").as_deref(), Ok("http://h/a%2Fb%C3%A9"));
        assert_eq!(normalize("http://[::1]:8080/x/.").as_deref(), Ok("http://[::1]:8080/x/"));
        assert_eq!(normalize("http://h/a/b/..").as_deref(), Ok("http://h/a/"));
        // Path case matters, and so does the port.
        assert_ne!(normalize("http://h/API/me"), normalize("http://h/api/me"));
        assert_ne!(normalize("http://h:8788/"), normalize("http://h:8787/"));
    }

    #[test]
    fn queries_fragments_and_junk_are_refused() {
        assert_eq!(normalize("http://h/a?x=1"), Err(UrlError::QueryOrFragment));
        assert_eq!(normalize("http://h/a#f"), Err(UrlError::QueryOrFragment));
        for junk in
            ["/api/me", "h/a", "http:///a", "http://u@h/a", "http://h:x/", "http://h/%zz", "http://h/%4", "1x://h/"]
        {
            assert_eq!(normalize(junk), Err(UrlError::Malformed), "{junk}");
        }
    }

    #[test]
    fn the_target_of_a_request() {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, "127.0.0.1:8788".parse().unwrap());
        let uri: Uri = "/api/echo?a=1".parse().unwrap();
        let target = Target::of(&Method::POST, &uri, &headers);
        assert_eq!(target.method, "POST");
        assert_eq!(target.origin, "http://127.0.0.1:8788");
        assert_eq!(target.htu, "http://127.0.0.1:8788/api/echo");
        let target = Target::of(&Method::GET, &uri, &HeaderMap::new());
        assert_eq!(target.origin, "http://localhost");
    }
}
