//! Sign-in (a pasted token, checked with `IdentityService.WhoAmI`),
//! sign-out and the language switch.

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

fn cookie(name: &str, value: &str, max_age: Option<u64>, secure: bool) -> String {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict");
    if let Some(a) = max_age {
        c.push_str(&format!("; Max-Age={a}"));
    }
    if secure {
        c.push_str("; Secure");
    }
    c
}

fn signin_page(
    tr: Tr,
    headers: &HeaderMap,
    status: StatusCode,
    next: &str,
    message: Option<(Tone, &str)>,
    secure: bool,
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
    let mut s = Section::new(tr.t("Sign in"));
    if let Some((tone, text)) = message {
        s.push(Body::Message {
            tone,
            text: text.to_owned(),
        });
    }
    s.push(Body::Form(FormV {
        id: "signin".into(),
        action: "/signin".into(),
        post: true,
        fields: vec![
            Field::new("token", tr.t("API token"), FieldKind::Text)
                .required()
                .help(tr.t("Paste the token you were given once. The console keeps it on the server for this session only; your browser holds a session cookie and nothing else.")),
            Field::new("next", "", FieldKind::Hidden).value(web::local_path(next)),
        ],
        submit: tr.t("Sign in").into(),
    }));
    let mut r = web::public_page(tr, status, tr.t("Sign in"), &nonce, &[s]);
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
    let msg = q
        .ended
        .is_some()
        .then(|| (Tone::Warn, tr.t("Your session has ended. Sign in again.")));
    signin_page(
        tr,
        &headers,
        StatusCode::OK,
        q.next.as_deref().unwrap_or("/"),
        msg,
        st.secure_cookie,
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

pub async fn submit(
    State(st): State<AppState>,
    client: Option<axum::Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>,
    headers: HeaderMap,
    Form(f): Form<SigninForm>,
) -> Response {
    let tr = Tr(web::lang_of(&headers));
    let cookies = headers
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let nonce_ok = session::cookie(cookies, session::SIGNIN_COOKIE).is_some_and(|n| {
        !f.csrf.is_empty() && subtle::ConstantTimeEq::ct_eq(n.as_bytes(), f.csrf.as_bytes()).into()
    });
    if !nonce_ok {
        return signin_page(
            tr,
            &headers,
            StatusCode::FORBIDDEN,
            &f.next,
            Some((
                Tone::Bad,
                tr.t("The form has expired. Go back, reload the page and try again."),
            )),
            st.secure_cookie,
        );
    }
    let token = f.token.trim().to_owned();
    let refused = |st: &AppState, text| {
        signin_page(
            tr,
            &headers,
            StatusCode::UNAUTHORIZED,
            &f.next,
            Some((Tone::Bad, text)),
            st.secure_cookie,
        )
    };
    if token.is_empty() || token.len() > 512 || token.parse::<http::HeaderValue>().is_err() {
        return refused(&st, tr.t("The token was not accepted."));
    }
    let mut c = pb::identity_service_client::IdentityServiceClient::new(
        st.backend.channel(Service::Identity),
    );
    let mut req = tonic::Request::new(pb::WhoAmIRequest {});
    if let Ok(v) = format!("Bearer {token}").parse() {
        req.metadata_mut().insert("authorization", v);
    }
    // Failed sign-ins are throttled per browser, not per console: the
    // services key them on this address when the call comes from loopback.
    if let Some(axum::Extension(axum::extract::ConnectInfo(addr))) = client
        && let Ok(v) = addr.ip().to_string().parse()
    {
        req.metadata_mut().insert("x-custodian-client", v);
    }
    let who = match c.who_am_i(req).await {
        Ok(r) => r.into_inner(),
        Err(e) if e.code() == tonic::Code::ResourceExhausted => {
            return signin_page(
                tr,
                &headers,
                StatusCode::TOO_MANY_REQUESTS,
                &f.next,
                Some((
                    Tone::Bad,
                    tr.t("Too many failed sign-ins from your address. Wait a minute, then try again."),
                )),
                st.secure_cookie,
            );
        }
        Err(e)
            if e.code() == tonic::Code::Unauthenticated
                || e.code() == tonic::Code::PermissionDenied =>
        {
            return refused(&st, tr.t("The token was not accepted."));
        }
        Err(e) => {
            tracing::warn!(error = %e, "console sign-in: WhoAmI failed");
            return signin_page(
                tr,
                &headers,
                StatusCode::SERVICE_UNAVAILABLE,
                &f.next,
                Some((Tone::Bad, tr.t("Service unavailable"))),
                st.secure_cookie,
            );
        }
    };
    // Machines' roles (service, worker, peer) have no pages to see.
    if !matches!(who.role.as_str(), "admin" | "auditor" | "controller") {
        return refused(&st, tr.t("This token's role cannot use the console."));
    }
    let id = st.sessions.create(
        token,
        Who {
            token_id: who.token_id,
            name: who.name,
            role: who.role,
            tenant: who.tenant_id,
            allowed: who.allowed_methods,
        },
    );
    let mut r = Redirect::to(web::local_path(&f.next)).into_response();
    let h = r.headers_mut();
    if let Ok(v) = cookie(session::COOKIE, &id, None, st.secure_cookie).parse() {
        h.append(header::SET_COOKIE, v);
    }
    if let Ok(v) = cookie(session::SIGNIN_COOKIE, "", Some(0), st.secure_cookie).parse() {
        h.append(header::SET_COOKIE, v);
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

pub async fn language(
    State(st): State<AppState>,
    Path(lang): Path<String>,
    Query(q): Query<Back>,
) -> Response {
    let lang = Lang::parse(&lang).unwrap_or_default();
    let mut r = Redirect::to(web::local_path(q.back.as_deref().unwrap_or("/"))).into_response();
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
