//! The claim reader against the oracle: on generated tokens (claims of every shape, odd numbers,
//! junk), the reader the shell builds (`jwt::segments`, the host's JSON parser, `jwt::times`) sees
//! exactly the `exp`/`iat` that jwt-compact's `UntrustedToken` + `deserialize_claims_unchecked`
//! see. Here serde_json's `Value` stands in for the browser's `JSON.parse` (the browser tests hold
//! the real one against jwt-compact too). Both keep the last of a repeated member, where
//! jwt-compact refuses the token: for such tokens the oracle reads the JSON the host parsed.
//!
//! Floats are generated with at most 15 significant digits: serde_json (without its
//! `float_roundtrip` feature) may round longer literals an ulp away from the correctly rounded
//! value that `str::parse` (and JS `Number()`) give. Both read such a float as a timestamp truncated
//! toward zero, so an ulp only matters right below a whole second.
//! `PROPTEST_CASES=100000 cargo test -p tokenfetch-engine --test claims_oracle` runs a long version.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use serde::de::IgnoredAny;
use tokenfetch_engine::jwt::{segments, JwtTimes, MAX_TIMESTAMP, MIN_TIMESTAMP};

mod support;
use support::{b64, read_claims};

fn oracle(token: &str) -> JwtTimes {
    let Ok(untrusted) = jwt_compact::UntrustedToken::<IgnoredAny>::try_from(token) else {
        return JwtTimes::default();
    };
    let Ok(claims) = untrusted.deserialize_claims_unchecked::<IgnoredAny>() else {
        return JwtTimes::default();
    };
    JwtTimes {
        expires_at_ms: claims.expiration.map(|t| t.timestamp() as f64 * 1000.0),
        issued_at_ms: claims.issued_at.map(|t| t.timestamp() as f64 * 1000.0),
    }
}

fn ours(token: &str) -> JwtTimes {
    read_claims(token)
}

/// Whether a JSON text has an object with a member given twice (at any depth).
fn has_repeated_member(json: &str) -> bool {
    struct Check(bool);
    impl<'de> serde::Deserialize<'de> for Check {
        fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Check, D::Error> {
            struct Visit;
            impl<'de> serde::de::Visitor<'de> for Visit {
                type Value = Check;
                fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                    f.write_str("JSON")
                }
                fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Check, A::Error> {
                    let (mut keys, mut repeated) = (std::collections::HashSet::new(), false);
                    while let Some(key) = map.next_key::<String>()? {
                        repeated |= !keys.insert(key);
                        repeated |= map.next_value::<Check>()?.0;
                    }
                    Ok(Check(repeated))
                }
                fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Check, A::Error> {
                    let mut repeated = false;
                    while let Some(Check(inner)) = seq.next_element()? {
                        repeated |= inner;
                    }
                    Ok(Check(repeated))
                }
                fn visit_bool<E>(self, _: bool) -> Result<Check, E> {
                    Ok(Check(false))
                }
                fn visit_i64<E>(self, _: i64) -> Result<Check, E> {
                    Ok(Check(false))
                }
                fn visit_u64<E>(self, _: u64) -> Result<Check, E> {
                    Ok(Check(false))
                }
                fn visit_f64<E>(self, _: f64) -> Result<Check, E> {
                    Ok(Check(false))
                }
                fn visit_str<E>(self, _: &str) -> Result<Check, E> {
                    Ok(Check(false))
                }
                fn visit_unit<E>(self) -> Result<Check, E> {
                    Ok(Check(false))
                }
            }
            deserializer.deserialize_any(Visit)
        }
    }
    serde_json::from_str::<Check>(json).is_ok_and(|check| check.0)
}

/// The token as the host's JSON parser leaves it: segments with repeated members written again
/// from the parsed value (the last one kept), so that jwt-compact can read what the host read.
fn as_host_parsed(token: &str) -> String {
    let Some([header, claims]) = segments(token) else { return token.to_owned() };
    if !has_repeated_member(&header) && !has_repeated_member(&claims) {
        return token.to_owned();
    }
    let again = |json: &str| match serde_json::from_str::<serde_json::Value>(json) {
        Ok(value) => b64(value.to_string().as_bytes()),
        Err(_) => b64(json.as_bytes()),
    };
    let signature = token.rsplit('.').next().unwrap_or_default();
    format!("{}.{}.{signature}", again(&header), again(&claims))
}

fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| n.to_string()),
        (-2_000_000_000i64..4_000_000_000).prop_map(|n| n.to_string()),
        (MIN_TIMESTAMP - 2..=MIN_TIMESTAMP + 2).prop_map(|n| n.to_string()),
        (MAX_TIMESTAMP - 2..=MAX_TIMESTAMP + 2).prop_map(|n| n.to_string()),
        (-2_000_000_000i64..4_000_000_000, 0u32..100_000).prop_map(|(i, f)| format!("{i}.{f:05}")),
        (1u64..999_999, -8i32..16, any::<bool>())
            .prop_map(|(m, e, big)| format!("{m}{}{e}", if big { "E" } else { "e" })),
        (1u64..9_999, 0u32..4).prop_map(|(m, d)| format!(
            "{}.{:0width$}e9",
            m / 10u64.pow(d),
            m % 10u64.pow(d),
            width = d as usize
        )),
        "[1-9][0-9]{19,40}",
        "-[1-9][0-9]{19,40}",
        Just("-0".to_owned()),
        Just("-0.0".to_owned()),
        Just("1e400".to_owned()),
        Just("-1e400".to_owned()),
        Just("1e-400".to_owned()),
        Just("9223372036854775807".to_owned()),
        Just("9223372036854775808".to_owned()),
        Just("-9223372036854775808".to_owned()),
        Just("-9223372036854775809".to_owned()),
        Just("18446744073709551615".to_owned()),
        Just("18446744073709551616".to_owned()),
        Just("1.".to_owned()),
        Just("01".to_owned()),
        Just(".5".to_owned()),
        Just("+1".to_owned()),
    ]
}

fn string_literal() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9 ]{0,8}".prop_map(|s| format!("\"{s}\"")),
        any::<String>().prop_map(|s| serde_json_like_escape(&s)),
        Just(r#""\u0065xp""#.to_owned()),
        Just(r#""\ud83d\ude00""#.to_owned()),
        Just(r#""\ud800""#.to_owned()),
        Just(r#""\udc00x""#.to_owned()),
        Just("\"tab\there\"".to_owned()),
        Just(r#""\x""#.to_owned()),
        Just(r#""\/\b\f\n\r\t\"\\""#.to_owned()),
        Just("\"unterminated".to_owned()),
    ]
}

/// A JSON string literal for `s`, escaping only what must be escaped.
fn serde_json_like_escape(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn json_value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("null".to_owned()),
        Just("true".to_owned()),
        Just("false".to_owned()),
        Just("nul".to_owned()),
        number(),
        string_literal(),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(|items| format!("[{}]", items.join(","))),
            proptest::collection::vec((key(), inner), 0..4).prop_map(|members| object(&members, " ")),
        ]
    })
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop_oneof![Just("exp"), Just("iat"), Just("nbf"), Just("sub"), Just("aud")].prop_map(|k| format!("\"{k}\"")),
        1 => string_literal(),
        1 => Just(r#""\u0065xp""#.to_owned()),
        1 => Just(r#""i\u0061t""#.to_owned()),
    ]
}

fn object(members: &[(String, String)], space: &str) -> String {
    let inner: Vec<String> = members.iter().map(|(k, v)| format!("{k}:{space}{v}")).collect();
    format!("{{{space}{}{space}}}", inner.join(&format!(",{space}")))
}

/// Well-formed JSON numbers, mostly plausible timestamps.
fn timestamp_number() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (1_000_000_000i64..4_000_000_000).prop_map(|n| n.to_string()),
        1 => (1_000_000_000i64..4_000_000_000, 0u32..100_000).prop_map(|(i, f)| format!("{i}.{f:05}")),
        1 => (1u64..9_999, 0u32..4).prop_map(|(m, d)| format!("{}.{:0width$}e9", m / 10u64.pow(d), m % 10u64.pow(d), width = d as usize)),
        1 => any::<i64>().prop_map(|n| n.to_string()),
    ]
}

