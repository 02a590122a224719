//! What a namespace's DPoP checks saw, in order, for `GET /control/dpop-log`: one entry per
//! request judged. Never the token or the proof itself.

use std::collections::VecDeque;

use serde::Serialize;

/// Entries kept per namespace; older ones are dropped (and counted).
pub const MAX_ENTRIES: usize = 10_000;

/// Which side of OAuth a request was for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Endpoint {
    /// A token endpoint: the proof binds the token it gets.
    Token,
    /// A protected route: the proof goes with a token.
    Resource,
}

/// One judged request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    pub seq: u64,
    pub endpoint: Endpoint,
    /// The path.
    pub route: String,
    /// The origin the request was sent to (nonces are per origin).
    pub origin: String,
    pub method: String,
    /// The `htu` the server expected.
    pub expected_htu: String,
    /// The `Authorization` scheme, as sent (resource requests; `None`: none sent).
    pub scheme: Option<String>,
    /// A `DPoP` header came with the request.
    pub proof: bool,
    /// The proof's claims and key, as far as they could be read.
    pub htm: Option<String>,
    pub htu: Option<String>,
    pub iat: Option<i64>,
    pub jti: Option<String>,
    pub jkt: Option<String>,
    pub nonce: Option<String>,
    /// The server's clock (the namespace's) when it judged the request.
    pub server_time: i64,
    /// `current`, `previous`, `missing` or `stale`; `None` where nonces were not checked.
    pub nonce_check: Option<&'static str>,
    /// `None` where there was no token to hash (token endpoints) or it was not reached.
    pub ath_matched: Option<bool>,
    /// The key the token or session is bound to.
    pub bound_jkt: Option<String>,
    pub accepted: bool,
    /// Why it was refused (see `Reason::as_str`).
    pub reason: Option<&'static str>,
    /// How long checking the proof took, in µs (`None`: no single proof to check).
    pub check_micros: Option<u64>,
}

#[derive(Debug, Default)]
pub struct Log {
    entries: VecDeque<Entry>,
    dropped: u64,
    next_seq: u64,
}

impl Log {
    /// The sequence number the next entry gets (from 1).
    pub fn next_seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    pub fn push(&mut self, entry: Entry) {
        if self.entries.len() >= MAX_ENTRIES {
            self.entries.pop_front();
            self.dropped += 1;
        }
        self.entries.push_back(entry);
    }

    pub fn entries(&self) -> &VecDeque<Entry> {
        &self.entries
    }

    /// Entries pushed out by the bound.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }
}
