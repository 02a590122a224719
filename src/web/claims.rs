//! A token's `exp` and `iat` for the engine: the engine decodes the JWT's segments and judges the
//! values; the host's `JSON.parse` parses them (no JSON parser ships in the wasm).

use tokenfetch_engine::jwt::{segments, times, Json, JwtTimes, HEADER_FIELDS, TIME_CLAIMS};
use wasm_bindgen::JsValue;

use crate::web::host::{get, is_array, static_call};

/// The times of `token`, or none when it is not a JWT that jwt-compact would read.
pub(crate) fn read_claims(token: &str) -> JwtTimes {
    let Some([header, claims]) = segments(token) else {
        return JwtTimes::default();
    };
    times(members(&header, HEADER_FIELDS), members(&claims, TIME_CLAIMS))
}

/// The members `keys` of the JSON object `text`; `None` when it is not JSON or not an object.
fn members<const N: usize>(text: &str, keys: [&str; N]) -> Option<[Json; N]> {
    let object = static_call("JSON", "parse", &JsValue::from_str(text)).ok()?;
    if !object.is_object() || is_array(&object) {
        return None;
    }
    Some(keys.map(|key| {
        let value = get(&object, key);
        if value.is_undefined() {
            Json::Absent
        } else if value.is_null() {
            Json::Null
        } else if let Some(text) = value.as_string() {
            Json::Text(text)
        } else if let Some(number) = value.as_f64() {
            Json::Number(number)
        } else {
            Json::Other
        }
    }))
}
