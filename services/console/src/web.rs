//! What every page shares: the state, the signed-in extractor, the layout,
//! the error pages, the security headers and the embedded assets.

use std::sync::Arc;

use askama::Template;
use axum::extract::{FromRequestParts, Request};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header, request::Parts};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::backend::Backend;
use crate::i18n::{Lang, Tr};
use crate::session::{self, Current, Sessions, Who};
use crate::view::{Body, Cell, FieldKind, NavItem, Section, Tone};

pub struct Inner {
    pub backend: Backend,
    pub sessions: Sessions,
    /// Set the cookie's `Secure` flag (the console is served behind TLS).
    pub secure_cookie: bool,
    /// The `Host` values answered (`Settings::hosts`); empty answers any
    /// (only a router built without settings, in unit tests).
    pub hosts: Vec<String>,
    /// The tenants' legal names as a processor-wide role may list them, and
    /// when they were read: every page names tenants, the live clocks every
    /// 30 seconds; reading every controller each time cost the page its
    /// size in tenants ([`crate::pages::tenant_names`]).
    pub names: std::sync::Mutex<
        Option<(
            std::time::Instant,
            std::collections::HashMap<String, String>,
        )>,
    >,
    /// Who may sign in by pasting a token.
    pub token_sign_in: crate::TokenSignIn,
}

/// How long the tenants' names are reused before they are read again (a new
/// or renamed controller shows by its name within this).
pub const NAMES_FRESH: std::time::Duration = std::time::Duration::from_secs(30);

pub type AppState = Arc<Inner>;

/// The language of this request: `custodian_lang` cookie, else
/// `Accept-Language`, else English.
pub fn lang_of(headers: &HeaderMap) -> Lang {
    let cookies = headers
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if let Some(l) = session::cookie(cookies, session::LANG_COOKIE).and_then(Lang::parse) {
        return l;
    }
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(Lang::from_accept)
        .unwrap_or_default()
}

/// The signed-in person of a request; without a live session the request
/// is sent to the sign-in page (and back here afterwards).
pub struct Signed {
    pub s: Current,
    pub tr: Tr,
    /// The request's path and query, for the navigation and redirects.
    pub path: String,
    /// What the last action did (a page's GET takes it, once).
    pub flash: Option<String>,
    st: AppState,
}

impl Signed {
    /// Says `message` (already in the reader's language) once, on the
    /// next page this session opens: what an action did.
    pub fn say_done(&self, message: &str) {
        self.st.sessions.flash(&self.s.id, message.to_owned());
    }
}

impl FromRequestParts<AppState> for Signed {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, Self::Rejection> {
        let tr = Tr(lang_of(&parts.headers));
        // The page to come back to (language switch, sign-in): a GET's own
        // address; for a form, the page it was sent from (its Referer, when
        // that is a plain local path), else the dashboard.
        let path = match parts.method {
            http::Method::GET => parts
                .uri
                .path_and_query()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_else(|| "/".into()),
            _ => parts
                .headers
                .get(header::REFERER)
                .and_then(|v| v.to_str().ok())
                .and_then(|r| r.parse::<http::Uri>().ok())
                .and_then(|u| {
                    u.path_and_query()
                        .and_then(|p| local_path(p.as_str()).map(str::to_owned))
                })
                .unwrap_or_else(|| "/".into()),
        };
        let cookies = parts
            .headers
            .get(header::COOKIE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        match session::cookie(cookies, session::COOKIE).and_then(|id| st.sessions.get(id)) {
            Some(s) => {
                // A page (not a live fragment) says what the last action did.
                let page =
                    parts.method == http::Method::GET && !parts.headers.contains_key("hx-request");
                let flash = page.then(|| st.sessions.take_flash(&s.id)).flatten();
                Ok(Signed {
                    s,
                    tr,
                    path,
                    flash,
                    st: st.clone(),
                })
            }
            None => Err(Redirect::to(&format!("/signin?next={}", encode(&path))).into_response()),
        }
    }
}

/// Percent-encodes a query value.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A local path to go back to after sign-in or a language change: a plain
/// `/…` of printable ASCII, never `//host`, a scheme, a backslash or a
/// control character (a browser drops tabs and line breaks from a
/// `Location`, so `/<TAB>/host` would become `//host`: another site).
/// `None` for anything else: the caller answers 400.
pub fn local_path(s: &str) -> Option<&str> {
    let plain = s.starts_with('/')
        && !s.starts_with("//")
        && s.bytes().all(|b| (0x21..0x7f).contains(&b) && b != b'\\');
    plain.then_some(s)
}

#[derive(Template)]
#[template(path = "page.html")]
pub struct PageT<'a> {
    pub tr: Tr,
    pub flash: Option<&'a str>,
    pub title: &'a str,
    pub lead: &'a str,
    pub who: Option<&'a Who>,
    pub csrf: &'a str,
    pub nav: Vec<NavItem>,
    pub sections: &'a [Section],
    pub path: &'a str,
}

