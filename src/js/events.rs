//! The `onEvent` stream for JS: each engine [`Event`] as a plain `{ type, ... }` object that never
//! carries the token, delivered so that a throwing listener cannot disturb the client.

use js_sys::Object;
use tokenfetch_engine::event::Event;
use wasm_bindgen::prelude::*;

use crate::options::Sink;
use crate::web::host::{call, get, global, invoke, set};

/// A sink that hands each event to `listener`; what it throws goes to `console.error`.
pub(crate) fn sink(listener: JsValue) -> Sink {
    alloc::rc::Rc::new(move |event: &Event, thrown: Option<&JsValue>| {
        let none = JsValue::UNDEFINED;
        if let Err(error) = call(&listener, &none, &object(event, thrown), &none) {
            let message = JsValue::from_str("tokenfetch: onEvent threw");
            let _ = invoke(&get(&global(), "console"), "error", &message, &error);
        }
    })
}

fn expiry(expires_at_ms: Option<f64>) -> JsValue {
    expires_at_ms.map_or(JsValue::NULL, JsValue::from_f64)
}

/// `{ type, ...fields }`; `thrown` is what a callback threw, for `callback-error`.
pub(crate) fn object(event: &Event, thrown: Option<&JsValue>) -> JsValue {
    let object: JsValue = Object::new().into();
    set(&object, "type", &JsValue::from_str(event.name()));
    match *event {
        Event::TokenSet { expires_at_ms } => set(&object, "expiresAt", &expiry(expires_at_ms)),
        Event::RefreshStart { trigger } => set(&object, "trigger", &JsValue::from_str(trigger.name())),
        Event::Refreshed { expires_at_ms, from_tab } => {
            set(&object, "expiresAt", &expiry(expires_at_ms));
            if from_tab {
                set(&object, "fromTab", &JsValue::TRUE);
            }
        }
        Event::RefreshFailed { reason, status } => {
            set(&object, "reason", &JsValue::from_str(reason.name()));
            if let Some(status) = status {
                set(&object, "status", &JsValue::from(status));
            }
            if let Some(thrown) = thrown {
                set(&object, "error", thrown);
            }
        }
        Event::Retry { status, cause } => {
            set(&object, "status", &JsValue::from(status));
            set(&object, "cause", &JsValue::from_str(cause.name()));
        }
        Event::Cleared => {}
        Event::DpopKey { stored } => set(&object, "stored", &JsValue::from_bool(stored)),
    }
    object
}
