//! `exp` and `iat` of a JWT, read without verifying anything: the server verifies, the client only
//! plans. The engine decodes the segments ([`segments`]: three base64url parts, UTF-8 JSON) and
//! judges the values ([`times`]); the host parses the JSON with its own parser (JS `JSON.parse`)
//! and hands over the members that matter, so no JSON parser ships in the wasm.
//!
//! The rules are jwt-compact's (`UntrustedToken` + `deserialize_claims_unchecked`), which a
//! property test holds this reader against: a header object with a string `alg` and a JSON
//! content type, a claims object whose `exp`, `nbf` and `iat` (when present) are timestamps chrono
//! can represent. Anything else means "no times known". Two things `JSON.parse` reads differently
//! from serde_json: a member given twice counts once, with its last value (serde_json refuses the
//! document), and a `\u` escape of a lone surrogate is accepted.
//!
//! ```
//! use tokenfetch_engine::jwt::{segments, times, Json, JwtTimes};
//! // {"alg":"HS256"} . {"iat":1700000000,"exp":1700000600} . (signature)
//! let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJpYXQiOjE3MDAwMDAwMDAsImV4cCI6MTcwMDAwMDYwMH0.c2ln";
//! let [header, claims] = segments(jwt).unwrap();
//! assert_eq!(header, r#"{"alg":"HS256"}"#);
//! // What the host's JSON parser found under HEADER_FIELDS and TIME_CLAIMS:
//! let mut header = core::array::from_fn(|_| Json::Absent);
//! header[0] = Json::Text("HS256".into());
//! let claims = [Json::Number(1_700_000_600.0), Json::Absent, Json::Number(1_700_000_000.0)];
//! assert_eq!(times(Some(header), Some(claims)), JwtTimes { expires_at_ms: Some(1_700_000_600_000.0), issued_at_ms: Some(1_700_000_000_000.0) });
//! assert_eq!(segments("opaque"), None);
//! ```

use alloc::string::String;
use alloc::vec::Vec;

use crate::base64::decode_url_unpadded;

/// Times read from a JWT's claims, in milliseconds since the epoch.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct JwtTimes {
    /// `exp`, when the token is a readable JWT that has it.
    pub expires_at_ms: Option<f64>,
    /// `iat`, likewise.
    pub issued_at_ms: Option<f64>,
}

/// How the engine reads a token's times: the host's reader (decoding with [`segments`], parsing
/// with its JSON parser, judging with [`times`]).
pub type ReadClaims = fn(&str) -> JwtTimes;

/// One member of a parsed JSON object, reduced to what matters.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    /// Not present.
    Absent,
    /// `null`.
    Null,
    /// A string (escapes resolved).
    Text(String),
    /// A number (the host's double; `1e999` arrives as infinity).
    Number(f64),
    /// Anything else (boolean, object, array).
    Other,
}

/// The header members jwt-compact reads, in the order [`times`] expects them.
pub const HEADER_FIELDS: [&str; 8] = ["alg", "cty", "jku", "kid", "x5u", "typ", "x5t", "x5t#S256"];
/// The claims jwt-compact reads as timestamps, in the order [`times`] expects them.
pub const TIME_CLAIMS: [&str; 3] = ["exp", "nbf", "iat"];

/// Earliest second chrono's `DateTime<Utc>` can hold (the first of January, year -262143).
pub const MIN_TIMESTAMP: i64 = -8_334_601_228_800;
/// Latest second chrono's `DateTime<Utc>` can hold (the last of December, year 262142).
pub const MAX_TIMESTAMP: i64 = 8_210_266_876_799;

/// The header and claims JSON texts of `header.claims.signature` (exactly two dots, each part
/// strict unpadded base64url, header and claims UTF-8); `None` for anything else.
pub fn segments(token: &str) -> Option<[String; 2]> {
    let bytes = token.as_bytes();
    let mut dots = bytes.iter().enumerate().filter(|(_, &b)| b == b'.').map(|(i, _)| i);
    let (first, second) = (dots.next()?, dots.next()?);
    if dots.next().is_some() {
        return None;
    }
    let header = decode_url_unpadded(bytes.get(..first)?)?;
    let claims = decode_url_unpadded(bytes.get(first + 1..second)?)?;
    decode_url_unpadded(bytes.get(second + 1..)?)?;
    Some([text(header)?, text(claims)?])
}

fn text(bytes: Vec<u8>) -> Option<String> {
    String::from_utf8(bytes).ok()
}

/// The times of a token whose header and claims parsed to objects (`None`: not JSON, or not an
/// object) with these members ([`HEADER_FIELDS`], [`TIME_CLAIMS`] order).
pub fn times(header: Option<[Json; 8]>, claims: Option<[Json; 3]>) -> JwtTimes {
    read(header, claims).unwrap_or_default()
}

fn read(header: Option<[Json; 8]>, claims: Option<[Json; 3]>) -> Option<JwtTimes> {
    header_is_readable(&header?).then_some(())?;
    let [exp, nbf, iat] = claims?;
    let [exp, _, iat] = [timestamp(exp)?, timestamp(nbf)?, timestamp(iat)?];
    let ms = |seconds: Option<i64>| seconds.map(|seconds| seconds as f64 * 1000.0);
    Some(JwtTimes { expires_at_ms: ms(exp), issued_at_ms: ms(iat) })
}