#[derive(Template)]
#[template(path = "fragment.html")]
pub struct FragmentT<'a> {
    pub tr: Tr,
    pub csrf: &'a str,
    pub s: &'a Section,
}

impl PageT<'_> {
    /// The customer's legal name (its id only when the name could not be
    /// read), or "every tenant".
    pub fn tenant_label(&self) -> &str {
        match self.who {
            Some(w) if !w.tenant_name.is_empty() => &w.tenant_name,
            Some(w) if !w.tenant.is_empty() => &w.tenant,
            _ => self.tr.t("every tenant"),
        }
    }

    /// The role in words.
    pub fn role_label(&self) -> &str {
        match self.who.map(|w| w.role.as_str()) {
            Some("admin") => self.tr.t("administrator"),
            Some("auditor") => self.tr.t("auditor"),
            Some("controller") => self.tr.t("customer's privacy officer"),
            Some(other) => other,
            None => "",
        }
    }
}

/// Navigation for a role: a page shows only when the role may call the RPC
/// the page is built on.
pub fn nav(tr: Tr, who: &Who, path: &str) -> Vec<NavItem> {
    let items: [(&'static str, &'static str, &str); 16] = [
        ("/", "Obligations", "DeadlineService/ListObligations"),
        ("/breaches", "Breaches", "BreachService/ListBreachNotices"),
        ("/requests", "Requests", "RequestService/ListRequests"),
        ("/audit", "Audit log", "AuditService/ListEvents"),
        (
            "/subprocessors",
            "Sub-processors",
            "SubprocessorService/ListSubprocessors",
        ),
        (
            "/agreements",
            "Agreements",
            "AgreementService/ListAgreements",
        ),
        ("/retention", "Retention", "VaultService/ListCandidates"),
        ("/switching", "Switching", "SwitchingService/ListSwitches"),
        ("/reports", "Reports", "RequestService/ListRequests"),
        (
            "/webhooks",
            "Webhooks",
            "NotificationService/ListNotifications",
        ),
        ("/tenants", "Tenants", "ControllerService/ListControllers"),
        ("/people", "People", "PersonService/ListPeople"),
        ("/company", "Our company", "ControllerService/GetController"),
        ("/mail", "E-mails", "NotificationService/ListEmails"),
        (
            "/calendar",
            "My calendar",
            "PersonService/ResetCalendarFeed",
        ),
        (
            "/me/notifications",
            "My notifications",
            "PersonService/GetPreferences",
        ),
    ];
    let here = path.split('?').next().unwrap_or("/");
    // A customer's DPO has its own company, not the processor's tenant and
    // webhook administration.
    let processor_only = ["/tenants", "/webhooks", "/mail"];
    items
        .into_iter()
        .filter(|(_, _, m)| who.may(m))
        .filter(|(href, _, _)| {
            if who.tenant_bound() {
                !processor_only.contains(href)
            } else {
                *href != "/company"
            }
        })
        .map(|(href, label, _)| NavItem {
            href,
            label: tr.t(label),
            current: if href == "/" {
                here == "/"
            } else {
                here == href || here.starts_with(&format!("{href}/"))
            },
        })
        .collect()
}

fn html(status: StatusCode, body: Result<String, askama::Error>) -> Response {
    match body {
        Ok(b) => (status, Html(b)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "console template failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the page could not be rendered",
            )
                .into_response()
        }
    }
}

/// A whole page for a signed-in person.
pub fn page(me: &Signed, title: &str, lead: &str, sections: &[Section]) -> Response {
    page_status(me, StatusCode::OK, title, lead, sections)
}

