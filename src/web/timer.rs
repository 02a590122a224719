//! When to wake up: the one pending timer of a client (re-armed from the engine's
//! [`timeout`](tokenfetch_engine::Engine::timeout)), and the page events after which timers may
//! have been throttled or the machine may have slept (`visibilitychange`, `pageshow`, `online`).

use alloc::rc::Rc;
use alloc::vec::Vec;
use core::cell::RefCell;

use wasm_bindgen::prelude::*;

use crate::web::host::{get, global, invoke, page_visible, Timeout};

/// The client's timer; re-arming or dropping it cancels the previous one.
#[derive(Debug, Default)]
pub(crate) struct Timer(RefCell<Option<Timeout>>);

impl Timer {
    /// Calls `fire` after `delay_ms`, or never (`None`), cancelling what was armed before.
    pub(crate) fn arm(&self, delay_ms: Option<f64>, fire: impl FnOnce() + 'static) {
        let timeout = delay_ms.map(|ms| Timeout::new(ms as u32, fire));
        drop(self.0.replace(timeout));
    }
}

/// An event listener: where, for which event, and the closure to remove.
type Listener = (JsValue, JsValue, Closure<dyn FnMut()>);

/// Listeners for the page coming back; removed by [`WakeUps::stop`].
#[derive(Debug, Default)]
pub(crate) struct WakeUps(RefCell<Vec<Listener>>);

impl WakeUps {
    /// Calls `on_wake` whenever the page is shown, restored from the back/forward cache, or back
    /// online (where the host has such events).
    pub(crate) fn listen(on_wake: Rc<dyn Fn()>) -> WakeUps {
        let global = global();
        let mut listeners = Vec::new();
        for (target, event) in
            [(get(&global, "document"), "visibilitychange"), (global.clone(), "pageshow"), (global, "online")]
        {
            if !get(&target, "addEventListener").is_function() {
                continue;
            }
            let on_wake = Rc::clone(&on_wake);
            let closure = Closure::<dyn FnMut()>::new(move || {
                if page_visible() {
                    on_wake();
                }
            });
            let event = JsValue::from_str(event);
            if invoke(&target, "addEventListener", &event, closure.as_ref()).is_ok() {
                listeners.push((target, event, closure));
            }
        }
        WakeUps(RefCell::new(listeners))
    }

    /// Removes the listeners.
    pub(crate) fn stop(&self) {
        for (target, event, closure) in self.0.take() {
            let _ = invoke(&target, "removeEventListener", &event, closure.as_ref());
        }
    }
}
