//! What the engine reports to the application (`onEvent`): plain facts that never carry the token.
//!
//! ```
//! use tokenfetch_engine::event::{Cause, Event, Reason, Trigger};
//! let event = Event::RefreshFailed { reason: Reason::Timeout, status: None };
//! assert_eq!(event.name(), "refresh-failed");
//! assert_eq!(Event::Retry { status: 401, cause: Cause::DpopNonce }.name(), "retry");
//! assert_eq!(Cause::DpopNonce.name(), "dpop-nonce");
//! assert_eq!(Trigger::Status.name(), "status");
//! assert!(Reason::ALL.iter().any(|r| r.name() == "signed-out"));
//! ```

/// One thing that happened, in the order it happened.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Event {
    /// A token was installed by the application (constructor or `setToken`).
    TokenSet {
        /// Its expiry in ms since the epoch (server time), when known.
        expires_at_ms: Option<f64>,
    },
    /// A refresh began.
    RefreshStart {
        /// What asked for it.
        trigger: Trigger,
    },
    /// A refresh (here, or in another tab) installed a new token.
    Refreshed {
        /// Its expiry in ms since the epoch (server time), when known.
        expires_at_ms: Option<f64>,
        /// The token came from another tab's refresh.
        from_tab: bool,
    },
    /// A refresh installed no token.
    RefreshFailed {
        /// Why.
        reason: Reason,
        /// The HTTP status, for [`Reason::RefreshUrlStatus`].
        status: Option<u16>,
    },
    /// A request is sent again: with a new (or newer) token after a response whose status was in
    /// `refreshOn`, or with a proof holding the nonce a DPoP server asked for.
    Retry {
        /// That response's status.
        status: u16,
        /// Why.
        cause: Cause,
    },
    /// The token was forgotten (`clear()`, signing out, or another tab's `clear()`).
    Cleared,
    /// The DPoP key was made or loaded.
    DpopKey {
        /// Kept in IndexedDB (false: in memory only, for this client).
        stored: bool,
    },
}

impl Event {
    /// Every event's `type`, as the TypeScript types spell them.
    pub const NAMES: [&'static str; 7] =
        ["token-set", "refresh-start", "refreshed", "refresh-failed", "retry", "cleared", "dpop-key"];

    /// The event's `type`.
    pub fn name(&self) -> &'static str {
        match self {
            Event::TokenSet { .. } => "token-set",
            Event::RefreshStart { .. } => "refresh-start",
            Event::Refreshed { .. } => "refreshed",
            Event::RefreshFailed { .. } => "refresh-failed",
            Event::Retry { .. } => "retry",
            Event::Cleared => "cleared",
            Event::DpopKey { .. } => "dpop-key",
        }
    }
}

/// Why a request was sent again; the `cause` of `retry`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// A new or newer token.
    Token,
    /// The DPoP nonce the server asked for.
    DpopNonce,
}

impl Cause {
    /// Every cause.
    pub const ALL: [Cause; 2] = [Cause::Token, Cause::DpopNonce];

    /// The name events use.
    pub fn name(self) -> &'static str {
        match self {
            Cause::Token => "token",
            Cause::DpopNonce => "dpop-nonce",
        }
    }
}

/// What started a refresh; the `trigger` of `refresh-start`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// A request found the token missing or about to expire.
    Expiry,
    /// A response status in `refreshOn`.
    Status,
    /// The proactive timer (or a wake-up that found the token due).
    Timer,
    /// `refresh()`.
    Manual,
}

impl Trigger {
    /// Every trigger.
    pub const ALL: [Trigger; 4] = [Trigger::Expiry, Trigger::Status, Trigger::Timer, Trigger::Manual];

    /// The name events use.
    pub fn name(self) -> &'static str {
        match self {
            Trigger::Expiry => "expiry",
            Trigger::Status => "status",
            Trigger::Timer => "timer",
            Trigger::Manual => "manual",
        }
    }
}

/// Why a refresh installed no token; the `reason` of `refresh-failed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// The source gave up: `null`, `undefined`, `""`, or an object without a token.
    NoToken,
    /// A value of the wrong type where a token or an expiry belongs.
    InvalidType,
    /// A token that cannot go into a header.
    InvalidToken,
    /// An expiry that is negative, not finite or not a number.
    InvalidExpiry,
    /// The callback threw or its promise rejected.
    CallbackError,
    /// No answer within `refreshTimeoutMs`.
    Timeout,
    /// `refreshUrl` answered with a status outside 200–299.
    RefreshUrlStatus,
    /// `refreshUrl` could not be reached.
    NetworkError,
    /// `refreshUrl` answered with a body that is not JSON.
    InvalidJson,
    /// Neither a callback nor `refreshUrl` was given.
    NoRefreshSource,
    /// The token was replaced (`setToken`, `clear()`) while the refresh ran; its result was dropped.
    Superseded,
    /// The source answered `false`: the user is signed out.
    SignedOut,
}

impl Reason {
    /// Every reason.
    pub const ALL: [Reason; 12] = [
        Reason::NoToken,
        Reason::InvalidType,
        Reason::InvalidToken,
        Reason::InvalidExpiry,
        Reason::CallbackError,
        Reason::Timeout,
        Reason::RefreshUrlStatus,
        Reason::NetworkError,
        Reason::InvalidJson,
        Reason::NoRefreshSource,
        Reason::Superseded,
        Reason::SignedOut,
    ];

    /// The name events use.
    pub fn name(self) -> &'static str {
        match self {
            Reason::NoToken => "no-token",
            Reason::InvalidType => "invalid-type",
            Reason::InvalidToken => "invalid-token",
            Reason::InvalidExpiry => "invalid-expiry",
            Reason::CallbackError => "callback-error",
            Reason::Timeout => "timeout",
            Reason::RefreshUrlStatus => "refresh-url-status",
            Reason::NetworkError => "network-error",
            Reason::InvalidJson => "invalid-json",
            Reason::NoRefreshSource => "no-refresh-source",
            Reason::Superseded => "superseded",
            Reason::SignedOut => "signed-out",
        }
    }
}
