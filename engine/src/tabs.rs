//! The cross-tab protocol of `shareAcrossTabs`, as messages: who is there (`Hello`/`Here`/`Bye`),
//! a new token (`Token`, acknowledged by `Ack`), and logout everywhere (`Cleared`), and this tab's
//! [`Peer`]: which tabs it knows, what it answers to each message ([`Peer::receive`]), and how long
//! it waits for acknowledgements after a refresh before the Web Lock goes. The
//! [`Engine`](crate::Engine) applies what the peer decides; the shell only carries the messages
//! over a `BroadcastChannel` (same origin, never into storage) and holds the Web Lock.
//!
//! ```
//! use tokenfetch_engine::tabs::{Message, Peer, Reaction};
//! let mut peer = Peer::new(1);
//! let hello = Message::Hello { from: 7, has_token: true };
//! assert_eq!(peer.receive(&hello), Some(Reaction::Introduce { to: 7, with_token: false }));
//! assert_eq!(hello.kind(), "hello");
//! ```

use alloc::vec::Vec;

use crate::token::Token;

/// Longest wait (ms) for the other tabs to acknowledge a new token before the lock is released; a
/// tab that does not answer in time (closed, frozen) is forgotten until it speaks again.
pub const ACK_TIMEOUT_MS: f64 = 300.0;

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
    /// Not bound to a DPoP key (`token_type: "Bearer"`).
    pub bearer: bool,
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

/// What this tab does about a message from another tab.
#[derive(Debug, Clone, PartialEq)]
pub enum Reaction {
    /// Answer a `Hello` with `Here`, with this tab's token when the newcomer has none.
    Introduce {
        /// The newcomer.
        to: TabId,
        /// Whether to hand it the token.
        with_token: bool,
    },
    /// Install the token unless it is the one held or expires sooner (`Here`, `Token`), then
    /// acknowledge it (`Token`).
    Adopt {
        /// The token.
        token: Shared,
        /// Only when no token is held (`Here`, the answer to this tab's `Hello`).
        only_if_none: bool,
        /// `Ack` to send: the tab and the seq of its `Token`.
        ack: Option<(TabId, u32)>,
    },
    /// Every known tab acknowledged the token this tab shared: the Web Lock may go.
    AllAcked,
    /// Forget the token (another tab's `clear()`); `signed_out`: and stop asking for one.
    Clear {
        /// The other tab's source answered `false`.
        signed_out: bool,
    },
}

/// This tab's view of the channel: its id, the tabs it knows, and the acknowledgements it awaits.
#[derive(Debug)]
pub struct Peer {
    id: TabId,
    peers: Vec<TabId>,
    seq: u32,
    acked: Vec<TabId>,
    /// Until when (local ms) it waits for acknowledgements of the token it shared after a refresh.
    acks_until: Option<f64>,
}

impl Peer {
    /// A tab that knows nobody yet.
    pub fn new(id: TabId) -> Peer {
        Peer { id, peers: Vec::new(), seq: 0, acked: Vec::new(), acks_until: None }
    }

    /// This tab's id.
    pub fn id(&self) -> TabId {
        self.id
    }

    /// What to do about `message` (from another tab; this tab's own echo is ignored).
    pub fn receive(&mut self, message: &Message) -> Option<Reaction> {
        let from = message.from();
        if from == self.id {
            return None;
        }
        if let Message::Bye { .. } = message {
            self.peers.retain(|&known| known != from);
            return None;
        }
        if !self.peers.contains(&from) {
            self.peers.push(from);
        }
        match message {
            Message::Hello { has_token, .. } => Some(Reaction::Introduce { to: from, with_token: !has_token }),
            Message::Here { to, token: Some(token), .. } if *to == self.id => {
                Some(Reaction::Adopt { token: token.clone(), only_if_none: true, ack: None })
            }
            Message::Token { seq, token, .. } => {
                Some(Reaction::Adopt { token: token.clone(), only_if_none: false, ack: Some((from, *seq)) })
            }
            Message::Ack { to, seq, .. } if *to == self.id && *seq == self.seq => {
                if !self.acked.contains(&from) {
                    self.acked.push(from);
                }
                self.complete().then_some(Reaction::AllAcked)
            }
            Message::Cleared { signed_out, .. } => Some(Reaction::Clear { signed_out: *signed_out }),
            _ => None,
        }
    }