pub fn page_status(
    me: &Signed,
    status: StatusCode,
    title: &str,
    lead: &str,
    sections: &[Section],
) -> Response {
    let csrf = me.s.csrf_masked();
    let t = PageT {
        tr: me.tr,
        flash: me.flash.as_deref(),
        title,
        lead,
        who: Some(&me.s.who),
        csrf: &csrf,
        nav: nav(me.tr, &me.s.who, &me.path),
        sections,
        path: &me.path,
    };
    html(status, t.render())
}

/// One section alone (what htmx swaps in).
pub fn fragment(me: &Signed, s: &Section) -> Response {
    let csrf = me.s.csrf_masked();
    let t = FragmentT {
        tr: me.tr,
        csrf: &csrf,
        s,
    };
    html(StatusCode::OK, t.render())
}

/// A page with no one signed in (sign-in, errors before sign-in).
pub fn public_page(
    tr: Tr,
    status: StatusCode,
    title: &str,
    csrf: &str,
    sections: &[Section],
) -> Response {
    let t = PageT {
        tr,
        flash: None,
        title,
        lead: "",
        who: None,
        csrf,
        nav: Vec::new(),
        sections,
        path: "/",
    };
    html(status, t.render())
}

/// Why a page could not be shown; each becomes a page with a status.
#[derive(Debug)]
pub enum Failure {
    NotFound,
    Forbidden,
    /// The service refused the input; nothing was written. Its message names
    /// what is wrong.
    Refused(String),
    /// The form's anti-forgery value did not match the session.
    Forged,
    /// The token was revoked or expired since sign-in.
    SignedOut,
    Unavailable(String),
    Internal(String),
}

impl From<tonic::Status> for Failure {
    fn from(s: tonic::Status) -> Failure {
        use tonic::Code;
        match s.code() {
            Code::NotFound => Failure::NotFound,
            Code::PermissionDenied => Failure::Forbidden,
            Code::Unauthenticated => Failure::SignedOut,
            Code::InvalidArgument
            | Code::FailedPrecondition
            | Code::AlreadyExists
            | Code::OutOfRange
            | Code::Aborted => Failure::Refused(s.message().to_owned()),
            Code::Unavailable | Code::DeadlineExceeded => {
                Failure::Unavailable(s.message().to_owned())
            }
            _ => Failure::Internal(s.message().to_owned()),
        }
    }
}

impl Failure {
    pub fn render(self, me: &Signed) -> Response {
        let tr = me.tr;
        let (status, title, text) = match self {
            Failure::NotFound => (
                StatusCode::NOT_FOUND,
                tr.t("Not found"),
                tr.t("There is no such page, or it is not yours to see.")
                    .to_owned(),
            ),
            Failure::Forbidden => (
                StatusCode::FORBIDDEN,
                tr.t("Not allowed"),
                tr.t("Your role may not do this.").to_owned(),
            ),
            Failure::Forged => (
                StatusCode::FORBIDDEN,
                tr.t("Not allowed"),
                tr.t("The form has expired. Go back, reload the page and try again.")
                    .to_owned(),
            ),
            Failure::Refused(m) => (
                StatusCode::BAD_REQUEST,
                tr.t("Not done"),
                format!(
                    "{} {}",
                    tr.t("Nothing was changed:"),
                    crate::phrases::unfield(tr, &crate::phrases::refusal(tr, &m))
                ),
            ),
            // Back to the page the person was on once signed in again.
            Failure::SignedOut => {
                return Redirect::to(&format!("/signin?ended=1&next={}", encode(&me.path)))
                    .into_response();
            }
            Failure::Unavailable(m) => (
                StatusCode::SERVICE_UNAVAILABLE,
                tr.t("Service unavailable"),
                m,
            ),
            Failure::Internal(m) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                tr.t("Something went wrong"),
                m,
            ),
        };
        let s = Section::new(title).with(Body::Message {
            tone: Tone::Bad,
            text,
        });
        let back = Section::new(tr.t("Back")).with(Body::Links(vec![(
            tr.t("Obligations").to_owned(),
            "/".to_owned(),
        )]));
        page_status(me, status, title, "", &[s, back])
    }
}

/// A handler's result: a response, or a failure rendered for `me`.
pub type PageResult = Result<Response, Failure>;

/// Turns a handler's failure into its page.
pub fn done(me: &Signed, r: PageResult) -> Response {
    r.unwrap_or_else(|f| f.render(me))
}

