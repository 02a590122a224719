//! The client's one host timer, armed for the instant the engine's
//! [`poll_timeout`](tokenfetch_engine::Engine::poll_timeout) names, and the page events after which
//! timers may have been throttled or the machine may have slept (`visibilitychange`, `pageshow`,
//! `online`). Neither decides anything: the engine plans every deadline.
//!
//! The timer is a `setTimeout` cleared on drop, as gloo-timers' `Timeout` is, written here:
//! gloo-timers needs `js-sys` and `wasm-bindgen` with their `std` feature, and linking `std` into
//! the package's `no_std` module costs 1.9 KB gzip of the page download (measured: 32,847 B
//! against 30,404 B).

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::cell::{Cell, RefCell};

use wasm_bindgen::prelude::*;

use crate::web::host::{get, global, global_call, invoke, page_visible, Callback};

/// A `setTimeout` that is cleared when dropped.
#[derive(Debug)]
struct Timeout {
    id: JsValue,
    _callback: Callback,
}

impl Timeout {
    /// Calls `callback` once after `ms`, through the one closure type the crate hands to JS.
    fn new(ms: u32, callback: Box<dyn FnOnce()>) -> Timeout {
        let callback: Callback = Closure::once(move |_: JsValue| {
            callback();
            Ok(())
        });
        let id = global_call("setTimeout", callback.as_ref(), &JsValue::from(ms)).unwrap_or(JsValue::UNDEFINED);
        Timeout { id, _callback: callback }
    }
}

impl Drop for Timeout {
    fn drop(&mut self) {
        let _ = global_call("clearTimeout", &self.id, &JsValue::UNDEFINED);
    }
}

/// The client's timer: one pending `setTimeout` at a time, cancelled when re-armed or dropped.
#[derive(Debug, Default)]
pub(crate) struct Timer {
    timeout: RefCell<Option<Timeout>>,
    /// The instant it is armed for (local ms), to leave it alone when the plan did not change.
    at: Cell<Option<f64>>,
}

impl Timer {
    /// Calls `fire` at `at` (local ms since the epoch; `now` is the time now), or never (`None`),
    /// cancelling what was armed before unless it was armed for the same instant.
    pub(crate) fn arm(&self, at: Option<f64>, now: f64, fire: impl FnOnce() + 'static) {
        if self.at.replace(at) == at {
            return;
        }
        // `setTimeout` takes whole ms up to 2^31 - 1; the engine never plans further than a slice.
        let timeout = at.map(|at| Timeout::new((at - now).clamp(0.0, 2_147_483_647.0) as u32, Box::new(fire)));
        drop(self.timeout.replace(timeout));
    }

    /// The timer fired: it is armed for nothing until the next [`Timer::arm`] (which drops the
    /// spent one).
    pub(crate) fn fired(&self) {
        self.at.set(None);
    }
}

/// Where the listener was added (target and event), and the listener.
type Listening = (Vec<(JsValue, &'static str)>, Callback);

/// Listeners for the page coming back (one closure on every target that has the event);
/// removed by [`WakeUps::stop`].
#[derive(Debug, Default)]
pub(crate) struct WakeUps(RefCell<Option<Listening>>);

impl WakeUps {
    /// Calls `on_wake(visible)` whenever the page is shown or hidden, restored from the
    /// back/forward cache, or back online (where the host has such events).
    pub(crate) fn listen(on_wake: impl Fn(bool) + 'static) -> WakeUps {
        let global = global();
        let listener = Callback::new(move |_| {
            on_wake(page_visible());
            Ok(())
        });
        let mut targets = Vec::new();
        for (target, event) in
            [(get(&global, "document"), "visibilitychange"), (global.clone(), "pageshow"), (global, "online")]
        {
            if invoke(&target, "addEventListener", &JsValue::from_str(event), listener.as_ref()).is_ok() {
                targets.push((target, event));
            }
        }
        WakeUps(RefCell::new(Some((targets, listener))))
    }

    /// Removes the listeners.
    pub(crate) fn stop(&self) {
        let Some((targets, listener)) = self.0.take() else { return };
        for (target, event) in targets {
            let _ = invoke(&target, "removeEventListener", &JsValue::from_str(event), listener.as_ref());
        }
    }
}
