//! Drives the engine: the one place that holds it, feeds it what happened, and does what it says.
//! Each concern has one owner here: the timer and wake-ups ([`Timer`], [`WakeUps`]), who waits
//! for which refresh (`settlement`), the source's answers (`ask`), the tabs' channel and lock
//! ([`Channel`]). Every decision, deadlines included, is the engine's. Engine borrows never cross
//! an `.await` or a call into application code (`onEvent`, the callback), so re-entering the
//! client from them is safe.

use alloc::rc::{Rc, Weak};
use alloc::string::String;
use core::cell::RefCell;

use js_sys::Promise;
use tokenfetch_engine::call::{Call, Head, Input, Mode, Step};
use tokenfetch_engine::dpop::Proof;
use tokenfetch_engine::event::{Event, Reason, Trigger};
use tokenfetch_engine::{Engine, Output, RefreshId};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::spawn_local;
use zeroize::Zeroizing;

use crate::error::OptionsError;
use crate::options::{Checked, Sink};
use crate::web::claims::read_claims;
use crate::web::dpop::Keys;
use crate::web::host::{construct, get, invoke, now, random_seed};
use crate::web::http::{
    discard, dpop_head, error_code, head, new_request, resolve, send, send_pristine, send_with_proof, target, Target,
};
use crate::web::signal::{first_of, promise, rejected, unless_aborted, Signal};
use crate::web::source::Source;
use crate::web::tabs::{Channel, LockGuard};
use crate::web::timer::{Timer, WakeUps};

/// How a request is authorized: `auth` in JS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Auth {
    /// The token for allowed origins, with the refresh handling (and DPoP proofs).
    Token,
    /// `auth: false`: sent exactly as given.
    Off,
    /// `auth: "proof"`: a DPoP proof and no token, to any origin.
    Proof,
}

/// A call the engine handles (it gets the token, or a proof).
#[derive(Debug)]
struct Authorized {
    call: Call,
    mode: Mode,
    /// The request as the caller described it, built by the client (never the caller's own
    /// object). One with a body is only ever sent as a copy, so every kind of body replays.
    pristine: JsValue,
}

/// What a call waits for.
#[derive(Debug)]
enum Pending {
    /// A copy to send, with this `Authorization` value (none while no token is held, and for
    /// proof-only requests), with a proof of these claims, to another URL after a redirect.
    Send(Option<Zeroizing<String>>, Option<Proof>, Option<String>),
    /// A refresh (the call's own or one it joined).
    Refresh(Rc<Signal>),
    /// The `error` member of the last response's body.
    ErrorCode(Promise),
}

/// Everything a client is, behind the handles (`Client`, the futures of its calls and refreshes).
pub(crate) struct Shared {
    engine: RefCell<Engine>,
    source: Source,
    base_url: Option<String>,
    on_event: Option<Sink>,
    /// Who waits for the latest refresh (one at a time: refreshes are single-flight).
    settlement: RefCell<Option<(RefreshId, Rc<Signal>)>>,
    timer: Timer,
    wake_ups: WakeUps,
    channel: Option<Channel>,
    /// The tabs' Web Lock while a refresh holds it.
    lock: RefCell<Option<LockGuard>>,
    /// The DPoP key ring (with `dpop`).
    keys: Option<Keys>,
}

impl core::fmt::Debug for Shared {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Shared").field("engine", &self.engine).field("source", &self.source).finish_non_exhaustive()
    }
}

impl Shared {
    /// A client from checked options: timer armed, wake-ups and the tabs' channel listening.
    pub(crate) fn start(checked: Checked) -> Rc<Shared> {
        let Checked { mut config, initial, source, base_url, channel, on_event } = checked;
        let dpop = config.dpop;
        let shared = Rc::new_cyclic(|weak: &Weak<Shared>| {
            let channel_name = channel;
            let channel = channel_name.as_deref().and_then(|name| {
                let weak = weak.clone();
                Channel::open(name, move |message| {
                    if let Some(shared) = weak.upgrade() {
                        shared.update(|engine, now| engine.handle_message(message, now));
                    }
                })
            });
            config.share_across_tabs = channel.is_some();
            config.read_claims = read_claims;
            let keys = dpop.then(|| {
                let weak = weak.clone();
                // One key per origin and channel name: the tabs' name, or the default channel's.
                Keys::new(channel_name.as_deref().unwrap_or("tokenfetch"), move |stored| {
                    if let Some(shared) = weak.upgrade() {
                        shared.update(|engine, _| engine.note_key(stored));
                    }
                })
            });
            let engine = Engine::new(config, initial, random_seed(), now());
            let weak = weak.clone();
            let wake_ups = if engine.wants_wake_ups() {
                WakeUps::listen(move |visible| {
                    if let Some(shared) = weak.upgrade() {
                        shared.update(|engine, now| engine.handle_wake_up(now, visible));
                    }
                })
            } else {
                WakeUps::default()
            };
            Shared {
                engine: RefCell::new(engine),
                source,
                base_url,
                on_event,
                settlement: RefCell::new(None),
                timer: Timer::default(),
                wake_ups,
                channel,
                lock: RefCell::new(None),
                keys,
            }
        });
        shared.drain(None);
        shared
    }

