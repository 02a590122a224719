//! Time: the wall clock in the seconds tokens count in, a namespace's clock that tests move, the
//! HTTP `Date` it shows, and the delays routes add on purpose.

use std::time::Duration;

/// Farthest a test may move a namespace's clock, either way (one year).
pub const MAX_OFFSET_SECS: i64 = 365 * 24 * 3600;

/// Seconds since the Unix epoch.
pub fn now_secs() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// A namespace's clock: the wall clock moved by `offset` seconds (`POST /control/clock`), so that
/// a test sees a server whose clock is off without touching other tests'. Token `iat`/`exp`,
/// expiry checks, the proof `iat` window and the `Date` header all read it.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    offset: i64,
}

impl Clock {
    /// `offset` clamped to [`MAX_OFFSET_SECS`] either way.
    pub fn shifted(offset: i64) -> Self {
        Self { offset: offset.clamp(-MAX_OFFSET_SECS, MAX_OFFSET_SECS) }
    }

    pub fn offset(self) -> i64 {
        self.offset
    }

    pub fn is_shifted(self) -> bool {
        self.offset != 0
    }

    /// Seconds since the Unix epoch on this clock.
    pub fn now_secs(self) -> i64 {
        now_secs().saturating_add(self.offset)
    }
}

/// `secs` (since the Unix epoch) as an HTTP date (RFC 9110 §5.6.7 IMF-fixdate), e.g.
/// `Sun, 06 Nov 1994 08:49:37 GMT`.
pub fn http_date(secs: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm; proleptic Gregorian).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{}, {day:02} {} {year:04} {:02}:{:02}:{:02} GMT",
        DAYS[days.rem_euclid(7) as usize],
        MONTHS[(month - 1) as usize],
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// Sleeps for `delay` (a zero delay does not yield).
pub async fn pause(delay: Duration) {
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates() {
        assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(http_date(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(http_date(951_782_400), "Tue, 29 Feb 2000 00:00:00 GMT");
        assert_eq!(http_date(1_700_000_000), "Tue, 14 Nov 2023 22:13:20 GMT");
        assert_eq!(http_date(-1), "Wed, 31 Dec 1969 23:59:59 GMT");
    }

    #[test]
    fn a_shifted_clock_runs_ahead_or_behind() {
        let before = now_secs();
        let ahead = Clock::shifted(300).now_secs();
        let behind = Clock::shifted(-300).now_secs();
        let after = now_secs();
        assert!((before + 300..=after + 300).contains(&ahead));
        assert!((before - 300..=after - 300).contains(&behind));
        assert!(!Clock::default().is_shifted());
        assert_eq!(Clock::shifted(i64::MAX).offset(), MAX_OFFSET_SECS);
    }
}
