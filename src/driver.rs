//! Drives the engine: the one place that holds it, feeds it what happened, and does what it says.
//! Each concern has one owner here: the timer and wake-ups ([`Timer`], [`WakeUps`]), the refreshes
//! in flight and who waits for them (`settlements`), the tabs' channel ([`Channel`]). Engine
//! borrows never cross an `.await` or a call into application code (`onEvent`, the callback), so
//! re-entering the client from them is safe.

use alloc::rc::{Rc, Weak};
use alloc::string::String;
use core::cell::{Cell, RefCell};

use tokenfetch_engine::call::{Call, Head, Input, Step};
use tokenfetch_engine::event::{Event, Reason, Trigger};
use tokenfetch_engine::{Begin, Engine, Output, RefreshId};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::spawn_local;

use crate::options::{Checked, Sink};
use crate::web::host::{get, invoke, now, page_href, parse_number, random_seed};
use crate::web::http::{discard, head, new_request, origin_of, send, ResponseHead};
use crate::web::signal::{first_of, sleep, unless_aborted, Signal};
use crate::web::source::Source;
use crate::web::tabs::Channel;
use crate::web::timer::{Timer, WakeUps};

/// Longest wait for the other tabs to acknowledge a new token before the lock is released; a tab
/// that does not answer in time (closed, frozen) is forgotten until it speaks again.
const ACK_TIMEOUT_MS: u32 = 300;

/// A request built and checked, ready to go.
#[derive(Debug)]
pub(crate) struct Prepared {
    request: JsValue,
    /// Gets the token and the refresh handling.
    authorize: bool,
}

/// Everything a client is, behind the handles (`Client`, the futures of its calls and refreshes).
pub(crate) struct Shared {
    engine: RefCell<Engine>,
    source: Source,
    timeout_ms: u32,
    base_url: Option<String>,
    on_event: Option<Sink>,
    /// What the callback of the refresh being finished threw, for its `refresh-failed` event.
    thrown: RefCell<Option<JsValue>>,
    /// Who waits for the running refresh (one at a time: refreshes are single-flight).
    settlement: RefCell<Option<(RefreshId, Rc<Signal>)>>,
    timer: Timer,
    wake_ups: WakeUps,
    channel: Option<Channel>,
    /// Fired when every tab acknowledged the token shared after a refresh.
    acked: RefCell<Rc<Signal>>,
    closed: Cell<bool>,
}

impl core::fmt::Debug for Shared {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Shared").field("engine", &self.engine).field("source", &self.source).finish_non_exhaustive()
    }
}

impl Shared {
    /// A client from checked options: timer armed, wake-ups and the tabs' channel listening.
    pub(crate) fn start(checked: Checked) -> Rc<Shared> {
        let Checked { mut config, initial, source, base_url, share_across_tabs, on_event } = checked;
        let shared = Rc::new_cyclic(|weak: &Weak<Shared>| {
            let channel = share_across_tabs.as_deref().and_then(|name| {
                let weak = weak.clone();
                Channel::open(name, move |message| {
                    if let Some(shared) = weak.upgrade() {
                        shared.update(|engine, now| engine.handle_message(message, now));
                    }
                })
            });
            config.share_across_tabs = channel.is_some();
            let timeout_ms = config.settings.refresh_timeout_ms;
            let wakes = config.settings.auto_refresh && config.has_source;
            let engine = Engine::new(config, initial, random_seed(), parse_number, now());
            let weak = weak.clone();
            let on_wake = move || {
                if let Some(shared) = weak.upgrade() {
                    shared.on_timer();
                }
            };
            Shared {
                engine: RefCell::new(engine),
                source,
                timeout_ms,
                base_url,
                on_event,
                thrown: RefCell::new(None),
                settlement: RefCell::new(None),
                timer: Timer::default(),
                wake_ups: if wakes { WakeUps::listen(on_wake) } else { WakeUps::default() },
                channel,
                acked: RefCell::new(Rc::default()),
                closed: Cell::new(false),
            }
        });
        shared.drain();
        shared
    }

