//! A small validating JSON reader, just enough to read JWT headers and claims with the acceptance
//! rules of `serde_json` (which jwt-compact uses): strict RFC 8259 syntax, strings that are valid
//! UTF-8 with paired surrogate escapes, no number that overflows `f64`, and at most 127 nested
//! containers. It validates in place and allocates only for keys: the values of the top-level
//! object's members are handed to a callback, everything below them is only checked.
//!
//! Number *values* come from a [`ParseNumber`] function: `str::parse` natively, JS `parseFloat` in
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
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Member<'a> {
    Null,
    Number(Number),
    /// A string, as written between its quotes (escapes not resolved; [`decode`] resolves them).
    Str(&'a [u8]),
    /// `true`, `false`, an array or an object.
    Other,
}

/// Depth budget of `serde_json`: the 128th nested container is an error.
const MAX_DEPTH: u8 = 128;

/// Reads `bytes` as one JSON object (surrounding whitespace allowed) and calls `member` with each
/// member's key (escapes resolved) and value, in order. False when the text is not such an
/// object, or when `member` returns false.
pub(crate) fn read_object<'a>(
    bytes: &'a [u8],
    parse_number: ParseNumber,
    mut member: impl FnMut(&[u8], Member<'a>) -> bool,
) -> bool {
    let mut scanner = Scanner { bytes, at: 0, parse_number };
    let ok = scanner.object(MAX_DEPTH - 1, &mut member).is_some();
    scanner.whitespace();
    ok && scanner.at == bytes.len()
}

/// The text of a string member (from [`Member::Str`]) with its escapes resolved. The scanner has
/// checked it already, so nothing here can fail.
pub(crate) fn decode(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut at = 0;
    let hex = |at: usize| {
        raw.get(at..at + 4)
            .map_or(0, |digits| digits.iter().fold(0u32, |n, &d| n << 4 | char::from(d).to_digit(16).unwrap_or(0)))
    };
    while let Some(&byte) = raw.get(at) {
        at += 1;
        if byte != b'\\' {
            out.push(byte);
            continue;
        }
        let escape = raw.get(at).copied().unwrap_or(0);
        at += 1;
        let code = match escape {
            b'b' => 8,
            b'f' => 12,
            b'n' => 10,
            b'r' => 13,
            b't' => 9,
            b'u' => {
                let mut code = hex(at);
                at += 4;
                if (0xD800..0xDC00).contains(&code) {
                    code = 0x1_0000 + ((code - 0xD800) << 10) + (hex(at + 2) - 0xDC00);
                    at += 6;
                }
                code
            }
            other => u32::from(other),
        };
        let mut buf = [0; 4];
        out.extend_from_slice(char::from_u32(code).unwrap_or('\u{fffd}').encode_utf8(&mut buf).as_bytes());
    }
    out
}

/// Whether `bytes` is valid UTF-8 (shortest forms, no surrogates).
pub(crate) fn is_utf8(bytes: &[u8]) -> bool {
    let mut scanner = Scanner { bytes, at: 0, parse_number: |_| None };
    while let Some(byte) = scanner.peek() {
        if byte < 0x80 {
            scanner.at += 1;
        } else if scanner.utf8_char().is_none() {
            return false;
        }
    }
    true
}

struct Scanner<'a> {
    bytes: &'a [u8],
    at: usize,
    parse_number: ParseNumber,
}

impl<'a> Scanner<'a> {
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
        self.at += usize::from(found);
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

