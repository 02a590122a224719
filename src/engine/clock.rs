//! Clock skew: how far the local clock is from the server's, estimated from `Date` headers and
//! from the `iat` of freshly issued tokens, so that expiry decisions use server time.
//!
//! ```
//! use tokenfetch::engine::clock::Skew;
//! let mut skew = Skew::default();
//! // The server's Date header says 10:00:00 while the local clock says 10:10:00.
//! skew.observe_date(1_700_000_000_000.0, 1_700_000_600_000.0);
//! assert!((skew.offset_ms() + 599_500.0).abs() < 1.0);
//! assert!((skew.server_now(1_700_000_600_000.0) - 1_700_000_000_500.0).abs() < 1.0);
//! ```

/// How many recent `Date` samples the median is taken over.
const SAMPLES: usize = 5;

/// Offsets smaller than this are noise (`Date` has one-second resolution) and are ignored.
pub const NOISE_MS: f64 = 2_000.0;

/// The estimated offset between the server clock and the local clock.
#[derive(Debug, Clone, Default)]
pub struct Skew {
    /// Recent `server - local` samples from `Date` headers, oldest first.
    date_samples: Vec<f64>,
    /// A sample from a fresh token's `iat`, used until a `Date` header is seen.
    iat_sample: Option<f64>,
}

impl Skew {
    /// Records a response's `Date` (ms since the epoch, whole seconds) received at local `now_ms`.
    pub fn observe_date(&mut self, date_ms: f64, now_ms: f64) {
        if !date_ms.is_finite() || !now_ms.is_finite() {
            return;
        }
        // The server's clock read somewhere in [date, date + 1 s): take the middle.
        if self.date_samples.len() == SAMPLES {
            self.date_samples.remove(0);
        }
        self.date_samples.push(date_ms + 500.0 - now_ms);
    }

    /// Records a just-installed token's `iat`/`exp`. A fresh token that looks issued in the future,
    /// or already expired, tells that the local clock is off; one that looks plausible tells nothing
    /// (it may simply be an older token).
    pub fn observe_token(&mut self, issued_at_ms: Option<f64>, expires_at_ms: Option<f64>, now_ms: f64) {
        let Some(iat) = issued_at_ms.filter(|t| t.is_finite()) else { return };
        let born_in_future = iat - now_ms > NOISE_MS;
        let born_expired = expires_at_ms.is_some_and(|exp| exp <= now_ms);
        if born_in_future || born_expired {
            self.iat_sample = Some(iat - now_ms);
        } else if self.date_samples.is_empty() {
            self.iat_sample = None;
        }
    }

    /// `server - local` in ms: the median `Date` sample, else the `iat` sample, else 0; offsets
    /// within [`NOISE_MS`] count as 0.
    pub fn offset_ms(&self) -> f64 {
        let offset = if self.date_samples.is_empty() {
            self.iat_sample.unwrap_or(0.0)
        } else {
            median(&self.date_samples)
        };
        if offset.abs() < NOISE_MS {
            0.0
        } else {
            offset
        }
    }

    /// The server's time now, given the local time.
    pub fn server_now(&self, local_now_ms: f64) -> f64 {
        local_now_ms + self.offset_ms()
    }
}

/// The median of at most [`SAMPLES`] values (the upper one of an even count), sorted by
/// `f64::total_cmp`. An insertion sort: the standard library's sort is kilobytes of wasm.
fn median(samples: &[f64]) -> f64 {
    let mut sorted = [0.0_f64; SAMPLES];
    let n = samples.len().min(SAMPLES);
    for (i, &value) in samples.iter().take(n).enumerate() {
        let mut j = i;
        while j > 0 && sorted[j - 1].total_cmp(&value).is_gt() {
            sorted[j] = sorted[j - 1];
            j -= 1;
        }
        sorted[j] = value;
    }
    if n == 0 {
        0.0
    } else {
        sorted[n / 2]
    }
}

