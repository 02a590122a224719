//! One origin's DPoP nonces (RFC 9449 §8): the current one, the one before it (still accepted,
//! for requests that were under way when it changed), and rotation after a number of uses.

use crate::random::random_hex;

/// Random bytes in a nonce.
const NONCE_BYTES: usize = 16;
/// Nonces remembered per origin for the log.
const MAX_ISSUED: usize = 1000;

/// How a proof's `nonce` compares with the origin's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NonceCheck {
    Current,
    Previous,
    Missing,
    /// Not one the origin accepts (any more).
    Stale,
}

impl NonceCheck {
    pub fn accepted(self) -> bool {
        matches!(self, NonceCheck::Current | NonceCheck::Previous)
    }
}

/// The nonces of one origin of one namespace.
#[derive(Debug, Clone)]
pub struct Nonces {
    current: String,
    previous: Option<String>,
    /// Accepted proofs that carried `current`.
    uses: u64,
    /// Every nonce issued, oldest first (the last [`MAX_ISSUED`]).
    issued: Vec<String>,
}

fn fresh() -> Result<String, getrandom::Error> {
    random_hex(NONCE_BYTES)
}

impl Nonces {
    pub fn new() -> Result<Self, getrandom::Error> {
        let current = fresh()?;
        Ok(Self { issued: vec![current.clone()], current, previous: None, uses: 0 })
    }

    pub fn current(&self) -> &str {
        &self.current
    }

    pub fn previous(&self) -> Option<&str> {
        self.previous.as_deref()
    }

    pub fn issued(&self) -> &[String] {
        &self.issued
    }

    pub fn check(&self, sent: Option<&str>) -> NonceCheck {
        match sent {
            None => NonceCheck::Missing,
            Some(n) if n == self.current => NonceCheck::Current,
            Some(n) if self.previous.as_deref() == Some(n) => NonceCheck::Previous,
            Some(_) => NonceCheck::Stale,
        }
    }

    /// Counts an accepted use of the current nonce; the `rotate_after`-th one (0: never)
    /// rotates it.
    pub fn used(&mut self, rotate_after: u64) -> Result<(), getrandom::Error> {
        self.uses += 1;
        if rotate_after > 0 && self.uses >= rotate_after {
            self.rotate()?;
        }
        Ok(())
    }

    /// A new current nonce; the current one becomes the previous one.
    pub fn rotate(&mut self) -> Result<(), getrandom::Error> {
        let next = fresh()?;
        self.previous = Some(std::mem::replace(&mut self.current, next.clone()));
        self.uses = 0;
        if self.issued.len() >= MAX_ISSUED {
            self.issued.remove(0);
        }
        self.issued.push(next);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn current_and_previous_are_accepted_older_ones_not() {
        let mut n = Nonces::new().unwrap();
        let first = n.current().to_owned();
        assert_eq!(n.check(Some(&first)), NonceCheck::Current);
        assert_eq!(n.check(None), NonceCheck::Missing);
        assert_eq!(n.check(Some("nope")), NonceCheck::Stale);
        n.rotate().unwrap();
        let second = n.current().to_owned();
        assert_ne!(first, second);
        assert_eq!(n.check(Some(&first)), NonceCheck::Previous);
        assert_eq!(n.check(Some(&second)), NonceCheck::Current);
        n.rotate().unwrap();
        assert_eq!(n.check(Some(&first)), NonceCheck::Stale);
        assert_eq!(n.check(Some(&second)), NonceCheck::Previous);
        assert_eq!(n.issued().len(), 3);
        assert!(NonceCheck::Previous.accepted() && !NonceCheck::Stale.accepted());
    }

    #[test]
    fn rotation_after_n_uses() {
        let mut n = Nonces::new().unwrap();
        let first = n.current().to_owned();
        n.used(3).unwrap();
        n.used(3).unwrap();
        assert_eq!(n.current(), first);
        n.used(3).unwrap();
        assert_ne!(n.current(), first, "the third use rotates");
        assert_eq!(n.previous(), Some(first.as_str()));
        let mut never = Nonces::new().unwrap();
        let only = never.current().to_owned();
        for _ in 0..100 {
            never.used(0).unwrap();
        }
        assert_eq!(never.current(), only);
    }
}
