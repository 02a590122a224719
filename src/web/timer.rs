//! When to wake up: the one pending timer of a client (re-armed from the engine's
//! [`timeout`](tokenfetch_engine::Engine::timeout)), and the page events after which timers may
//! have been throttled or the machine may have slept (`visibilitychange`, `pageshow`, `online`).

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::cell::RefCell;

use wasm_bindgen::prelude::*;

use crate::web::host::{get, global, invoke, page_visible, Callback, Timeout};

/// The client's timer; re-arming or dropping it cancels the previous one.
#[derive(Debug, Default)]
pub(crate) struct Timer(RefCell<Option<Timeout>>);

impl Timer {
    /// Calls `fire` after `delay_ms`, or never (`None`), cancelling what was armed before.
    pub(crate) fn arm(&self, delay_ms: Option<f64>, fire: impl FnOnce() + 'static) {
        let timeout = delay_ms.map(|ms| Timeout::new(ms as u32, Box::new(fire)));
        drop(self.0.replace(timeout));
    }
}

/// Where the listener was added (target and event), and the listener.
type Listening = (Vec<(JsValue, &'static str)>, Callback);

/// Listeners for the page coming back (one closure on every target that has the event);
/// removed by [`WakeUps::stop`].
#[derive(Debug, Default)]
pub(crate) struct WakeUps(RefCell<Option<Listening>>);

impl WakeUps {
    /// Calls `on_wake` whenever the page is shown, restored from the back/forward cache, or back
    /// online (where the host has such events).
    pub(crate) fn listen(on_wake: impl Fn() + 'static) -> WakeUps {
        let global = global();
        let listener = Callback::new(move |_| {
            if page_visible() {
                on_wake();
            }
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
