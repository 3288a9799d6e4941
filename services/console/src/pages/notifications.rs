//! What people are told by e-mail (issue 32):
//!
//! - `/me/notifications` (My notifications): a person's own choice of alert
//!   topics, the time of its daily digest and its language
//!   (`PersonService.GetPreferences` / `SetPreferences`);
//! - `/people/recipients` (Who receives what): per customer, who is alerted
//!   about each topic, with a warning for every customer a topic reaches no
//!   one for (`PersonService.ListRecipients`; a customer's DPO sees its own);
//! - `/mail` (E-mails, the processor's administrators): the mails sent and
//!   waiting, the ones given up, and sending one again with a reason
//!   (`NotificationService.ListEmails` / `RetryEmail`).

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use proto::alerts::Topic;
use proto::v1 as pb;
use serde::Deserialize;

use super::{collect, page, table, tenant_names};
use crate::backend::Service;
use crate::i18n::Tr;
use crate::mail::capitalised;
use crate::view::{Body, Cell, Field, FieldKind, Form as FormV, Section, Tone};
use crate::web::{self, AppState, PageResult, Signed};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/me/notifications", get(mine).post(save))
        .route("/people/recipients", get(recipients))
        .route("/mail", get(mails))
        .route("/mail/retry", post(retry))
}

type People = pb::person_service_client::PersonServiceClient<tonic::transport::Channel>;
type Notifications =
    pb::notification_service_client::NotificationServiceClient<tonic::transport::Channel>;

fn people(st: &AppState) -> People {
    People::new(st.backend.channel(Service::Controllers))
}

fn notifications(st: &AppState) -> Notifications {
    Notifications::new(st.backend.channel(Service::Notifications))
}

/// A topic as a form's box and a table's column says it.
fn topic_label(tr: Tr, t: Topic) -> String {
    capitalised(crate::mail::topic_name(tr, t))
}

fn topic_word(tr: Tr, wire: &str) -> String {
    Topic::parse(wire)
        .map(|t| topic_label(tr, t))
        .unwrap_or_else(|| wire.to_owned())
}

/// The digest's times to choose from: off, or every half hour of the
/// working day (and the time already chosen, whatever it is).
fn digest_options(tr: Tr, current: &str) -> Vec<(String, String)> {
    let mut o = vec![(String::new(), tr.t("No daily digest").to_owned())];
    let mut times: Vec<String> = (6..=20)
        .flat_map(|h| [format!("{h:02}:00"), format!("{h:02}:30")])
        .collect();
    if !current.is_empty() && !times.iter().any(|t| t == current) {
        times.push(current.to_owned());
        times.sort();
    }
    o.extend(times.into_iter().map(|t| (t.clone(), t)));
    o
}

/// A refusal (already in the reader's language) beside the field it
/// names, or above the form when it names none.
fn say_refusal(tr: Tr, s: &mut Section, fields: &mut [Field], error: &str) {
    if let Some(rest) = web::place_error(fields, error) {
        s.push(Body::Message {
            tone: Tone::Bad,
            text: format!(
                "{} {}",
                tr.t("Nothing was changed:"),
                crate::phrases::unfield(tr, &rest)
            ),
        });
    }
}

/// What the form holds.
#[derive(Debug, Default)]
struct Choice {
    alerts: Vec<String>,
    digest_at: String,
    language: String,
}

