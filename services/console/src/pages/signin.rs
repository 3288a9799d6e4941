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
            Field::new("next", "", FieldKind::Hidden).value(web::local_path(next).unwrap_or("/")),
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
    // The sign-in is audited as the person; a console that cannot record
    // it does not sign anyone in.
    let mut audit =
        pb::audit_service_client::AuditServiceClient::new(st.backend.channel(Service::Audit));
    let mut rec = tonic::Request::new(pb::RecordConsoleSessionRequest {
        event: "sign_in".into(),
    });
    if let Ok(v) = format!("Bearer {token}").parse() {
        rec.metadata_mut().insert("authorization", v);
    }
    if let Err(e) = audit.record_console_session(rec).await {
        tracing::warn!(error = %e, "console sign-in: the audit entry could not be written");
        return signin_page(
            tr,
            &headers,
            StatusCode::SERVICE_UNAVAILABLE,
            &f.next,
            Some((Tone::Bad, tr.t("Service unavailable"))),
            st.secure_cookie,
        );
    }
    // The customer's name for the header (a page never shows its id).
    let mut tenant_name = String::new();
    if !who.tenant_id.is_empty() {
        let mut c = pb::controller_service_client::ControllerServiceClient::new(
            st.backend.channel(Service::Controllers),
        );
        let mut get = tonic::Request::new(pb::GetControllerRequest {
            id: who.tenant_id.clone(),
        });
        if let Ok(v) = format!("Bearer {token}").parse() {
            get.metadata_mut().insert("authorization", v);
        }
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
        },
    );
    let mut r = Redirect::to(web::local_path(&f.next).unwrap_or("/")).into_response();
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
    // Audited as the person; the session ends whatever the answer.
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