    /// Runs `change` on the engine, then does what it produced.
    pub(crate) fn update<R>(self: &Rc<Self>, change: impl FnOnce(&mut Engine, f64) -> R) -> R {
        let result = change(&mut self.engine.borrow_mut(), now());
        self.drain();
        result
    }

    /// Reads the engine.
    pub(crate) fn read<R>(&self, read: impl FnOnce(&Engine) -> R) -> R {
        read(&self.engine.borrow())
    }

    /// Emits events, wakes who waits for settled refreshes, posts to the other tabs, and re-arms
    /// the timer when anything changed. One output at a time, with no borrow held while
    /// application code runs.
    fn drain(self: &Rc<Self>) {
        let mut changed = false;
        loop {
            let output = self.engine.borrow_mut().poll();
            let Some(output) = output else { break };
            match output {
                Output::Event(event) => {
                    changed |= !matches!(event, Event::Retry { .. });
                    self.emit(&event);
                }
                Output::Settled { refresh, outcome } => {
                    changed = true;
                    let waiting = self.settlement.take();
                    match waiting {
                        Some((id, signal)) if id == refresh => signal.fire(outcome),
                        other => drop(self.settlement.replace(other)),
                    }
                }
                Output::Post(message) => {
                    if let Some(channel) = &self.channel {
                        channel.post(&message);
                    }
                }
                Output::AllAcked => self.acked.borrow().fire(Ok(())),
            }
        }
        if changed {
            self.arm_timer();
        }
    }

    fn emit(&self, event: &Event) {
        let Some(sink) = &self.on_event else { return };
        let thrown = match event {
            Event::RefreshFailed { reason: Reason::CallbackError, .. } => self.thrown.borrow().clone(),
            _ => None,
        };
        sink(event, thrown.as_ref());
    }

    // --- the timer and wake-ups ----------------------------------------------------------------

    fn arm_timer(self: &Rc<Self>) {
        if self.closed.get() {
            return;
        }
        let delay = self.read(|engine| engine.timeout(now()));
        let weak = Rc::downgrade(self);
        self.timer.arm(delay, move || {
            if let Some(shared) = weak.upgrade() {
                shared.on_timer();
            }
        });
    }

    /// The timer fired or the page came back: refresh when due, and plan the next wake-up.
    fn on_timer(self: &Rc<Self>) {
        if let Some(refresh) = self.update(|engine, now| engine.handle_timeout(now)) {
            self.run_refresh(refresh);
        }
        self.arm_timer();
    }

    // --- refreshes -----------------------------------------------------------------------------

