//! The cross-tab channel of `shareAcrossTabs`: a `BroadcastChannel` carrying the engine's
//! [`Message`]s as plain objects, and the Web Lock a refresh runs under. Without either API the
//! channel does not open and the client works as if the option were off.

use alloc::rc::Rc;
use alloc::string::String;
use core::cell::Cell;

use js_sys::{Function, Object, Promise, Reflect};
use tokenfetch_engine::tabs::{Message, Shared};
use tokenfetch_engine::token::Token;
use wasm_bindgen::prelude::*;

use crate::web::host::{call, construct, get, get_key, global, invoke, set, Callback};

/// One tab's end of a shared channel.
pub(crate) struct Channel {
    channel: JsValue,
    locks: JsValue,
    name: String,
    _on_message: Callback,
}

impl core::fmt::Debug for Channel {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Channel").field("name", &self.name).finish()
    }
}

/// Holds a Web Lock until dropped: the lock is held until the promise its callback returned
/// settles, and this is that promise's `resolve`.
#[derive(Debug)]
pub(crate) struct LockGuard(JsValue);

impl Drop for LockGuard {
    fn drop(&mut self) {
        let _ = call(&self.0, &JsValue::UNDEFINED, &JsValue::UNDEFINED, &JsValue::UNDEFINED);
    }
}

impl Channel {
    /// Opens `tokenfetch:<channel>`, calling `on_message` for what other tabs post; `None` where
    /// `BroadcastChannel` or `navigator.locks` is missing.
    pub(crate) fn open(channel: &str, on_message: impl Fn(Message) + 'static) -> Option<Channel> {
        let locks = get(&get(&global(), "navigator"), "locks");
        if !locks.is_object() || !get(&global(), "BroadcastChannel").is_function() {
            return None;
        }
        let mut name = String::from("tokenfetch:");
        name.push_str(channel);
        let broadcast = construct("BroadcastChannel", &JsValue::from_str(&name), &JsValue::UNDEFINED).ok()?;
        let on_message = Callback::new(move |event: JsValue| {
            if let Some(message) = decode(&get(&event, "data")) {
                on_message(message);
            }
            Ok(())
        });
        set(&broadcast, "onmessage", on_message.as_ref());
        Some(Channel { channel: broadcast, locks, name, _on_message: on_message })
    }

    /// Posts `message` to the other tabs.
    pub(crate) fn post(&self, message: &Message) {
        let _ = invoke(&self.channel, "postMessage", &encode(message), &JsValue::UNDEFINED);
    }

    /// Requests the channel's Web Lock and calls `on_lock` once it is held, or with `None` when the
    /// request fails (the refresh then runs without it rather than not at all).
    pub(crate) fn lock(&self, on_lock: impl FnOnce(Option<LockGuard>) + 'static) {
        // Called once: by the grant, or when the request's promise settles first (it does only
        // when the request failed). That promise always settles (at the latest on release), so
        // `settled` always runs and its closure is freed; after a grant it does nothing.
        let on_lock = Rc::new(Cell::new(Some(on_lock)));
        let (on_grant, on_failure) = (Rc::clone(&on_lock), on_lock);
        // Both closures have the signature of the call's response callback (one copy of the
        // closure plumbing in the wasm).
        let callback = Closure::once_into_js(move |_lock: JsValue| -> JsValue {
            // `new_typed`: the constructor binding wasm-bindgen-futures already imports.
            Promise::new_typed(&mut |resolve: Function<fn(JsValue) -> js_sys::Undefined>, _reject| {
                if let Some(on_lock) = on_grant.take() {
                    on_lock(Some(LockGuard(resolve.into())));
                }
            })
            .into()
        });
        let settled = Closure::once_into_js(move |_result: JsValue| -> JsValue {
            if let Some(on_lock) = on_failure.take() {
                on_lock(None);
            }
            JsValue::UNDEFINED
        });
        match invoke(&self.locks, "request", &JsValue::from_str(&self.name), &callback) {
            Ok(requested) => drop(invoke(&requested, "then", &settled, &settled)),
            Err(error) => drop(call(&settled, &JsValue::UNDEFINED, &error, &JsValue::UNDEFINED)),
        }
    }