    /// Runs `change` on the engine, then does what it produced.
    pub(crate) fn update<R>(self: &Rc<Self>, change: impl FnOnce(&mut Engine, f64) -> R) -> R {
        let result = change(&mut self.engine.borrow_mut(), now());
        self.drain(None);
        result
    }

    /// Reads the engine.
    pub(crate) fn read<R>(&self, read: impl FnOnce(&Engine) -> R) -> R {
        read(&self.engine.borrow())
    }

    /// Does what the engine produced, one output at a time with no borrow held while application
    /// code runs, then arms the timer for the engine's next deadline. `thrown` is what the
    /// callback threw, for the `refresh-failed` event of the answer being handed over.
    fn drain(self: &Rc<Self>, thrown: Option<&JsValue>) {
        loop {
            let output = self.engine.borrow_mut().poll();
            let Some(output) = output else { break };
            match output {
                Output::Event(event) => self.emit(&event, thrown),
                Output::Settled { refresh, outcome } => self.settlement(refresh).fire(outcome),
                Output::Lock(refresh) => self.lock(refresh),
                Output::Ask(refresh) => self.ask(refresh),
                Output::Unlock => drop(self.lock.take()),
                Output::DropKey { delete } => {
                    if let Some(keys) = &self.keys {
                        keys.forget(delete);
                    }
                }
                Output::Post(message) => {
                    if let Some(channel) = &self.channel {
                        channel.post(&message);
                    }
                }
            }
        }
        let (at, closed) = self.read(|engine| (engine.poll_timeout(), engine.is_closed()));
        let weak = Rc::downgrade(self);
        self.timer.arm(at.filter(|_| !closed), now(), move || {
            if let Some(shared) = weak.upgrade() {
                shared.timer.fired();
                shared.update(|engine, now| engine.handle_timeout(now));
            }
        });
    }

    fn emit(&self, event: &Event, thrown: Option<&JsValue>) {
        let Some(sink) = &self.on_event else { return };
        let thrown = match event {
            Event::RefreshFailed { reason: Reason::CallbackError, .. } => thrown,
            _ => None,
        };
        sink(event, thrown);
    }

    // --- refreshes -----------------------------------------------------------------------------

    /// Resolves when refresh `id` settles, also when it has settled already.
    fn settlement(&self, id: RefreshId) -> Rc<Signal> {
        let mut settlement = self.settlement.borrow_mut();
        match &*settlement {
            Some((known, signal)) if *known == id => Rc::clone(signal),
            _ => {
                let signal = Rc::new(Signal::default());
                *settlement = Some((id, Rc::clone(&signal)));
                signal
            }
        }
    }

    /// `refresh()`: starts or joins the single-flight refresh.
    pub(crate) fn refresh(self: &Rc<Self>) -> Rc<Signal> {
        let id = self.update(|engine, now| engine.refresh(Trigger::Manual, now)).id();
        self.settlement(id)
    }

    /// Takes the tabs' Web Lock for refresh `id` (the refresh runs without it if the request
    /// fails), and tells the engine when it is held.
    fn lock(self: &Rc<Self>, id: RefreshId) {
        let shared = Rc::clone(self);
        let granted = move |guard| {
            *shared.lock.borrow_mut() = guard;
            shared.update(|engine, now| engine.lock_granted(id, now));
        };
        match &self.channel {
            Some(channel) => channel.lock(granted),
            // The engine asks for the lock only when the channel opened.
            None => granted(None),
        }
    }

