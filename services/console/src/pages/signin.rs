//! Sign-in, sign-out and the language switch.
//!
//! People sign in through an OpenID Provider: the console asks
//! `SignInService.BeginSignIn` for the provider's address, keeps the
//! binding value it is given in a cookie of this browser alone, sends the
//! browser to the provider, and on its return hands the code, the `state`
//! and the binding to `SignInService.CompleteSignIn`, which verifies
//! everything and mints the session's credential. The console never sees a
//! provider secret, and the browser never sees the credential.
//!
//! A pasted token (checked with `IdentityService.WhoAmI`) is for the first
//! administrator on a fresh machine and the break-glass path, only for the
//! roles `console.token_sign_in` allows (see [`crate::TokenSignIn`]).

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use proto::v1 as pb;
use serde::Deserialize;

use crate::backend::Service;
use crate::i18n::{Lang, Tr};
use crate::session::{self, Who};
use crate::view::{Body, Field, FieldKind, Form as FormV, Section, Tone};
use crate::web::{self, AppState, Signed};

#[derive(Deserialize, Default)]
pub struct SigninQuery {
    pub next: Option<String>,
    pub ended: Option<String>,
}

/// A cookie of the console. The session cookie is `SameSite=Lax`: a
/// console link opened from an e-mail or another site (a top-level GET)
/// finds the live session, while a request another site sends to change
/// something carries no cookie, and is refused by the anti-forgery token
/// and the cross-site check besides (`web::guard`). The others are Strict.
fn cookie(name: &str, value: &str, max_age: Option<u64>, secure: bool) -> String {
    let same_site = if name == session::COOKIE {
        "Lax"
    } else {
        "Strict"
    };
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite={same_site}");
    if let Some(a) = max_age {
        c.push_str(&format!("; Max-Age={a}"));
    }
    if secure {
        c.push_str("; Secure");
    }
    c
}

/// The cookie that carries a provider sign-in's binding value and the page
/// to return to, from the start to the provider's return.
pub const OIDC_COOKIE: &str = "custodian_oidc";

/// The providers to offer, and whether the token form is offered too.
pub struct Ways {
    pub providers: Vec<pb::SignInProvider>,
    pub paste: bool,
}

