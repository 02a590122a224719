//! `tokenfetch-devserver`: the backend for tokenfetch's browser tests, demos and benchmarks.
//!
//! Issues HS256 access tokens of any lifetime (jwt-compact), opens login sessions whose refresh
//! tokens rotate on every use and whose reuse revokes the session (in an HttpOnly cookie for
//! `refreshUrl`, or through an OAuth-style `POST /oauth/token`), serves protected and open echo
//! routes that report the `Authorization` header they received, test controls (revocation,
//! refresh faults, delays, chaos mode, per-namespace stats) and optionally a static directory,
//! on two loopback ports (two origins) at once, and DPoP (RFC 9449) per namespace: bound
//! tokens, strictly checked proofs, nonces per origin. The route table is in `routes`.
//!
//! Modules, leaves first: `error`, `params`, `headers`, `clock`, `random` (request and time
//! helpers); `tokens` (JWTs), `sessions` (rotation), `chaos` (faults), `dpop` (proofs, nonces
//! and what they saw), `namespace` (counters), `state` (all shared state); `gate` (protected
//! routes' check), `binding` (token endpoints' DPoP step), `echo`, `scope` (per-namespace
//! answer headers), `cors`; `routes`.

mod binding;
mod chaos;
mod clock;
mod cors;
mod dpop;
mod echo;
mod error;
mod gate;
mod headers;
mod namespace;
mod params;
mod random;
mod routes;
mod scope;
mod sessions;
mod state;
mod tokens;

use std::future::IntoFuture;
use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;

use tokio::net::TcpListener;

use crate::state::AppState;
use crate::tokens::TokenKeys;

const USAGE: &str = "usage: tokenfetch-devserver [--port N] [--other-port N] [--static DIR] [--ttl SECONDS]

  --port N          first origin's port (default: $PORT or 8080; 0 picks a free port)
  --other-port N    second origin's port (default: port + 1, or a free port if port is 0)
  --static DIR      serve DIR at / (API routes take precedence)
  --ttl SECONDS     default token lifetime (default: $TOKEN_TTL or 20)

Binds 127.0.0.1 only. Stops on SIGINT/SIGTERM.";

/// Command-line configuration.
#[derive(Debug, PartialEq)]
struct Config {
    port: u16,
    other_port: u16,
    static_dir: Option<PathBuf>,
    ttl: i64,
}

fn parse_num<T: std::str::FromStr>(what: &str, raw: &str) -> Result<T, String> {
    raw.trim().parse().map_err(|_| format!("invalid {what}: {raw:?}"))
}

