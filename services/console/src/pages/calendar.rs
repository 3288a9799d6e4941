//! My calendar: a person's private feed of the obligations it may see
//! (`/calendar`: make a new address, which revokes the old one;
//! `/calendar/<token>.ics`: the feed itself, for a calendar program).
//!
//! The address's token is a `calendar` token bound to the person
//! (`PersonService.ResetCalendarFeed`): it may read the obligations and the
//! tenants' names of the person's scope and nothing else, so the permission
//! table and the services' scoping decide what the feed holds. It ends
//! when the person makes a new one or is removed. The feed itself is
//! written by [`crate::calendar`].

use axum::Form;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use proto::v1 as pb;
use serde::Deserialize;

use super::{collect, page};
use crate::backend::Service;
use crate::i18n::{Lang, Tr};
use crate::view::{Body, Form as FormV, Section, Tone};
use crate::web::{self, AppState, Signed};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/calendar", get(index).post(reset))
        .route("/calendar/{file}", get(feed))
}

/// The console's own address, as the browser reached it.
fn base(st: &AppState, headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost");
    let scheme = if st.secure_cookie { "https" } else { "http" };
    format!("{scheme}://{host}")
}

fn sections(tr: Tr, me: &Signed, address: Option<(String, String)>) -> Vec<Section> {
    let mut s = Section::new(tr.t("My calendar"));
    if me.s.who.person.is_empty() {
        s.push(Body::Message {
            tone: Tone::Warn,
            text: tr
                .t("A calendar feed is a person's own: sign in through your organisation's identity provider to make one.")
                .into(),
        });
        return vec![s];
    }
    s.push(Body::Notes(vec![
        tr.t("Every deadline you may see in this console, in your calendar program: an all-day event on the last day of a day deadline, with reminders a week and a day before; a timed event for a breach's hour clock, with reminders 24, 6 and 1 hour before.").into(),
        tr.t("The feed names the obligation, the customer and the rule, and links here; it holds no candidate's or data subject's details.").into(),
        tr.t("The address is private: whoever has it reads your deadlines. Making a new one stops the old one.").into(),
    ]));
    if let Some((webcal, https)) = address {
        s.push(Body::Message {
            tone: Tone::Good,
            text: tr
                .t("Your new calendar address. Add it to your calendar program as a subscription; it is shown only now.")
                .into(),
        });
        s.push(Body::Links(vec![
            (webcal.clone(), webcal),
            (https.clone(), https),
        ]));
    }
    s.push(Body::Form(FormV {
        id: "calendar".into(),
        action: "/calendar".into(),
        post: true,
        fields: Vec::new(),
        submit: tr.t("Make a new calendar address").into(),
    }));
    vec![s]
}

async fn index(me: Signed) -> Response {
    let tr = me.tr;
    web::page(&me, tr.t("My calendar"), "", &sections(tr, &me, None))
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    pub csrf: String,
}

async fn reset(
    State(st): State<AppState>,
    me: Signed,
    headers: HeaderMap,
    Form(f): Form<CsrfOnly>,
) -> Response {
    if let Err(e) = web::check_csrf(&me, &f.csrf) {
        return e.render(&me);
    }
    let tr = me.tr;
    let mut c = pb::person_service_client::PersonServiceClient::new(
        st.backend.channel(Service::Controllers),
    );
    let token = match c
        .reset_calendar_feed(me.s.req(pb::ResetCalendarFeedRequest {}))
        .await
    {
        Ok(r) => r.into_inner().token,
        Err(e) => return web::Failure::from(e).render(&me),
    };
    let https = format!(
        "{}/calendar/{token}.ics?lang={}",
        base(&st, &headers),
        tr.lang()
    );
    let webcal = format!(
        "webcal://{}",
        https
            .split_once("://")
            .map(|(_, rest)| rest)
            .unwrap_or(&https)
    );
    let mut r = web::page(
        &me,
        tr.t("My calendar"),
        "",
        &sections(tr, &me, Some((webcal, https))),
    );
    // The address is a secret: no cache keeps the page.
    r.headers_mut()
        .insert(header::CACHE_CONTROL, "no-store".parse().expect("header"));
    r
}

