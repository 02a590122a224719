//! Chaos mode: per-namespace random faults on the protected routes and the token endpoints,
//! switched on by `POST /control/chaos` and off by itself after a duration.
//!
//! Decisions come from a small seeded PRNG (xorshift64*) so that a run can be replayed with
//! the `seed` the control route reports.

use std::future::Future as _;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::{Body, Bytes};
use axum::http::header::{self, HeaderValue};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use http_body::{Frame, SizeHint};
use serde_json::{json, Value};

use crate::error::ApiError;
use crate::params::Params;

/// Longest `maxDelayMs` accepted.
pub const MAX_CHAOS_DELAY_MS: u64 = 60_000;
/// How long a `hang` token call waits before it answers 503.
pub const HANG: Duration = Duration::from_secs(60);
/// Parameters `POST /control/chaos` understands; anything else is refused (typos would
/// otherwise silently switch a fault off).
const KNOWN_PARAMS: &[&str] = &["ns", "seconds", "p401", "p500", "pDrop", "maxDelayMs", "refresh", "seed", "drop"];

/// xorshift64* — small, fast, good enough for test faults, and reproducible from a seed.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// Any seed (0 included) gives a valid, well-mixed state.
    pub fn new(seed: u64) -> Self {
        // splitmix64 finaliser: nearby seeds give unrelated streams.
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        Self(if z == 0 { 0x9E37_79B9_7F4A_7C15 } else { z })
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `0..=max`.
    pub fn up_to(&mut self, max: u64) -> u64 {
        if max == u64::MAX {
            return self.next_u64();
        }
        ((u128::from(self.next_u64()) * u128::from(max + 1)) >> 64) as u64
    }
}

/// A seed from the clock, for when the caller gives none.
fn clock_seed() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0x5EED)
}

/// How the token endpoints (`/auth/token`, `/auth/refresh`, `/oauth/token`) behave during chaos.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshMode {
    Ok,
    Fail,
    Hang,
    Garbage,
    Mixed,
}

impl RefreshMode {
    fn parse(raw: &str) -> Option<Self> {
        Some(match raw {
            "ok" => Self::Ok,
            "fail" => Self::Fail,
            "hang" => Self::Hang,
            "garbage" => Self::Garbage,
            "mixed" => Self::Mixed,
            _ => return None,
        })
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Fail => "fail",
            Self::Hang => "hang",
            Self::Garbage => "garbage",
            Self::Mixed => "mixed",
        }
    }
}

/// What a token call does (a `RefreshMode` with `mixed` resolved).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenFault {
    /// Answer normally.
    None,
    /// `503 {"error":"refresh_unavailable"}`.
    Fail,
    /// Sleep `HANG`, then 503.
    Hang,
    /// `200` with a truncated, non-JSON body.
    Garbage,
}

impl TokenFault {
    /// The chaos answer, after waiting if need be; `None` for a normal answer.
    pub async fn respond(self) -> Option<Response> {
        match self {
            Self::None => None,
            Self::Fail => Some(ApiError::refresh_unavailable().into_response()),
            Self::Hang => {
                tokio::time::sleep(HANG).await;
                Some(ApiError::refresh_unavailable().into_response())
            }
            Self::Garbage => Some(
                (
                    StatusCode::OK,
                    [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))],
                    r#"{"access_token": "eyJhbGciOiJIUzI1NiIsInR5cCI6"#,
                )
                    .into_response(),
            ),
        }
    }
}

/// How a dropped request is cut off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropMode {
    /// A response head the browser must refuse (two different `Content-Disposition` values:
    /// Chromium's `ERR_RESPONSE_HEADERS_MULTIPLE_CONTENT_DISPOSITION`), then the connection is
    /// closed mid-body. `fetch` rejects with a `TypeError` and, because an answer did arrive,
    /// Chromium never re-sends the request by itself. curl: exit 18.
    Abort,
    /// The connection is closed without a byte of response. curl: exit 52. Chromium re-sends
    /// the request by itself (up to twice) when it went out on a reused keep-alive connection,
    /// and each re-send reaches the server and is counted.
    Close,
}

impl DropMode {
    fn parse(raw: &str) -> Option<Self> {
        match raw {
            "abort" => Some(Self::Abort),
            "close" => Some(Self::Close),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Abort => "abort",
            Self::Close => "close",
        }
    }

