//! The `jti`s a namespace has accepted, so that a proof is never accepted twice (RFC 9449 §11.1).
//!
//! Bounded: the oldest are forgotten first. A forgotten one is more than the `iat` window old
//! in any test that stays under the bound, and is refused for its `iat` anyway.

use std::collections::{HashSet, VecDeque};

/// `jti`s kept per namespace.
pub const MAX_JTIS: usize = 50_000;

#[derive(Debug, Default)]
pub struct Replay {
    seen: HashSet<String>,
    order: VecDeque<String>,
}

impl Replay {
    pub fn contains(&self, jti: &str) -> bool {
        self.seen.contains(jti)
    }

    /// Remembers `jti`; false if it was already there.
    pub fn insert(&mut self, jti: &str) -> bool {
        if !self.seen.insert(jti.to_owned()) {
            return false;
        }
        self.order.push_back(jti.to_owned());
        if self.order.len() > MAX_JTIS {
            if let Some(oldest) = self.order.pop_front() {
                self.seen.remove(&oldest);
            }
        }
        true
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.order.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembered_until_the_bound_pushes_them_out() {
        let mut r = Replay::default();
        assert!(r.insert("a"));
        assert!(!r.insert("a"));
        assert!(r.contains("a") && !r.contains("b"));
        for i in 0..MAX_JTIS {
            r.insert(&i.to_string());
        }
        assert_eq!(r.len(), MAX_JTIS);
        assert!(!r.contains("a"), "the oldest went first");
        assert!(r.contains(&(MAX_JTIS - 1).to_string()));
    }
}