fn mine_sections(
    tr: Tr,
    me: &Signed,
    p: &pb::PersonPreferences,
    typed: Option<(&Choice, &str)>,
) -> Vec<Section> {
    let mut s = Section::new(tr.t("E-mail alerts and daily digest"));
    if !p.email_configured {
        s.push(Body::Message {
            tone: Tone::Warn,
            text: tr
                .t("This installation sends no e-mail yet: its operator has not set up a mail relay. Your choices are kept for when it does.")
                .into(),
        });
    }
    s.push(Body::Facts(vec![(
        tr.t("Sent to").into(),
        Cell::text(p.email.clone()),
    )]));
    s.push(Body::Notes(vec![
        tr.t("An alert comes when a deadline you may see is near: 7 days and 1 day before a deadline in days, 24, 6 and 1 hour before a breach's clock; and when something happens that needs you now, such as an incident reported or a customer's objection.").into(),
        tr.t("The daily digest lists what is overdue, what is due within 72 hours and what is due later this week; it comes only when there is something in it.").into(),
        tr.t("A mail names the obligation, the customer, the rule and its citation, and links to the page here; never a candidate's or a data subject's details.").into(),
    ]));
    let available: Vec<Topic> = p.available.iter().filter_map(|a| Topic::parse(a)).collect();
    let (alerts, digest, language) = match typed {
        Some((c, _)) => (c.alerts.clone(), c.digest_at.clone(), c.language.clone()),
        None => (p.alerts.clone(), p.digest_at.clone(), p.language.clone()),
    };
    let mut fields = vec![
        Field::new(
            "alerts",
            tr.t("Alert me about"),
            FieldKind::Checks(
                available
                    .iter()
                    .map(|t| (t.as_str().to_owned(), topic_label(tr, *t)))
                    .collect(),
            ),
        )
        .selected(alerts),
        Field::new(
            "digest_at",
            tr.t("Daily digest at (Amsterdam time)"),
            FieldKind::Select(digest_options(tr, &digest)),
        )
        .value(digest),
        Field::new(
            "language",
            tr.t("Language of the console and the e-mails"),
            FieldKind::Select(vec![
                ("nl".into(), tr.t("Dutch").into()),
                ("en".into(), tr.t("English").into()),
            ]),
        )
        .value(language),
    ];
    if let Some((_, error)) = typed {
        say_refusal(tr, &mut s, &mut fields, error);
    }
    s.push(Body::Form(FormV {
        id: "preferences".into(),
        action: "/me/notifications".into(),
        post: true,
        fields,
        submit: tr.t("Save").into(),
    }));
    let mut out = vec![s];
    if me.s.who.may("PersonService/ListRecipients") {
        out.push(
            Section::new(tr.t("Everyone's alerts")).with(Body::Links(vec![(
                tr.t("Who receives what, per customer").into(),
                "/people/recipients".into(),
            )])),
        );
    }
    out
}

fn not_a_person(tr: Tr) -> Vec<Section> {
    vec![Section::new(tr.t("My notifications")).with(Body::Message {
        tone: Tone::Warn,
        text: tr
            .t("E-mail alerts are a person's own: sign in through your organisation's identity provider to choose yours.")
            .into(),
    })]
}

async fn mine(State(st): State<AppState>, me: Signed) -> Response {
    let tr = me.tr;
    if me.s.who.person.is_empty() {
        return web::page(&me, tr.t("My notifications"), "", &not_a_person(tr));
    }
    let r = async {
        let p = people(&st)
            .get_preferences(me.s.req(pb::GetPreferencesRequest {}))
            .await?
            .into_inner();
        Ok(web::page(
            &me,
            tr.t("My notifications"),
            "",
            &mine_sections(tr, &me, &p, None),
        ))
    }
    .await;
    web::done(&me, r)
}

