//! What the browser host does for the engine, done natively for the tests: base64url for test
//! JWTs, and the claims reader the shell builds on `JSON.parse`, here on serde_json's `Value`
//! (which, like `JSON.parse`, keeps the last of a repeated member). Shared by the unit tests
//! (through `#[path]`, in the `no_std` crate: hence `std::` paths) and the integration tests.
#![allow(dead_code)]

use std::string::String;

use tokenfetch_engine::jwt::{segments, times, Json, JwtTimes, HEADER_FIELDS, TIME_CLAIMS};

/// Unpadded base64url.
pub fn b64(input: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in input.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, &b)| acc | (u32::from(b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

/// An unsigned JWT-shaped string carrying the given claims JSON.
pub fn jwt_with_claims(claims: &str) -> String {
    std::format!("{}.{}.c2ln", b64(br#"{"alg":"HS256","typ":"JWT"}"#), b64(claims.as_bytes()))
}

/// The members `keys` of the JSON object `text`, as the shell reads them from `JSON.parse`'s
/// result; `None` when `text` is not JSON or not an object.
pub fn members<const N: usize>(text: &str, keys: [&str; N]) -> Option<[Json; N]> {
    let serde_json::Value::Object(object) = serde_json::from_str(text).ok()? else {
        return None;
    };
    Some(keys.map(|key| match object.get(key) {
        None => Json::Absent,
        Some(serde_json::Value::Null) => Json::Null,
        Some(serde_json::Value::String(text)) => Json::Text(text.clone()),
        Some(serde_json::Value::Number(n)) => Json::Number(n.as_f64().unwrap_or(f64::NAN)),
        Some(_) => Json::Other,
    }))
}

/// The shell's claims reader, over serde_json instead of `JSON.parse`.
pub fn read_claims(token: &str) -> JwtTimes {
    let Some([header, claims]) = segments(token) else {
        return JwtTimes::default();
    };
    times(members(&header, HEADER_FIELDS), members(&claims, TIME_CLAIMS))
}