    /// The seq of a token about to be shared. After a refresh (`now`: local time) this tab waits
    /// for every known tab to acknowledge it, for at most [`ACK_TIMEOUT_MS`]; true when there is
    /// nobody to wait for.
    pub fn share(&mut self, after_refresh: Option<f64>) -> (u32, bool) {
        self.seq = self.seq.wrapping_add(1);
        self.acked.clear();
        self.acks_until = after_refresh.map(|now| now + ACK_TIMEOUT_MS);
        (self.seq, after_refresh.is_some() && self.complete())
    }

    /// True (once) when every known tab has acknowledged the awaited token.
    fn complete(&mut self) -> bool {
        let done = self.acks_until.is_some() && self.peers.iter().all(|peer| self.acked.contains(peer));
        if done {
            self.acks_until = None;
        }
        done
    }

    /// Until when (local ms) it waits for acknowledgements, if it does.
    pub fn acks_until(&self) -> Option<f64> {
        self.acks_until
    }

    /// Stops waiting; tabs that did not answer (closed, frozen) are forgotten until they speak again.
    pub fn give_up(&mut self) {
        let acked = core::mem::take(&mut self.acked);
        self.peers.retain(|peer| acked.contains(peer));
        self.acked = acked;
        self.acks_until = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shared() -> Shared {
        Shared { token: Token::parse("t".into()).unwrap(), expires_at_ms: None, issued_at_ms: None, bearer: false }
    }

    #[test]
    fn a_shared_token_waits_for_every_known_tab_then_lets_go() {
        let mut peer = Peer::new(1);
        assert_eq!(peer.share(Some(0.0)), (1, true), "alone: nobody to wait for");
        for from in [2, 3] {
            peer.receive(&Message::Hello { from, has_token: true });
        }
        let (seq, done) = peer.share(Some(100.0));
        assert!(!done);
        assert_eq!(peer.acks_until(), Some(400.0));
        assert_eq!(peer.receive(&Message::Ack { from: 2, to: 1, seq: seq - 1 }), None, "an old seq");
        assert_eq!(peer.receive(&Message::Ack { from: 2, to: 1, seq }), None);
        assert_eq!(peer.receive(&Message::Ack { from: 3, to: 9, seq }), None, "for another tab");
        assert_eq!(peer.receive(&Message::Ack { from: 3, to: 1, seq }), Some(Reaction::AllAcked));
        assert_eq!(peer.acks_until(), None);
    }

    #[test]
    fn a_silent_tab_is_forgotten_after_the_wait() {
        let mut peer = Peer::new(1);
        peer.receive(&Message::Hello { from: 2, has_token: true });
        peer.receive(&Message::Hello { from: 3, has_token: true });
        let (seq, _) = peer.share(Some(0.0));
        peer.receive(&Message::Ack { from: 2, to: 1, seq });
        peer.give_up();
        assert!(!peer.share(Some(1_000.0)).1, "tab 2 is still known");
        peer.receive(&Message::Bye { from: 2 });
        assert!(peer.share(Some(2_000.0)).1, "tab 3 was forgotten, tab 2 left");
    }

    #[test]
    fn what_each_message_asks_for() {
        let mut peer = Peer::new(1);
        assert_eq!(peer.receive(&Message::Hello { from: 1, has_token: false }), None, "its own echo");
        assert_eq!(
            peer.receive(&Message::Hello { from: 2, has_token: false }),
            Some(Reaction::Introduce { to: 2, with_token: true })
        );
        assert_eq!(peer.receive(&Message::Here { from: 2, to: 3, token: Some(shared()) }), None, "for another tab");
        assert_eq!(
            peer.receive(&Message::Here { from: 2, to: 1, token: Some(shared()) }),
            Some(Reaction::Adopt { token: shared(), only_if_none: true, ack: None })
        );
        assert_eq!(
            peer.receive(&Message::Token { from: 2, seq: 4, token: shared() }),
            Some(Reaction::Adopt { token: shared(), only_if_none: false, ack: Some((2, 4)) })
        );
        assert_eq!(
            peer.receive(&Message::Cleared { from: 2, signed_out: true }),
            Some(Reaction::Clear { signed_out: true })
        );
    }
}
