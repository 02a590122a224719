//! `exp` and `iat` of a JWT, read without verifying anything: the server verifies, the client only
//! plans. The rules are jwt-compact's (`UntrustedToken` + `deserialize_claims_unchecked`), which a
//! property test holds this reader against: three base64url segments, a header object with a
//! string `alg` and a JSON content type, a claims object whose `exp`, `nbf` and `iat` (when present)
//! are timestamps chrono can represent. Anything else means "no times known".
//!
//! ```
//! use tokenfetch_engine::jwt::{read_times, JwtTimes};
//! // {"alg":"HS256"} . {"iat":1700000000,"exp":1700000600} . (signature)
//! let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJpYXQiOjE3MDAwMDAwMDAsImV4cCI6MTcwMDAwMDYwMH0.c2ln";
//! let times = read_times(jwt, |s| s.parse().ok());
//! assert_eq!(times, JwtTimes { expires_at_ms: Some(1_700_000_600_000.0), issued_at_ms: Some(1_700_000_000_000.0) });
//! assert_eq!(read_times("opaque", |s| s.parse().ok()), JwtTimes::default());
//! ```

use crate::base64::decode_url_unpadded;
use crate::json::{decode, is_utf8, read_object, Member, Number, ParseNumber};

/// Times read from a JWT's claims, in milliseconds since the epoch.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct JwtTimes {
    /// `exp`, when the token is a readable JWT that has it.
    pub expires_at_ms: Option<f64>,
    /// `iat`, likewise.
    pub issued_at_ms: Option<f64>,
}

/// Earliest second chrono's `DateTime<Utc>` can hold (the first of January, year -262143).
pub const MIN_TIMESTAMP: i64 = -8_334_601_228_800;
/// Latest second chrono's `DateTime<Utc>` can hold (the last of December, year 262142).
pub const MAX_TIMESTAMP: i64 = 8_210_266_876_799;

/// `exp`/`iat` of `token`, or empty times when it is not a JWT jwt-compact would read.
pub fn read_times(token: &str, parse_number: ParseNumber) -> JwtTimes {
    read(token, parse_number).unwrap_or_default()
}

fn read(token: &str, parse_number: ParseNumber) -> Option<JwtTimes> {
    let [header, claims, signature] = three_segments(token.as_bytes())?;
    let header = decode_url_unpadded(header)?;
    let claims = decode_url_unpadded(claims)?;
    decode_url_unpadded(signature)?;
    header_is_readable(&header, parse_number).then_some(())?;
    claim_times(&claims, parse_number)
}

/// `header.claims.signature`: exactly two dots.
fn three_segments(token: &[u8]) -> Option<[&[u8]; 3]> {
    let mut dots = token.iter().enumerate().filter(|(_, &b)| b == b'.').map(|(i, _)| i);
    let (first, second) = (dots.next()?, dots.next()?);
    if dots.next().is_some() {
        return None;
    }
    Some([token.get(..first)?, token.get(first + 1..second)?, token.get(second + 1..)?])
}

/// Each field jwt-compact knows may appear once; `alg` must be there.
fn header_is_readable(header: &[u8], parse_number: ParseNumber) -> bool {
    const KNOWN: [&[u8]; 8] = [b"alg", b"cty", b"jku", b"kid", b"x5u", b"typ", b"x5t", b"x5t#S256"];
    let mut seen = [false; KNOWN.len()];
    let object = read_object(header, parse_number, |key, value| {
        let Some(index) = KNOWN.iter().position(|known| *known == key) else { return true };
        let Some(slot) = seen.get_mut(index) else { return false };
        if core::mem::replace(slot, true) {
            return false;
        }
        match (index, value) {
            (0, Member::Str(_)) => true,
            (0, _) => false,
            (_, Member::Null) => true,
            (1, Member::Str(cty)) => decode(cty).eq_ignore_ascii_case(b"json"),
            (6, Member::Str(text)) => is_thumbprint(&decode(text), 20),
            (7, Member::Str(text)) => is_thumbprint(&decode(text), 32),
            (_, Member::Str(_)) => true,
            _ => false,
        }
    });
    object && seen.first() == Some(&true)
}

/// jwt-compact's `Thumbprint<len>`: base64url (up to two `=` tolerated) of exactly `len` bytes,
/// or of a longer UTF-8 string.
fn is_thumbprint(text: &[u8], len: usize) -> bool {
    let trimmed = text.strip_suffix(b"=").unwrap_or(text);
    let trimmed = trimmed.strip_suffix(b"=").unwrap_or(trimmed);
    let decoded_len = trimmed.len() * 3 / 4;
    // A successful decode yields exactly `decoded_len` bytes.
    match decode_url_unpadded(trimmed) {
        Some(bytes) => decoded_len == len || (decoded_len > len && is_utf8(&bytes)),
        None => false,
    }
}

