//! Decimal text to `f64`, correctly rounded, without core's float-parsing tables.
//!
//! `str::parse::<f64>` brings in about 14 KB (gzipped) of wasm, mostly power-of-five tables for
//! its fast paths. Refresh results parse at most a couple of numbers, so this module uses the
//! plain "decimal shift" method (the slow path of Go's `strconv` and of Rust's own `dec2flt`):
//! shift the decimal digits by powers of two until the 53 bits of the result can be read off,
//! then round half to even. It is exact for any input, just slower than the table-driven paths.
//!
//! ```
//! use tokenfetch::engine::decimal::parse_f64;
//! assert_eq!(parse_f64("3599"), Some(3599.0));
//! assert_eq!(parse_f64("0.1e1"), Some(1.0));
//! assert_eq!(parse_f64("soon"), None);
//! ```

/// Digits kept; the exact midpoint between two doubles never needs more than 768 of them, and a
/// nonzero digit beyond the last kept one is remembered in `truncated`.
const MAX_DIGITS: usize = 800;
/// Largest shift done in one pass: a digit (< 10) shifted by it plus the carry fits in `u64`.
const MAX_SHIFT: u32 = 60;
/// Binary exponent bias and mantissa width of `f64`.
const BIAS: i32 = -1023;
const MANT_BITS: u32 = 52;
const EXP_BITS: u32 = 11;

/// A decimal number `0.d[0] d[1] … d[nd-1] × 10^dp`, digits as values 0–9.
struct Decimal {
    d: [u8; MAX_DIGITS],
    nd: usize,
    dp: i32,
    truncated: bool,
}

/// Parses `text` as `str::parse::<f64>` does: optional sign, digits with an optional decimal
/// point (at least one digit), optional exponent (`e`/`E`, optional sign, digits); no spaces.
/// `None` where `str::parse` fails, and also for the words `inf`, `infinity` and `nan` (callers
/// refuse non-finite values anyway). Out-of-range values give ±infinity or ±0, as `str::parse`.
pub fn parse_f64(text: &str) -> Option<f64> {
    let s = text.as_bytes();
    let mut i = 0;
    let negative = match s.first() {
        Some(b'-') => {
            i = 1;
            true
        }
        Some(b'+') => {
            i = 1;
            false
        }
        _ => false,
    };
    let mut dec = Decimal { d: [0; MAX_DIGITS], nd: 0, dp: 0, truncated: false };
    let mut saw_dot = false;
    let mut saw_digits = false;
    // Significant digits read, kept or not: the point's position counts them all.
    let mut significant: i32 = 0;
    while let Some(&c) = s.get(i) {
        match c {
            b'.' if !saw_dot => {
                saw_dot = true;
                dec.dp = significant;
            }
            b'0'..=b'9' => {
                saw_digits = true;
                if c == b'0' && dec.nd == 0 {
                    // A leading zero only moves the point.
                    dec.dp = dec.dp.saturating_sub(1);
                } else {
                    significant = significant.saturating_add(1);
                    if dec.nd < MAX_DIGITS {
                        dec.d[dec.nd] = c - b'0';
                        dec.nd += 1;
                    } else if c != b'0' {
                        dec.truncated = true;
                    }
                }
            }
            _ => break,
        }
        i += 1;
    }
    if !saw_digits {
        return None;
    }
    if !saw_dot {
        dec.dp = significant;
    }
    if let Some(b'e' | b'E') = s.get(i) {
        i += 1;
        let exp_negative = match s.get(i) {
            Some(b'-') => {
                i += 1;
                true
            }
            Some(b'+') => {
                i += 1;
                false
            }
            _ => false,
        };
        let start = i;
        let mut exp: i32 = 0;
        while let Some(&c @ b'0'..=b'9') = s.get(i) {
            if exp < 100_000 {
                exp = exp * 10 + i32::from(c - b'0');
            }
            i += 1;
        }
        if i == start {
            return None;
        }
        dec.dp = dec.dp.saturating_add(if exp_negative { -exp } else { exp });
    }
    if i != s.len() {
        return None;
    }
    let magnitude = f64::from_bits(dec.float_bits());
    Some(if negative { -magnitude } else { magnitude })
}