    /// `{ "key": value, ... }` with `depth` left of the budget; each member goes to `member`.
    fn object(&mut self, depth: u8, member: &mut dyn FnMut(&[u8], Member<'a>) -> bool) -> Option<()> {
        self.whitespace();
        if depth == 0 || !self.eat(b'{') {
            return None;
        }
        self.whitespace();
        if self.eat(b'}') {
            return Some(());
        }
        loop {
            self.whitespace();
            let key = decode(self.string()?);
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

    fn value(&mut self, depth: u8) -> Option<Member<'a>> {
        self.whitespace();
        Some(match self.peek()? {
            b'"' => Member::Str(self.string()?),
            b'{' => {
                self.object(depth - 1, &mut |_, _| true)?;
                Member::Other
            }
            b'[' => {
                self.at += 1;
                if depth == 1 {
                    return None;
                }
                self.whitespace();
                if !self.eat(b']') {
                    loop {
                        self.value(depth - 1)?;
                        self.whitespace();
                        match self.next()? {
                            b',' => {}
                            b']' => break,
                            _ => return None,
                        }
                    }
                }
                Member::Other
            }
            b'-' | b'0'..=b'9' => Member::Number(self.number()?),
            _ => {
                let word: &[u8] = match self.peek()? {
                    b't' => b"true",
                    b'f' => b"false",
                    _ => b"null",
                };
                let found = self.bytes.get(self.at..self.at + word.len()) == Some(word);
                self.at += word.len();
                match (found, word) {
                    (false, _) => return None,
                    (true, b"null") => Member::Null,
                    (true, _) => Member::Other,
                }
            }
        })
    }

    /// A number literal, classified as `serde_json` does.
    fn number(&mut self) -> Option<Number> {
        let start = self.at;
        let negative = self.eat(b'-');
        let int_start = self.at;
        let leading_zero = self.peek() == Some(b'0');
        let int_digits = self.digits();
        if int_digits == 0 || (leading_zero && int_digits > 1) {
            return None;
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
            self.at += usize::from(matches!(self.peek(), Some(b'+' | b'-')));
            if self.digits() == 0 {
                return None;
            }
        }
        if integer {
            let significand = self
                .bytes
                .get(int_start..int_end)?
                .iter()
                .try_fold(0u64, |n, &d| n.checked_mul(10).and_then(|n| n.checked_add(u64::from(d - b'0'))));
            match (significand, negative) {
                (Some(n), false) => return Some(Number::U64(n)),
                // As serde_json: `-0` and magnitudes past `i64::MIN` become floats.
                (Some(n), true) if (n as i64).wrapping_neg() >= 0 => return Some(Number::F64(-(n as f64))),
                (Some(n), true) => return Some(Number::I64((n as i64).wrapping_neg())),
                (None, _) => {}
            }
        }
        // ASCII, checked above (spelled out: `str::from_utf8` is kilobytes of wasm).
        let text: String = self.bytes.get(start..self.at)?.iter().map(|&b| char::from(b)).collect();
        // serde_json refuses a literal that overflows to infinity.
        (self.parse_number)(&text).filter(|n| n.is_finite()).map(Number::F64)
    }

    /// A string at `"`: checked (no raw control characters, known escapes, paired surrogate
    /// escapes, valid UTF-8) and returned as written between its quotes.
    fn string(&mut self) -> Option<&'a [u8]> {
        if !self.eat(b'"') {
            return None;
        }
        let start = self.at;
        loop {
            match self.next()? {
                b'"' => return self.bytes.get(start..self.at - 1),
                b'\\' => match self.next()? {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {}
                    b'u' => {
                        // A high surrogate must be followed by a low one; a low one alone is an error.
                        let paired = match self.hex4()? {
                            0xDC00..=0xDFFF => false,
                            0xD800..=0xDBFF => {
                                self.eat(b'\\') && self.eat(b'u') && (0xDC00..=0xDFFF).contains(&self.hex4()?)
                            }
                            _ => true,
                        };
                        if !paired {
                            return None;
                        }
                    }
                    _ => return None,
                },
                0x00..=0x1f => return None,
                0x80..=0xff => {
                    self.at -= 1;
                    self.utf8_char()?;
                }
                _ => {}
            }
        }
    }

    /// One multi-byte UTF-8 character: shortest form, no surrogate, at most U+10FFFF.
    fn utf8_char(&mut self) -> Option<()> {
        let lead = self.next()?;
        let (len, min) = match lead {
            0xC2..=0xDF => (1, 0x80),
            0xE0..=0xEF => (2, 0x800),
            0xF0..=0xF4 => (3, 0x1_0000),
            _ => return None,
        };
        let mut code = u32::from(lead) & (0x3F >> len);
        for _ in 0..len {
            let byte = self.next()?;
            if byte & 0xC0 != 0x80 {
                return None;
            }
            code = code << 6 | u32::from(byte & 0x3F);
        }
        (code >= min && !(0xD800..=0xDFFF).contains(&code) && code <= 0x10_FFFF).then_some(())
    }

    fn hex4(&mut self) -> Option<u32> {
        let mut value = 0;
        for _ in 0..4 {
            value = value << 4 | char::from(self.next()?).to_digit(16)?;
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

    fn members(text: &str) -> Option<Vec<(Vec<u8>, Member<'_>)>> {
        let mut seen = Vec::new();
        read_object(text.as_bytes(), std_parse, |key, value| {
            seen.push((key.to_vec(), value));
            true
        })
        .then_some(seen)
    }

    #[test]
    fn reads_members_and_classifies_numbers_like_serde_json() {
        let text = r#" {"a": 1, "b": -2, "c": 1.5, "d": -0, "e": 18446744073709551616, "f": "x\u00e9", "g": null, "h": [1, {}], "i": {"j": true}} "#;
        let values: Vec<Member> = members(text).unwrap().into_iter().map(|(_, v)| v).collect();
        assert_eq!(
            values,
            vec![
                Member::Number(Number::U64(1)),
                Member::Number(Number::I64(-2)),
                Member::Number(Number::F64(1.5)),
                Member::Number(Number::F64(-0.0)),
                Member::Number(Number::F64(18446744073709551616.0)),
                Member::Str(br"x\u00e9"),
                Member::Null,
                Member::Other,
                Member::Other,
            ]
        );
        assert_eq!(members(r#"{"\u0065xp":1}"#).unwrap()[0].0, b"exp", "keys are decoded");
        assert_eq!(decode(br"x\u00e9\ud83d\ude00\n\/"), "xé😀\n/".as_bytes());
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
        for bad in
            [&b"{\"a\":\"\xff\"}"[..], b"{\"a\":\"\xc3\"}", b"{\"a\":\"\xe0\x80\x80\"}", b"{\"a\":\"\xed\xa0\x80\"}"]
        {
            assert!(!read_object(bad, std_parse, |_, _| true), "invalid UTF-8 {bad:?}");
        }
        assert!(read_object("{\"é😀\":\"ß\"}".as_bytes(), std_parse, |_, _| true));
    }

    #[test]
    fn utf8_is_checked_strictly() {
        assert!(is_utf8("aé😀€".as_bytes()));
        for bad in [&b"\xff"[..], b"\xc0\x80", b"\xc3", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xe2\x82"] {
            assert!(!is_utf8(bad), "{bad:?}");
        }
    }

    #[test]
    fn nesting_stops_at_serde_jsons_limit() {
        let nested = |depth: usize| alloc::format!("{{\"a\":{}1{}}}", "[".repeat(depth), "]".repeat(depth));
        assert!(members(&nested(126)).is_some(), "127 containers in all");
        assert!(members(&nested(127)).is_none(), "128 containers in all");
        let objects = |depth: usize| alloc::format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth));
        assert!(members(&objects(127)).is_some());
        assert!(members(&objects(128)).is_none());
    }
}
