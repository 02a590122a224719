//! Futures resolved from Rust (an event listener, another task, the engine's outputs) instead of
//! a JS promise round trip: a one-shot [`Signal`], [`first_of`] two futures, and
//! [`unless_aborted`] for an `AbortSignal`; and the way back to JS promises ([`promise`],
//! [`rejected`]). Nothing here waits for time: deadlines are the engine's.

use alloc::boxed::Box;
use alloc::rc::Rc;
use alloc::vec::Vec;
use core::cell::{Cell, RefCell};
use core::future::{poll_fn, Future};
use core::pin::{pin, Pin};
use core::task::{Context, Poll, Waker};

use js_sys::Promise;
use tokenfetch_engine::Outcome;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::future_to_promise;

use crate::web::host::{get, invoke, static_call, Callback};

/// A value set once, and the tasks waiting for it. One type for every use (a refresh's outcome,
/// or just "it happened": `Ok(())`), so its code exists once in the wasm.
#[derive(Debug, Default)]
pub(crate) struct Signal {
    value: Cell<Option<Outcome>>,
    wakers: RefCell<Vec<Waker>>,
}

impl Signal {
    /// Sets the value (the first one wins) and wakes every waiter.
    pub(crate) fn fire(&self, value: Outcome) {
        if self.value.get().is_none() {
            self.value.set(Some(value));
            for waker in self.wakers.take() {
                waker.wake();
            }
        }
    }

    /// Resolves with the value.
    pub(crate) fn wait(self: &Rc<Self>) -> Wait {
        Wait(Rc::clone(self))
    }
}

/// The future of [`Signal::wait`].
#[derive(Debug)]
pub(crate) struct Wait(Rc<Signal>);

impl Future for Wait {
    type Output = Outcome;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Outcome> {
        if let Some(value) = self.0.value.get() {
            return Poll::Ready(value);
        }
        let mut wakers = self.0.wakers.borrow_mut();
        if !wakers.iter().any(|waker| waker.will_wake(cx.waker())) {
            wakers.push(cx.waker().clone());
        }
        Poll::Pending
    }
}

/// A promise of `future`. Every caller boxes its future to the same type, so wasm-bindgen's
/// promise adapter exists once in the wasm.
pub(crate) fn promise(future: impl Future<Output = Result<JsValue, JsValue>> + 'static) -> Promise {
    let future: Pin<Box<dyn Future<Output = Result<JsValue, JsValue>>>> = Box::pin(future);
    future_to_promise(future)
}

/// `Promise.reject(error)`.
pub(crate) fn rejected(error: &JsValue) -> Promise {
    static_call("Promise", "reject", error).unwrap_or_default().unchecked_into()
}

/// Runs both; `Ok` with `a`'s output when it finishes first, else `Err` with `b`'s. The other one
/// is dropped (cancelled).
pub(crate) async fn first_of<A: Future, B: Future>(a: A, b: B) -> Result<A::Output, B::Output> {
    let mut a = pin!(a);
    let mut b = pin!(b);
    poll_fn(|cx| {
        if let Poll::Ready(value) = a.as_mut().poll(cx) {
            return Poll::Ready(Ok(value));
        }
        b.as_mut().poll(cx).map(Err)
    })
    .await
}

/// `future`'s output, or the `AbortSignal`'s reason as soon as it aborts (as `fetch` rejects).
/// Only this caller stops waiting: the work behind `future` goes on for others.
pub(crate) async fn unless_aborted<F: Future>(future: F, signal: &JsValue) -> Result<F::Output, JsValue> {
    if get(signal, "aborted").as_bool() == Some(true) {
        return Err(get(signal, "reason"));
    }
    let aborted = Rc::new(Signal::default());
    let fire = Rc::clone(&aborted);
    let listener = Callback::new(move |_| {
        fire.fire(Ok(()));
        Ok(())
    });
    let event = JsValue::from_str("abort");
    let _ = invoke(signal, "addEventListener", &event, listener.as_ref());
    let result = first_of(future, aborted.wait()).await;
    let _ = invoke(signal, "removeEventListener", &event, listener.as_ref());
    result.map_err(|_| get(signal, "reason"))
}
