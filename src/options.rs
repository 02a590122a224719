//! [`Options`]: how a client is configured from Rust (the JS options object maps onto it), and the
//! checks that turn options into a client's configuration. What a token callback answers is the
//! engine's [`TokenResult`].

use alloc::rc::Rc;
use alloc::{boxed::Box, string::String, vec::Vec};
use core::future::Future;

use tokenfetch_engine::event::Event;
use tokenfetch_engine::options::{RawSettings, Settings};
use tokenfetch_engine::token::Token;
use tokenfetch_engine::token_result::TokenResult;
use tokenfetch_engine::Config;
use wasm_bindgen::JsValue;

use crate::error::OptionsError;
use crate::web::host::page_href;
use crate::web::http::{origin_of, resolve};
use crate::web::source::{Source, SourceError};

/// Receives the client's events; `thrown` is what the callback threw, for `callback-error`.
pub(crate) type Sink = Rc<dyn Fn(&Event, Option<&JsValue>)>;

/// The options of a [`Client`](crate::Client): the same names, defaults and rules as the JS
/// options object.
///
/// ```no_run
/// use tokenfetch::{Client, Options, TokenResult};
/// let client = Client::new(
///     Options::new()
///         .base_url("https://api.example.com/v1/")
///         .on_token_expired(|| async { Ok(TokenResult::from(fetch_new_token().await?)) })
///         .on_event(|event| web_sys::console::log_1(&event.name().into())),
/// )?;
/// # async fn fetch_new_token() -> Result<String, wasm_bindgen::JsValue> { unimplemented!() }
/// # Ok::<(), tokenfetch::OptionsError>(())
/// ```
#[derive(Default, Clone)]
pub struct Options {
    pub(crate) token: Option<String>,
    pub(crate) source: Option<Source>,
    pub(crate) refresh_url: Option<String>,
    pub(crate) base_url: Option<String>,
    pub(crate) allowed_origins: Option<Vec<String>>,
    pub(crate) settings: RawSettings,
    pub(crate) share_across_tabs: Option<String>,
    pub(crate) on_event: Option<Sink>,
    pub(crate) dpop: bool,
}

impl core::fmt::Debug for Options {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Never the token.
        f.debug_struct("Options")
            .field("has_token", &self.token.is_some())
            .field("source", &self.source)
            .field("refresh_url", &self.refresh_url)
            .field("base_url", &self.base_url)
            .field("allowed_origins", &self.allowed_origins)
            .field("settings", &self.settings)
            .field("share_across_tabs", &self.share_across_tabs)
            .field("dpop", &self.dpop)
            .finish_non_exhaustive()
    }
}

/// A client's configuration, checked.
pub(crate) struct Checked {
    /// What the engine needs; whether tabs are shared is set once the channel opened.
    pub(crate) config: Config,
    pub(crate) initial: Option<Token>,
    pub(crate) source: Source,
    pub(crate) base_url: Option<String>,
    /// The tabs' channel name that `shareAcrossTabs` asked for.
    pub(crate) channel: Option<String>,
    pub(crate) on_event: Option<Sink>,
}

impl Options {
    /// No token, no source, the defaults.
    pub fn new() -> Options {
        Options::default()
    }

    /// The initial token, held in wasm memory only (`""` counts as none).
    pub fn token(mut self, token: impl Into<String>) -> Options {
        self.token = Some(token.into());
        self
    }

    /// Asked for a new token when one is needed (once per refresh, single-flight). An `Err` is a
    /// `callback-error`.
    pub fn on_token_expired<F, Fut>(mut self, callback: F) -> Options
    where
        F: Fn() -> Fut + 'static,
        Fut: Future<Output = Result<TokenResult, JsValue>> + 'static,
    {
        self.source = Some(Source::Callback(Rc::new(move || {
            let answer = callback();
            Box::pin(async move { answer.await.map_err(SourceError::thrown) })
        })));
        self
    }

    /// Used when there is no callback: POSTed to with `credentials: "include"` and no
    /// `Authorization`; the token is read from its JSON body (same shapes as a `TokenResult`).
    pub fn refresh_url(mut self, url: impl Into<String>) -> Options {
        self.refresh_url = Some(url.into());
        self
    }

    /// Relative request URLs resolve against it (default: the page URL).
    pub fn base_url(mut self, url: impl Into<String>) -> Options {
        self.base_url = Some(url.into());
        self
    }