/// `alg` a string; `cty` absent, null or "json" in any case; `x5t` and `x5t#S256` thumbprints of
/// 20 and 32 bytes; every other known member absent, null or a string.
fn header_is_readable(header: &[Json; 8]) -> bool {
    let [alg, cty, jku, kid, x5u, typ, x5t, x5t_s256] = header;
    let optional_text = |json: &Json| matches!(json, Json::Absent | Json::Null | Json::Text(_));
    let thumbprint = |json: &Json, len| match json {
        Json::Absent | Json::Null => true,
        Json::Text(text) => is_thumbprint(text.as_bytes(), len),
        _ => false,
    };
    matches!(alg, Json::Text(_))
        && match cty {
            Json::Text(cty) => cty.eq_ignore_ascii_case("json"),
            other => optional_text(other),
        }
        && [jku, kid, x5u, typ].into_iter().all(optional_text)
        && thumbprint(x5t, 20)
        && thumbprint(x5t_s256, 32)
}

/// jwt-compact's `Thumbprint<len>`: base64url (up to two `=` tolerated) of exactly `len` bytes,
/// or of a longer UTF-8 string.
fn is_thumbprint(text: &[u8], len: usize) -> bool {
    let trimmed = text.strip_suffix(b"=").unwrap_or(text);
    let trimmed = trimmed.strip_suffix(b"=").unwrap_or(trimmed);
    let decoded_len = trimmed.len() * 3 / 4;
    // A successful decode yields exactly `decoded_len` bytes.
    match decode_url_unpadded(trimmed) {
        Some(bytes) => decoded_len == len || (decoded_len > len && core::str::from_utf8(&bytes).is_ok()),
        None => false,
    }
}

/// A claim as jwt-compact's timestamp visitor reads it: absent is no time (`Some(None)`); a number
/// is whole seconds truncated toward zero, within chrono's range; anything else (`null` included)
/// makes the claims unreadable (`None`).
fn timestamp(json: Json) -> Option<Option<i64>> {
    match json {
        Json::Absent => Some(None),
        // `as` saturates (infinities included), and saturated values are out of range.
        Json::Number(n) if n.is_finite() => {
            let seconds = n as i64;
            (MIN_TIMESTAMP..=MAX_TIMESTAMP).contains(&seconds).then_some(Some(seconds))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{b64, jwt_with_claims, read_claims};
    use alloc::format;

    #[test]
    fn reads_exp_and_iat() {
        let t = read_claims(&jwt_with_claims(r#"{"sub":"u","iat":1700000000,"exp":1700000600}"#));
        assert_eq!(t.expires_at_ms, Some(1_700_000_600_000.0));
        assert_eq!(t.issued_at_ms, Some(1_700_000_000_000.0));
        let float = read_claims(&jwt_with_claims(r#"{"exp":1700000000.9}"#));
        assert_eq!(float.expires_at_ms, Some(1_700_000_000_000.0), "truncated like jwt-compact");
    }

    #[test]
    fn unreadable_tokens_have_no_times() {
        for token in [
            "opaque-token".into(),
            "a.b.c".into(),
            jwt_with_claims(r#"{"exp":"tomorrow"}"#),
            jwt_with_claims(r#"{"exp":1e300}"#),
            jwt_with_claims(r#"{"exp":1e999}"#),
            jwt_with_claims(r#"{"exp":[1]}"#),
            jwt_with_claims(r#"{"exp":{"nested":1}}"#),
            jwt_with_claims(r#"{"exp":1,"nbf":"x"}"#),
            jwt_with_claims("not json"),
            jwt_with_claims("[1]"),
            format!("{}.{}.c2ln", b64(br#"{"typ":"JWT"}"#), b64(br#"{"exp":1}"#)),
            format!("{}.{}.c2ln", b64(br#"{"alg":"HS256","cty":"cbor"}"#), b64(br#"{"exp":1}"#)),
            format!("{}.{}.c2ln.x", b64(br#"{"alg":"HS256"}"#), b64(br#"{"exp":1}"#)),
            format!("{}.{}.c2l", b64(br#"{"alg":"HS256"}"#), b64(br#"{"exp":1}"#)),
            format!("{}.{}.c2ln", b64(br#"{"alg":"HS256"}"#), b64(b"{\"exp\":1,\"x\":\"\xff\"}")),
        ] {
            assert_eq!(read_claims(&token), JwtTimes::default(), "{token}");
        }
        assert_eq!(read_claims(&jwt_with_claims(r#"{"sub":"no exp"}"#)).expires_at_ms, None);
        assert_eq!(read_claims(&jwt_with_claims(r#"{"exp":null,"iat":5}"#)), JwtTimes::default(), "null is refused");
    }

    #[test]
    fn infinities_are_out_of_range() {
        assert_eq!(timestamp(Json::Number(f64::INFINITY)), None);
        assert_eq!(timestamp(Json::Number(f64::NEG_INFINITY)), None);
        assert_eq!(timestamp(Json::Number(-0.5)), Some(Some(0)));
    }

    #[test]
    fn the_range_is_chronos() {
        use chrono::TimeZone;
        for (seconds, ok) in
            [(MIN_TIMESTAMP, true), (MIN_TIMESTAMP - 1, false), (MAX_TIMESTAMP, true), (MAX_TIMESTAMP + 1, false)]
        {
            assert_eq!(chrono::Utc.timestamp_opt(seconds, 0).single().is_some(), ok, "{seconds}");
            let times = read_claims(&jwt_with_claims(&format!(r#"{{"exp":{seconds}}}"#)));
            assert_eq!(times.expires_at_ms.is_some(), ok, "{seconds}");
        }
    }
}
