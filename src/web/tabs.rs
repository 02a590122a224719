//! The cross-tab channel of `shareAcrossTabs`: a `BroadcastChannel` carrying the engine's
//! [`Message`]s as plain objects, and the Web Lock a refresh runs under. Without either API the
//! channel does not open and the client works as if the option were off.

use alloc::rc::Rc;
use alloc::string::String;
use core::cell::RefCell;

use js_sys::{Function, Object, Promise};
use tokenfetch_engine::tabs::{Message, Shared, TabId};
use tokenfetch_engine::token::Token;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::web::host::{construct, get, global, invoke, set};
use crate::web::signal::{first_of, Signal};

/// One tab's end of a shared channel.
pub(crate) struct Channel {
    channel: JsValue,
    locks: JsValue,
    name: String,
    _on_message: Closure<dyn FnMut(JsValue)>,
}

impl core::fmt::Debug for Channel {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Channel").field("name", &self.name).finish()
    }
}

/// Holds a Web Lock until dropped.
#[derive(Debug)]
pub(crate) struct LockGuard(Rc<RefCell<Option<Function>>>);

impl Drop for LockGuard {
    fn drop(&mut self) {
        if let Some(release) = self.0.take() {
            let _ = crate::web::host::call(&release, &JsValue::UNDEFINED, &JsValue::UNDEFINED, &JsValue::UNDEFINED);
        }
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
        let on_message = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
            if let Some(message) = decode(&get(&event, "data")) {
                on_message(message);
            }
        });
        set(&broadcast, "onmessage", on_message.as_ref());
        Some(Channel { channel: broadcast, locks, name, _on_message: on_message })
    }

    /// Posts `message` to the other tabs.
    pub(crate) fn post(&self, message: &Message) {
        let _ = invoke(&self.channel, "postMessage", &encode(message), &JsValue::UNDEFINED);
    }

    /// Waits for the channel's Web Lock; `None` when the request fails (the refresh then runs
    /// without it rather than not at all).
    pub(crate) async fn lock(&self) -> Option<LockGuard> {
        let granted = Rc::new(Signal::default());
        let release = Rc::new(RefCell::new(None::<Function>));
        let (on_grant, keep) = (Rc::clone(&granted), Rc::clone(&release));
        // The lock is held until the promise this callback returns settles: on `LockGuard::drop`.
        let callback = Closure::once_into_js(move |_lock: JsValue| {
            Promise::new(&mut |resolve, _reject| {
                keep.replace(Some(resolve));
                on_grant.fire(());
            })
        });
        let requested = invoke(&self.locks, "request", &JsValue::from_str(&self.name), &callback).ok()?;
        // The request's own promise settles before the grant only when it failed.
        match first_of(granted.wait(), JsFuture::from(requested.unchecked_into::<Promise>())).await {
            Ok(()) => Some(LockGuard(release)),
            Err(_) => None,
        }
    }

    /// Leaves the channel.
    pub(crate) fn close(&self) {
        set(&self.channel, "onmessage", &JsValue::NULL);
        let _ = invoke(&self.channel, "close", &JsValue::UNDEFINED, &JsValue::UNDEFINED);
    }
}

fn number(value: f64) -> JsValue {
    JsValue::from_f64(value)
}

fn optional(value: Option<f64>) -> JsValue {
    value.map_or(JsValue::NULL, JsValue::from_f64)
}

/// A message as a plain object `{ kind, from, ... }`.
fn encode(message: &Message) -> JsValue {
    let object: JsValue = Object::new().into();
    set(&object, "kind", &JsValue::from_str(message.kind()));
    set(&object, "from", &number(message.from() as f64));
    let put_token = |shared: &Shared| {
        set(&object, "token", &JsValue::from_str(shared.token.as_str()));
        set(&object, "expiresAt", &optional(shared.expires_at_ms));
        set(&object, "issuedAt", &optional(shared.issued_at_ms));
    };
    match message {
        Message::Hello { has_token, .. } => set(&object, "hasToken", &JsValue::from_bool(*has_token)),
        Message::Here { to, token, .. } => {
            set(&object, "to", &number(*to as f64));
            if let Some(shared) = token {
                put_token(shared);
            }
        }
        Message::Token { seq, token, .. } => {
            set(&object, "seq", &number(f64::from(*seq)));
            put_token(token);
        }
        Message::Ack { to, seq, .. } => {
            set(&object, "to", &number(*to as f64));
            set(&object, "seq", &number(f64::from(*seq)));
        }
        Message::Cleared { signed_out, .. } => set(&object, "signedOut", &JsValue::from_bool(*signed_out)),
        Message::Bye { .. } => {}
    }
    object
}

/// A message another tab posted; `None` for anything malformed.
fn decode(data: &JsValue) -> Option<Message> {
    let id = |key: &str| -> Option<TabId> {
        let value = get(data, key).as_f64()?;
        ((0.0..9_007_199_254_740_992.0).contains(&value) && value == (value as u64) as f64).then_some(value as u64)
    };
    let seq = || get(data, "seq").as_f64().filter(|n| *n >= 0.0 && *n <= f64::from(u32::MAX)).map(|n| n as u32);
    let shared = || -> Option<Shared> {
        let token = Token::parse(get(data, "token").as_string()?).ok()?;
        Some(Shared {
            token,
            expires_at_ms: get(data, "expiresAt").as_f64(),
            issued_at_ms: get(data, "issuedAt").as_f64(),
        })
    };
    let from = id("from")?;
    Some(match get(data, "kind").as_string()?.as_str() {
        "hello" => Message::Hello { from, has_token: get(data, "hasToken").as_bool()? },
        "here" => Message::Here { from, to: id("to")?, token: shared() },
        "token" => Message::Token { from, seq: seq()?, token: shared()? },
        "ack" => Message::Ack { from, to: id("to")?, seq: seq()? },
        "cleared" => Message::Cleared { from, signed_out: get(data, "signedOut").as_bool().unwrap_or(false) },
        "bye" => Message::Bye { from },
        _ => return None,
    })
}