async fn save(State(st): State<AppState>, me: Signed, body: Bytes) -> Response {
    let tr = me.tr;
    let mut c = Choice::default();
    let mut csrf = String::new();
    for (k, v) in url::form_urlencoded::parse(&body) {
        match k.as_ref() {
            "alerts" => c.alerts.push(v.into_owned()),
            "digest_at" => c.digest_at = v.into_owned(),
            "language" => c.language = v.into_owned(),
            "csrf" => csrf = v.into_owned(),
            _ => {}
        }
    }
    if let Err(e) = web::check_csrf(&me, &csrf) {
        return e.render(&me);
    }
    if me.s.who.person.is_empty() {
        return web::page(&me, tr.t("My notifications"), "", &not_a_person(tr));
    }
    let mut client = people(&st);
    let saved = client
        .set_preferences(me.s.req(pb::SetPreferencesRequest {
            alerts: c.alerts.clone(),
            digest_at: c.digest_at.clone(),
            language: c.language.clone(),
        }))
        .await;
    match saved {
        Ok(p) => {
            let p = p.into_inner();
            me.say_done(
                crate::i18n::Tr(crate::i18n::Lang::parse(&p.language).unwrap_or_default())
                    .t("Your choices were saved."),
            );
            // The language cookie follows the choice.
            Redirect::to(&format!("/lang/{}?back=/me/notifications", p.language)).into_response()
        }
        Err(e) if e.code() == tonic::Code::InvalidArgument => {
            let r = async {
                let p = client
                    .get_preferences(me.s.req(pb::GetPreferencesRequest {}))
                    .await?
                    .into_inner();
                Ok(web::page_or_refused(
                    &me,
                    true,
                    tr.t("My notifications"),
                    "",
                    &mine_sections(
                        tr,
                        &me,
                        &p,
                        Some((&c, &crate::phrases::refusal(tr, e.message()))),
                    ),
                ))
            }
            .await;
            web::done(&me, r)
        }
        Err(e) => web::Failure::from(e).render(&me),
    }
}

async fn recipients(State(st): State<AppState>, me: Signed) -> Response {
    let r = recipients_page(&st, &me).await;
    web::done(&me, r)
}

fn names_cell(tr: Tr, names: &[String]) -> Cell {
    if names.is_empty() {
        Cell::state(tr.t("no one"), Tone::Bad)
    } else {
        Cell::text(names.join(", "))
    }
}

