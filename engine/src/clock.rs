//! Clock skew: how far the local clock is from the server's, estimated from `Date` headers and
//! from the `iat` of freshly issued tokens, so that expiry decisions use server time. The shell
//! reads the `Date` header's time with the host's own date parser (JS `Date.parse`).
//!
//! ```
//! use tokenfetch_engine::clock::Skew;
//! let mut skew = Skew::default();
//! // The server's Date header says 10:00:00 while the local clock says 10:10:00.
//! skew.observe_date(1_700_000_000_000.0, 1_700_000_600_000.0);
//! assert_eq!(skew.offset_ms(), -599_500.0);
//! assert_eq!(skew.server_now(1_700_000_600_000.0), 1_700_000_000_500.0);
//! ```

/// How many recent `Date` samples the median is taken over.
const SAMPLES: usize = 5;

/// Offsets smaller than this are noise (`Date` has one-second resolution) and are ignored.
pub const NOISE_MS: f64 = 2_000.0;

/// The estimated offset between the server clock and the local clock.
#[derive(Debug, Clone, Default)]
pub struct Skew {
    /// Recent `server - local` samples from `Date` headers (a ring of the last [`SAMPLES`]).
    date_samples: [f64; SAMPLES],
    /// How many `Date` samples were taken in all.
    dates_seen: usize,
    /// A sample from a fresh token's `iat`, used until a `Date` header is seen.
    iat_sample: Option<f64>,
    /// `iat - local time` of the latest token installed, whatever it looked like.
    latest_iat: Option<f64>,
}

impl Skew {
    /// Records a response's `Date` (ms since the epoch, whole seconds) received at local `now_ms`.
    pub fn observe_date(&mut self, date_ms: f64, now_ms: f64) {
        if !date_ms.is_finite() || !now_ms.is_finite() {
            return;
        }
        // The server's clock read somewhere in [date, date + 1 s): take the middle.
        if let Some(slot) = self.date_samples.get_mut(self.dates_seen % SAMPLES) {
            *slot = date_ms + 500.0 - now_ms;
        }
        self.dates_seen += 1;
    }

    /// Records a response's headers: its `Date` (ms since the epoch) tells the server's time,
    /// unless the response came from a cache (it carries `Age`) and says nothing about the
    /// server's clock now.
    pub fn observe_response(&mut self, date_ms: Option<f64>, has_age: bool, now_ms: f64) {
        if let (Some(date), false) = (date_ms, has_age) {
            self.observe_date(date, now_ms);
        }
    }

    /// Records a just-installed token's `iat`/`exp`. A fresh token that looks issued in the future,
    /// or already expired, tells that the local clock is off; one that looks plausible tells nothing
    /// (it may simply be an older token).
    pub fn observe_token(&mut self, issued_at_ms: Option<f64>, expires_at_ms: Option<f64>, now_ms: f64) {
        let Some(iat) = issued_at_ms.filter(|t| t.is_finite()) else {
            return;
        };
        self.latest_iat = Some(iat - now_ms);
        let born_in_future = iat - now_ms > NOISE_MS;
        let born_expired = expires_at_ms.is_some_and(|exp| exp <= now_ms);
        if born_in_future || born_expired {
            self.iat_sample = Some(iat - now_ms);
        } else if self.dates_seen == 0 {
            self.iat_sample = None;
        }
    }

    /// `server - local` in ms: the median `Date` sample, else the `iat` sample, else 0; offsets
    /// within [`NOISE_MS`] count as 0.
    pub fn offset_ms(&self) -> f64 {
        let offset = match self.dates_seen {
            0 => self.iat_sample.unwrap_or(0.0),
            n => median(self.date_samples.get(..n.min(SAMPLES)).unwrap_or(&[])),
        };
        if -NOISE_MS < offset && offset < NOISE_MS {
            0.0
        } else {
            offset
        }
    }

    /// The server's time now, given the local time.
    pub fn server_now(&self, local_now_ms: f64) -> f64 {
        local_now_ms + self.offset_ms()
    }