    /// A response hyper cannot finish: it closes the connection instead.
    pub fn response(self) -> Response {
        let mut response =
            Response::new(Body::new(BrokenBody { announce_first: self == DropMode::Abort, sleep: None }));
        if self == DropMode::Abort {
            let h = response.headers_mut();
            h.append(header::CONTENT_DISPOSITION, HeaderValue::from_static(r#"attachment; filename="chaos-a""#));
            h.append(header::CONTENT_DISPOSITION, HeaderValue::from_static(r#"attachment; filename="chaos-b""#));
        }
        response
    }
}

/// A body that fails: at once (hyper has not written the head yet and closes the connection
/// without a byte), or after a short pause that lets hyper flush the head first.
struct BrokenBody {
    announce_first: bool,
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
}

/// Length announced for an `Abort` body (so curl reports the bytes it did not get).
const ANNOUNCED_LEN: u64 = 64;

impl http_body::Body for BrokenBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        if self.announce_first {
            let sleep = self.sleep.get_or_insert_with(|| Box::pin(tokio::time::sleep(Duration::from_millis(20))));
            if sleep.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
        }
        Poll::Ready(Some(Err(std::io::Error::new(std::io::ErrorKind::ConnectionAborted, "chaos: connection dropped"))))
    }

    fn is_end_stream(&self) -> bool {
        false
    }

    fn size_hint(&self) -> SizeHint {
        if self.announce_first {
            SizeHint::with_exact(ANNOUNCED_LEN)
        } else {
            SizeHint::default()
        }
    }
}

/// What chaos does to one protected request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    None,
    /// `401 invalid_token` even for a valid token.
    Unauthorized,
    /// `500 {"error":"chaos"}`.
    ServerError,
    /// No usable response: the connection is cut.
    Drop(DropMode),
}

/// A protected request's fate: the fault, applied after `delay`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub fault: Fault,
    pub delay: Duration,
}

/// The settings of `POST /control/chaos`.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub p401: f64,
    pub p500: f64,
    pub p_drop: f64,
    pub max_delay_ms: u64,
    pub refresh: RefreshMode,
    pub drop: DropMode,
    pub seed: u64,
}

impl Settings {
    /// Parses the control route's query: the duration (zero ends chaos) and the settings.
    /// Every refusal is a 400 whose detail names the parameter.
    pub fn from_params(params: &Params) -> Result<(Duration, Settings), ApiError> {
        if let Some(unknown) = params.names().find(|n| !KNOWN_PARAMS.contains(n)) {
            return Err(ApiError::bad_request(format!(
                "unknown parameter {unknown:?} (known: {})",
                KNOWN_PARAMS.join(", ")
            )));
        }
        if matches!(params.get("seconds"), None | Some("")) {
            return Err(ApiError::bad_request("missing seconds (0 ends chaos mode)"));
        }
        let seconds = params.seconds()?;
        let probability = |name: &str| -> Result<f64, ApiError> {
            let p: f64 = params.parse(name)?.unwrap_or(0.0);
            if !(0.0..=1.0).contains(&p) {
                return Err(ApiError::bad_request(format!("{name} must be within 0..=1")));
            }
            Ok(p)
        };
        let p401 = probability("p401")?;
        let p500 = probability("p500")?;
        let p_drop = probability("pDrop")?;
        if p401 + p500 + p_drop > 1.0 + 1e-9 {
            return Err(ApiError::bad_request("p401 + p500 + pDrop must not exceed 1 (the faults exclude each other)"));
        }
        let max_delay_ms: u64 = params.parse("maxDelayMs")?.unwrap_or(0);
        if max_delay_ms > MAX_CHAOS_DELAY_MS {
            return Err(ApiError::bad_request(format!("maxDelayMs above {MAX_CHAOS_DELAY_MS}")));
        }
        let refresh = match params.get("refresh") {
            None | Some("") => RefreshMode::Ok,
            Some(raw) => RefreshMode::parse(raw).ok_or_else(|| {
                ApiError::bad_request(format!("invalid refresh: {raw:?} (ok, fail, hang, garbage or mixed)"))
            })?,
        };
        let drop = match params.get("drop") {
            None | Some("") => DropMode::Abort,
            Some(raw) => DropMode::parse(raw)
                .ok_or_else(|| ApiError::bad_request(format!("invalid drop: {raw:?} (abort or close)")))?,
        };
        let seed = params.parse("seed")?.unwrap_or_else(clock_seed);
        Ok((seconds, Settings { p401, p500, p_drop, max_delay_ms, refresh, drop, seed }))
    }

    pub fn to_json(&self) -> Value {
        json!({
            "p401": self.p401,
            "p500": self.p500,
            "pDrop": self.p_drop,
            "maxDelayMs": self.max_delay_ms,
            "refresh": self.refresh.as_str(),
            "drop": self.drop.as_str(),
            // A string: seeds above 2^53 would lose precision as a JSON number in JS.
            "seed": self.seed.to_string(),
        })
    }
}