impl Decimal {
    /// The bits of the nearest `f64` (round half to even); overflow gives infinity.
    fn float_bits(&mut self) -> u64 {
        const INFINITY: u64 = 0x7ff0_0000_0000_0000;
        if self.nd == 0 || self.dp < -330 {
            return 0;
        }
        if self.dp > 310 {
            return INFINITY;
        }
        // Scale into [0.5, 1), counting the binary exponent.
        let mut exp: i32 = 0;
        while self.dp > 0 {
            let n = shift_for(self.dp);
            self.shift(-(n as i32));
            exp += n as i32;
        }
        while self.dp < 0 || (self.dp == 0 && self.d[0] < 5) {
            let n = shift_for(-self.dp);
            self.shift(n as i32);
            exp -= n as i32;
        }
        // From 0.1xxx to 1.xxx in binary.
        exp -= 1;
        // Subnormal: shift the mantissa down to the smallest exponent.
        if exp < BIAS + 1 {
            let n = BIAS + 1 - exp;
            self.shift(-n);
            exp += n;
        }
        if exp - BIAS >= (1 << EXP_BITS) - 1 {
            return INFINITY;
        }
        self.shift(1 + MANT_BITS as i32);
        let mut mant = self.rounded_integer();
        // Rounding up may have carried into a new bit.
        if mant == 2 << MANT_BITS {
            mant >>= 1;
            exp += 1;
            if exp - BIAS >= (1 << EXP_BITS) - 1 {
                return INFINITY;
            }
        }
        if mant & (1 << MANT_BITS) == 0 {
            exp = BIAS;
        }
        (mant & ((1 << MANT_BITS) - 1)) | (((exp - BIAS) as u64 & ((1 << EXP_BITS) - 1)) << MANT_BITS)
    }

    /// Multiplies (`k > 0`) or divides (`k < 0`) by `2^|k|`.
    fn shift(&mut self, mut k: i32) {
        if self.nd == 0 {
            return;
        }
        while k > 0 {
            let step = k.min(MAX_SHIFT as i32);
            self.left_shift(step as u32);
            k -= step;
        }
        while k < 0 {
            let step = (-k).min(MAX_SHIFT as i32);
            self.right_shift(step as u32);
            k += step;
        }
    }

    fn left_shift(&mut self, k: u32) {
        // Multiply in place from the last digit; what is left over becomes new leading digits.
        let mut n: u64 = 0;
        for digit in self.d[..self.nd].iter_mut().rev() {
            n += u64::from(*digit) << k;
            *digit = (n % 10) as u8;
            n /= 10;
        }
        let mut lead = [0u8; 20];
        let mut count = 0;
        while n > 0 {
            lead[count] = (n % 10) as u8;
            n /= 10;
            count += 1;
        }
        if count > 0 {
            for i in (0..self.nd).rev() {
                let to = i + count;
                if to < MAX_DIGITS {
                    self.d[to] = self.d[i];
                } else if self.d[i] != 0 {
                    self.truncated = true;
                }
            }
            for (slot, &digit) in self.d[..count].iter_mut().zip(lead[..count].iter().rev()) {
                *slot = digit;
            }
            self.nd = (self.nd + count).min(MAX_DIGITS);
            self.dp += count as i32;
        }
        self.trim();
    }

    fn right_shift(&mut self, k: u32) {
        let mut read = 0;
        let mut write = 0;
        let mut n: u64 = 0;
        // Read enough leading digits for the first output digit.
        while n >> k == 0 {
            if read >= self.nd {
                if n == 0 {
                    self.nd = 0;
                    return;
                }
                while n >> k == 0 {
                    n *= 10;
                    read += 1;
                }
                break;
            }
            n = n * 10 + u64::from(self.d[read]);
            read += 1;
        }
        self.dp -= read as i32 - 1;
        let mask = (1u64 << k) - 1;
        while read < self.nd {
            let digit = self.d[read];
            self.d[write] = (n >> k) as u8;
            write += 1;
            n = (n & mask) * 10 + u64::from(digit);
            read += 1;
        }
        while n > 0 {
            let digit = (n >> k) as u8;
            n &= mask;
            if write < MAX_DIGITS {
                self.d[write] = digit;
                write += 1;
            } else if digit > 0 {
                self.truncated = true;
            }
            n *= 10;
        }
        self.nd = write;
        self.trim();
    }

    /// Drops trailing zeros.
    fn trim(&mut self) {
        while self.nd > 0 && self.d[self.nd - 1] == 0 {
            self.nd -= 1;
        }
        if self.nd == 0 {
            self.dp = 0;
        }
    }

    /// The integer part, rounded half to even (a truncated tail counts as above half).
    fn rounded_integer(&self) -> u64 {
        if self.dp > 20 {
            return u64::MAX;
        }
        // Below 0.1: rounds to 0.
        let Ok(dp) = usize::try_from(self.dp) else { return 0 };
        let mut n: u64 = 0;
        for i in 0..dp {
            n = n * 10 + u64::from(if i < self.nd { self.d[i] } else { 0 });
        }
        if self.round_up(dp) {
            n += 1;
        }
        n
    }

    fn round_up(&self, at: usize) -> bool {
        if at >= self.nd {
            return false;
        }
        if self.d[at] == 5 && at + 1 == self.nd {
            // Exactly half, unless digits were dropped: then a little above.
            return self.truncated || (at > 0 && self.d[at - 1] % 2 == 1);
        }
        self.d[at] >= 5
    }
}

