//! The single-flight refresh: at most one refresh runs; whoever needs a token while it runs joins
//! it, and all of them learn the one outcome it settles with. A refresh remembers the token
//! generation it started from (a different one when it ends means it was superseded) and when the
//! source was asked, for its timeout.
//!
//! ```
//! use tokenfetch_engine::single_flight::{Begin, SingleFlight};
//! let mut flight = SingleFlight::default();
//! let Begin::Start(id) = flight.begin(7) else { unreachable!() };
//! assert_eq!(flight.begin(7), Begin::Join(id), "a second caller joins");
//! assert!(flight.ask(id, 1_000.0));
//! assert_eq!(flight.timeout_at(10_000), Some((id, 11_000.0)));
//! assert_eq!(flight.end(id), Some(7), "it started from generation 7");
//! assert_eq!(flight.end(id), None, "a stale answer changes nothing");
//! ```

/// Identifies one refresh (they are numbered from 1, one at a time).
pub type RefreshId = u64;

/// Answer of [`SingleFlight::begin`] (and of [`Engine::refresh`](crate::Engine::refresh)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Begin {
    /// No refresh was running: this one starts.
    Start(RefreshId),
    /// A refresh is running: the caller awaits it.
    Join(RefreshId),
}

impl Begin {
    /// The refresh either way.
    pub fn id(self) -> RefreshId {
        match self {
            Begin::Start(id) | Begin::Join(id) => id,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Running {
    id: RefreshId,
    /// The token generation when it began.
    generation: u64,
    /// Local time the source was asked (after the tabs' lock, if any).
    asked_at: Option<f64>,
}

/// The refresh running, if any, and how many have finished.
#[derive(Debug, Default)]
pub struct SingleFlight {
    running: Option<Running>,
    last: RefreshId,
    finished: u64,
}

impl SingleFlight {
    /// Starts a refresh from token `generation`, or joins the running one.
    pub fn begin(&mut self, generation: u64) -> Begin {
        if let Some(running) = self.running {
            return Begin::Join(running.id);
        }
        self.last += 1;
        self.running = Some(Running { id: self.last, generation, asked_at: None });
        Begin::Start(self.last)
    }

    /// The running refresh, if any.
    pub fn running(&self) -> Option<RefreshId> {
        self.running.map(|running| running.id)
    }

    /// The source is asked for refresh `id` now (local time): its timeout starts. False when `id`
    /// is no longer running (another tab's token settled it while this tab waited for the lock).
    pub fn ask(&mut self, id: RefreshId, now: f64) -> bool {
        match &mut self.running {
            Some(running) if running.id == id => {
                running.asked_at.get_or_insert(now);
                true
            }
            _ => false,
        }
    }

    /// When the running refresh times out (local time), once its source was asked.
    pub fn timeout_at(&self, timeout_ms: u32) -> Option<(RefreshId, f64)> {
        let running = self.running?;
        Some((running.id, running.asked_at? + f64::from(timeout_ms)))
    }

    /// Ends refresh `id`; the generation it started from, or `None` when it was not running.
    pub fn end(&mut self, id: RefreshId) -> Option<u64> {
        let running = self.running.filter(|running| running.id == id)?;
        self.running = None;
        self.finished += 1;
        Some(running.generation)
    }

    /// Ends whatever refresh is running (another tab's token answered it).
    pub fn end_running(&mut self) -> Option<RefreshId> {
        let id = self.running()?;
        self.end(id).map(|_| id)
    }

    /// Refreshes finished so far, however they ended: a call remembers it when it sends, to tell
    /// later whether a refresh failed after that.
    pub fn finished(&self) -> u64 {
        self.finished
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_at_a_time_numbered_from_one() {
        let mut flight = SingleFlight::default();
        assert_eq!(flight.begin(0), Begin::Start(1));
        assert_eq!(flight.begin(5), Begin::Join(1));
        assert_eq!(flight.end(1), Some(0), "the generation of the start, not of a joiner");
        assert_eq!(flight.running(), None);
        assert_eq!(flight.begin(3), Begin::Start(2));
        assert_eq!(flight.finished(), 1);
    }

    #[test]
    fn the_timeout_counts_from_when_the_source_was_asked() {
        let mut flight = SingleFlight::default();
        let id = flight.begin(0).id();
        assert_eq!(flight.timeout_at(100), None, "still waiting for the lock");
        assert!(flight.ask(id, 50.0));
        assert!(flight.ask(id, 70.0), "asking twice keeps the first moment");
        assert_eq!(flight.timeout_at(100), Some((id, 150.0)));
        assert!(!flight.ask(id + 1, 80.0), "another refresh");
        assert_eq!(flight.end_running(), Some(id));
        assert!(!flight.ask(id, 90.0), "settled while waiting for the lock");
        assert_eq!(flight.timeout_at(100), None);
    }
}