/// Well-formed JSON values for the members nobody reads.
fn plain_value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("null".to_owned()),
        Just("true".to_owned()),
        timestamp_number(),
        "[a-z0-9 ]{0,8}".prop_map(|s| format!("\"{s}\""))
    ];
    leaf.prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..3).prop_map(|items| format!("[{}]", items.join(","))),
            proptest::collection::vec(("[a-z]{1,4}".prop_map(|k| format!("\"{k}\"")), inner), 0..3)
                .prop_map(|members| object(&members, "")),
        ]
    })
}

fn claims() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => (proptest::option::of(timestamp_number()), proptest::option::of(timestamp_number()), proptest::collection::vec(("[a-z]{1,5}".prop_map(|k| format!("\"{k}\"")), plain_value()), 0..4))
            .prop_map(|(exp, iat, mut members)| {
                if let Some(exp) = exp { members.insert(0, ("\"exp\"".to_owned(), exp)); }
                if let Some(iat) = iat { members.push(("\"iat\"".to_owned(), iat)); }
                object(&members, "")
            }),
        6 => (proptest::collection::vec((key(), json_value()), 0..6), prop_oneof![Just(""), Just(" "), Just("\n\t")])
            .prop_map(|(members, space)| object(&members, space)),
        2 => (number(), number()).prop_map(|(exp, iat)| format!(r#"{{"exp":{exp},"iat":{iat}}}"#)),
        1 => json_value(),
        1 => any::<String>(),
        1 => (proptest::collection::vec((key(), json_value()), 1..4)).prop_map(|members| format!("{},", object(&members, ""))),
    ]
}