/// A form's action: the session's anti-forgery value first, then `act`
/// (its RPC calls); once done, the browser is sent to `to` (post, redirect,
/// get), whose page says `said` (English; translated here), and a failure
/// is its page.
pub async fn act(
    me: &Signed,
    csrf: &str,
    to: &str,
    said: &'static str,
    act: impl std::future::Future<Output = Result<(), Failure>>,
) -> Response {
    done(me, acted(me, csrf, to, said, act).await)
}

/// The anti-forgery check, then `act`; once done, `said` for the next page
/// and the redirect to `to`.
async fn acted(
    me: &Signed,
    csrf: &str,
    to: &str,
    said: &'static str,
    act: impl std::future::Future<Output = Result<(), Failure>>,
) -> PageResult {
    check_csrf(me, csrf)?;
    act.await?;
    me.say_done(me.tr.t(said));
    Ok(Redirect::to(to).into_response())
}

/// Puts a service's refusal beside the field it names: its message starts
/// with the field's name ("dpo_email: must be an e-mail address, got …"),
/// which is the form field's name too. Returns the message when no field
/// of the form has that name (it is then said above the form).
pub fn place_error(fields: &mut [crate::view::Field], message: &str) -> Option<String> {
    if let Some((name, why)) = message.split_once(": ")
        && let Some(f) = fields.iter_mut().find(|f| f.name == name)
    {
        f.error = why.to_owned();
        return None;
    }
    Some(message.to_owned())
}

/// A form as the person sent it and why it was refused: the page comes
/// back with it filled in (answering 400), nothing written.
pub struct Kept {
    /// The form's id on its page.
    pub form: &'static str,
    pub values: Vec<(String, String)>,
    pub error: String,
}

impl Kept {
    /// The form `form` as sent: its fields' names and values.
    pub fn new(form: &'static str, values: &[(&str, &str)]) -> Kept {
        Kept {
            form,
            values: values
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            error: String::new(),
        }
    }

    /// Fills `fields` with what was typed (never the confirmation box) and
    /// says the refusal beside the field it names, or returns it for above
    /// the form.
    pub fn refill(&self, fields: &mut [crate::view::Field]) -> Option<String> {
        for f in fields.iter_mut() {
            if f.name == "confirm" || f.name == "csrf" {
                continue;
            }
            if let Some((_, v)) = self.values.iter().find(|(k, _)| *k == f.name) {
                f.value = v.clone();
            }
        }
        place_error(fields, &self.error)
    }
}

/// A page, answering 400 when it comes back with a refused form in it.
pub fn page_or_refused(
    me: &Signed,
    refused: bool,
    title: &str,
    lead: &str,
    sections: &[Section],
) -> Response {
    if refused {
        page_status(me, StatusCode::BAD_REQUEST, title, lead, sections)
    } else {
        page(me, title, lead, sections)
    }
}

/// A form's action that keeps its input: the session's anti-forgery value
/// first, then `act`; once done, the browser is sent to `to`, whose page
/// says `said` (English; translated here). Refused, the page again
/// (`again`) with the form as typed (`kept`) and the reason beside its
/// field; any other failure is its page.
pub async fn act_kept<Again>(
    me: &Signed,
    csrf: &str,
    kept: Kept,
    to: &str,
    said: &'static str,
    act: impl std::future::Future<Output = Result<(), Failure>>,
    again: impl FnOnce(Kept) -> Again,
) -> Response
where
    Again: std::future::Future<Output = PageResult>,
{
    let r = acted(me, csrf, to, said, act).await;
    or_again(me, kept, r, again).await
}

/// A form's answer: when the service refused it, the page again (`again`)
/// with the form as typed and the reason in it; anything else as usual.
pub async fn or_again<Fut>(
    me: &Signed,
    mut kept: Kept,
    r: PageResult,
    again: impl FnOnce(Kept) -> Fut,
) -> Response
where
    Fut: std::future::Future<Output = PageResult>,
{
    match r {
        Err(Failure::Refused(m)) => {
            kept.error = crate::phrases::refusal(me.tr, &m);
            let page = again(kept).await;
            done(me, page)
        }
        other => done(me, other),
    }
}

