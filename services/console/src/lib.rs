//! The DPO console: HTML pages for the processor's privacy officer and each
//! customer's DPO, served by `custodian serve` on its own listener.
//!
//! The console is a gRPC client. It has no database handle and no key: each
//! page calls the public services with the signed-in person's own token, so
//! the permission table and the services' tenant scoping stay the only place
//! access is decided. What a page *offers* (a form, a link) follows the
//! RPCs `IdentityService.WhoAmI` says the role may call.
//!
//! Rooms: [`web`] (state, sign-in extractor, layout, errors, security
//! headers), [`session`] (server-side sessions), [`view`] (the page model),
//! [`charts`] (inline SVG), [`i18n`] (English and Dutch), [`when`] (time
//! in Amsterdam, in words, and typed), [`pages`] (one
//! module per page: call the services, build sections; no HTML).

pub mod backend;
pub mod calendar;
pub mod charts;
pub mod i18n;
pub mod letters;
pub mod mail;
pub mod pages;
pub mod phrases;
pub mod session;
pub mod view;
pub mod web;
pub mod when;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};
use tokio::net::TcpListener;

pub use backend::{Backend, Service};

/// How the console runs.
#[derive(Debug, Clone)]
pub struct Settings {
    /// A session ends after this long without a request.
    pub session_idle: Duration,
    /// A session ends this long after sign-in, however busy.
    pub session_max: Duration,
    /// Mark the session cookie `Secure` (set when TLS terminates in front).
    pub secure_cookie: bool,
    /// The `Host` header values the console answers (lowercase); a request
    /// naming another host is refused (400), so a page is never served
    /// under a name an attacker chose (DNS rebinding, poisoned links).
    pub hosts: Vec<String>,
    /// Who may sign in by pasting a token.
    pub token_sign_in: TokenSignIn,
}

/// Who may sign in by pasting a token. Tokens are for machines; people
/// sign in through an OpenID Provider, and a pasted token is the first
/// administrator's way in on a fresh machine and the break-glass path.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum TokenSignIn {
    /// Every person's role while no provider is configured; none once one is.
    #[default]
    Auto,
    /// These roles (`admin`, `auditor`, `controller`), providers or not;
    /// empty: no one (`off`).
    Roles(Vec<String>),
}

impl TokenSignIn {
    /// `auto`, `off`, or a comma list of roles.
    pub fn parse(s: &str) -> Result<TokenSignIn, String> {
        match s.trim() {
            "" | "auto" => Ok(TokenSignIn::Auto),
            "off" => Ok(TokenSignIn::Roles(Vec::new())),
            list => {
                let mut roles = Vec::new();
                for r in list.split(',').map(str::trim) {
                    if !matches!(r, "admin" | "auditor" | "controller") {
                        return Err(format!(
                            "expected auto, off, or a comma list of admin, auditor, controller; got {}",
                            proto::wire::quote(r)
                        ));
                    }
                    roles.push(r.to_owned());
                }
                Ok(TokenSignIn::Roles(roles))
            }
        }
    }

    /// Whether a token of `role` may be pasted, with `providers` configured.
    pub fn allows(&self, role: &str, providers: bool) -> bool {
        match self {
            TokenSignIn::Auto => !providers,
            TokenSignIn::Roles(r) => r.iter().any(|x| x == role),
        }
    }

    /// Whether the paste form is offered at all.
    pub fn offered(&self, providers: bool) -> bool {
        match self {
            TokenSignIn::Auto => !providers,
            TokenSignIn::Roles(r) => !r.is_empty(),
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            session_idle: Duration::from_secs(30 * 60),
            session_max: Duration::from_secs(12 * 3600),
            secure_cookie: false,
            hosts: Vec::new(),
            token_sign_in: TokenSignIn::Auto,
        }
    }
}

/// Every route of the console.
pub fn router(backend: Backend, settings: &Settings) -> Router {
    let state: web::AppState = Arc::new(web::Inner {
        backend,
        sessions: session::Sessions::new(settings.session_idle, settings.session_max),
        secure_cookie: settings.secure_cookie,
        hosts: settings.hosts.clone(),
        names: std::sync::Mutex::new(None),
        token_sign_in: settings.token_sign_in.clone(),
    });
    Router::new()
        .route("/assets/console.css", get(web::css))
        .route("/assets/htmx.min.js", get(web::htmx))
        .route("/favicon.ico", get(web::favicon))
        .route(
            "/signin",
            get(pages::signin::form).post(pages::signin::submit),
        )
        .route("/signout", post(pages::signin::signout))
        .route("/signin/provider/{id}", get(pages::signin::start))
        .route("/signin/callback", get(pages::signin::callback))
        .route("/lang/{lang}", get(pages::signin::language))
        .route("/", get(pages::obligations::dashboard))
        .route("/obligations.csv", get(pages::obligations::csv))
        .merge(pages::breaches::routes())
        .merge(pages::requests::routes())
        .merge(pages::audit::routes())
        .merge(pages::subprocessors::routes())
        .merge(pages::agreements::routes())
        .merge(pages::retention::routes())
        .merge(pages::switching::routes())
        .merge(pages::reports::routes())
        .merge(pages::admin::routes())
        .merge(pages::people::routes())
        .merge(pages::calendar::routes())
        .merge(pages::notifications::routes())
        .merge(pages::company::routes())
        .fallback(web::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            web::guard,
        ))
        // gzip or Brotli, as the browser accepts (the dashboard's 68 KiB of
        // HTML travel as a few KiB). Pages carry the anti-forgery value
        // masked afresh each time, so compression cannot leak it (BREACH).
        .layer(tower_http::compression::CompressionLayer::new())
        .with_state(state)
}

/// Serves `router` on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: netguard::Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    // The cap, the first bytes and the idle limit (netguard); a request's
    // head must arrive within the first-bytes time too (hyper's header
    // read timeout), so a client dribbling headers holds nothing for long.
    let acceptor = netguard::Acceptor::new(listener, limits, "console");
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    let mut connections = tokio::task::JoinSet::new();
    loop {
        while connections.try_join_next().is_some() {}
        let (io, addr) = tokio::select! {
            r = acceptor.accept() => match r {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!(error = %e, "console: accept failed; retrying");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        // The browser's address reaches the sign-in (per-client throttling).
        let service = hyper_util::service::TowerToHyperService::new(
            router
                .clone()
                .layer(axum::Extension(axum::extract::ConnectInfo(addr))),
        );
        let mut stop = stop_rx.clone();
        connections.spawn(async move {
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.first_bytes)
                .serve_connection(TokioIo::new(io), service);
            let mut conn = std::pin::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = async { stop.wait_for(|v| *v).await.map(|_| ()) } => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
        });
    }
    let _ = stop_tx.send(true);
    while connections.join_next().await.is_some() {}
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::TokenSignIn;

    #[test]
    fn pasting_a_token_is_on_until_a_provider_is_configured_or_as_set() {
        let auto = TokenSignIn::parse("auto").unwrap();
        assert!(auto.offered(false) && auto.allows("auditor", false));
        assert!(!auto.offered(true) && !auto.allows("admin", true));
        let glass = TokenSignIn::parse(" admin ").unwrap();
        assert!(glass.offered(true) && glass.allows("admin", true));
        assert!(!glass.allows("controller", true) && !glass.allows("controller", false));
        let off = TokenSignIn::parse("off").unwrap();
        assert!(!off.offered(false) && !off.allows("admin", false));
        let e = TokenSignIn::parse("admin,owner").unwrap_err();
        assert!(e.contains("\"owner\""), "{e}");
    }
}