    /// Leaves the channel.
    pub(crate) fn close(&self) {
        // A closed channel delivers nothing more, so its listener may stay.
        let _ = invoke(&self.channel, "close", &JsValue::UNDEFINED, &JsValue::UNDEFINED);
    }
}

/// Position of each field in a message on the wire: a plain object with numeric keys (no
/// property-name strings to build or compare).
const KIND: u32 = 0;
const FROM: u32 = 1;
/// `to` (here, ack), `hasToken` (hello), `signedOut` (cleared).
const TO_OR_FLAG: u32 = 2;
const SEQ: u32 = 3;
const TOKEN: u32 = 4;
const EXPIRES_AT: u32 = 5;
const ISSUED_AT: u32 = 6;
const BEARER: u32 = 7;

fn put(object: &JsValue, field: u32, value: &JsValue) {
    let _ = Reflect::set(object, &JsValue::from(field), value);
}

fn optional(value: Option<f64>) -> JsValue {
    value.map_or(JsValue::NULL, JsValue::from_f64)
}

/// A message as `{ 0: kind, 1: from, ... }`.
fn encode(message: &Message) -> JsValue {
    let object: JsValue = Object::new().into();
    let (kind, flag, seq, token) = match message {
        Message::Hello { has_token, .. } => (0, JsValue::from_bool(*has_token), None, None),
        Message::Here { to, token, .. } => (1, JsValue::from_f64(*to as f64), None, token.as_ref()),
        Message::Token { seq, token, .. } => (2, JsValue::UNDEFINED, Some(*seq), Some(token)),
        Message::Ack { to, seq, .. } => (3, JsValue::from_f64(*to as f64), Some(*seq), None),
        Message::Cleared { signed_out, .. } => (4, JsValue::from_bool(*signed_out), None, None),
        Message::Bye { .. } => (5, JsValue::UNDEFINED, None, None),
    };
    put(&object, KIND, &JsValue::from(kind));
    put(&object, FROM, &JsValue::from_f64(message.from() as f64));
    put(&object, TO_OR_FLAG, &flag);
    if let Some(seq) = seq {
        put(&object, SEQ, &JsValue::from(seq));
    }
    if let Some(shared) = token {
        put(&object, TOKEN, &JsValue::from_str(shared.token.as_str()));
        put(&object, EXPIRES_AT, &optional(shared.expires_at_ms));
        put(&object, ISSUED_AT, &optional(shared.issued_at_ms));
        put(&object, BEARER, &JsValue::from_bool(shared.bearer));
    }
    object
}

/// A message another tab posted; `None` for anything malformed.
fn decode(data: &JsValue) -> Option<Message> {
    let field = |index: u32| get_key(data, &JsValue::from(index));
    // A tab id or a seq: a whole number a JS number holds exactly.
    let whole = |index: u32| {
        field(index)
            .as_f64()
            .filter(|n| (0.0..9_007_199_254_740_992.0).contains(n) && *n == (*n as u64) as f64)
            .map(|n| n as u64)
    };
    let token = || {
        let token = Token::parse(field(TOKEN).as_string()?).ok()?;
        Some(Shared {
            token,
            expires_at_ms: field(EXPIRES_AT).as_f64(),
            issued_at_ms: field(ISSUED_AT).as_f64(),
            bearer: field(BEARER).as_bool() == Some(true),
        })
    };
    let from = whole(FROM)?;
    let flag = field(TO_OR_FLAG).as_bool();
    let seq = || whole(SEQ).and_then(|n| u32::try_from(n).ok());
    Some(match field(KIND).as_f64()? as u8 {
        0 => Message::Hello { from, has_token: flag? },
        1 => Message::Here { from, to: whole(TO_OR_FLAG)?, token: token() },
        2 => Message::Token { from, seq: seq()?, token: token()? },
        3 => Message::Ack { from, to: whole(TO_OR_FLAG)?, seq: seq()? },
        4 => Message::Cleared { from, signed_out: flag.unwrap_or(false) },
        5 => Message::Bye { from },
        _ => return None,
    })
}