/// Parses the arguments (without the program name); `env` looks up `PORT` and `TOKEN_TTL`.
fn parse_args(
    args: impl IntoIterator<Item = String>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Option<Config>, String> {
    let mut port = None;
    let mut other_port = None;
    let mut static_dir = None;
    let mut ttl = None;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        if flag == "-h" || flag == "--help" {
            return Ok(None);
        }
        let mut value = || inline.clone().or_else(|| args.next()).ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--port" => port = Some(parse_num("--port", &value()?)?),
            "--other-port" => other_port = Some(parse_num("--other-port", &value()?)?),
            "--static" => static_dir = Some(PathBuf::from(value()?)),
            "--ttl" => ttl = Some(parse_num("--ttl", &value()?)?),
            _ => return Err(format!("unknown argument: {arg}")),
        }
    }
    let port: u16 = match (port, env("PORT")) {
        (Some(p), _) => p,
        (None, Some(raw)) => parse_num("PORT", &raw)?,
        (None, None) => 8080,
    };
    let other_port = match other_port {
        Some(p) => p,
        None if port == 0 => 0,
        None => port.checked_add(1).ok_or("--port 65535 needs --other-port")?,
    };
    let ttl = match (ttl, env("TOKEN_TTL")) {
        (Some(t), _) => t,
        (None, Some(raw)) => parse_num("TOKEN_TTL", &raw)?,
        (None, None) => 20,
    };
    if !(0..=86_400 * 365).contains(&ttl) {
        return Err(format!("ttl out of range: {ttl}"));
    }
    Ok(Some(Config { port, other_port, static_dir, ttl }))
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let config = match parse_args(std::env::args().skip(1), |k| std::env::var(k).ok()) {
        Ok(Some(config)) => config,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(msg) => {
            eprintln!("tokenfetch-devserver: {msg}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    if let Some(dir) = &config.static_dir {
        if !dir.is_dir() {
            eprintln!("tokenfetch-devserver: --static {}: not a directory", dir.display());
            return ExitCode::from(2);
        }
    }
    let keys = match TokenKeys::generate() {
        Ok(keys) => keys,
        Err(err) => {
            eprintln!("tokenfetch-devserver: no random source for the signing key: {err}");
            return ExitCode::FAILURE;
        }
    };
    let app = routes::router(AppState::new(keys, config.ttl), config.static_dir);

    let bind = |port: u16| async move {
        TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
            .await
            .map_err(|err| format!("cannot bind 127.0.0.1:{port}: {err}"))
    };
    let (first, second) = match (bind(config.port).await, bind(config.other_port).await) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(msg), _) | (_, Err(msg)) => {
            eprintln!("tokenfetch-devserver: {msg}");
            return ExitCode::FAILURE;
        }
    };
    let port_of = |l: &TcpListener| l.local_addr().map(|a| a.port()).unwrap_or(0);
    println!(
        "tokenfetch devserver listening on http://127.0.0.1:{} (second origin http://127.0.0.1:{})",
        port_of(&first),
        port_of(&second)
    );
    let _ = std::io::stdout().flush();

    tokio::select! {
        result = axum::serve(no_delay(first), app.clone()).into_future() => report(result),
        result = axum::serve(no_delay(second), app).into_future() => report(result),
        () = shutdown_signal() => ExitCode::SUCCESS,
    }
}

fn report(result: std::io::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("tokenfetch-devserver: server error: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Small responses go out at once: without TCP_NODELAY a header write followed by a small body
/// write waits for the peer's delayed ACK (about 40 ms), which distorted page-load timings.
fn no_delay(listener: TcpListener) -> impl axum::serve::Listener<Addr = SocketAddr> {
    use axum::serve::ListenerExt;
    listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str], env: &[(&str, &str)]) -> Result<Option<Config>, String> {
        let env: Vec<(String, String)> = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        parse_args(args.iter().map(|s| s.to_string()), move |k| {
            env.iter().find(|(name, _)| name == k).map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn defaults_env_and_flags() {
        let c = parse(&[], &[]).unwrap().unwrap();
        assert_eq!((c.port, c.other_port, c.ttl, c.static_dir), (8080, 8081, 20, None));
        let c = parse(&[], &[("PORT", "9000"), ("TOKEN_TTL", "5")]).unwrap().unwrap();
        assert_eq!((c.port, c.other_port, c.ttl), (9000, 9001, 5));
        let c = parse(&["--port", "8790", "--ttl=3", "--static", "/tmp"], &[("PORT", "9000")]).unwrap().unwrap();
        assert_eq!((c.port, c.other_port, c.ttl), (8790, 8791, 3));
        assert_eq!(c.static_dir, Some(PathBuf::from("/tmp")));
        let c = parse(&["--port", "0"], &[]).unwrap().unwrap();
        assert_eq!((c.port, c.other_port), (0, 0));
        assert!(parse(&["--port"], &[]).is_err());
        assert!(parse(&["--port", "x"], &[]).is_err());
        assert!(parse(&["--bogus"], &[]).is_err());
        assert!(parse(&["--port", "65535"], &[]).is_err());
        assert_eq!(parse(&["--help"], &[]), Ok(None));
    }
}
