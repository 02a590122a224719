//! `shareAcrossTabs`: clients of one origin and channel name refresh once for all tabs. The
//! refresh runs under a Web Lock; the new token reaches every known tab over a BroadcastChannel,
//! and each tab acknowledges it before the lock is released, so the next tab to get the lock
//! already holds the token and does not call its own callback. `clear()` clears every tab.
//! The token travels only over the same-origin channel, never into storage.
//!
//! Messages are plain objects `{ kind, from, ... }`: `hello`/`here`/`bye` (who is there),
//! `token` (a new token, acknowledged by `ack`), `cleared`.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};
use web_sys::{BroadcastChannel, MessageEvent};

use crate::engine::state::Origin;
use crate::engine::token::Token;
use crate::engine::token_result::NewToken;
use crate::web::client::Inner;
use crate::web::js::{get, js_string, now_ms, object, set_all, sleep};

/// Longest wait for the other tabs to acknowledge a new token; a tab that does not answer in
/// time (closed, frozen) is forgotten until it speaks again.
const ACK_TIMEOUT_MS: f64 = 300.0;

/// A small set of tab ids (a handful of tabs: a `Vec` is smaller in wasm than a `BTreeSet`).
#[derive(Debug, Default)]
struct Ids(Vec<String>);

impl Ids {
    fn insert(&mut self, id: String) {
        if !self.contains(&id) {
            self.0.push(id);
        }
    }

    fn remove(&mut self, id: &str) {
        self.0.retain(|known| known != id);
    }

    fn contains(&self, id: &str) -> bool {
        self.0.iter().any(|known| known == id)
    }

    fn is_subset(&self, other: &Ids) -> bool {
        self.0.iter().all(|id| other.contains(id))
    }

    fn retain(&mut self, keep: impl Fn(&str) -> bool) {
        self.0.retain(|id| keep(id));
    }

    fn len(&self) -> usize {
        self.0.len()
    }
}

/// One tab's membership of a shared channel.
pub(crate) struct Tabs {
    channel: BroadcastChannel,
    locks: JsValue,
    lock_name: String,
    id: String,
    peers: RefCell<Ids>,
    acked: RefCell<(u64, Ids)>,
    seq: Cell<u64>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
}

impl std::fmt::Debug for Tabs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tabs").field("lock_name", &self.lock_name).field("peers", &self.peers.borrow().len()).finish()
    }
}

fn message(kind: &str, from: &str, fields: &[(&str, JsValue)]) -> JsValue {
    let message = object(&[("kind", kind.into()), ("from", from.into())]);
    set_all(&message, fields);
    message.into()
}

fn number(value: JsValue) -> JsValue {
    if value.as_f64().is_some() {
        value
    } else {
        JsValue::NULL
    }
}