fn header() -> impl Strategy<Value = String> {
    let field = prop_oneof![
        Just(r#""alg":"HS256""#.to_owned()),
        Just(r#""alg":1"#.to_owned()),
        Just(r#""alg":null"#.to_owned()),
        Just(r#""typ":"JWT""#.to_owned()),
        Just(r#""typ":5"#.to_owned()),
        Just(r#""cty":"json""#.to_owned()),
        Just(r#""cty":"JSON""#.to_owned()),
        Just(r#""cty":"cbor""#.to_owned()),
        Just(r#""cty":null"#.to_owned()),
        Just(r#""kid":"k1""#.to_owned()),
        Just(r#""kid":[1]"#.to_owned()),
        Just(r#""kid":null"#.to_owned()),
        "[A-Za-z0-9_=-]{0,48}".prop_map(|t| format!(r#""x5t":"{t}""#)),
        "[A-Za-z0-9_=-]{0,60}".prop_map(|t| format!(r#""x5t#S256":"{t}""#)),
        (key(), json_value()).prop_map(|(k, v)| format!("{k}:{v}")),
    ];
    prop_oneof![
        6 => Just(r#"{"alg":"HS256","typ":"JWT"}"#.to_owned()),
        4 => proptest::collection::vec(field, 0..5).prop_map(|fields| format!("{{{}}}", fields.join(","))),
        1 => any::<String>(),
    ]
}

fn token() -> impl Strategy<Value = String> {
    let signature = prop_oneof![
        4 => proptest::collection::vec(any::<u8>(), 0..40).prop_map(|bytes| b64(&bytes)),
        1 => "[A-Za-z0-9_=+/.-]{0,12}",
    ];
    // Mostly readable tokens, some with a second `exp`/`iat`/`nbf` (written plainly or escaped).
    let extra = prop_oneof![Just(r#""exp""#), Just(r#""\u0065xp""#), Just(r#""iat""#), Just(r#""nbf""#),];
    let plausible = (
        proptest::option::of(timestamp_number()),
        proptest::option::of(timestamp_number()),
        proptest::option::weighted(0.3, (extra, prop_oneof![timestamp_number(), Just("\"x\"".to_owned())])),
    )
        .prop_map(|(exp, iat, extra)| {
            let mut members = Vec::new();
            if let Some(exp) = exp {
                members.push(("\"exp\"".to_owned(), exp));
            }
            members.push(("\"sub\"".to_owned(), "\"u\"".to_owned()));
            if let Some(iat) = iat {
                members.push(("\"iat\"".to_owned(), iat));
            }
            if let Some((key, value)) = extra {
                members.push((key.to_owned(), value));
            }
            let claims = object(&members, "");
            format!("{}.{}.c2ln", b64(br#"{"alg":"HS256","typ":"JWT"}"#), b64(claims.as_bytes()))
        });
    prop_oneof![
        6 => plausible,
        10 => (header(), claims(), signature).prop_map(|(h, c, s)| format!("{}.{}.{s}", b64(h.as_bytes()), b64(c.as_bytes()))),
        1 => (proptest::collection::vec(any::<u8>(), 0..40), proptest::collection::vec(any::<u8>(), 0..60))
            .prop_map(|(h, c)| format!("{}.{}.c2ln", b64(&h), b64(&c))),
        1 => any::<String>(),
        1 => "[A-Za-z0-9_=-]{0,20}(\\.[A-Za-z0-9_=-]{0,20}){0,4}",
    ]
}

proptest! {
    #[test]
    fn the_reader_agrees_with_jwt_compact(token in token()) {
        prop_assert_eq!(ours(&token), oracle(&as_host_parsed(&token)), "{:?}", token);
    }
}

#[test]
fn the_generators_reach_tokens_with_times() {
    // A property that only ever compared two empty answers would prove little.
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let mut with_exp = 0;
    for _ in 0..2_000 {
        let token = token().new_tree(&mut runner).unwrap().current();
        if oracle(&token).expires_at_ms.is_some() {
            with_exp += 1;
        }
    }
    assert!(with_exp > 200, "only {with_exp} of 2000 generated tokens had a readable exp");
}

#[test]
fn a_repeated_member_counts_once_with_its_last_value() {
    // jwt-compact refuses such a token; JSON.parse (and so the shell's reader) keeps the last value.
    let token = format!("{}.{}.c2ln", b64(br#"{"alg":"HS256"}"#), b64(br#"{"exp":1,"exp":1700000000}"#));
    assert_eq!(oracle(&token), JwtTimes::default());
    assert_eq!(ours(&token).expires_at_ms, Some(1_700_000_000_000.0));
    assert_eq!(ours(&token), oracle(&as_host_parsed(&token)));
    assert!(!has_repeated_member(r#"{"a":{"b":1},"c":[{"b":2}]}"#) && has_repeated_member(r#"[{"a":1,"a":2}]"#));
}

#[test]
fn edge_cases_agree_with_jwt_compact() {
    let thumb20 = b64(&[7u8; 20]); // 27 characters
    let thumb32 = b64(&[9u8; 32]); // 43 characters
    let headers = [
        format!(r#"{{"alg":"HS256","x5t":"{thumb20}"}}"#),
        format!(r#"{{"alg":"HS256","x5t":"{thumb20}="}}"#),
        format!(r#"{{"alg":"HS256","x5t":"{}"}}"#, &thumb20[..26]),
        format!(r#"{{"alg":"HS256","x5t":"{}A"}}"#, &thumb20[..26]),
        format!(r#"{{"alg":"HS256","x5t":"{}"}}"#, b64(b"65:AF:69:09:B1:B0:75:8E:06:C6:E0:48")),
        format!(r#"{{"alg":"HS256","x5t":"{}"}}"#, b64(&[0xff; 24])),
        format!(r#"{{"alg":"HS256","x5t#S256":"{thumb32}"}}"#),
        format!(r#"{{"alg":"HS256","x5t#S256":"{thumb20}"}}"#),
        r#"{"alg":"HS256","cty":"Json"}"#.to_owned(),
        r#"{"alg":"HS256","other":{"deep":[1,2,{"x":null}]}}"#.to_owned(),
        r#"{"alg":"HS256","n":1e999}"#.to_owned(),
        r#"{"alg":""}"#.to_owned(),
    ];
    for header in headers {
        let token = format!("{}.{}.c2ln", b64(header.as_bytes()), b64(br#"{"exp":1700000000}"#));
        assert_eq!(ours(&token), oracle(&token), "{header}");
    }
}
