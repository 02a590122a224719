//! The DPoP nonces servers hand out (`DPoP-Nonce`), kept per origin of the request's URL (the
//! response's URL can be empty or another origin's after a redirect), for at most
//! [`MAX_ORIGINS`] origins: the least recently used go first.
//!
//! ```
//! use tokenfetch_engine::dpop::nonces::Nonces;
//! let mut nonces = Nonces::default();
//! nonces.learn("https://as.example", "n1");
//! nonces.learn("https://api.example", "n2");
//! assert_eq!(nonces.get("https://as.example"), Some("n1"), "each origin its own");
//! assert_eq!(nonces.get("https://other.example"), None);
//! ```

use alloc::string::String;
use alloc::vec::Vec;

/// How many origins' nonces are kept.
pub const MAX_ORIGINS: usize = 100;

/// Longest nonce kept, in bytes: one longer is a server's mistake and is not echoed.
pub const MAX_NONCE_LEN: usize = 1024;

/// Nonces by origin, most recently used last.
#[derive(Debug, Default)]
pub struct Nonces(Vec<(String, String)>);

impl Nonces {
    /// The nonce `origin` gave last; marks it used.
    pub fn get(&mut self, origin: &str) -> Option<&str> {
        let at = self.0.iter().position(|(known, _)| known == origin)?;
        let entry = self.0.remove(at);
        self.0.push(entry);
        self.0.last().map(|(_, nonce)| nonce.as_str())
    }

    /// `origin` answered with `nonce` (a header value: visible ASCII, as RFC 9449 §8.1 says).
    pub fn learn(&mut self, origin: &str, nonce: &str) {
        if nonce.is_empty() || nonce.len() > MAX_NONCE_LEN || !nonce.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
            return;
        }
        self.0.retain(|(known, _)| known != origin);
        if self.0.len() >= MAX_ORIGINS {
            self.0.remove(0);
        }
        self.0.push((origin.into(), nonce.into()));
    }

    /// How many origins have a nonce.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether no origin has one.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    #[test]
    fn a_newer_nonce_replaces_the_older() {
        let mut nonces = Nonces::default();
        nonces.learn("https://a", "1");
        nonces.learn("https://a", "2");
        assert_eq!(nonces.len(), 1);
        assert_eq!(nonces.get("https://a"), Some("2"));
    }

    #[test]
    fn at_most_a_hundred_origins_least_recently_used_out() {
        let mut nonces = Nonces::default();
        for i in 0..MAX_ORIGINS {
            nonces.learn(&format!("https://o{i}"), "n");
        }
        assert_eq!(nonces.get("https://o0"), Some("n"), "used: now the most recent");
        nonces.learn("https://new", "n");
        assert_eq!(nonces.len(), MAX_ORIGINS);
        assert_eq!(nonces.get("https://o1"), None, "the least recently used went");
        assert_eq!(nonces.get("https://o0"), Some("n"));
        assert_eq!(nonces.get("https://new"), Some("n"));
    }

    #[test]
    fn junk_is_not_kept() {
        let mut nonces = Nonces::default();
        for junk in ["", "a b", "a\r\nX: y", "é"] {
            nonces.learn("https://a", junk);
        }
        nonces.learn("https://a", &"n".repeat(MAX_NONCE_LEN + 1));
        assert!(nonces.is_empty());
    }
}