/// How far to shift to move the decimal point by about `dp` places without overshooting.
fn shift_for(dp: i32) -> u32 {
    const POWERS: [u32; 9] = [1, 3, 6, 9, 13, 16, 19, 23, 26];
    POWERS.get(dp as usize).copied().unwrap_or(27)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `parse_f64` must return: `str::parse`, except for the non-numeric words.
    fn expected(text: &str) -> Option<f64> {
        let lower = text.trim_start_matches(['+', '-']).to_ascii_lowercase();
        if ["inf", "infinity", "nan"].contains(&lower.as_str()) {
            return None;
        }
        text.parse::<f64>().ok()
    }

    fn check(text: &str) {
        let got = parse_f64(text).map(f64::to_bits);
        assert_eq!(got, expected(text).map(f64::to_bits), "{text:?}");
    }

    #[test]
    fn agrees_with_std_on_edge_cases() {
        for text in [
            "0", "-0", "+0", "00", "0.", ".0", ".", "", "+", "-", "e5", "1e", "1e+", "1e-", "1.5e3", "1.5E-3", "3599",
            "+3599", "-5", "1_000", " 1", "1 ", "0x10", "inf", "-Infinity", "NaN", "1..2", "1.2.3", "1e5e5", "123abc",
            "9007199254740992", "9007199254740993", "9007199254740995", "9007199254740993.0000000000000000001",
            "1.7976931348623157e308", "1.7976931348623158e308", "1.7976931348623159e308", "1e309", "-1e309",
            "2.2250738585072011e-308", "2.2250738585072014e-308", "4.9406564584124654e-324", "2.4703282292062327e-324",
            "2.4703282292062328e-324", "1e-400", "-1e-400", "1e300", "1e-300", "0.1", "0.2", "0.3", "123456789012345678901234567890",
            "1e99999999999", "1e-99999999999", "0.000000000000000000000000000000000001e36", "1.000000000000000000000000000000001",
            "8.64e12", "8640000000000.5",
        ] {
            check(text);
        }
    }

    /// The exact decimal expansion of `n × 2^e`.
    fn exact(n: u64, e: i32) -> String {
        // Little-endian decimal digits of n.
        let mut digits: Vec<u8> = n.to_string().bytes().rev().map(|b| b - b'0').collect();
        let factor = if e >= 0 { 2 } else { 5 };
        for _ in 0..e.unsigned_abs() {
            let mut carry = 0;
            for d in digits.iter_mut() {
                let v = *d * factor + carry;
                *d = v % 10;
                carry = v / 10;
            }
            if carry > 0 {
                digits.push(carry);
            }
        }
        let text: String = digits.iter().rev().map(|d| (b'0' + d) as char).collect();
        if e >= 0 {
            text
        } else {
            format!("{text}e-{}", e.unsigned_abs())
        }
    }

    #[test]
    fn midpoints_between_doubles_round_half_to_even() {
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        for round in 0..400 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            // Every exponent range, subnormals included; finite only.
            let bits = if round < 20 { round as u64 } else { seed & 0x7fef_ffff_ffff_ffff };
            let x = f64::from_bits(bits);
            let (mant, exp) = {
                let biased = ((bits >> 52) & 0x7ff) as i32;
                let frac = bits & ((1 << 52) - 1);
                if biased == 0 {
                    (frac, -1074)
                } else {
                    (frac | (1 << 52), biased - 1075)
                }
            };
            check(&exact(mant, exp));
            // The midpoint to the next double, and just above and below it.
            let mid = exact(2 * mant + 1, exp - 1);
            check(&mid);
            let (digits, tail) = mid.split_once('e').map_or((mid.as_str(), ""), |(d, t)| (d, t));
            let with_exp = |d: String| if tail.is_empty() { d } else { format!("{d}e{tail}") };
            check(&with_exp(format!("{digits}.00000000000000000001")));
            if let Some(stripped) = digits.strip_suffix('5') {
                check(&with_exp(format!("{stripped}4.99999999999999999999")));
            }
            check(&format!("{x:e}"));
            check(&format!("{x}"));
        }
    }

    #[test]
    fn long_digit_strings_agree_with_std() {
        let mut seed: u64 = 12345;
        for _ in 0..300 {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let len = 1 + (seed >> 33) as usize % 900;
            let mut text = String::new();
            for j in 0..len {
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                text.push((b'0' + ((seed >> 40) % 10) as u8) as char);
                if j == len / 3 && seed & 1 == 0 {
                    text.push('.');
                }
            }
            let exp = (seed >> 20) as i32 % 700 - 350;
            check(&text);
            check(&format!("{text}e{exp}"));
        }
    }
}
