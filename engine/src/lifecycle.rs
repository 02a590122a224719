//! Signing out and closing: where the client stands with its source. The source answered `false`
//! (or another tab's did): signed out, nothing asks for a token until the application sets one or
//! calls `refresh()`. `free()`: closed for good, nothing is installed, emitted or scheduled.
//!
//! ```
//! use tokenfetch_engine::lifecycle::Lifecycle;
//! let mut lifecycle = Lifecycle::default();
//! assert!(lifecycle.may_ask());
//! lifecycle.sign_out();
//! assert!(lifecycle.is_signed_out() && !lifecycle.may_ask());
//! lifecycle.resume(); // setToken() or refresh()
//! assert!(lifecycle.may_ask());
//! lifecycle.close();
//! lifecycle.resume();
//! assert!(lifecycle.is_closed(), "closed is for good");
//! ```

/// Signed in (or not yet), signed out, or closed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Lifecycle {
    /// The source may be asked for tokens.
    #[default]
    Active,
    /// The source answered `false`: not asked again until `setToken()` or `refresh()`.
    SignedOut,
    /// `free()`.
    Closed,
}

impl Lifecycle {
    /// Whether anything may ask the source (given there is one).
    pub fn may_ask(self) -> bool {
        self == Lifecycle::Active
    }

    /// The source said the user is signed out.
    pub fn sign_out(&mut self) {
        if *self == Lifecycle::Active {
            *self = Lifecycle::SignedOut;
        }
    }

    /// The application set a token or asked for a refresh (or another tab got a token).
    pub fn resume(&mut self) {
        if *self == Lifecycle::SignedOut {
            *self = Lifecycle::Active;
        }
    }

    /// `free()`.
    pub fn close(&mut self) {
        *self = Lifecycle::Closed;
    }

    /// Signed out.
    pub fn is_signed_out(self) -> bool {
        self == Lifecycle::SignedOut
    }

    /// Closed.
    pub fn is_closed(self) -> bool {
        self == Lifecycle::Closed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signing_out_needs_an_active_client() {
        let mut lifecycle = Lifecycle::Closed;
        lifecycle.sign_out();
        assert!(lifecycle.is_closed(), "a closed client stays closed");
        let mut lifecycle = Lifecycle::default();
        lifecycle.resume();
        assert_eq!(lifecycle, Lifecycle::Active, "resuming an active client changes nothing");
    }
}
