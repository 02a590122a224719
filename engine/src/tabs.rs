//! The cross-tab protocol of `shareAcrossTabs`, as messages: who is there (`Hello`/`Here`/`Bye`),
//! a new token (`Token`, acknowledged by `Ack`), and logout everywhere (`Cleared`). The
//! [`Engine`](crate::Engine) consumes and produces them; the shell only carries them over a
//! `BroadcastChannel` (same origin, never into storage) and holds the Web Lock around refreshes.
//!
//! ```
//! use tokenfetch_engine::tabs::Message;
//! let hello = Message::Hello { from: 7, has_token: false };
//! assert_eq!(hello.from(), 7);
//! assert_eq!(hello.kind(), "hello");
//! ```

use alloc::vec::Vec;

use crate::token::Token;

/// A tab's id on the channel: below 2^53, so it survives a trip through a JS number.
pub type TabId = u64;

/// A token as one tab hands it to another, with what it knows of its times (server time, ms).
#[derive(Debug, Clone, PartialEq)]
pub struct Shared {
    /// The token.
    pub token: Token,
    /// Its expiry, when known.
    pub expires_at_ms: Option<f64>,
    /// Its `iat`, when known.
    pub issued_at_ms: Option<f64>,
}

/// One message on the channel.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// A tab joined; peers answer with `Here` (and their token when it has none).
    Hello {
        /// The new tab.
        from: TabId,
        /// Whether it already holds a token.
        has_token: bool,
    },
    /// The answer to `Hello`.
    Here {
        /// The answering tab.
        from: TabId,
        /// The tab that said hello.
        to: TabId,
        /// The answering tab's token, when the new tab has none.
        token: Option<Shared>,
    },
    /// A new token (a refresh or `setToken`); every tab answers `Ack`.
    Token {
        /// The sending tab.
        from: TabId,
        /// Which of the sender's tokens this is, for the acknowledgements.
        seq: u32,
        /// The token.
        token: Shared,
    },
    /// A tab took token `seq`.
    Ack {
        /// The acknowledging tab.
        from: TabId,
        /// The tab that sent the token.
        to: TabId,
        /// The `seq` of that `Token` message.
        seq: u32,
    },
    /// Forget the token (`clear()` in one tab, or the session is gone).
    Cleared {
        /// The clearing tab.
        from: TabId,
        /// The source answered `false`: do not ask for a token again until `setToken`/`refresh()`.
        signed_out: bool,
    },
    /// A tab left (`free()`).
    Bye {
        /// The leaving tab.
        from: TabId,
    },
}

impl Message {
    /// The sending tab.
    pub fn from(&self) -> TabId {
        match self {
            Message::Hello { from, .. }
            | Message::Here { from, .. }
            | Message::Token { from, .. }
            | Message::Ack { from, .. }
            | Message::Cleared { from, .. }
            | Message::Bye { from } => *from,
        }
    }

    /// The `kind` field of the message on the wire.
    pub fn kind(&self) -> &'static str {
        match self {
            Message::Hello { .. } => "hello",
            Message::Here { .. } => "here",
            Message::Token { .. } => "token",
            Message::Ack { .. } => "ack",
            Message::Cleared { .. } => "cleared",
            Message::Bye { .. } => "bye",
        }
    }
}

/// This tab's view of the channel: its id, the tabs it knows, and the acknowledgements it awaits.
#[derive(Debug)]
pub(crate) struct Peer {
    pub(crate) id: TabId,
    peers: Vec<TabId>,
    seq: u32,
    acked: Vec<TabId>,
    awaiting: bool,
}

impl Peer {
    pub(crate) fn new(id: TabId) -> Peer {
        Peer { id, peers: Vec::new(), seq: 0, acked: Vec::new(), awaiting: false }
    }

    pub(crate) fn meet(&mut self, tab: TabId) {
        if !self.peers.contains(&tab) {
            self.peers.push(tab);
        }
    }

    pub(crate) fn forget(&mut self, tab: TabId) {
        self.peers.retain(|&known| known != tab);
    }

    /// The seq of a token about to be sent; `await_acks` when the sender waits for every tab.
    pub(crate) fn next_seq(&mut self, await_acks: bool) -> u32 {
        self.seq = self.seq.wrapping_add(1);
        self.acked.clear();
        self.awaiting = await_acks;
        self.seq
    }

    /// Records an acknowledgement; true when it completed the wait.
    pub(crate) fn ack(&mut self, from: TabId, seq: u32) -> bool {
        if seq != self.seq {
            return false;
        }
        if !self.acked.contains(&from) {
            self.acked.push(from);
        }
        self.complete()
    }

    /// True (once) when every known tab has acknowledged the awaited token.
    pub(crate) fn complete(&mut self) -> bool {
        let done = self.awaiting && self.peers.iter().all(|peer| self.acked.contains(peer));
        if done {
            self.awaiting = false;
        }
        done
    }

    pub(crate) fn awaiting(&self) -> bool {
        self.awaiting
    }

    /// Stops waiting; tabs that did not answer (closed, frozen) are forgotten until they speak again.
    pub(crate) fn give_up(&mut self) {
        let acked = core::mem::take(&mut self.acked);
        self.peers.retain(|peer| acked.contains(peer));
        self.acked = acked;
        self.awaiting = false;
    }
}