fn claim_times(claims: &[u8], parse_number: ParseNumber) -> Option<JwtTimes> {
    // `exp`, `nbf`, `iat`: each at most once, and a timestamp when present.
    let mut times: [Option<Option<i64>>; 3] = [None; 3];
    let object = read_object(claims, parse_number, |key, value| {
        let slot = match key {
            b"exp" => times.get_mut(0),
            b"nbf" => times.get_mut(1),
            b"iat" => times.get_mut(2),
            _ => return true,
        };
        match (slot, timestamp(&value)) {
            (Some(slot @ None), Some(seconds)) => {
                *slot = Some(Some(seconds));
                true
            }
            _ => false,
        }
    });
    if !object {
        return None;
    }
    let ms = |slot: Option<Option<i64>>| slot.flatten().map(|seconds| seconds as f64 * 1000.0);
    let [exp, _, iat] = times;
    Some(JwtTimes { expires_at_ms: ms(exp), issued_at_ms: ms(iat) })
}

/// A claim value as jwt-compact's timestamp visitor reads it: whole seconds, a float truncated
/// toward zero (saturating), within chrono's range.
fn timestamp(value: &Member<'_>) -> Option<i64> {
    let seconds = match value {
        Member::Number(Number::U64(n)) => i64::try_from(*n).ok()?,
        Member::Number(Number::I64(n)) => *n,
        Member::Number(Number::F64(n)) => *n as i64,
        _ => return None,
    };
    (MIN_TIMESTAMP..=MAX_TIMESTAMP).contains(&seconds).then_some(seconds)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{b64, jwt_with_claims};
    use alloc::format;

    fn times(token: &str) -> JwtTimes {
        read_times(token, |s| s.parse().ok())
    }

    #[test]
    fn reads_exp_and_iat() {
        let t = times(&jwt_with_claims(r#"{"sub":"u","iat":1700000000,"exp":1700000600}"#));
        assert_eq!(t.expires_at_ms, Some(1_700_000_600_000.0));
        assert_eq!(t.issued_at_ms, Some(1_700_000_000_000.0));
        let float = times(&jwt_with_claims(r#"{"exp":1700000000.9}"#));
        assert_eq!(float.expires_at_ms, Some(1_700_000_000_000.0), "truncated like jwt-compact");
    }

    #[test]
    fn unreadable_tokens_have_no_times() {
        for token in [
            "opaque-token".into(),
            "a.b.c".into(),
            jwt_with_claims(r#"{"exp":"tomorrow"}"#),
            jwt_with_claims(r#"{"exp":1e300}"#),
            jwt_with_claims(r#"{"exp":null}"#),
            jwt_with_claims(r#"{"exp":[1]}"#),
            jwt_with_claims(r#"{"exp":1,"exp":2}"#),
            jwt_with_claims(r#"{"exp":1,"nbf":"x"}"#),
            jwt_with_claims("not json"),
            format!("{}.{}.c2ln", b64(br#"{"typ":"JWT"}"#), b64(br#"{"exp":1}"#)),
            format!("{}.{}.c2ln", b64(br#"{"alg":"HS256","cty":"cbor"}"#), b64(br#"{"exp":1}"#)),
            format!("{}.{}.c2ln.x", b64(br#"{"alg":"HS256"}"#), b64(br#"{"exp":1}"#)),
            format!("{}.{}.c2l", b64(br#"{"alg":"HS256"}"#), b64(br#"{"exp":1}"#)),
        ] {
            assert_eq!(times(&token), JwtTimes::default(), "{token}");
        }
        assert_eq!(times(&jwt_with_claims(r#"{"sub":"no exp"}"#)).expires_at_ms, None);
    }

    #[test]
    fn the_range_is_chronos() {
        use chrono::TimeZone;
        for (seconds, ok) in
            [(MIN_TIMESTAMP, true), (MIN_TIMESTAMP - 1, false), (MAX_TIMESTAMP, true), (MAX_TIMESTAMP + 1, false)]
        {
            assert_eq!(chrono::Utc.timestamp_opt(seconds, 0).single().is_some(), ok, "{seconds}");
            assert_eq!(
                times(&jwt_with_claims(&format!(r#"{{"exp":{seconds}}}"#))).expires_at_ms.is_some(),
                ok,
                "{seconds}"
            );
        }
    }
}