/// Refills the form `form` of a page's `section` when `kept` is that form,
/// saying a refusal no field names above the form.
pub fn refill(
    section: &mut Section,
    fields: &mut [crate::view::Field],
    kept: Option<&Kept>,
    form: &str,
    tr: Tr,
) {
    if let Some(k) = kept.filter(|k| k.form == form)
        && let Some(rest) = k.refill(fields)
    {
        section.push(Body::Message {
            tone: Tone::Bad,
            text: format!(
                "{} {}",
                tr.t("Nothing was changed:"),
                crate::phrases::unfield(tr, &rest)
            ),
        });
    }
}

/// The box an irreversible or once-only action must have ticked: its
/// label says what will happen (`consequence`, already translated).
pub fn confirm_field(consequence: &str) -> crate::view::Field {
    crate::view::Field::new("confirm", consequence, FieldKind::Check).required()
}

/// Whether the form's confirmation box was ticked (the browser insists
/// too; this is for a form sent without it).
pub fn confirmed(tr: Tr, value: &str) -> Result<(), Failure> {
    if value == "true" {
        Ok(())
    } else {
        Err(Failure::Refused(
            tr.t(
                "Not confirmed: tick the box that says what will happen, then send the form again.",
            )
            .to_owned(),
        ))
    }
}

/// Checks a submitted anti-forgery value.
pub fn check_csrf(me: &Signed, submitted: &str) -> Result<(), Failure> {
    if me.s.csrf_ok(submitted) {
        Ok(())
    } else {
        Err(Failure::Forged)
    }
}

pub const CSP: &str = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Security headers on every response; a refusal of a request naming a
/// host the console does not answer to (400), and of any state-changing
/// request another site sent (besides the anti-forgery tokens and the
/// SameSite=Lax session cookie).
pub async fn guard(
    axum::extract::State(st): axum::extract::State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    if !st.hosts.is_empty() {
        let host = req
            .headers()
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .map(str::to_ascii_lowercase);
        if !host.is_some_and(|h| st.hosts.contains(&h)) {
            return (
                StatusCode::BAD_REQUEST,
                "this console does not answer to that host name",
            )
                .into_response();
        }
    }
    if req.method() != http::Method::GET && req.method() != http::Method::HEAD {
        let h = req.headers();
        let cross = h
            .get("sec-fetch-site")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v == "cross-site");
        let origin_mismatch = match (
            h.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
            h.get(header::HOST).and_then(|v| v.to_str().ok()),
        ) {
            (Some(o), Some(host)) if o != "null" => {
                o.split_once("://").map(|(_, rest)| rest) != Some(host)
            }
            (Some(_), _) => true,
            _ => false,
        };
        if cross || origin_mismatch {
            return (StatusCode::FORBIDDEN, "cross-site request refused").into_response();
        }
    }
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

pub const CSS: &str = include_str!("../assets/console.css");
pub const HTMX: &str = include_str!("../assets/vendor/htmx-2.0.11.min.js");
/// The SHA-256 of the vendored htmx 2.0.11 (`dist/htmx.min.js` of the npm
/// package `htmx.org@2.0.11`); a test checks the embedded file against it.
pub const HTMX_SHA256: &str = "d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717";

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

pub async fn css() -> Response {
    asset("text/css; charset=utf-8", CSS)
}

pub async fn htmx() -> Response {
    asset("text/javascript; charset=utf-8", HTMX)
}

/// No icon: an empty answer, so a browser's request for one never reaches
/// the sign-in redirect.
pub async fn favicon() -> Response {
    (
        StatusCode::NO_CONTENT,
        [(header::CACHE_CONTROL, "public, max-age=86400")],
    )
        .into_response()
}