impl Tabs {
    /// Joins `channel`; `None` where BroadcastChannel or Web Locks are missing (the client then
    /// works as if the option were off).
    pub(crate) fn join(channel: &str, inner: Weak<Inner>) -> Option<Rc<Tabs>> {
        let locks = get(&get(&js_sys::global().into(), "navigator"), "locks");
        if !locks.is_object() {
            return None;
        }
        let mut lock_name = String::from("tokenfetch:");
        lock_name.push_str(channel);
        let broadcast = BroadcastChannel::new(&lock_name).ok()?;
        // JS's own `String(Math.random())`: Rust's float formatting would cost ~14 KB of wasm.
        let id = js_string(&JsValue::from_f64(js_sys::Math::random())).ok()?;
        let tabs = Rc::new_cyclic(|weak_tabs: &Weak<Tabs>| {
            let weak_tabs = weak_tabs.clone();
            let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                if let (Some(tabs), Some(inner)) = (weak_tabs.upgrade(), inner.upgrade()) {
                    tabs.receive(&inner, &event.data());
                }
            });
            broadcast.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
            Tabs {
                channel: broadcast,
                locks,
                lock_name,
                id,
                peers: RefCell::new(Ids::default()),
                acked: RefCell::new((0, Ids::default())),
                seq: Cell::new(0),
                _on_message: on_message,
            }
        });
        Some(tabs)
    }

    fn post(&self, kind: &str, fields: &[(&str, JsValue)]) {
        let _ = self.channel.post_message(&message(kind, &self.id, fields));
    }

    /// Announces this tab; peers answer, and hand over their token when this tab has none.
    pub(crate) fn announce(&self, has_token: bool) {
        self.post("hello", &[("hasToken", has_token.into())]);
    }

    fn token_fields(token: &Token, expires_at_ms: Option<f64>, issued_at_ms: Option<f64>) -> [(&'static str, JsValue); 3] {
        [
            ("token", token.as_str().into()),
            ("expiresAt", expires_at_ms.map_or(JsValue::NULL, JsValue::from_f64)),
            ("issuedAt", issued_at_ms.map_or(JsValue::NULL, JsValue::from_f64)),
        ]
    }

    /// Sends the current token to the other tabs without waiting (after `setToken`).
    pub(crate) fn send_token(&self, inner: &Inner) -> u64 {
        let state = inner.state.borrow();
        let Some(token) = state.token() else { return 0 };
        let seq = self.seq.get() + 1;
        self.seq.set(seq);
        *self.acked.borrow_mut() = (seq, Ids::default());
        let [a, b, c] = Self::token_fields(token, state.expires_at_ms(), state.issued_at_ms());
        self.post("token", &[a, b, c, ("seq", JsValue::from_f64(seq as f64))]);
        seq
    }

    /// Sends the current token and waits until every known tab has acknowledged it.
    pub(crate) async fn share_token(&self, inner: &Inner) {
        let seq = self.send_token(inner);
        let deadline = now_ms() + ACK_TIMEOUT_MS;
        loop {
            let all_acked = {
                let acked = self.acked.borrow();
                acked.0 == seq && self.peers.borrow().is_subset(&acked.1)
            };
            if all_acked {
                return;
            }
            if now_ms() >= deadline {
                let acked = self.acked.borrow();
                self.peers.borrow_mut().retain(|peer| acked.1.contains(peer));
                return;
            }
            sleep(5).await;
        }
    }

    /// Tells every tab to forget the token.
    pub(crate) fn send_cleared(&self) {
        self.post("cleared", &[]);
    }

    /// Leaves the channel (on `free()`).
    pub(crate) fn leave(&self) {
        self.post("bye", &[]);
        self.channel.set_onmessage(None);
        self.channel.close();
    }

    /// Runs `work` while holding the channel's Web Lock.
    pub(crate) async fn locked<F>(&self, work: F) -> bool
    where
        F: std::future::Future<Output = bool> + 'static,
    {
        let callback = Closure::once_into_js(move |_lock: JsValue| -> Promise {
            future_to_promise(async move { Ok(JsValue::from_bool(work.await)) })
        });
        let Ok(request) = get(&self.locks, "request").dyn_into::<Function>() else { return false };
        let Ok(granted) = request.call2(&self.locks, &self.lock_name.as_str().into(), &callback) else { return false };
        match JsFuture::from(Promise::from(granted)).await {
            Ok(value) => value.as_bool().unwrap_or(false),
            Err(_) => false,
        }
    }

    fn receive(&self, inner: &Rc<Inner>, data: &JsValue) {
        let (Some(kind), Some(from)) = (get(data, "kind").as_string(), get(data, "from").as_string()) else { return };
        if from == self.id {
            return;
        }
        let to_me = get(data, "to").as_string().is_none_or(|to| to == self.id);
        match kind.as_str() {
            "hello" => {
                self.peers.borrow_mut().insert(from.clone());
                let state = inner.state.borrow();
                let mut fields = vec![("to", JsValue::from_str(&from))];
                if get(data, "hasToken") == JsValue::FALSE {
                    if let Some(token) = state.token() {
                        fields.extend(Self::token_fields(token, state.expires_at_ms(), state.issued_at_ms()));
                    }
                }
                self.post("here", &fields);
            }
            "here" if to_me => {
                self.peers.borrow_mut().insert(from);
                if inner.state.borrow().token().is_none() {
                    self.adopt(inner, data);
                }
            }
            "token" => {
                self.peers.borrow_mut().insert(from.clone());
                self.adopt(inner, data);
                self.post("ack", &[("to", JsValue::from_str(&from)), ("seq", number(get(data, "seq")))]);
            }
            "ack" if to_me => {
                let seq = get(data, "seq").as_f64().unwrap_or(-1.0);
                let mut acked = self.acked.borrow_mut();
                if seq == acked.0 as f64 {
                    acked.1.insert(from);
                }
            }
            "cleared" => {
                inner.clear_local();
            }
            "bye" => {
                self.peers.borrow_mut().remove(&from);
            }
            _ => {}
        }
    }

    /// Installs a token another tab sent, unless it is the one already held.
    fn adopt(&self, inner: &Rc<Inner>, data: &JsValue) {
        let Some(text) = get(data, "token").as_string() else { return };
        let Ok(token) = Token::parse(text) else { return };
        let mut new = NewToken::from_token(token);
        if let Some(expires_at) = get(data, "expiresAt").as_f64() {
            new.expires_at_ms = Some(expires_at);
        }
        {
            // The same token, or one that expires sooner than ours (a tab that started with an
            // old token), is not worth taking.
            let state = inner.state.borrow();
            if state.token() == Some(&new.token) {
                return;
            }
            if let (Some(ours), Some(theirs)) = (state.expires_at_ms(), new.expires_at_ms) {
                if theirs < ours {
                    return;
                }
            }
        }
        let expires_at_ms = new.expires_at_ms;
        inner.install(new, Origin::Refresh);
        inner.events.refreshed_from_tab(expires_at_ms);
    }
}