    /// Asks the source for refresh `id` on a task of its own, so it goes on when the caller that
    /// started it stops waiting, and hands its answer to the engine. Once the refresh has settled
    /// otherwise (the engine's timeout, another tab's token) the answer is not awaited, and a
    /// `refreshUrl` POST is aborted.
    fn ask(self: &Rc<Self>, id: RefreshId) {
        let shared = Rc::clone(self);
        let settled = self.settlement(id);
        spawn_local(async move {
            let none = JsValue::UNDEFINED;
            let controller = construct("AbortController", &none, &none).unwrap_or(none);
            let post = |request: &JsValue| {
                let auth = if shared.keys.is_some() { Auth::Proof } else { Auth::Off };
                shared.fetch(request, &JsValue::UNDEFINED, auth)
            };
            match first_of(shared.source.obtain(&get(&controller, "signal"), post), settled.wait()).await {
                Ok(answer) => {
                    let (answer, thrown) = match answer {
                        Ok(result) => (Ok(result), None),
                        Err(error) => (Err(error.failure), error.thrown),
                    };
                    shared.engine.borrow_mut().source_answered(id, answer, now());
                    shared.drain(thrown.as_ref());
                }
                Err(_) => {
                    let _ = invoke(&controller, "abort", &JsValue::UNDEFINED, &JsValue::UNDEFINED);
                }
            }
        });
    }

    // --- requests ------------------------------------------------------------------------------

    /// Starts a `fetch` call the way `fetch` starts one and returns the promise of its response:
    /// the request is built now (a `Request` input's body is used, `Headers` are read, an aborted
    /// signal rejects at once) and is on its way when this returns, sent or waiting for the
    /// refresh the engine asked for first. A request that gets neither the token nor a proof is
    /// the host's own `fetch`, promise and all.
    pub(crate) fn fetch(self: &Rc<Self>, input: &JsValue, init: &JsValue, auth: Auth) -> Result<Promise, JsValue> {
        let request = new_request(input, init, self.base_url.as_deref())?;
        let (url, own_authorization) = match target(&request) {
            Target::Aborted => return Err(get(&get(&request, "signal"), "reason")),
            Target::OwnAuthorization => (get(&request, "url").as_string().unwrap_or_default(), true),
            Target::Url(url) => (url, false),
        };
        let dpop = self.keys.is_some();
        let mode = match auth {
            Auth::Off => return send(&request),
            Auth::Proof if !dpop => {
                return Err(OptionsError::type_error("fetch: auth: \"proof\" needs the dpop option").into())
            }
            Auth::Proof => Mode::Proof,
            Auth::Token if !self.read(|engine| engine.authorizes(&url, false, own_authorization)) => {
                return send(&request)
            }
            Auth::Token => Mode::Token,
        };
        // The method matters for DPoP only (`htm`, and the redirect rule).
        let method = if dpop { get(&request, "method").as_string().unwrap_or_default() } else { String::new() };
        let mut call = Authorized { call: Call::new(mode, method, url), mode, pristine: request };
        let mut last = None;
        Ok(match self.advance(&mut call, Input::Start, &mut last)? {
            Some(pending) => Rc::clone(self).respond(call, pending, last),
            // The engine never ends a call before its first send.
            None => rejected(&JsValue::UNDEFINED),
        })
    }

    /// Hands `input` to the call and does what its next step says: sends a copy with the token
    /// (freeing the connection of the response it replaces), or waits for a refresh (which the
    /// engine runs through its outputs); `None` when the call is done.
    fn advance(
        self: &Rc<Self>,
        call: &mut Authorized,
        input: Input<'_>,
        last: &mut Option<JsValue>,
    ) -> Result<Option<Pending>, JsValue> {
        let step = self.update(|engine, now| call.call.next(engine, input, now));
        Ok(Some(match step {
            Step::Send { proof, to } => {
                if let Some(previous) = last.take() {
                    discard(&previous);
                }
                let authorization = match call.mode {
                    Mode::Token => self.read(Engine::authorization),
                    Mode::Proof => None,
                };
                Pending::Send(authorization, proof, to)
            }
            Step::Wait(refresh) => Pending::Refresh(self.settlement(refresh)),
            Step::ReadError => Pending::ErrorCode(error_code(last.as_ref().unwrap_or(&JsValue::UNDEFINED))),
            Step::Deliver => return Ok(None),
        }))
    }