/// A download: `name` becomes the file name the browser saves.
pub fn download(content_type: &str, name: &str, body: impl Into<axum::body::Body>) -> Response {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut r = Response::new(body.into());
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{safe}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

/// A state word's tone, for the states the services report.
pub fn tone_of(state: &str) -> Tone {
    match state {
        "overdue" | "late" | "missed" | "broken" | "dead" | "confirmed" | "high" | "refused" => {
            Tone::Bad
        }
        "open" | "pending" | "running" | "reported" | "extended" | "received" | "proposed"
        | "objected" | "risk" | "retrying" | "interrupted" => Tone::Warn,
        "met" | "done" | "delivered" | "answered" | "closed" | "completed" | "active"
        | "approved" | "not_required" | "dismissed" | "intact" | "none" | "low" | "authorised" => {
            Tone::Good
        }
        _ => Tone::Neutral,
    }
}

/// The states and kinds the services answer with, in words (the English is
/// the key of the Dutch). A code not listed reads as itself, spaced.
pub const STATES: &[(&str, &str)] = &[
    ("open", "open"),
    ("awaiting_identity", "waiting for proof of identity"),
    ("answered", "answered"),
    ("refused", "refused"),
    ("closed", "closed"),
    ("extended", "extended"),
    ("reported", "reported, not yet assessed"),
    ("dismissed", "dismissed: not a breach"),
    ("confirmed", "a confirmed breach"),
    ("met", "met in time"),
    ("late", "late"),
    ("overdue", "overdue"),
    ("not_required", "not required"),
    ("pending", "waiting"),
    ("sent", "sent"),
    ("acknowledged", "acknowledged"),
    ("cancelled", "cancelled"),
    ("required", "required"),
    ("undecided", "not decided yet"),
    ("decided", "decided"),
    ("unlikely", "no risk likely"),
    ("risk", "a risk"),
    ("high", "a high risk"),
    ("delivered", "delivered"),
    ("failed", "failed"),
    ("interrupted", "interrupted"),
    ("retrying", "retrying"),
    ("dead", "not delivered: given up"),
    ("dead_letter", "not delivered: given up"),
    ("draft", "draft"),
    ("active", "active"),
    ("terminating", "ending"),
    ("ended", "ended"),
    ("completed", "completed"),
    ("withdrawn", "withdrawn"),
    ("erased", "erased"),
    ("building", "being made"),
    ("ready", "ready"),
    ("rejected", "rejected"),
    ("hired", "hired"),
    ("revoked", "revoked"),
    ("awaiting_delivery", "waiting to be delivered"),
    ("window_open", "objection window open"),
    ("objected", "objected"),
    ("approval_required", "waiting for approval"),
    ("approved", "approved"),
    ("scheduled", "scheduled"),
    ("in_effect", "in effect"),
    ("blocked", "blocked"),
    ("sustained", "objection upheld"),
    ("contract_terminated", "contract terminated"),
];

/// A state as a cell: its word in the reader's language, and its tone.
pub fn state(tr: Tr, s: &str) -> Cell {
    if s.is_empty() {
        Cell::Empty
    } else {
        Cell::state(crate::pages::vocab_word(tr, STATES, s), tone_of(s))
    }
}

pub async fn not_found(me: Signed) -> Response {
    Failure::NotFound.render(&me)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    #[test]
    fn the_vendored_htmx_is_the_release_it_claims_to_be() {
        assert_eq!(hex::encode(Sha256::digest(HTMX.as_bytes())), HTMX_SHA256);
        assert!(HTMX.starts_with("var htmx=function(){"));
    }

    #[test]
    fn the_console_decides_no_access_and_opens_no_database() {
        // Its room: gRPC clients only. The permission table and the
        // services' scoping stay the only place access is decided.
        let manifest = include_str!("../Cargo.toml");
        let deps = &manifest[manifest.find("[dependencies]").unwrap()..];
        let deps = &deps[..deps.find("\n[dev-dependencies]").unwrap_or(deps.len())];
        for forbidden in [
            "store",
            "auth",
            "audit",
            "sea-orm",
            "vault",
            "controllers",
            "requests",
            "breaches",
            "agreements",
            "subprocessors",
            "switching",
            "deadlines",
            "outbox",
            "custodian",
        ] {
            assert!(
                !deps
                    .lines()
                    .any(|l| l.split(['.', ' ', '=']).next() == Some(forbidden)),
                "the console must not depend on {forbidden}"
            );
        }
    }

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(local_path("/requests?x=1"), Some("/requests?x=1"));
        assert_eq!(local_path("/a%2F%2Fb"), Some("/a%2F%2Fb"));
        for bad in [
            "//evil.example",
            "https://evil.example",
            "evil",
            "/\\evil",
            "",
            // A browser drops these from a Location: `//other-host/`.
            "/\t/other-host/",
            "/\n/other-host/",
            "/\r\nSet-Cookie: x=1",
            "/ /other-host",
            "/caf\u{e9}",
            "/\u{7f}",
        ] {
            assert_eq!(local_path(bad), None, "{bad:?}");
        }
        assert_eq!(encode("/a?b=c d"), "/a%3Fb%3Dc%20d");
    }
}