    /// Resolves when refresh `id` settles. Registered before any `.await`, so it cannot miss it.
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
        let begin = self.update(|engine, now| engine.refresh(Trigger::Manual, now));
        let (Begin::Start(id) | Begin::Join(id)) = begin;
        let settled = self.settlement(id);
        if let Begin::Start(id) = begin {
            self.run_refresh(id);
        }
        settled
    }

    /// Runs refresh `id` on its own task, so it goes on when the caller that started it stops
    /// waiting: under the tabs' Web Lock, ask the source (unless another tab's token arrived while
    /// waiting for the lock), hand the answer to the engine, and keep the lock until every tab has
    /// the new token.
    fn run_refresh(self: &Rc<Self>, id: RefreshId) {
        let shared = Rc::clone(self);
        spawn_local(async move {
            let _lock = match &shared.channel {
                Some(channel) => channel.lock().await,
                None => None,
            };
            if !shared.read(|engine| engine.is_running(id)) {
                return;
            }
            let answer = shared.source.obtain(shared.timeout_ms).await.map_err(|error| {
                shared.thrown.replace(error.thrown);
                error.failure
            });
            let acked = Rc::new(Signal::default());
            shared.acked.replace(Rc::clone(&acked));
            shared.update(|engine, now| engine.finish_refresh(id, answer, now));
            shared.thrown.take();
            if shared.read(Engine::awaiting_acks) && first_of(acked.wait(), sleep(ACK_TIMEOUT_MS)).await.is_err() {
                shared.update(|engine, _| engine.acks_timed_out());
            }
        });
    }

    // --- requests ------------------------------------------------------------------------------

    /// Builds the request now, as `fetch` does (a `Request` input's body is used, `Headers` are
    /// read, an aborted signal rejects at once), and decides whether it gets the token.
    pub(crate) fn prepare(&self, input: &JsValue, init: &JsValue, opted_out: bool) -> Result<Prepared, JsValue> {
        let base = self.base_url.clone().or_else(page_href);
        let request = new_request(input, init, base.as_deref())?;
        let signal = get(&request, "signal");
        if get(&signal, "aborted").as_bool() == Some(true) {
            return Err(get(&signal, "reason"));
        }
        let authorization = JsValue::from_str("Authorization");
        let own_authorization =
            invoke(&get(&request, "headers"), "has", &authorization, &JsValue::UNDEFINED)?.as_bool() == Some(true);
        let origin = get(&request, "url").as_string().and_then(|url| origin_of(&url)).unwrap_or_default();
        let authorize = self.read(|engine| engine.authorizes(&origin, opted_out, own_authorization));
        Ok(Prepared { request, authorize })
    }

    /// Sends a prepared request: untouched when it does not get the token, else step by step as
    /// the engine's [`Call`] says (at most one refresh and one retry), each send a fresh copy so
    /// every kind of body replays.
    pub(crate) async fn send(self: Rc<Self>, prepared: Prepared) -> Result<JsValue, JsValue> {
        let Prepared { request: pristine, authorize } = prepared;
        if !authorize {
            return send(&pristine).await;
        }
        let signal = get(&pristine, "signal");
        let mut call = Call::default();
        let mut last: Option<JsValue> = None;
        let mut seen = ResponseHead::default();
        let mut settled = false;
        loop {
            let input = match (&last, settled) {
                (_, true) => Input::Settled,
                (None, false) => Input::Start,
                (Some(_), false) => Input::Response(Head {
                    status: seen.status,
                    www_authenticate: seen.www_authenticate.as_deref(),
                    date_ms: seen.date_ms,
                    age: seen.age,
                }),
            };
            let step = self.update(|engine, now| call.next(engine, input, now));
            settled = false;
            match step {
                Step::Send => {
                    if let Some(previous) = last.take() {
                        discard(&previous);
                    }
                    let none = JsValue::UNDEFINED;
                    let request = invoke(&pristine, "clone", &none, &none)?;
                    if let Some(value) = self.read(Engine::authorization) {
                        let value = JsValue::from_str(&value);
                        invoke(&get(&request, "headers"), "set", &JsValue::from_str("Authorization"), &value)?;
                    }
                    let response = send(&request).await?;
                    seen = head(&response);
                    last = Some(response);
                }
                Step::Wait { refresh, run } => {
                    let done = self.settlement(refresh);
                    if run {
                        self.run_refresh(refresh);
                    }
                    // How it ended does not matter here: the call asks the engine.
                    let _outcome = unless_aborted(done.wait(), &signal).await?;
                    settled = true;
                }
                Step::Deliver => return last.ok_or(JsValue::UNDEFINED),
            }
        }
    }

    /// `free()`: forget the token, stop the timer, the wake-ups and the channel, even while
    /// requests still hold this client.
    pub(crate) fn close(self: &Rc<Self>) {
        if self.closed.replace(true) {
            return;
        }
        self.update(|engine, _| engine.close());
        self.timer.arm(None, || {});
        self.wake_ups.stop();
        if let Some(channel) = &self.channel {
            channel.close();
        }
    }
}
