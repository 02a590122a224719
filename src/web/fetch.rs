//! `client.fetch`: build the request once, attach the token for allowed origins, and apply the
//! engine's retry policy (at most one refresh and one retry) with replayable bodies.

use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Request, RequestInit, Response, Url};
use zeroize::Zeroizing;

use crate::engine::call::{After, Before, Call};
use crate::engine::challenge::is_insufficient_scope;
use crate::engine::clock::parse_http_date;
use crate::web::client::Inner;
use crate::web::events::Trigger;
use crate::web::js::{get, global_fetch, js_string, now_ms, page_href, resolve_url, unless_aborted};

/// Sends a request through the global `fetch`; its rejection (network `TypeError`, `AbortError`)
/// reaches the caller unchanged.
async fn send(request: &Request) -> Result<JsValue, JsValue> {
    JsFuture::from(global_fetch(request)).await
}

impl Inner {
    /// `fetch(input, init)` with the token and refresh handling of the contract.
    pub(crate) async fn fetch(self: Rc<Self>, input: JsValue, init: Option<JsValue>) -> Result<JsValue, JsValue> {
        let skip_auth = init.as_ref().is_some_and(|init| get(init, "auth") == JsValue::FALSE);
        // Built once: every send is a clone of it, so any body (Blob, FormData, stream…) replays.
        let pristine = self.build_request(&input, init)?;
        if skip_auth || !self.config.is_allowed(&pristine.url()) {
            return send(&pristine).await;
        }
        let signal = pristine.signal();
        let policy = self.policy();
        let mut call = Call::default();
        loop {
            let before = call.before_send(&self.state.borrow(), &policy, self.server_now());
            match before {
                Before::Send => break,
                Before::AwaitRefresh => {
                    call.awaited_refresh();
                    let _ = unless_aborted(self.running_refresh(), &signal).await?;
                }
                Before::RefreshFirst => {
                    call.refreshed();
                    let _ = unless_aborted(self.refresh(Trigger::Expiry), &signal).await?;
                }
            }
        }
        let first = self.send_with_token(&pristine.clone()?, &mut call).await?;
        let Some(response) = first.dyn_ref::<Response>() else { return Ok(first) };
        let status = response.status();
        let decision = call.after_response(&self.state.borrow(), &policy, self.is_token_problem(response));
        match decision {
            After::Deliver => return Ok(first),
            After::RetryNow => {}
            After::RefreshThenRetry => {
                call.refreshed();
                let _ = unless_aborted(self.refresh(Trigger::Status), &signal).await?;
                let after = call.after_refresh(&self.state.borrow());
                if after == After::Deliver {
                    return Ok(first);
                }
            }
        }
        // The first answer is dropped: free its connection instead of waiting for GC.
        if let Some(body) = response.body() {
            let _ = body.cancel();
        }
        call.retried();
        self.events.retry(status);
        self.send_with_token(&pristine, &mut call).await
    }

    /// `new Request(input, init)`, with a string or URL input resolved against `baseUrl`.
    fn build_request(&self, input: &JsValue, init: Option<JsValue>) -> Result<Request, JsValue> {
        let init: RequestInit = init.map_or_else(RequestInit::new, JsCast::unchecked_into);
        if let Some(request) = input.dyn_ref::<Request>() {
            return Request::new_with_request_and_init(request, &init);
        }
        let text = match input.as_string() {
            Some(text) => text,
            None => js_string(input)?,
        };
        let base = self.config.base_url.clone().or_else(page_href);
        let url: Url = resolve_url(&text, base.as_deref())?;
        Request::new_with_str_and_init(&url.href(), &init)
    }

    /// Sends `request` with the current token (if any) and records which token went out.
    async fn send_with_token(&self, request: &Request, call: &mut Call) -> Result<JsValue, JsValue> {
        {
            let state = self.state.borrow();
            if let Some(token) = state.token() {
                // Zeroized when dropped, also on the error path: no stray copy of the token stays in memory.
                let scheme = self.config.settings.auth_scheme.as_str();
                // Sized exactly, so it never reallocates and leaves no unzeroized copy behind.
                let mut value = Zeroizing::new(String::with_capacity(scheme.len() + 1 + token.as_str().len()));
                value.push_str(scheme);
                value.push(' ');
                value.push_str(token.as_str());
                request.headers().set("Authorization", &value)?;
            }
            call.sent(&state);
        }
        let response = send(request).await?;
        if let Some(response) = response.dyn_ref::<Response>() {
            self.observe_date(response);
        }
        Ok(response)
    }

    /// Feeds the response's `Date` into the clock-skew estimate. A response with `Age` came from a
    /// cache and says nothing about the server's clock now.
    fn observe_date(&self, response: &Response) {
        let headers = response.headers();
        if headers.has("Age").unwrap_or(true) {
            return;
        }
        if let Some(date) = headers.get("Date").ok().flatten().as_deref().and_then(parse_http_date) {
            self.skew.borrow_mut().observe_date(date, now_ms());
        }
    }

    /// A status in `refreshOn` that is not an RFC 6750 `insufficient_scope` challenge.
    fn is_token_problem(&self, response: &Response) -> bool {
        self.config.settings.refresh_on.contains(&response.status())
            && !response
                .headers()
                .get("WWW-Authenticate")
                .ok()
                .flatten()
                .is_some_and(|header| is_insufficient_scope(&header))
    }
}
