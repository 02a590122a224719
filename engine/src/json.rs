//! A small validating JSON reader, just enough to read JWT headers and claims with the acceptance
//! rules of `serde_json` (which jwt-compact uses): strict RFC 8259 syntax, strings that are valid
//! UTF-8 with paired surrogate escapes, no number that overflows `f64`, and at most 127 nested
//! containers. The values of the top-level object's members are handed to a callback; everything
//! below them is only validated.
//!
//! Number *values* come from a [`ParseNumber`] function: `str::parse` natively, JS `Number()` in
//! the browser, where Rust's float parser would cost about 14 KB of wasm. Both round correctly.

use alloc::string::String;
use alloc::vec::Vec;

/// Turns a syntactically valid decimal literal into its nearest `f64`.
pub type ParseNumber = fn(&str) -> Option<f64>;

/// A number as `serde_json` classifies it, which decides how a timestamp reads it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Number {
    /// A non-negative integer that fits `u64`.
    U64(u64),
    /// A negative integer that fits `i64`.
    I64(i64),
    /// Anything else: a fraction, an exponent, `-0`, or an integer too large for 64 bits.
    F64(f64),
}

/// The value of a top-level member, as far as the readers need it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Member {
    Null,
    Bool,
    Number(Number),
    Str(String),
    Array,
    Object,
}

/// Depth budget of `serde_json`: the 128th nested container is an error.
const MAX_DEPTH: u8 = 128;

/// Reads `bytes` as one JSON object (surrounding whitespace allowed) and calls `member` with each
/// member's key and value, in order. False when the text is not such an object, or when `member`
/// returns false.
pub(crate) fn read_object(
    bytes: &[u8],
    parse_number: ParseNumber,
    mut member: impl FnMut(&str, Member) -> bool,
) -> bool {
    let mut parser = Parser { bytes, at: 0, parse_number };
    parser.whitespace();
    if !parser.eat(b'{') {
        return false;
    }
    let ok = parser.object_members(MAX_DEPTH - 1, &mut |key, value| member(key, value)).is_some();
    parser.whitespace();
    ok && parser.at == bytes.len()
}