async fn recipients_page(st: &AppState, me: &Signed) -> PageResult {
    let tr = me.tr;
    let r = people(st)
        .list_recipients(me.s.req(pb::ListRecipientsRequest {}))
        .await?
        .into_inner();
    let mut head = Section::new(tr.t("Alerts per customer"));
    if !r.email_configured {
        head.push(Body::Message {
            tone: Tone::Warn,
            text: tr
                .t("This installation sends no e-mail yet: its operator has not set up a mail relay. The table shows what people chose.")
                .into(),
        });
    }
    let unwatched: Vec<String> = r
        .tenants
        .iter()
        .filter(|t| !t.unwatched.is_empty())
        .map(|t| {
            format!(
                "{} ({})",
                t.tenant_name,
                t.unwatched
                    .iter()
                    .map(|w| topic_word(tr, w).to_lowercase())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
        .collect();
    if unwatched.is_empty() {
        head.push(Body::Message {
            tone: Tone::Good,
            text: tr
                .t("Every customer has someone alerted about each of its topics.")
                .into(),
        });
    } else {
        head.push(Body::Message {
            tone: Tone::Warn,
            text: format!(
                "{} {}",
                tr.t("No one is alerted about these customers' topics; invite a person or ask one to turn the alert on:"),
                unwatched.join("; ")
            ),
        });
    }
    let topics: Vec<Topic> = proto::alerts::topics_for(Some(""));
    let mut columns: Vec<String> = vec![tr.t("Customer").into()];
    columns.extend(topics.iter().map(|t| topic_label(tr, *t)));
    columns.push(tr.t("Daily digest").into());
    let rows: Vec<Vec<Cell>> = r
        .tenants
        .iter()
        .map(|t| {
            let mut row = vec![Cell::text(t.tenant_name.clone())];
            for topic in &topics {
                let names = t
                    .topics
                    .iter()
                    .find(|x| x.topic == topic.as_str())
                    .map(|x| x.names.clone())
                    .unwrap_or_default();
                row.push(names_cell(tr, &names));
            }
            row.push(names_cell(tr, &t.digest));
            row
        })
        .collect();
    let cols: Vec<&str> = columns.iter().map(String::as_str).collect();
    head.push(Body::Table(table(
        tr.t("Per customer: who is alerted about each topic"),
        &cols,
        rows,
        tr.t("No customers yet."),
    )));
    let mut out = vec![head];
    if let Some(p) = &r.processor {
        let rows: Vec<Vec<Cell>> = p
            .topics
            .iter()
            .map(|t| {
                vec![
                    Cell::text(match t.topic.as_str() {
                        "breaches" => tr.t("Incidents before their assessment").to_owned(),
                        other => topic_word(tr, other),
                    }),
                    names_cell(tr, &t.names),
                ]
            })
            .collect();
        out.push(
            Section::new(tr.t("The processor's own")).with(Body::Table(table(
                tr.t("What concerns no customer yet"),
                &[tr.t("Topic"), tr.t("Alerted")],
                rows,
                "",
            ))),
        );
    }
    Ok(web::page(me, tr.t("Who receives what"), "", &out))
}

#[derive(Deserialize, Default)]
pub struct MailFilter {
    #[serde(default)]
    pub status: String,
}

const STATUSES: [(&str, &str); 4] = [
    ("dead", "given up"),
    ("pending", "waiting"),
    ("sent", "sent"),
    ("withdrawn", "withdrawn: done before it was sent"),
];

fn status_cell(tr: Tr, s: &str) -> Cell {
    let tone = match s {
        "dead" => Tone::Bad,
        "pending" => Tone::Warn,
        "sent" => Tone::Good,
        _ => Tone::Neutral,
    };
    let word = STATUSES
        .iter()
        .find(|(w, _)| *w == s)
        .map(|(_, l)| tr.t(l).to_owned())
        .unwrap_or_else(|| s.to_owned());
    Cell::state(word, tone)
}

fn kind_word(tr: Tr, kind: &str, topic: &str) -> String {
    match kind {
        "digest" => tr.t("daily digest").into(),
        "event" => format!(
            "{}: {}",
            tr.t("event"),
            topic_word(tr, topic).to_lowercase()
        ),
        _ => format!(
            "{}: {}",
            tr.t("deadline alert"),
            topic_word(tr, topic).to_lowercase()
        ),
    }
}

async fn mails(State(st): State<AppState>, me: Signed, Query(f): Query<MailFilter>) -> Response {
    let r = mails_page(&st, &me, &f.status, None).await;
    web::done(&me, r)
}

async fn mails_page(
    st: &AppState,
    me: &Signed,
    status: &str,
    refused: Option<(&str, &str, &str)>,
) -> PageResult {
    let tr = me.tr;
    let c = notifications(st);
    let status = STATUSES
        .iter()
        .find(|(w, _)| *w == status)
        .map(|(w, _)| *w)
        .unwrap_or("");
    let list = collect(2_000, |token| {
        let mut c = c.clone();
        let req = me.s.req(pb::ListEmailsRequest {
            status: status.to_owned(),
            page: page(500, token),
        });
        async move {
            let r = c.list_emails(req).await?.into_inner();
            Ok((r.emails, r.next_page_token))
        }
    })
    .await?;
    let p = people(st);
    let everyone = collect(5_000, |token| {
        let mut p = p.clone();
        let req = me.s.req(pb::ListPeopleRequest {
            tenant_id: String::new(),
            include_removed: true,
            page: page(500, token),
        });
        async move {
            let r = p.list_people(req).await?.into_inner();
            Ok((r.people, r.next_page_token))
        }
    })
    .await?;
    let name = |id: &str, address: &str| {
        everyone
            .iter()
            .find(|p| p.id == id)
            .map(|p| format!("{} ({address})", p.name))
            .unwrap_or_else(|| address.to_owned())
    };
    let names = tenant_names(st, me).await?;
    let mut s = Section::new(tr.t("E-mails to people"));
    let mut links = vec![(tr.t("All").to_owned(), "/mail".to_owned())];
    links.extend(
        STATUSES
            .iter()
            .map(|(w, l)| (capitalised(tr.t(l)), format!("/mail?status={w}"))),
    );
    s.push(Body::Links(links));
    let dead: Vec<&pb::Email> = list.iter().filter(|m| m.status == "dead").collect();
    if !dead.is_empty() {
        s.push(Body::Message {
            tone: Tone::Bad,
            text: tr
                .t("Some e-mails were given up after every attempt failed. Mend the cause (the relay's answer is in the table), then send them again below.")
                .into(),
        });
    }
    let rows: Vec<Vec<Cell>> = list
        .iter()
        .map(|m| {
            vec![
                Cell::time(tr, &m.created_at),
                Cell::text(name(&m.person_id, &m.address)),
                Cell::text(kind_word(tr, &m.kind, &m.topic)),
                Cell::text(m.subject.clone()),
                Cell::text(names.get(&m.tenant_id).cloned().unwrap_or_default()),
                status_cell(tr, &m.status),
                Cell::text(m.attempts.to_string()),
                Cell::time(
                    tr,
                    if m.sent_at.is_empty() {
                        &m.next_attempt_at
                    } else {
                        &m.sent_at
                    },
                ),
                Cell::text(m.last_error.clone()),
            ]
        })
        .collect();
    s.push(Body::Table(table(
        tr.t("Newest first"),
        &[
            tr.t("Planned"),
            tr.t("To"),
            tr.t("Kind"),
            tr.t("Subject"),
            tr.t("Customer"),
            tr.t("Status"),
            tr.t("Attempts"),
            tr.t("Sent, or next attempt"),
            tr.t("Relay's answer"),
        ],
        rows,
        tr.t("No e-mails."),
    )));
    let mut out = vec![s];
    if !dead.is_empty() {
        let options: Vec<(String, String)> = dead
            .iter()
            .map(|m| {
                (
                    m.id.clone(),
                    format!("{}: {}", name(&m.person_id, &m.address), m.subject),
                )
            })
            .collect();
        let mut fields = vec![
            Field::new("id", tr.t("E-mail"), FieldKind::Select(options)).required(),
            Field::new("reason", tr.t("Why it can be sent now"), FieldKind::Text).required(),
        ];
        let mut again = Section::new(tr.t("Send a given-up e-mail again"));
        if let Some((id, reason, error)) = refused {
            fields[0].value = id.to_owned();
            fields[1].value = reason.to_owned();
            say_refusal(tr, &mut again, &mut fields, error);
        }
        again.push(Body::Form(FormV {
            id: "retry".into(),
            action: "/mail/retry".into(),
            post: true,
            fields,
            submit: tr.t("Send again").into(),
        }));
        out.push(again);
    }
    Ok(web::page_or_refused(
        me,
        refused.is_some(),
        tr.t("E-mails"),
        "",
        &out,
    ))
}

#[derive(Deserialize)]
pub struct RetryForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    id: String,
    #[serde(default)]
    reason: String,
}

async fn retry(
    State(st): State<AppState>,
    me: Signed,
    axum::Form(f): axum::Form<RetryForm>,
) -> Response {
    if let Err(e) = web::check_csrf(&me, &f.csrf) {
        return e.render(&me);
    }
    let sent = notifications(&st)
        .retry_email(me.s.req(pb::RetryEmailRequest {
            id: f.id.clone(),
            reason: f.reason.clone(),
        }))
        .await;
    match sent {
        Ok(_) => {
            me.say_done(me.tr.t("The e-mail will be sent again."));
            Redirect::to("/mail").into_response()
        }
        Err(e) if e.code() == tonic::Code::InvalidArgument => {
            let said = crate::phrases::refusal(me.tr, e.message());
            let r = mails_page(&st, &me, "", Some((&f.id, &f.reason, &said))).await;
            web::done(&me, r)
        }
        Err(e) => web::Failure::from(e).render(&me),
    }
}