    /// Origins that get the token (default: the origin of `base_url`, else the page's).
    pub fn allowed_origins<I, S>(mut self, origins: I) -> Options
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.allowed_origins = Some(origins.into_iter().map(Into::into).collect());
        self
    }

    /// Refresh when `exp - now` is at most this (default 60), or half the token's lifetime when
    /// that is shorter.
    pub fn refresh_ahead_seconds(mut self, seconds: f64) -> Options {
        self.settings.refresh_ahead_seconds = Some(seconds);
        self
    }

    /// Statuses that trigger one refresh and one retry (default `[401]`).
    pub fn refresh_on(mut self, statuses: impl IntoIterator<Item = u16>) -> Options {
        self.settings.refresh_on = Some(statuses.into_iter().map(f64::from).collect());
        self
    }

    /// A refresh slower than this counts as failed (default 10000).
    pub fn refresh_timeout_ms(mut self, ms: f64) -> Options {
        self.settings.refresh_timeout_ms = Some(ms);
        self
    }

    /// Whether a timer refreshes ahead of expiry with no request pending (default true).
    pub fn auto_refresh(mut self, on: bool) -> Options {
        self.settings.auto_refresh = Some(on);
        self
    }

    /// The scheme of the `Authorization` header (default `"Bearer"`).
    pub fn auth_scheme(mut self, scheme: impl Into<String>) -> Options {
        self.settings.auth_scheme = Some(scheme.into());
        self
    }

    /// One refresh across the tabs of this origin that use the same channel name
    /// (`shareAcrossTabs: true` is the channel `"tokenfetch"`).
    pub fn share_across_tabs(mut self, channel: impl Into<String>) -> Options {
        self.share_across_tabs = Some(channel.into());
        self
    }

    /// DPoP-bound tokens (RFC 9449): requests that get the token carry `Authorization: DPoP …` and
    /// a proof signed with the client's non-extractable key, so a copied token is useless
    /// elsewhere (default false). Needs WebCrypto, which exists only in secure contexts.
    ///
    /// ```no_run
    /// let options = tokenfetch::Options::new().dpop(true).share_across_tabs("app");
    /// # let _ = options;
    /// ```
    pub fn dpop(mut self, on: bool) -> Options {
        self.dpop = on;
        self
    }

    /// Observability; never receives the token.
    pub fn on_event(mut self, sink: impl Fn(&Event) + 'static) -> Options {
        self.on_event = Some(Rc::new(move |event, _thrown| sink(event)));
        self
    }

    /// Checks everything and resolves URLs (against the page, where there is one).
    pub(crate) fn check(self) -> Result<Checked, OptionsError> {
        let initial = Token::from_application(self.token).map_err(|e| OptionsError::type_error(e.message()))?;
        let settings = Settings::from_raw(self.settings).map_err(|e| OptionsError::range_error(e.message))?;
        let page = page_href();
        let base_url = match self.base_url {
            None => None,
            Some(base) => {
                Some(resolve(&base, page.as_deref()).ok_or(OptionsError::type_error("baseUrl is not a valid URL"))?)
            }
        };
        let base = base_url.clone().or(page);
        let source = match (self.source, self.refresh_url) {
            (Some(callback), _) => callback,
            (None, Some(url)) => Source::Url(
                resolve(&url, base.as_deref()).ok_or(OptionsError::type_error("refreshUrl is not a valid URL"))?,
            ),
            (None, None) => Source::Nothing,
        };
        let allowed_origins = match self.allowed_origins {
            Some(list) => {
                let mut origins = Vec::with_capacity(list.len());
                for entry in &list {
                    match origin_of(entry) {
                        Some(origin) if origin != "null" => origins.push(origin),
                        _ => {
                            return Err(OptionsError::type_error(
                                "allowedOrigins entries must be absolute http(s) URLs or origins",
                            ))
                        }
                    }
                }
                origins
            }
            None => base.as_deref().and_then(origin_of).filter(|origin| origin != "null").into_iter().collect(),
        };
        if self.share_across_tabs.as_deref() == Some("") {
            return Err(OptionsError::type_error("shareAcrossTabs must be a boolean or a non-empty channel name"));
        }
        if self.dpop && !crate::web::dpop::supported() {
            return Err(OptionsError::unsupported(
                "dpop needs WebCrypto's crypto.subtle, which exists only in secure contexts (https:, localhost)",
            ));
        }
        let has_source = !matches!(source, Source::Nothing);
        Ok(Checked {
            config: Config { settings, has_source, allowed_origins, dpop: self.dpop, ..Config::default() },
            initial,
            source,
            base_url,
            channel: self.share_across_tabs,
            on_event: self.on_event,
        })
    }
}