/// What the sign-in page offers: the configured providers, and the token
/// form where `console.token_sign_in` allows one. A service that cannot be
/// asked leaves the token form to an explicit setting.
pub async fn ways(st: &AppState) -> Ways {
    let mut c = pb::sign_in_service_client::SignInServiceClient::new(
        st.backend.channel(Service::Controllers),
    );
    match c.list_providers(pb::ListProvidersRequest {}).await {
        Ok(r) => {
            let providers = r.into_inner().providers;
            let paste = st.token_sign_in.offered(!providers.is_empty());
            Ways { providers, paste }
        }
        Err(e) => {
            tracing::warn!(error = %e, "console sign-in: the providers could not be listed");
            Ways {
                providers: Vec::new(),
                paste: matches!(&st.token_sign_in, crate::TokenSignIn::Roles(r) if !r.is_empty()),
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn signin_page(
    tr: Tr,
    headers: &HeaderMap,
    status: StatusCode,
    next: &str,
    message: Option<(Tone, &str)>,
    secure: bool,
    ways: &Ways,
) -> Response {
    // The sign-in form's own anti-forgery value: a random value in a
    // short-lived cookie and the same in the form (no one can sign a person
    // in to another's token from another site). A value the browser already
    // holds is kept, so two tabs (or a stray request) do not void a form.
    let nonce = headers
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|c| session::cookie(c, session::SIGNIN_COOKIE))
        .filter(|n| n.len() == 64 && n.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_owned)
        .unwrap_or_else(session::random_id);
    let next = web::local_path(next).unwrap_or("/");
    let mut s = Section::new(tr.t("Sign in"));
    if let Some((tone, text)) = message {
        s.push(Body::Message {
            tone,
            text: text.to_owned(),
        });
    }
    // Links, not forms: starting a sign-in changes nothing, and a form's
    // redirect to the provider would be a form action to another origin,
    // which the console's policy (`form-action 'self'`) forbids.
    if !ways.providers.is_empty() {
        s.push(Body::Links(
            ways.providers
                .iter()
                .map(|p| {
                    (
                        tr.t("Sign in with {}").replace("{}", &p.name),
                        format!("/signin/provider/{}?next={}", p.id, url_escape(next)),
                    )
                })
                .collect(),
        ));
    }
    let mut sections = vec![s];
    if ways.paste {
        let mut t = Section::new(tr.t("Sign in with a token"));
        if !ways.providers.is_empty() {
            t.push(Body::Message {
                tone: Tone::Warn,
                text: tr
                    .t("For administrators when the identity provider cannot be reached. Every use is recorded.")
                    .into(),
            });
        }
        t.push(Body::Form(FormV {
            id: "signin".into(),
            action: "/signin".into(),
            post: true,
            fields: vec![
                Field::new("token", tr.t("API token"), FieldKind::Text)
                    .required()
                    .help(tr.t("Paste the token you were given once. The console keeps it on the server for this session only; your browser holds a session cookie and nothing else.")),
                Field::new("next", "", FieldKind::Hidden).value(next),
            ],
            submit: tr.t("Sign in").into(),
        }));
        sections.push(t);
    } else if ways.providers.is_empty() {
        sections[0].push(Body::Message {
            tone: Tone::Bad,
            text: tr
                .t("No way to sign in is configured. Ask the processor's administrator.")
                .into(),
        });
    }
    let mut r = web::public_page(tr, status, tr.t("Sign in"), &nonce, &sections);
    if let Ok(v) = cookie(session::SIGNIN_COOKIE, &nonce, Some(900), secure).parse() {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

pub async fn form(
    State(st): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<SigninQuery>,
) -> Response {
    let tr = Tr(web::lang_of(&headers));
    if q.next
        .as_deref()
        .is_some_and(|n| web::local_path(n).is_none())
    {
        return bad_return(tr);
    }
    let msg = q
        .ended
        .is_some()
        .then(|| (Tone::Warn, tr.t("Your session has ended. Sign in again.")));
    let ways = ways(&st).await;
    signin_page(
        tr,
        &headers,
        StatusCode::OK,
        q.next.as_deref().unwrap_or("/"),
        msg,
        st.secure_cookie,
        &ways,
    )
}

#[derive(Deserialize)]
pub struct SigninForm {
    pub token: String,
    #[serde(default)]
    pub next: String,
    #[serde(default)]
    pub csrf: String,
}

/// Whether the sign-in form's anti-forgery value is this browser's.
fn form_nonce_ok(headers: &HeaderMap, submitted: &str) -> bool {
    let cookies = headers
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    session::cookie(cookies, session::SIGNIN_COOKIE).is_some_and(|n| {
        !submitted.is_empty()
            && subtle::ConstantTimeEq::ct_eq(n.as_bytes(), submitted.as_bytes()).into()
    })
}

/// The browser's address, for the services' throttling of failed sign-ins.
fn client_header<T>(
    req: &mut tonic::Request<T>,
    client: &Option<axum::Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>,
) {
    if let Some(axum::Extension(axum::extract::ConnectInfo(addr))) = client
        && let Ok(v) = addr.ip().to_string().parse()
    {
        req.metadata_mut().insert("x-custodian-client", v);
    }
}

pub async fn submit(
    State(st): State<AppState>,
    client: Option<axum::Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>,
    headers: HeaderMap,
    Form(f): Form<SigninForm>,
) -> Response {
    let tr = Tr(web::lang_of(&headers));
    let ways = ways(&st).await;
    let page = |status, text: &str| {
        signin_page(
            tr,
            &headers,
            status,
            &f.next,
            Some((Tone::Bad, text)),
            st.secure_cookie,
            &ways,
        )
    };
    if !form_nonce_ok(&headers, &f.csrf) {
        return page(
            StatusCode::FORBIDDEN,
            tr.t("The form has expired. Go back, reload the page and try again."),
        );
    }
    let token = f.token.trim().to_owned();
    if !ways.paste {
        return page(
            StatusCode::FORBIDDEN,
            tr.t("Signing in with a token is switched off. Sign in with your organisation's account."),
        );
    }
    if token.is_empty() || token.len() > 512 || token.parse::<http::HeaderValue>().is_err() {
        return page(
            StatusCode::UNAUTHORIZED,
            tr.t("The token was not accepted."),
        );
    }
    let mut c = pb::identity_service_client::IdentityServiceClient::new(
        st.backend.channel(Service::Identity),
    );
    let mut req = session::with_token(&token, pb::WhoAmIRequest {});
    // Failed sign-ins are throttled per browser, not per console: the
    // services key them on this address when the call comes from loopback.
    client_header(&mut req, &client);
    let who = match c.who_am_i(req).await {
        Ok(r) => r.into_inner(),
        Err(e) if e.code() == tonic::Code::ResourceExhausted => {
            return page(
                StatusCode::TOO_MANY_REQUESTS,
                tr.t("Too many failed sign-ins from your address. Wait a minute, then try again."),
            );
        }
        Err(e)
            if e.code() == tonic::Code::Unauthenticated
                || e.code() == tonic::Code::PermissionDenied =>
        {
            return page(
                StatusCode::UNAUTHORIZED,
                tr.t("The token was not accepted."),
            );
        }
        Err(e) => {
            tracing::warn!(error = %e, "console sign-in: WhoAmI failed");
            return page(StatusCode::SERVICE_UNAVAILABLE, tr.t("Service unavailable"));
        }
    };
    // Machines' roles (service, worker, peer) have no pages to see.
    if !matches!(who.role.as_str(), "admin" | "auditor" | "controller") {
        return page(
            StatusCode::UNAUTHORIZED,
            tr.t("This token's role cannot use the console."),
        );
    }
    if !st
        .token_sign_in
        .allows(&who.role, !ways.providers.is_empty())
    {
        return page(
            StatusCode::FORBIDDEN,
            tr.t("Signing in with a token is switched off. Sign in with your organisation's account."),
        );
    }
    // The sign-in is audited as the person; a console that cannot record
    // it does not sign anyone in.
    let mut audit =
        pb::audit_service_client::AuditServiceClient::new(st.backend.channel(Service::Audit));
    let rec = session::with_token(
        &token,
        pb::RecordConsoleSessionRequest {
            event: "sign_in".into(),
        },
    );
    if let Err(e) = audit.record_console_session(rec).await {
        tracing::warn!(error = %e, "console sign-in: the audit entry could not be written");
        return page(StatusCode::SERVICE_UNAVAILABLE, tr.t("Service unavailable"));
    }
    establish(&st, token, who, String::new(), &f.next, None).await
}

/// Starts a session for `token` (who it is, as `WhoAmI` answered) and
/// sends the browser on to `next`; `person` is the person of a provider's
/// sign-in, `lang` the language to switch the console to.
async fn establish(
    st: &AppState,
    token: String,
    who: pb::WhoAmIResponse,
    person: String,
    next: &str,
    lang: Option<Lang>,
) -> Response {
    // The customer's name for the header (a page never shows its id).
    let mut tenant_name = String::new();
    if !who.tenant_id.is_empty() {
        let mut c = pb::controller_service_client::ControllerServiceClient::new(
            st.backend.channel(Service::Controllers),
        );
        let get = session::with_token(
            &token,
            pb::GetControllerRequest {
                id: who.tenant_id.clone(),
            },
        );
        match c.get_controller(get).await {
            Ok(r) => tenant_name = r.into_inner().legal_name,
            Err(e) => {
                tracing::warn!(error = %e, "console sign-in: the tenant's name could not be read")
            }
        }
    }
    let id = st.sessions.create(
        token,
        Who {
            token_id: who.token_id,
            name: who.name,
            role: who.role,
            tenant: who.tenant_id,
            tenant_name,
            allowed: who.allowed_methods,
            person,
        },
    );
    let mut r = Redirect::to(web::local_path(next).unwrap_or("/")).into_response();
    let h = r.headers_mut();
    if let Ok(v) = cookie(session::COOKIE, &id, None, st.secure_cookie).parse() {
        h.append(header::SET_COOKIE, v);
    }
    if let Ok(v) = cookie(session::SIGNIN_COOKIE, "", Some(0), st.secure_cookie).parse() {
        h.append(header::SET_COOKIE, v);
    }
    if let Some(l) = lang
        && let Ok(v) = cookie(
            session::LANG_COOKIE,
            l.code(),
            Some(365 * 86_400),
            st.secure_cookie,
        )
        .parse()
    {
        h.append(header::SET_COOKIE, v);
    }
    r
}

/// A service's refusal as a sentence on its own: capitalised, with a stop.
fn sentence(s: &str) -> String {
    let mut c = s.chars();
    let mut out: String = match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => return String::new(),
    };
    if !out.ends_with('.') {
        out.push('.');
    }
    out
}

/// `next` as a query value.
fn url_escape(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[derive(Deserialize, Default)]
pub struct StartQuery {
    #[serde(default)]
    pub next: String,
}

/// Begins a sign-in at provider `id`: the browser goes to the provider,
/// carrying nothing but a cookie with the binding value and where to return.
/// A GET, like the link that leads here: it changes nothing but this
/// browser's own attempt (a page elsewhere that sends a browser here only
/// has that person sign in as themself).
pub async fn start(
    State(st): State<AppState>,
    client: Option<axum::Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>,
    headers: HeaderMap,
    Path(provider): Path<String>,
    Query(f): Query<StartQuery>,
) -> Response {
    let tr = Tr(web::lang_of(&headers));
    let ways = ways(&st).await;
    let page = |status, text: &str| {
        signin_page(
            tr,
            &headers,
            status,
            &f.next,
            Some((Tone::Bad, text)),
            st.secure_cookie,
            &ways,
        )
    };
    if web::local_path(&f.next).is_none() && !f.next.is_empty() {
        return bad_return(tr);
    }
    // The callback address people reach this console at (the `Host` was
    // checked against console.hosts before this handler ran).
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost");
    let scheme = if st.secure_cookie { "https" } else { "http" };
    let mut c = pb::sign_in_service_client::SignInServiceClient::new(
        st.backend.channel(Service::Controllers),
    );
    let mut req = tonic::Request::new(pb::BeginSignInRequest {
        provider,
        redirect_uri: format!("{scheme}://{host}/signin/callback"),
    });
    client_header(&mut req, &client);
    let begun = match c.begin_sign_in(req).await {
        Ok(r) => r.into_inner(),
        Err(e) => {
            let status = match e.code() {
                tonic::Code::InvalidArgument => StatusCode::NOT_FOUND,
                tonic::Code::ResourceExhausted => StatusCode::TOO_MANY_REQUESTS,
                _ => StatusCode::SERVICE_UNAVAILABLE,
            };
            return page(status, &sentence(&crate::phrases::say(tr, e.message())));
        }
    };
    let next = web::local_path(&f.next).unwrap_or("/");
    let value = format!("{}.{}", begun.binding, hex::encode(next));
    let mut r = Redirect::to(&begun.authorization_url).into_response();
    // Lax: the provider sends the browser back with a top-level GET from
    // its own site, which a Strict cookie would not accompany.
    if let Ok(v) = format!(
        "{OIDC_COOKIE}={value}; Path=/signin/callback; HttpOnly; SameSite=Lax; Max-Age=900{}",
        if st.secure_cookie { "; Secure" } else { "" }
    )
    .parse()
    {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

#[derive(Deserialize, Default)]
pub struct CallbackQuery {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub error: String,
}

/// The provider's return: completes the sign-in and starts the session.
pub async fn callback(
    State(st): State<AppState>,
    client: Option<axum::Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>,
    headers: HeaderMap,
    Query(q): Query<CallbackQuery>,
) -> Response {
    let tr = Tr(web::lang_of(&headers));
    let ways = ways(&st).await;
    let cookies = headers
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let (binding, next) = session::cookie(cookies, OIDC_COOKIE)
        .and_then(|v| v.split_once('.'))
        .map(|(b, n)| {
            let next = hex::decode(n)
                .ok()
                .and_then(|n| String::from_utf8(n).ok())
                .filter(|n| web::local_path(n).is_some())
                .unwrap_or_else(|| "/".into());
            (b.to_owned(), next)
        })
        .unwrap_or_default();
    let page = |status, text: &str| {
        let mut r = signin_page(
            tr,
            &headers,
            status,
            &next,
            Some((Tone::Bad, text)),
            st.secure_cookie,
            &ways,
        );
        if let Ok(v) = format!("{OIDC_COOKIE}=; Path=/signin/callback; Max-Age=0").parse() {
            r.headers_mut().append(header::SET_COOKIE, v);
        }
        r
    };
    let mut c = pb::sign_in_service_client::SignInServiceClient::new(
        st.backend.channel(Service::Controllers),
    );
    let mut req = tonic::Request::new(pb::CompleteSignInRequest {
        state: q.state,
        code: q.code,
        binding,
        error: q.error,
    });
    client_header(&mut req, &client);
    let done = match c.complete_sign_in(req).await {
        Ok(r) => r.into_inner(),
        Err(e) => {
            let status = match e.code() {
                tonic::Code::ResourceExhausted => StatusCode::TOO_MANY_REQUESTS,
                tonic::Code::FailedPrecondition | tonic::Code::InvalidArgument => {
                    StatusCode::BAD_REQUEST
                }
                tonic::Code::PermissionDenied => StatusCode::FORBIDDEN,
                _ => StatusCode::SERVICE_UNAVAILABLE,
            };
            return page(status, &sentence(&crate::phrases::say(tr, e.message())));
        }
    };
    let mut who = pb::identity_service_client::IdentityServiceClient::new(
        st.backend.channel(Service::Identity),
    );
    let me = match who
        .who_am_i(session::with_token(
            &done.session_token,
            pb::WhoAmIRequest {},
        ))
        .await
    {
        Ok(r) => r.into_inner(),
        Err(e) => {
            tracing::warn!(error = %e, "console sign-in: WhoAmI failed for a new session");
            return page(StatusCode::SERVICE_UNAVAILABLE, tr.t("Service unavailable"));
        }
    };
    let person = done.person.unwrap_or_default();
    let lang = Lang::parse(&person.language);
    let mut r = establish(&st, done.session_token, me, person.id, &next, lang).await;
    if let Ok(v) = format!("{OIDC_COOKIE}=; Path=/signin/callback; Max-Age=0").parse() {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    pub csrf: String,
}

pub async fn signout(State(st): State<AppState>, me: Signed, Form(f): Form<CsrfOnly>) -> Response {
    if let Err(e) = web::check_csrf(&me, &f.csrf) {
        return e.render(&me);
    }
    // Audited as the person; the session ends whatever the answer. A
    // provider's session also ends its credential.
    if me.s.who.person.is_empty() {
        let mut audit =
            pb::audit_service_client::AuditServiceClient::new(st.backend.channel(Service::Audit));
        if let Err(e) = audit
            .record_console_session(me.s.req(pb::RecordConsoleSessionRequest {
                event: "sign_out".into(),
            }))
            .await
        {
            tracing::warn!(error = %e, "console sign-out: the audit entry could not be written");
        }
    } else {
        let mut c = pb::sign_in_service_client::SignInServiceClient::new(
            st.backend.channel(Service::Controllers),
        );
        if let Err(e) = c.end_session(me.s.req(pb::EndSessionRequest {})).await {
            tracing::warn!(error = %e, "console sign-out: the session's credential could not be ended");
        }
    }
    st.sessions.remove(&me.s.id);
    let mut r = Redirect::to("/signin").into_response();
    if let Ok(v) = cookie(session::COOKIE, "", Some(0), st.secure_cookie).parse() {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

#[derive(Deserialize)]
pub struct Back {
    pub back: Option<String>,
}

/// 400 for a return address that is not a plain local path.
fn bad_return(tr: Tr) -> Response {
    let s = Section::new(tr.t("Not done")).with(Body::Message {
        tone: Tone::Bad,
        text: tr
            .t("The address to return to is not a page of this console.")
            .into(),
    });
    web::public_page(tr, StatusCode::BAD_REQUEST, tr.t("Not done"), "", &[s])
}

pub async fn language(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(lang): Path<String>,
    Query(q): Query<Back>,
) -> Response {
    let Some(back) = web::local_path(q.back.as_deref().unwrap_or("/")) else {
        return bad_return(Tr(web::lang_of(&headers)));
    };
    let lang = Lang::parse(&lang).unwrap_or_default();
    let mut r = Redirect::to(back).into_response();
    if let Ok(v) = cookie(
        session::LANG_COOKIE,
        lang.code(),
        Some(365 * 86_400),
        st.secure_cookie,
    )
    .parse()
    {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}