struct Parser<'a> {
    bytes: &'a [u8],
    at: usize,
    parse_number: ParseNumber,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let byte = self.peek()?;
        self.at += 1;
        Some(byte)
    }

    fn eat(&mut self, byte: u8) -> bool {
        let found = self.peek() == Some(byte);
        if found {
            self.at += 1;
        }
        found
    }

    fn whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\n' | b'\t' | b'\r')) {
            self.at += 1;
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.at;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.at += 1;
        }
        self.at - start
    }

    /// The members of an object whose `{` was just read; `depth` is what is left of the budget.
    fn object_members(&mut self, depth: u8, member: &mut dyn FnMut(&str, Member) -> bool) -> Option<()> {
        if depth == 0 {
            return None;
        }
        self.whitespace();
        if self.eat(b'}') {
            return Some(());
        }
        loop {
            self.whitespace();
            if !self.eat(b'"') {
                return None;
            }
            let key = self.string()?;
            self.whitespace();
            if !self.eat(b':') {
                return None;
            }
            let value = self.value(depth)?;
            if !member(&key, value) {
                return None;
            }
            self.whitespace();
            match self.next()? {
                b',' => {}
                b'}' => return Some(()),
                _ => return None,
            }
        }
    }

    fn array_items(&mut self, depth: u8) -> Option<()> {
        if depth == 0 {
            return None;
        }
        self.whitespace();
        if self.eat(b']') {
            return Some(());
        }
        loop {
            self.value(depth)?;
            self.whitespace();
            match self.next()? {
                b',' => {}
                b']' => return Some(()),
                _ => return None,
            }
        }
    }

    fn value(&mut self, depth: u8) -> Option<Member> {
        self.whitespace();
        match self.next()? {
            b'"' => self.string().map(Member::Str),
            b'{' => {
                self.object_members(depth - 1, &mut |_, _| true)?;
                Some(Member::Object)
            }
            b'[' => {
                self.array_items(depth - 1)?;
                Some(Member::Array)
            }
            b't' => self.rest_of(b"rue").then_some(Member::Bool),
            b'f' => self.rest_of(b"alse").then_some(Member::Bool),
            b'n' => self.rest_of(b"ull").then_some(Member::Null),
            b'-' | b'0'..=b'9' => {
                self.at -= 1;
                self.number().map(Member::Number)
            }
            _ => None,
        }
    }

    fn rest_of(&mut self, word: &[u8]) -> bool {
        word.iter().all(|&expected| self.next() == Some(expected))
    }

    /// A number literal, classified as `serde_json` does.
    fn number(&mut self) -> Option<Number> {
        let start = self.at;
        let negative = self.eat(b'-');
        let int_start = self.at;
        match self.next()? {
            b'0' if matches!(self.peek(), Some(b'0'..=b'9')) => return None,
            b'0' => {}
            b'1'..=b'9' => {
                self.digits();
            }
            _ => return None,
        }
        let int_end = self.at;
        let mut integer = true;
        if self.eat(b'.') {
            integer = false;
            if self.digits() == 0 {
                return None;
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.at += 1;
            integer = false;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.at += 1;
            }
            if self.digits() == 0 {
                return None;
            }
        }
        if integer {
            let mut significand: u64 = 0;
            let mut fits = true;
            for &digit in self.bytes.get(int_start..int_end)? {
                match significand.checked_mul(10).and_then(|n| n.checked_add(u64::from(digit - b'0'))) {
                    Some(n) => significand = n,
                    None => {
                        fits = false;
                        break;
                    }
                }
            }
            if fits {
                return Some(if !negative {
                    Number::U64(significand)
                } else {
                    // As serde_json: `-0` and magnitudes past `i64::MIN` become floats.
                    let negated = (significand as i64).wrapping_neg();
                    if negated >= 0 {
                        Number::F64(-(significand as f64))
                    } else {
                        Number::I64(negated)
                    }
                });
            }
        }
        let text = core::str::from_utf8(self.bytes.get(start..self.at)?).ok()?;
        // serde_json refuses a literal that overflows to infinity.
        (self.parse_number)(text).filter(|n| n.is_finite()).map(Number::F64)
    }

    /// A string whose opening quote was just read: escapes decoded, surrogate escapes paired,
    /// no raw control characters, and valid UTF-8 as a whole.
    fn string(&mut self) -> Option<String> {
        let mut out = Vec::new();
        loop {
            match self.next()? {
                b'"' => return String::from_utf8(out).ok(),
                b'\\' => {
                    let decoded = match self.next()? {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.unicode_escape()?,
                        _ => return None,
                    };
                    let mut buf = [0; 4];
                    out.extend_from_slice(decoded.encode_utf8(&mut buf).as_bytes());
                }
                0x00..=0x1f => return None,
                byte => out.push(byte),
            }
        }
    }

    /// `XXXX` of `\uXXXX`, with a high surrogate's `\uXXXX` low half.
    fn unicode_escape(&mut self) -> Option<char> {
        let high = self.hex4()?;
        let code = match high {
            0xDC00..=0xDFFF => return None,
            0xD800..=0xDBFF => {
                if !(self.eat(b'\\') && self.eat(b'u')) {
                    return None;
                }
                let low = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&low) {
                    return None;
                }
                0x1_0000 + ((u32::from(high) - 0xD800) << 10) + (u32::from(low) - 0xDC00)
            }
            _ => u32::from(high),
        };
        char::from_u32(code)
    }

    fn hex4(&mut self) -> Option<u16> {
        let mut value = 0u16;
        for _ in 0..4 {
            let digit = char::from(self.next()?).to_digit(16)?;
            value = (value << 4) | digit as u16;
        }
        Some(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn std_parse(text: &str) -> Option<f64> {
        text.parse().ok()
    }

    fn members(text: &str) -> Option<Vec<(String, Member)>> {
        let mut seen = Vec::new();
        read_object(text.as_bytes(), std_parse, |key, value| {
            seen.push((key.into(), value));
            true
        })
        .then_some(seen)
    }

    #[test]
    fn reads_members_and_classifies_numbers_like_serde_json() {
        let read = members(r#" {"a": 1, "b": -2, "c": 1.5, "d": -0, "e": 18446744073709551616, "f": "x\u00e9", "g": null, "h": [1, {}], "i": {"j": true}} "#)
            .unwrap();
        let values: Vec<Member> = read.into_iter().map(|(_, v)| v).collect();
        assert_eq!(
            values,
            vec![
                Member::Number(Number::U64(1)),
                Member::Number(Number::I64(-2)),
                Member::Number(Number::F64(1.5)),
                Member::Number(Number::F64(-0.0)),
                Member::Number(Number::F64(18446744073709551616.0)),
                Member::Str("xé".into()),
                Member::Null,
                Member::Array,
                Member::Object,
            ]
        );
        assert_eq!(members(r#"{"\u0065xp":1}"#).unwrap()[0].0, "exp", "keys are decoded");
        assert_eq!(members(r#"{"k":"\ud83d\ude00"}"#).unwrap()[0].1, Member::Str("😀".into()));
    }

    #[test]
    fn refuses_what_serde_json_refuses() {
        for bad in [
            "",
            "[]",
            "1",
            "{",
            "{]",
            r#"{"a":1,}"#,
            r#"{"a" 1}"#,
            r#"{a:1}"#,
            r#"{"a":01}"#,
            r#"{"a":1.}"#,
            r#"{"a":.5}"#,
            r#"{"a":1e}"#,
            r#"{"a":-}"#,
            r#"{"a":+1}"#,
            r#"{"a":tru}"#,
            r#"{"a":nul}"#,
            "{\"a\":\"\u{1}\"}",
            r#"{"a":"\x"}"#,
            r#"{"a":"\ud800"}"#,
            r#"{"a":"\udc00"}"#,
            r#"{"a":"\ud800\u0041"}"#,
            r#"{"a":1e400}"#,
            r#"{} x"#,
            r#"{"a":[1,]}"#,
            r#"{"a":"\u12"}"#,
        ] {
            assert!(members(bad).is_none(), "{bad:?}");
        }
        assert!(!read_object(b"{\"a\":\"\xff\"}", std_parse, |_, _| true), "invalid UTF-8");
    }

    #[test]
    fn nesting_stops_at_serde_jsons_limit() {
        let nested = |depth: usize| alloc::format!("{{\"a\":{}1{}}}", "[".repeat(depth), "]".repeat(depth));
        assert!(members(&nested(126)).is_some(), "127 containers in all");
        assert!(members(&nested(127)).is_none(), "128 containers in all");
    }
}