    /// The server's time now for a DPoP proof's `iat`, which servers accept only within a minute
    /// or so: the `Date` headers' estimate once there is one; before that, the latest token's `iat`
    /// counts as the moment it was installed (tokens are mostly installed right after they were
    /// issued), so that the first proof is on the server's clock too.
    pub fn proof_now(&self, local_now_ms: f64) -> f64 {
        match (self.dates_seen, self.latest_iat) {
            (0, Some(offset)) if !(-NOISE_MS < offset && offset < NOISE_MS) => local_now_ms + offset,
            _ => self.server_now(local_now_ms),
        }
    }

    /// [`proof_now`](Skew::proof_now) as a proof's `iat`: whole seconds, never before the epoch.
    pub fn proof_iat(&self, local_now_ms: f64) -> u64 {
        (self.proof_now(local_now_ms) / 1000.0).max(0.0) as u64
    }

    /// The local time at which the server's clock reads `server_ms`.
    pub fn local_time(&self, server_ms: f64) -> f64 {
        server_ms - self.offset_ms()
    }
}

/// The median of at most [`SAMPLES`] values (the upper one of an even count), in the order of
/// `f64::total_cmp`: the value with `len / 2` values before it (ties broken by position).
fn median(samples: &[f64]) -> f64 {
    let middle = samples.len() / 2;
    for (i, value) in samples.iter().enumerate() {
        let rank =
            samples.iter().enumerate().filter(|&(j, other)| other.total_cmp(value).then(j.cmp(&i)).is_lt()).count();
        if rank == middle {
            return *value;
        }
    }
    0.0
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN10: f64 = 600_000.0;
    const T: f64 = 1_700_000_000_000.0;

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
    fn cached_responses_say_nothing_about_the_clock() {
        let mut skew = Skew::default();
        skew.observe_response(Some(T), true, T + MIN10);
        assert_eq!(skew.offset_ms(), 0.0, "a response with Age came from a cache");
        skew.observe_response(Some(T), false, T + MIN10);
        assert!((skew.offset_ms() + MIN10).abs() <= 1_000.0);
        let mut none = Skew::default();
        none.observe_response(None, false, T + MIN10);
        none.observe_response(Some(f64::NAN), false, T + MIN10);
        assert_eq!(none.offset_ms(), 0.0, "no date, or one the host could not read");
    }

    #[test]
    fn median_matches_a_full_sort() {
        let cases: [&[f64]; 6] =
            [&[], &[3.0], &[2.0, 1.0], &[5.0, -1.0, 3.0], &[4.0, 4.0, 1.0, 9.0], &[0.5, -0.0, 0.0, 7.0, -3.0]];
        for samples in cases {
            let mut sorted = samples.to_vec();
            sorted.sort_by(f64::total_cmp);
            let expected = sorted.get(sorted.len() / 2).copied().unwrap_or(0.0);
            assert_eq!(median(samples).to_bits(), expected.to_bits(), "{samples:?}");
        }
    }

    #[test]
    fn only_the_last_five_dates_count() {
        let mut skew = Skew::default();
        for _ in 0..5 {
            skew.observe_date(T, T + MIN10);
        }
        for _ in 0..5 {
            skew.observe_date(T, T);
        }
        assert_eq!(skew.offset_ms(), 0.0, "the old samples were replaced");
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
    fn proofs_take_the_latest_iat_until_a_date_is_seen() {
        let mut skew = Skew::default();
        assert_eq!(skew.proof_now(T), T);
        // The local clock is 5 minutes fast; a fresh 1-hour token says nothing for expiry planning…
        skew.observe_token(Some(T), Some(T + 3_600_000.0), T + 300_000.0);
        assert_eq!(skew.server_now(T + 300_000.0), T + 300_000.0);
        // …but its iat puts the first proof on the server's clock.
        assert_eq!(skew.proof_now(T + 300_000.0), T);
        skew.observe_date(T + 60_000.0, T + 360_000.0);
        assert_eq!(skew.proof_now(T + 360_000.0), skew.server_now(T + 360_000.0), "then Date headers decide");
    }

    #[test]
    fn date_headers_win_over_iat() {
        let mut skew = Skew::default();
        skew.observe_token(Some(T), Some(T + 300_000.0), T + MIN10);
        skew.observe_date(T + MIN10, T + MIN10);
        assert_eq!(skew.offset_ms(), 0.0);
    }
}