    /// The promise of a call's response, from what it waits for: a `then` on the host's promise
    /// of each response (cheaper per request than a Rust future in a promise awaiting one), a
    /// future only while it waits for a refresh. `last` is the response that a retry or a
    /// refresh may still replace.
    fn respond(self: Rc<Self>, mut call: Authorized, pending: Pending, mut last: Option<JsValue>) -> Promise {
        match pending {
            Pending::Send(authorization, proof, to) => {
                let pristine = call.pristine.clone();
                let keys = self.keys.as_ref().map(|keys| keys.ring().clone());
                let on_response = Closure::once_into_js(move |response: JsValue| -> JsValue {
                    let next = self.on_response(&mut call, response, &mut last);
                    self.then(call, next, last)
                });
                let authorization = authorization.as_deref().map(String::as_str);
                let sent = match (proof, keys) {
                    (Some(proof), Some(ring)) => {
                        send_with_proof(&pristine, authorization, to.as_deref(), &ring, &proof, &on_response)
                    }
                    _ => send_pristine(&pristine, authorization, &on_response),
                };
                sent.unwrap_or_else(|error| rejected(&error))
            }
            Pending::ErrorCode(code) => promise(async move {
                let code = wasm_bindgen_futures::JsFuture::from(code).await.ok().and_then(|code| code.as_string());
                let next = self.advance(&mut call, Input::ErrorCode(code.as_deref()), &mut last);
                Ok(self.then(call, next, last))
            }),
            Pending::Refresh(done) => promise(async move {
                // How it ended does not matter here: the call asks the engine.
                let signal = get(&call.pristine, "signal");
                let _outcome = unless_aborted(done.wait(), &signal).await?;
                let next = self.advance(&mut call, Input::Settled, &mut last);
                Ok(self.then(call, next, last))
            }),
        }
    }

    /// What a call's promise resolves to after a step: the response the caller gets, the promise
    /// of the next step, or the rejection.
    #[inline(never)]
    fn then(
        self: Rc<Self>,
        call: Authorized,
        next: Result<Option<Pending>, JsValue>,
        last: Option<JsValue>,
    ) -> JsValue {
        match next {
            Ok(Some(next)) => self.respond(call, next, last).into(),
            Ok(None) => last.unwrap_or_default(),
            Err(error) => rejected(&error).into(),
        }
    }

    /// Hands a response to the call; `None` when the caller gets it (it is then `last`), else
    /// what the call waits for next.
    fn on_response(
        self: &Rc<Self>,
        call: &mut Authorized,
        response: JsValue,
        last: &mut Option<JsValue>,
    ) -> Result<Option<Pending>, JsValue> {
        let seen = head(&response, |status| self.read(|engine| engine.reads_challenge(status)));
        let (nonce, redirected_to) = if self.keys.is_some() { dpop_head(&response, seen.status) } else { (None, None) };
        *last = Some(response);
        let input = Input::Response(Head {
            status: seen.status,
            www_authenticate: seen.www_authenticate.as_deref(),
            date_ms: seen.date_ms,
            age: seen.age,
            dpop_nonce: nonce.as_deref(),
            redirected_to: redirected_to.as_deref(),
        });
        self.advance(call, input, last)
    }

    /// `dpopProof(method, url)`: a proof for the application's own request (no `ath`), `url`
    /// resolved as `fetch` resolves it.
    pub(crate) fn dpop_proof(self: &Rc<Self>, method: &str, url: &str) -> Result<Promise, JsValue> {
        let Some(keys) = &self.keys else {
            return Err(OptionsError::type_error("dpopProof needs the dpop option").into());
        };
        let base = self.base_url.clone().or_else(crate::web::host::page_href);
        let url = resolve(url, base.as_deref()).ok_or(OptionsError::type_error("dpopProof: url is not a valid URL"))?;
        let proof = self.engine.borrow_mut().app_proof(method, &url, now());
        let proof = proof.map_err(|error| JsValue::from(OptionsError::type_error(error.message)))?;
        Ok(keys.proof(&proof, None))
    }

    /// `dpopThumbprint()`: the key's JWK thumbprint.
    pub(crate) fn dpop_thumbprint(&self) -> Result<Promise, JsValue> {
        match &self.keys {
            Some(keys) => Ok(keys.thumbprint()),
            None => Err(OptionsError::type_error("dpopThumbprint needs the dpop option").into()),
        }
    }

    /// `free()`: forget the token, stop the timer, the wake-ups and the channel, even while
    /// requests still hold this client.
    pub(crate) fn close(self: &Rc<Self>) {
        if self.read(Engine::is_closed) {
            return;
        }
        self.update(|engine, _| engine.close());
        self.wake_ups.stop();
        drop(self.lock.take());
        if let Some(channel) = &self.channel {
            channel.close();
        }
    }
}