#[derive(Deserialize, Default)]
pub struct FeedQuery {
    #[serde(default)]
    pub lang: String,
}

/// The most events a feed serves (what `SyncCalendarFeed` records).
const MAX_EVENTS: usize = 5_000;

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "No such calendar: the address was replaced or its person removed.\n",
    )
        .into_response()
}

/// The feed: the obligations the token's person may see, with the
/// customers' names. Every answer that is not a feed is 404, whatever went
/// wrong with the token; a service that cannot answer is 503, so the
/// calendar program keeps what it had.
async fn feed(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(file): Path<String>,
    Query(q): Query<FeedQuery>,
) -> Response {
    let Some(token) = file.strip_suffix(".ics").filter(|t| {
        t.starts_with("cst_") && t.len() <= 128 && t.parse::<http::HeaderValue>().is_ok()
    }) else {
        return not_found();
    };
    let tr = Tr(Lang::parse(&q.lang).unwrap_or_default());
    use crate::session::with_token as req;
    let failed = |f: web::Failure| match f {
        web::Failure::Unavailable(e) | web::Failure::Internal(e) => {
            tracing::warn!(error = %e, "calendar feed: the services did not answer");
            (StatusCode::SERVICE_UNAVAILABLE, "Try again later.\n").into_response()
        }
        // A replaced or revoked address, a removed person, a bad token.
        _ => not_found(),
    };
    let d = pb::deadline_service_client::DeadlineServiceClient::new(
        st.backend.channel(Service::Deadlines),
    );
    let obligations = match collect(5_000, |t| {
        let mut d = d.clone();
        let r = req(
            token,
            pb::ListObligationsRequest {
                page: page(500, t),
                ..Default::default()
            },
        );
        async move {
            let r = d.list_obligations(r).await?.into_inner();
            Ok((r.obligations, r.next_page_token))
        }
    })
    .await
    {
        Ok(o) => o,
        Err(f) => return failed(f),
    };
    // The retention sweep erases candidates by itself: no person acts on
    // a candidate's erasure, and a candidate's reference stays out.
    let obligations: Vec<pb::Obligation> = obligations
        .into_iter()
        .filter(|o| o.object_type != "candidate")
        .take(MAX_EVENTS)
        .collect();
    let c = pb::controller_service_client::ControllerServiceClient::new(
        st.backend.channel(Service::Controllers),
    );
    let names = match collect(5_000, |t| {
        let mut c = c.clone();
        let r = req(token, pb::ListControllersRequest { page: page(500, t) });
        async move {
            let r = c.list_controllers(r).await?.into_inner();
            Ok((r.controllers, r.next_page_token))
        }
    })
    .await
    {
        Ok(list) => list.into_iter().map(|c| (c.id, c.legal_name)).collect(),
        Err(f) => return failed(f),
    };
    let mut entries = crate::calendar::entries(tr, &base(&st, &headers), &obligations, &names);
    // Recorded, so that a done obligation is served once more, cancelled.
    let mut p = pb::person_service_client::PersonServiceClient::new(
        st.backend.channel(Service::Controllers),
    );
    let synced = p
        .sync_calendar_feed(req(
            token,
            pb::SyncCalendarFeedRequest {
                events: entries
                    .iter()
                    .map(|e| pb::CalendarEvent {
                        uid: e.uid.clone(),
                        summary: e.summary.clone(),
                        start: crate::calendar::start_text(e.when),
                        url: e.url.clone(),
                    })
                    .collect(),
            },
        ))
        .await;
    match synced {
        Ok(r) => entries.extend(r.into_inner().gone.into_iter().filter_map(|g| {
            Some(crate::calendar::Entry {
                when: crate::calendar::parse_start(&g.start)?,
                description: format!("{}\n{}", tr.t("Done."), g.summary),
                uid: g.uid,
                summary: g.summary,
                url: g.url,
                cancelled: true,
            })
        })),
        Err(e) => return failed(web::Failure::from(e)),
    }
    let body = crate::calendar::render(tr, "Custodian", &entries, chrono::Utc::now());
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (header::CACHE_CONTROL, "private, no-store"),
        ],
        body,
    )
        .into_response()
}