/// Parses an HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`, RFC 9110 IMF-fixdate) into ms since the epoch.
pub fn parse_http_date(text: &str) -> Option<f64> {
    let mut parts = text.split_whitespace();
    let _weekday = parts.next()?;
    let day: i64 = parts.next()?.parse().ok()?;
    let month = match parts.next()? {
        "Jan" => 1,
        "Feb" => 2,
        "Mar" => 3,
        "Apr" => 4,
        "May" => 5,
        "Jun" => 6,
        "Jul" => 7,
        "Aug" => 8,
        "Sep" => 9,
        "Oct" => 10,
        "Nov" => 11,
        "Dec" => 12,
        _ => return None,
    };
    let year: i64 = parts.next()?.parse().ok()?;
    let mut clock = parts.next()?.split(':');
    let (h, m, s): (i64, i64, i64) =
        (clock.next()?.parse().ok()?, clock.next()?.parse().ok()?, clock.next()?.parse().ok()?);
    if parts.next()? != "GMT" || !(1..=31).contains(&day) || h > 23 || m > 59 || s > 60 || !(1970..=9999).contains(&year) {
        return None;
    }
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 86_400 + h * 3_600 + m * 60 + s) * 1_000) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN10: f64 = 600_000.0;
    const T: f64 = 1_700_000_000_000.0;

    #[test]
    fn parses_imf_fixdate() {
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), Some(784_111_777_000.0));
        assert_eq!(parse_http_date("Tue, 14 Nov 2023 22:13:20 GMT"), Some(T));
        for bad in ["", "yesterday", "Sun, 06 Nov 1994 08:49:37 PST", "Sun, 32 Nov 1994 08:49:37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT"] {
            assert_eq!(parse_http_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_fast_or_slow_local_clock_is_corrected_from_date_headers() {
        let mut fast = Skew::default();
        fast.observe_date(T, T + MIN10);
        assert!((fast.server_now(T + MIN10) - T).abs() <= 1_000.0);
        let mut slow = Skew::default();
        slow.observe_date(T, T - MIN10);
        assert!((slow.server_now(T - MIN10) - T).abs() <= 1_000.0);
    }

    #[test]
    fn median_matches_a_full_sort() {
        let cases: [&[f64]; 6] = [&[], &[3.0], &[2.0, 1.0], &[5.0, -1.0, 3.0], &[4.0, 4.0, 1.0, 9.0], &[0.5, -0.0, 0.0, 7.0, -3.0]];
        for samples in cases {
            let mut sorted = samples.to_vec();
            sorted.sort_by(f64::total_cmp);
            let expected = sorted.get(sorted.len() / 2).copied().unwrap_or(0.0);
            assert_eq!(median(samples).to_bits(), expected.to_bits(), "{samples:?}");
        }
    }

    #[test]
    fn small_offsets_are_noise() {
        let mut skew = Skew::default();
        skew.observe_date(T, T + 900.0);
        assert_eq!(skew.offset_ms(), 0.0);
    }

    #[test]
    fn the_median_ignores_an_outlier() {
        let mut skew = Skew::default();
        for late in [0.0, 0.0, 30_000.0, 0.0, 0.0] {
            skew.observe_date(T, T + MIN10 + late);
        }
        assert!((skew.offset_ms() + MIN10 - 500.0).abs() <= 1.0);
    }

    #[test]
    fn a_fresh_token_that_looks_expired_or_future_reveals_the_skew() {
        let mut fast = Skew::default();
        fast.observe_token(Some(T), Some(T + 300_000.0), T + MIN10);
        assert_eq!(fast.offset_ms(), -MIN10);
        let mut slow = Skew::default();
        slow.observe_token(Some(T), Some(T + 300_000.0), T - MIN10);
        assert_eq!(slow.offset_ms(), MIN10);
        let mut plausible = Skew::default();
        plausible.observe_token(Some(T - 60_000.0), Some(T + 240_000.0), T);
        assert_eq!(plausible.offset_ms(), 0.0, "an older but valid token says nothing");
    }

    #[test]
    fn date_headers_win_over_iat() {
        let mut skew = Skew::default();
        skew.observe_token(Some(T), Some(T + 300_000.0), T + MIN10);
        skew.observe_date(T + MIN10, T + MIN10);
        assert_eq!(skew.offset_ms(), 0.0);
    }
}
