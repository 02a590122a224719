//! The `onEvent` stream: plain `{ type, ... }` objects that never carry the token.

use js_sys::Function;
use wasm_bindgen::prelude::*;

use crate::web::js::{call_quietly, object, set_all};

/// What started a refresh; the `trigger` field of `refresh-start`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Trigger {
    /// A request found the token missing or about to expire.
    Expiry,
    /// A response status in `refreshOn`.
    Status,
    /// The proactive timer.
    Timer,
    /// `client.refresh()`.
    Manual,
}

impl Trigger {
    fn name(self) -> &'static str {
        match self {
            Trigger::Expiry => "expiry",
            Trigger::Status => "status",
            Trigger::Timer => "timer",
            Trigger::Manual => "manual",
        }
    }
}

/// Sends events to the application's `onEvent`, if any.
#[derive(Debug)]
pub(crate) struct Events {
    sink: Option<Function>,
}

fn expiry(expires_at_ms: Option<f64>) -> JsValue {
    expires_at_ms.map_or(JsValue::NULL, JsValue::from_f64)
}

impl Events {
    pub fn new(sink: Option<Function>) -> Events {
        Events { sink }
    }

    fn emit(&self, kind: &str, fields: &[(&str, JsValue)]) {
        let Some(sink) = &self.sink else { return };
        let event = object(&[("type", kind.into())]);
        set_all(&event, fields);
        call_quietly(sink, &event, "tokenfetch: onEvent threw");
    }

    pub fn token_set(&self, expires_at_ms: Option<f64>) {
        self.emit("token-set", &[("expiresAt", expiry(expires_at_ms))]);
    }

    pub fn refresh_start(&self, trigger: Trigger) {
        self.emit("refresh-start", &[("trigger", trigger.name().into())]);
    }

    pub fn refreshed(&self, expires_at_ms: Option<f64>) {
        self.emit("refreshed", &[("expiresAt", expiry(expires_at_ms))]);
    }

    /// A token another tab refreshed, received over the shared channel.
    pub fn refreshed_from_tab(&self, expires_at_ms: Option<f64>) {
        self.emit("refreshed", &[("expiresAt", expiry(expires_at_ms)), ("fromTab", JsValue::TRUE)]);
    }

    /// `status` for a `refreshUrl` answer that was not 2xx; `error` for what a callback threw.
    pub fn refresh_failed(&self, reason: &str, status: Option<u16>, error: Option<JsValue>) {
        let mut fields = vec![("reason", JsValue::from_str(reason))];
        if let Some(status) = status {
            fields.push(("status", JsValue::from(status)));
        }
        if let Some(error) = error {
            fields.push(("error", error));
        }
        self.emit("refresh-failed", &fields);
    }

    pub fn retry(&self, status: u16) {
        self.emit("retry", &[("status", JsValue::from(status))]);
    }

    pub fn cleared(&self) {
        self.emit("cleared", &[]);
    }
}