/// Chaos mode of one namespace: settings, end time and the PRNG state.
#[derive(Debug, Clone)]
pub struct Chaos {
    pub settings: Settings,
    pub until: Instant,
    rng: Rng,
}

impl Chaos {
    pub fn new(settings: Settings, until: Instant) -> Self {
        let rng = Rng::new(settings.seed);
        Self { settings, until, rng }
    }

    pub fn active(&self, now: Instant) -> bool {
        now < self.until
    }

    /// One draw picks at most one fault (drop, then 401, then 500 on consecutive slices of
    /// `[0, 1)`), a second draw the delay.
    pub fn decide(&mut self) -> Decision {
        let s = &self.settings;
        let u = self.rng.unit();
        let fault = if u < s.p_drop {
            Fault::Drop(s.drop)
        } else if u < s.p_drop + s.p401 {
            Fault::Unauthorized
        } else if u < s.p_drop + s.p401 + s.p500 {
            Fault::ServerError
        } else {
            Fault::None
        };
        let delay = Duration::from_millis(self.rng.up_to(s.max_delay_ms));
        Decision { fault, delay }
    }

    /// The fate of one token call (`mixed`: each of ok, fail, hang, garbage with chance 1/4).
    pub fn token_fault(&mut self) -> TokenFault {
        let mode = match self.settings.refresh {
            RefreshMode::Mixed => match self.rng.up_to(3) {
                0 => RefreshMode::Ok,
                1 => RefreshMode::Fail,
                2 => RefreshMode::Hang,
                _ => RefreshMode::Garbage,
            },
            mode => mode,
        };
        match mode {
            RefreshMode::Ok | RefreshMode::Mixed => TokenFault::None,
            RefreshMode::Fail => TokenFault::Fail,
            RefreshMode::Hang => TokenFault::Hang,
            RefreshMode::Garbage => TokenFault::Garbage,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(query: &str) -> Params {
        Params::from_uri(&format!("/control/chaos?{query}").parse().unwrap()).unwrap()
    }

    fn settings(query: &str) -> Settings {
        Settings::from_params(&params(query)).unwrap().1
    }

    fn refusal(query: &str) -> String {
        let err = Settings::from_params(&params(query)).unwrap_err();
        assert_eq!(err.status, StatusCode::BAD_REQUEST, "{query}");
        err.body["detail"].as_str().unwrap().to_owned()
    }

    #[test]
    fn rng_is_reproducible_and_in_range() {
        let mut a = Rng::new(42);
        let mut b = Rng::new(42);
        let mut c = Rng::new(43);
        let xs: Vec<u64> = (0..100).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..100).map(|_| b.next_u64()).collect();
        let zs: Vec<u64> = (0..100).map(|_| c.next_u64()).collect();
        assert_eq!(xs, ys);
        assert_ne!(xs, zs);
        // Seed 0 is fine too (xorshift's all-zero state would be stuck at 0).
        let mut z = Rng::new(0);
        assert!((0..10).map(|_| z.next_u64()).any(|x| x != 0));

        let mut r = Rng::new(7);
        let mut seen = [0u32; 4];
        let mut sum = 0.0;
        for _ in 0..100_000 {
            let u = r.unit();
            assert!((0.0..1.0).contains(&u));
            sum += u;
            let k = r.up_to(3);
            seen[k as usize] += 1;
            assert_eq!(r.up_to(0), 0);
            assert!(r.up_to(300) <= 300);
        }
        let mean = sum / 100_000.0;
        assert!((0.49..0.51).contains(&mean), "mean {mean}");
        for n in seen {
            assert!((24_000..26_000).contains(&n), "{seen:?}");
        }
        assert!((0..1000).any(|_| r.up_to(300) == 300));
        let _ = r.up_to(u64::MAX);
    }

    #[test]
    fn decisions_follow_the_probabilities() {
        let now = Instant::now();
        let mut chaos = Chaos::new(
            settings("seconds=5&p401=0.2&p500=0.1&pDrop=0.05&maxDelayMs=300&seed=1"),
            now + Duration::from_secs(5),
        );
        let (mut n401, mut n500, mut ndrop, mut max_delay) = (0, 0, 0, Duration::ZERO);
        for _ in 0..100_000 {
            let d = chaos.decide();
            match d.fault {
                Fault::Unauthorized => n401 += 1,
                Fault::ServerError => n500 += 1,
                Fault::Drop(DropMode::Abort) => ndrop += 1,
                Fault::Drop(DropMode::Close) => panic!("default drop mode is abort"),
                Fault::None => {}
            }
            assert!(d.delay <= Duration::from_millis(300));
            max_delay = max_delay.max(d.delay);
        }
        assert!((19_000..21_000).contains(&n401), "{n401}");
        assert!((9_300..10_700).contains(&n500), "{n500}");
        assert!((4_500..5_500).contains(&ndrop), "{ndrop}");
        assert!(max_delay >= Duration::from_millis(295));
        assert!(chaos.active(now));
        assert!(!chaos.active(now + Duration::from_secs(5)));

        // Certain faults are certain, absent ones never happen, and a seed replays.
        for (query, fault) in [
            ("p401=1", Fault::Unauthorized),
            ("p500=1", Fault::ServerError),
            ("pDrop=1", Fault::Drop(DropMode::Abort)),
            ("pDrop=1&drop=close", Fault::Drop(DropMode::Close)),
            ("p401=0", Fault::None),
        ] {
            let mut chaos = Chaos::new(settings(&format!("seconds=1&{query}")), now);
            for _ in 0..1000 {
                assert_eq!(chaos.decide(), Decision { fault, delay: Duration::ZERO });
            }
        }
        let run = |seed: u64| {
            let mut c = Chaos::new(settings(&format!("seconds=1&p401=0.3&p500=0.3&maxDelayMs=50&seed={seed}")), now);
            (0..50).map(|_| c.decide()).collect::<Vec<_>>()
        };
        assert_eq!(run(9), run(9));
        assert_ne!(run(9), run(10));
    }

    #[test]
    fn token_faults_follow_the_mode() {
        let now = Instant::now();
        for (mode, fault) in [
            ("ok", TokenFault::None),
            ("fail", TokenFault::Fail),
            ("hang", TokenFault::Hang),
            ("garbage", TokenFault::Garbage),
        ] {
            let mut chaos = Chaos::new(settings(&format!("seconds=1&refresh={mode}")), now);
            assert!((0..100).all(|_| chaos.token_fault() == fault), "{mode}");
        }
        assert_eq!(settings("seconds=1").refresh, RefreshMode::Ok);
        let mut chaos = Chaos::new(settings("seconds=1&refresh=mixed&seed=3"), now);
        let faults: Vec<TokenFault> = (0..400).map(|_| chaos.token_fault()).collect();
        for fault in [TokenFault::None, TokenFault::Fail, TokenFault::Hang, TokenFault::Garbage] {
            let n = faults.iter().filter(|f| **f == fault).count();
            assert!((60..140).contains(&n), "{fault:?}: {n}");
        }
    }

    #[test]
    fn control_parsing() {
        let (seconds, s) = Settings::from_params(&params(
            "ns=x&seconds=2.5&p401=0.25&p500=0.5&pDrop=0.25&maxDelayMs=300&refresh=mixed&seed=12&drop=close",
        ))
        .unwrap();
        assert_eq!(seconds, Duration::from_millis(2500));
        assert_eq!(
            s,
            Settings {
                p401: 0.25,
                p500: 0.5,
                p_drop: 0.25,
                max_delay_ms: 300,
                refresh: RefreshMode::Mixed,
                drop: DropMode::Close,
                seed: 12,
            }
        );
        assert_eq!(s.to_json()["seed"], "12");
        let (seconds, s) = Settings::from_params(&params("seconds=0")).unwrap();
        assert_eq!(seconds, Duration::ZERO);
        assert_eq!((s.p401, s.p500, s.p_drop, s.max_delay_ms), (0.0, 0.0, 0.0, 0));
        assert_eq!((s.refresh, s.drop), (RefreshMode::Ok, DropMode::Abort));

        for (query, names) in [
            ("p401=1", "seconds"),
            ("seconds=", "seconds"),
            ("seconds=-1", "seconds"),
            ("seconds=abc", "seconds"),
            ("seconds=1&p401=1.5", "p401"),
            ("seconds=1&p401=x", "p401"),
            ("seconds=1&p500=-0.1", "p500"),
            ("seconds=1&pDrop=NaN", "pDrop"),
            ("seconds=1&pDrop=inf", "pDrop"),
            ("seconds=1&p401=0.5&p500=0.4&pDrop=0.2", "p401 + p500 + pDrop"),
            ("seconds=1&maxDelayMs=-1", "maxDelayMs"),
            ("seconds=1&maxDelayMs=60001", "maxDelayMs"),
            ("seconds=1&maxDelayMs=1.5", "maxDelayMs"),
            ("seconds=1&refresh=sometimes", "refresh"),
            ("seconds=1&drop=rst", "drop"),
            ("seconds=1&seed=-3", "seed"),
            ("seconds=1&seed=x", "seed"),
            ("seconds=1&pdrop=1", "pdrop"),
        ] {
            let detail = refusal(query);
            assert!(detail.contains(names), "{query}: {detail}");
        }
    }
}
