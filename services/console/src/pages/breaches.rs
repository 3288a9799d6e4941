//! Breaches: the incidents and the notices to controllers, with their live
//! clocks (the processor → controller SLA, the 72 hours in both readings,
//! the art. 34 state), the art. 33(3) content checklist, the phased sends
//! and their delivery, the authority draft and the art. 33(5) register.

use axum::Form;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use proto::v1 as pb;
use serde::Deserialize;

use super::{id_ok, instant as parse, list, table, tenant_cell, tenant_names};
use crate::backend::Service;
use crate::i18n::Tr;
use crate::view::{Body, Cell, Field, FieldKind, Form as FormV, Section, Tone};
use crate::web::{self, AppState, Failure, Kept, PageResult, Signed, state};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/breaches", get(index).post(report))
        .route("/breaches/register", get(register))
        .route("/breaches/{id}", get(incident))
        .route("/breaches/{id}/assess", post(assess))
        .route("/breaches/{id}/clocks", get(incident_clocks))
        .route("/breaches/notices/{id}", get(notice))
        .route("/breaches/notices/{id}/clocks", get(notice_clocks))
        .route("/breaches/notices/{id}/preview", get(preview))
        .route("/breaches/notices/{id}/send", post(send))
        .route("/breaches/{id}/preview", get(preview_all))
        .route("/breaches/{id}/send", post(send_all))
        .route("/breaches/notices/{id}/acknowledge", post(acknowledge))
        .route("/breaches/notices/{id}/authority", post(authority))
        .route("/breaches/notices/{id}/subjects", post(subjects))
        .route("/breaches/notices/{id}/draft", get(draft))
        .route(
            "/breaches/notices/{id}/authority-draft",
            get(super::authority_draft::page),
        )
}

type Client = pb::breach_service_client::BreachServiceClient<tonic::transport::Channel>;

/// An incident's title on a page: the first words of its description.
pub fn incident_title(description: &str) -> String {
    let first = description.lines().next().unwrap_or_default().trim();
    if first.chars().count() <= 60 {
        first.to_owned()
    } else {
        let cut: String = first.chars().take(59).collect();
        format!("{}…", cut.trim_end())
    }
}

/// Incident titles by id, for the notices that name their incident.
type Titles = std::collections::HashMap<String, String>;

fn client(st: &AppState) -> Client {
    Client::new(st.backend.channel(Service::Breaches))
}

async fn all_notices(
    st: &AppState,
    me: &Signed,
    incident: &str,
) -> Result<Vec<pb::BreachNotice>, Failure> {
    let c = client(st);
    super::collect(10_000, |token| {
        let mut c = c.clone();
        let req = me.s.req(pb::ListBreachNoticesRequest {
            page: super::page(500, token),
            controller_id: String::new(),
            incident_id: incident.to_owned(),
        });
        async move {
            let r = c.list_breach_notices(req).await?.into_inner();
            Ok((r.notices, r.next_page_token))
        }
    })
    .await
}

async fn index(State(st): State<AppState>, me: Signed) -> Response {
    let r = async {
        let tr = me.tr;
        let mut sections = Vec::new();
        let mut titles = Titles::new();
        if me.s.who.may("BreachService/ListIncidents") {
            let incidents = client(&st)
                .list_incidents(me.s.req(pb::ListIncidentsRequest {
                    page: Some(pb::PageRequest {
                        page_size: 500,
                        page_token: String::new(),
                    }),
                    status: String::new(),
                }))
                .await?
                .into_inner()
                .incidents;
            titles.extend(
                incidents
                    .iter()
                    .map(|i| (i.id.clone(), incident_title(&i.description))),
            );
            let rows = incidents
                .iter()
                .map(|i| {
                    vec![
                        Cell::link(
                            format!("/breaches/{}", i.id),
                            incident_title(&i.description),
                        ),
                        state(tr, &i.status),
                        Cell::time(tr, &i.discovered_at),
                        Cell::text(&i.discovered_by),
                        Cell::text(&i.description),
                        Cell::Lines(i.systems.clone()),
                    ]
                })
                .collect();
            sections.push(Section::new(tr.t("Incidents")).with(Body::Table(table(
                tr.t("Incidents"),
                &[
                    tr.t("Incident"),
                    tr.t("Status"),
                    tr.t("Discovered"),
                    tr.t("Discovered by"),
                    tr.t("Description"),
                    tr.t("Systems"),
                ],
                rows,
                "–",
            ))));
        }
        let notices = all_notices(&st, &me, "").await?;
        let names = tenant_names(&st, &me).await?;
        sections.push(notices_section(tr, &names, &titles, &notices));
        if me.s.who.may("BreachService/ReportIncident") {
            sections.push(report_form(tr));
        }
        if me.s.who.may("BreachService/ExportRegister") {
            sections.push(Section::new(tr.t("Downloads")).with(Body::Links(vec![
                (
                    format!("{} (CSV)", tr.t("Register of breaches (art. 33(5))")),
                    "/breaches/register?format=csv".into(),
                ),
                (
                    format!("{} (Markdown)", tr.t("Register of breaches (art. 33(5))")),
                    "/breaches/register?format=markdown".into(),
                ),
                (
                    format!("{} (JSON)", tr.t("Register of breaches (art. 33(5))")),
                    "/breaches/register?format=json".into(),
                ),
            ])));
        }
        Ok(web::page(&me, tr.t("Breaches"), "", &sections))
    }
    .await;
    web::done(&me, r)
}

/// What a notice is called on a page: the breach it is about, by its
/// incident's title where the reader may see it, else by when the notice
/// was made.
fn notice_label(tr: Tr, titles: &Titles, n: &pb::BreachNotice) -> String {
    match titles.get(&n.incident_id) {
        Some(t) => t.clone(),
        None => format!(
            "{} {}",
            tr.t("breach notified on"),
            super::instant(&n.created_at)
                .map(|t| crate::when::instant(tr, t))
                .unwrap_or_default()
        ),
    }
}

fn notices_section(
    tr: Tr,
    names: &std::collections::HashMap<String, String>,
    titles: &Titles,
    notices: &[pb::BreachNotice],
) -> Section {
    let now = Utc::now();
    let rows = notices
        .iter()
        .map(|n| {
            vec![
                Cell::link(
                    format!("/breaches/notices/{}", n.id),
                    notice_label(tr, titles, n),
                ),
                tenant_cell(names, &n.controller_id),
                state(tr, &n.status),
                clock_state(tr, n.controller_clock.as_ref(), now),
                clock_state(tr, n.authority_clock.as_ref(), now),
                state(tr, &n.subject_communication),
            ]
        })
        .collect();
    Section::new(tr.t("Notices to controllers")).with(Body::Table(table(
        tr.t("Notices to controllers"),
        &[
            tr.t("Notice"),
            tr.t("Controller"),
            tr.t("Status"),
            tr.t("Processor → controller (agreed SLA)"),
            tr.t("Authority, 72 hours (art. 33(1))"),
            tr.t("Data subjects (art. 34)"),
        ],
        rows,
        "–",
    )))
}

/// A clock's state in words, with the time left on an open one.
fn clock_state(tr: Tr, c: Option<&pb::Clock>, now: DateTime<Utc>) -> Cell {
    let Some(c) = c else { return Cell::Empty };
    let open = c.done_at.is_empty()
        && !matches!(c.state.as_str(), "met" | "late" | "not_required" | "done");
    match (open, parse(&c.strict)) {
        (true, Some(due)) => {
            let left = (due - now).num_seconds();
            let tone = if left < 0 {
                Tone::Bad
            } else if left < 12 * 3600 {
                Tone::Warn
            } else {
                Tone::Neutral
            };
            Cell::state(
                format!("{} · {}", c.state.replace('_', " "), tr.remaining(left)),
                tone,
            )
        }
        _ => state(tr, &c.state),
    }
}

/// Tenants' legal names by id (`super::tenant_names`).
type Names = std::collections::HashMap<String, String>;

fn clocks_table(tr: Tr, names: &Names, n: &pb::BreachNotice) -> Body {
    let now = Utc::now();
    let mut rows = Vec::new();
    for (label, c) in [
        (
            tr.t("Processor → controller (agreed SLA)"),
            n.controller_clock.as_ref(),
        ),
        (
            tr.t("Authority, 72 hours (art. 33(1))"),
            n.authority_clock.as_ref(),
        ),
    ] {
        if let Some(c) = c {
            rows.push(vec![
                Cell::text(label),
                super::tenant_cell(names, &n.controller_id),
                clock_state(tr, Some(c), now),
                Cell::due(tr, &c.strict),
                Cell::due(tr, &c.lenient),
                Cell::time(tr, &c.done_at),
                Cell::text(crate::phrases::rule_name(tr, &c.rule)),
                Cell::notes(
                    tr,
                    &c.notes
                        .iter()
                        .cloned()
                        .chain((!c.basis.is_empty()).then(|| c.basis.clone()))
                        .collect::<Vec<_>>(),
                ),
            ]);
        }
    }
    rows.push(vec![
        Cell::text(tr.t("Data subjects (art. 34)")),
        super::tenant_cell(names, &n.controller_id),
        state(
            tr,
            if n.subject_communication.is_empty() {
                "open"
            } else {
                &n.subject_communication
            },
        ),
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        Cell::text(format!(
            "{}: {}",
            tr.t("Risk"),
            super::vocab_word(tr, crate::web::STATES, &n.risk)
        )),
    ]);
    let controller = names
        .get(&n.controller_id)
        .cloned()
        .unwrap_or_else(|| tr.t("the controller").to_owned());
    Body::Table(table(
        &format!("{} {controller}", tr.t("Notice to")),
        &[
            tr.t("Clock"),
            tr.t("Controller"),
            tr.t("State"),
            tr.t("Due (strict reading)"),
            tr.t("Due (lenient reading)"),
            tr.t("Sent"),
            tr.t("Rule"),
            tr.t("Notes"),
        ],
        rows,
        "",
    ))
}

fn incident_clocks_section(
    tr: Tr,
    names: &Names,
    id: &str,
    notices: &[pb::BreachNotice],
) -> Section {
    let mut s = Section::new(tr.t("Clocks")).live("clocks", format!("/breaches/{id}/clocks"));
    if notices.is_empty() {
        s.push(Body::Message {
            tone: Tone::Neutral,
            text: tr.t("Not yet assessed.").into(),
        });
    }
    for n in notices {
        s.push(clocks_table(tr, names, n));
    }
    s
}

async fn get_incident(st: &AppState, me: &Signed, id: &str) -> Result<pb::Incident, Failure> {
    if !id_ok(id) {
        return Err(Failure::NotFound);
    }
    Ok(client(st)
        .get_incident(me.s.req(pb::GetIncidentRequest { id: id.to_owned() }))
        .await?
        .into_inner())
}

async fn incident(State(st): State<AppState>, me: Signed, Path(id): Path<String>) -> Response {
    let r = incident_page(&st, &me, &id, None).await;
    web::done(&me, r)
}

/// The incident's page; `typed`: the assessment form as the person sent
/// it, with why it was refused (the page then answers 400).
async fn incident_page(
    st: &AppState,
    me: &Signed,
    id: &str,
    typed: Option<(super::assessment::Input, String)>,
) -> PageResult {
    {
        let tr = me.tr;
        let i = get_incident(st, me, id).await?;
        let mut facts = vec![
            (tr.t("Status").to_owned(), state(tr, &i.status)),
            (
                tr.t("Discovered").to_owned(),
                Cell::time(tr, &i.discovered_at),
            ),
            (
                tr.t("Discovered by").to_owned(),
                Cell::text(&i.discovered_by),
            ),
            (tr.t("Description").to_owned(), Cell::text(&i.description)),
            (tr.t("Systems").to_owned(), Cell::Lines(i.systems.clone())),
        ];
        if !i.internal_notes.is_empty() {
            facts.push((
                tr.t("Internal notes").to_owned(),
                Cell::text(&i.internal_notes),
            ));
        }
        if !i.dismissal_basis.is_empty() {
            facts.push((
                tr.t("Reason for a dismissal").to_owned(),
                Cell::text(format!("{}: {}", i.dismissal_basis, i.dismissal_reason)),
            ));
        }
        if let Some(a) = &i.assessment {
            facts.push((tr.t("Risk").to_owned(), state(tr, &a.risk)));
            facts.push((tr.t("Summary").to_owned(), Cell::text(&a.summary)));
        }
        let mut sections = vec![Section::new(tr.t("Incident")).with(Body::Facts(facts))];
        let names = tenant_names(st, me).await?;
        sections.push(incident_clocks_section(tr, &names, &i.id, &i.notices));
        let titles: Titles = [(i.id.clone(), incident_title(&i.description))].into();
        sections.push(notices_section(tr, &names, &titles, &i.notices));
        let open: Vec<&pb::BreachNotice> = i
            .notices
            .iter()
            .filter(|n| n.status != "cancelled")
            .collect();
        if i.status == "confirmed" && !open.is_empty() && me.s.who.may("BreachService/SendNotice") {
            sections.push(send_all_form(tr, &i.id, open.len()));
        }
        let tl = client(st)
            .get_timeline(me.s.req(pb::GetTimelineRequest {
                incident_id: i.id.clone(),
            }))
            .await?
            .into_inner();
        let tokens = super::token_names(st, me).await;
        sections.push(timeline(tr, &names, &tokens, &tl));
        let assessable = matches!(i.status.as_str(), "reported" | "confirmed");
        if assessable && me.s.who.may("BreachService/AssessIncident") {
            let again = i.status == "confirmed";
            let (input, error) = match typed {
                Some((input, error)) => (input, Some(error)),
                None => (
                    i.assessment
                        .as_ref()
                        .filter(|_| again)
                        .map(super::assessment::Input::from_assessment)
                        .unwrap_or_else(|| super::assessment::Input {
                            decision: "confirm".into(),
                            ..Default::default()
                        }),
                    None,
                ),
            };
            let refused = error.is_some();
            sections.push(super::assessment::form(
                tr,
                &i.id,
                &names,
                &input,
                again,
                error.as_deref(),
            ));
            let title = format!("{}: {}", tr.t("Incident"), incident_title(&i.description));
            if refused {
                return Ok(web::page_status(
                    me,
                    axum::http::StatusCode::BAD_REQUEST,
                    &title,
                    &i.description,
                    &sections,
                ));
            }
        }
        Ok(web::page(
            me,
            &format!("{}: {}", tr.t("Incident"), incident_title(&i.description)),
            &i.description,
            &sections,
        ))
    }
}

fn timeline(
    tr: Tr,
    names: &Names,
    tokens: &std::collections::HashMap<String, String>,
    tl: &pb::Timeline,
) -> Section {
    let rows = tl
        .events
        .iter()
        .map(|e| {
            vec![
                Cell::time(tr, &e.at),
                Cell::text(crate::phrases::event_name(tr, &e.kind)),
                super::tenant_cell(names, &e.controller_id),
                Cell::text(super::name_ids(
                    tr,
                    &crate::phrases::say(tr, &e.summary),
                    names,
                    tokens,
                )),
            ]
        })
        .collect();
    Section::new(tr.t("Timeline")).with(Body::Table(table(
        tr.t("Timeline"),
        &[
            tr.t("When"),
            tr.t("What"),
            tr.t("Controller"),
            tr.t("Description"),
        ],
        rows,
        "–",
    )))
}

async fn incident_clocks(
    State(st): State<AppState>,
    me: Signed,
    Path(id): Path<String>,
) -> Response {
    let r = async {
        let i = get_incident(&st, &me, &id).await?;
        Ok(web::fragment(
            &me,
            &incident_clocks_section(me.tr, &tenant_names(&st, &me).await?, &i.id, &i.notices),
        ))
    }
    .await;
    web::done(&me, r)
}

async fn get_notice(st: &AppState, me: &Signed, id: &str) -> Result<pb::BreachNotice, Failure> {
    if !id_ok(id) {
        return Err(Failure::NotFound);
    }
    Ok(client(st)
        .get_breach_notice(me.s.req(pb::GetBreachNoticeRequest { id: id.to_owned() }))
        .await?
        .into_inner())
}

fn notice_clocks_section(tr: Tr, names: &Names, n: &pb::BreachNotice) -> Section {
    Section::new(tr.t("Clocks"))
        .live("clocks", format!("/breaches/notices/{}/clocks", n.id))
        .with(clocks_table(tr, names, n))
}

/// The notice's incident title, where the reader may read the incident.
async fn notice_titles(st: &AppState, me: &Signed, n: &pb::BreachNotice) -> Titles {
    if !me.s.who.may("BreachService/GetIncident") || me.s.who.tenant_bound() {
        return Titles::new();
    }
    match get_incident(st, me, &n.incident_id).await {
        Ok(i) => [(i.id, incident_title(&i.description))].into(),
        Err(_) => Titles::new(),
    }
}

async fn notice(State(st): State<AppState>, me: Signed, Path(id): Path<String>) -> Response {
    let r = notice_page(&st, &me, &id, None).await;
    web::done(&me, r)
}

async fn notice_page(st: &AppState, me: &Signed, id: &str, kept: Option<Kept>) -> PageResult {
    {
        let tr = me.tr;
        let n = get_notice(st, me, id).await?;
        let names = tenant_names(st, me).await?;
        let names = &names;
        let titles = notice_titles(st, me, &n).await;
        let label = notice_label(tr, &titles, &n);
        let facts = vec![
            (
                tr.t("Incident").to_owned(),
                if titles.contains_key(&n.incident_id) {
                    Cell::link(format!("/breaches/{}", n.incident_id), label.clone())
                } else {
                    Cell::text(label.clone())
                },
            ),
            (
                tr.t("Controller").to_owned(),
                super::tenant_cell(names, &n.controller_id),
            ),
            (
                tr.t("Agreement").to_owned(),
                Cell::link(
                    format!("/agreements/{}", n.agreement_id),
                    tr.t("the processing agreement in force"),
                ),
            ),
            (tr.t("Status").to_owned(), state(tr, &n.status)),
            (
                tr.t("SLA (hours)").to_owned(),
                Cell::text(n.sla_hours.to_string()),
            ),
            (tr.t("Risk").to_owned(), state(tr, &n.risk)),
            (
                tr.t("Acknowledge").to_owned(),
                Cell::time(tr, &n.acknowledged_at),
            ),
        ];
        let mut sections = vec![
            Section::new(tr.t("Notice")).with(Body::Facts(facts)),
            notice_clocks_section(tr, names, &n),
        ];
        // What the controller received: the latest send, item by item.
        if let Some(last) = n.sends.last()
            && let Ok(body) = serde_json::from_str::<serde_json::Value>(&last.content)
        {
            sections.push(
                Section::new(tr.t("What the controller received"))
                    .with(Body::Facts(super::notice_view::facts(tr, &body))),
            );
        }
        let content = n
            .content
            .iter()
            .map(|c| {
                vec![
                    Cell::text(item_word(tr, &c.key)),
                    Cell::text(crate::phrases::say(tr, &c.citation)),
                    if c.known {
                        Cell::state(tr.t("known"), Tone::Good)
                    } else {
                        Cell::state(tr.t("still missing"), Tone::Bad)
                    },
                ]
            })
            .collect();
        sections.push(
            Section::new(tr.t("Content of the notice (art. 33(3))")).with(Body::Table(table(
                tr.t("Content of the notice (art. 33(3))"),
                &[tr.t("Item"), tr.t("Citation"), tr.t("State")],
                content,
                "–",
            ))),
        );
        let tokens = super::token_names(st, me).await;
        let bodies: Vec<Option<serde_json::Value>> = n
            .sends
            .iter()
            .map(|s| serde_json::from_str(&s.content).ok())
            .collect();
        let sends = n
            .sends
            .iter()
            .enumerate()
            .map(|(k, s)| {
                // What this send changed from the one before (art. 33(4)).
                let changed = match (
                    k.checked_sub(1).and_then(|j| bodies[j].as_ref()),
                    &bodies[k],
                ) {
                    (Some(before), Some(after)) => {
                        let c = super::notice_view::changes(tr, before, after);
                        if c.is_empty() {
                            Cell::text(tr.t("nothing new"))
                        } else {
                            Cell::Lines(c)
                        }
                    }
                    _ => Cell::text("–"),
                };
                vec![
                    Cell::text(format!(
                        "{} #{}",
                        super::vocab_word(tr, &PHASES, &s.phase),
                        s.sequence
                    )),
                    Cell::time(tr, &s.sent_at),
                    Cell::text(super::actor_words(tr, &tokens, &s.sent_by, "admin")),
                    changed,
                    Cell::Lines(s.missing.iter().map(|m| item_word(tr, m)).collect()),
                    match &s.delivery {
                        Some(d) => {
                            Cell::link(format!("/webhooks/{}", d.id), d.status.replace('_', " "))
                        }
                        None => Cell::Empty,
                    },
                ]
            })
            .collect();
        sections.push(Section::new(tr.t("Sent")).with(Body::Table(table(
            tr.t("Sent"),
            &[
                tr.t("Phase"),
                tr.t("Sent"),
                tr.t("Actor"),
                tr.t("What changed"),
                tr.t("still missing"),
                tr.t("Delivery"),
            ],
            sends,
            "–",
        ))));
        if me.s.who.may("BreachService/PreviewNotice") && n.status != "cancelled" {
            sections.push(preview_form(tr, &n.id, n.sends.is_empty()));
        }
        if me.s.who.may("BreachService/AcknowledgeNotice") && n.acknowledged_at.is_empty() {
            sections.push(acknowledge_form(tr, &n.id, kept.as_ref()));
        }
        sections.push(authority_section(tr, me, &n, kept.as_ref()));
        sections.push(subjects_section(tr, me, &n, kept.as_ref()));
        if me.s.who.may("BreachService/GetAuthorityDraft") {
            sections.push(Section::new(tr.t("Authority draft")).with(Body::Links(vec![
                (
                    tr.t("The draft on screen, in the order of the AP's form (to print)")
                        .to_owned(),
                    format!("/breaches/notices/{}/authority-draft", n.id),
                ),
                (
                    format!("{} (Markdown)", tr.t("Authority draft")),
                    format!("/breaches/notices/{}/draft?format=markdown", n.id),
                ),
                (
                    format!("{} (JSON)", tr.t("Authority draft")),
                    format!("/breaches/notices/{}/draft?format=json", n.id),
                ),
            ])));
        }
        let controller = names
            .get(&n.controller_id)
            .cloned()
            .unwrap_or_else(|| tr.t("the controller").to_owned());
        let title = format!("{} {controller}: {label}", tr.t("Notice to"));
        Ok(web::page_or_refused(
            me,
            kept.is_some(),
            &title,
            "",
            &sections,
        ))
    }
}

/// A content item's key in words.
fn item_word(tr: Tr, key: &str) -> String {
    super::vocab_word(tr, &super::notice_view::ITEMS, key)
}

const PHASES: [(&str, &str); 3] = [
    ("initial", "the first notification"),
    ("supplement", "a supplement (new information)"),
    ("withdrawal", "a withdrawal"),
];

pub(crate) const SUBJECT_DECISIONS: [(&str, &str); 5] = [
    ("communicate", "the people are told (art. 34(1))"),
    (
        "exception_34_3_a",
        "not told: the data was unintelligible to others, such as encrypted with the key safe (art. 34(3)(a))",
    ),
    (
        "exception_34_3_b",
        "not told: later measures keep the high risk from materialising (art. 34(3)(b))",
    ),
    (
        "exception_34_3_c",
        "not told one by one: a public communication instead (art. 34(3)(c))",
    ),
    (
        "not_required",
        "not required: the risk to people is not high",
    ),
];

/// The controller's notification to the supervisory authority (art. 33):
/// what was recorded, and the form to record one (a customer's DPO for its
/// own notice; the processor where the agreement lets it notify).
fn authority_section(tr: Tr, me: &Signed, n: &pb::BreachNotice, kept: Option<&Kept>) -> Section {
    let rows = n
        .authority_notifications
        .iter()
        .map(|a| {
            vec![
                Cell::text(super::vocab_word(tr, &PHASES, &a.phase)),
                Cell::time(tr, &a.notified_at),
                Cell::text(if a.by_party == "processor" {
                    tr.t("the processor")
                } else {
                    tr.t("the controller")
                }),
                Cell::text(&a.reference),
                if a.late {
                    Cell::state(tr.t("late"), Tone::Bad)
                } else {
                    Cell::text(tr.t("in time"))
                },
                Cell::text(&a.reasons_for_delay),
            ]
        })
        .collect();
    let mut s =
        Section::new(tr.t("Notification to the authority (art. 33)")).with(Body::Table(table(
            tr.t("Notification to the authority (art. 33)"),
            &[
                tr.t("Phase"),
                tr.t("Notified"),
                tr.t("By"),
                tr.t("The authority's reference"),
                tr.t("In time"),
                tr.t("Reasons for the delay"),
            ],
            rows,
            "–",
        )));
    let may = me.s.who.may("BreachService/RecordAuthorityNotification")
        && (me.s.who.tenant_bound() || n.processor_may_notify_authority)
        && n.status != "cancelled";
    if may {
        let mut fields = vec![
                Field::new("phase", tr.t("Phase"), FieldKind::Select(super::vocab_options(tr, &PHASES))).value(
                    if n.authority_notifications.is_empty() {
                        "initial"
                    } else {
                        "supplement"
                    },
                ),
                Field::new("notified_at", tr.t("Notified"), FieldKind::Instant)
                    .required()
                    .value(crate::when::input_value(Utc::now()))
                    .help(tr.t(AMSTERDAM_HELP)),
                Field::new("reference", tr.t("The authority's reference"), FieldKind::Text)
                    .help(tr.t("The number the Autoriteit Persoonsgegevens gave the notification.")),
                Field::new(
                    "reasons_for_delay",
                    tr.t("Reasons for the delay"),
                    FieldKind::TextArea,
                )
                .help(tr.t("Required when the first notification comes after the 72 hours (art. 33(1)).")),
                web::confirm_field(tr.t("I understand: this records that the authority was notified, and it cannot be taken back.")),
            ];
        web::refill(&mut s, &mut fields, kept, "authority", tr);
        s.push(Body::Form(FormV {
            id: "authority".into(),
            action: format!("/breaches/notices/{}/authority", n.id),
            post: true,
            fields,
            submit: tr.t("Record the notification").into(),
        }));
    }
    s
}

/// The art. 34 decision: tell the people, or why not.
fn subjects_section(tr: Tr, me: &Signed, n: &pb::BreachNotice, kept: Option<&Kept>) -> Section {
    let rows = n
        .subject_decisions
        .iter()
        .map(|d| {
            vec![
                Cell::text(super::vocab_word(tr, &SUBJECT_DECISIONS, &d.decision)),
                Cell::text(&d.details),
                Cell::time(tr, &d.communicated_at),
                Cell::time(tr, &d.decided_at),
            ]
        })
        .collect();
    let mut s = Section::new(tr.t("Telling the people (art. 34)")).with(Body::Table(table(
        tr.t("Telling the people (art. 34)"),
        &[tr.t("Decision"), tr.t("Why"), tr.t("Told"), tr.t("Decided")],
        rows,
        "–",
    )));
    if me.s.who.may("BreachService/DecideSubjectCommunication") && n.status != "cancelled" {
        let mut fields = vec![
            Field::new(
                "decision",
                tr.t("Decision"),
                FieldKind::Select(super::vocab_options(tr, &SUBJECT_DECISIONS)),
            ),
            Field::new("details", tr.t("Why, in words"), FieldKind::TextArea),
            Field::new("communicated_at", tr.t("Told"), FieldKind::Instant)
                .help(tr.t("When the people were told, if they were. Amsterdam time.")),
            web::confirm_field(
                tr.t("I understand: the decision is recorded in the register of breaches."),
            ),
        ];
        web::refill(&mut s, &mut fields, kept, "subjects", tr);
        s.push(Body::Form(FormV {
            id: "subjects".into(),
            action: format!("/breaches/notices/{}/subjects", n.id),
            post: true,
            fields,
            submit: tr.t("Record the decision").into(),
        }));
    }
    s
}

#[derive(Deserialize)]
pub struct AuthorityForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    phase: String,
    #[serde(default)]
    notified_at: String,
    #[serde(default)]
    reference: String,
    #[serde(default)]
    reasons_for_delay: String,
    #[serde(default)]
    confirm: String,
}

async fn authority(
    State(st): State<AppState>,
    me: Signed,
    Path(id): Path<String>,
    Form(f): Form<AuthorityForm>,
) -> Response {
    let kept = Kept::new(
        "authority",
        &[
            ("phase", &f.phase),
            ("notified_at", &f.notified_at),
            ("reference", &f.reference),
            ("reasons_for_delay", &f.reasons_for_delay),
        ],
    );
    web::act_kept(
        &me,
        &f.csrf,
        kept,
        &format!("/breaches/notices/{id}"),
        "The notification to the authority was recorded.",
        async {
            get_notice(&st, &me, &id).await?;
            web::confirmed(me.tr, &f.confirm)?;
            client(&st)
                .record_authority_notification(me.s.req(pb::RecordAuthorityNotificationRequest {
                    notice_id: id.clone(),
                    phase: f.phase.clone(),
                    notified_at: typed(me.tr, "notified_at", &f.notified_at)?,
                    reference: f.reference.clone(),
                    reasons_for_delay: f.reasons_for_delay.clone(),
                }))
                .await?;
            Ok(())
        },
        |k| notice_page(&st, &me, &id, Some(k)),
    )
    .await
}

#[derive(Deserialize)]
pub struct SubjectsForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    details: String,
    #[serde(default)]
    communicated_at: String,
    #[serde(default)]
    confirm: String,
}

async fn subjects(
    State(st): State<AppState>,
    me: Signed,
    Path(id): Path<String>,
    Form(f): Form<SubjectsForm>,
) -> Response {
    let kept = Kept::new(
        "subjects",
        &[
            ("decision", &f.decision),
            ("details", &f.details),
            ("communicated_at", &f.communicated_at),
        ],
    );
    web::act_kept(
        &me,
        &f.csrf,
        kept,
        &format!("/breaches/notices/{id}"),
        "The decision about telling the people was recorded.",
        async {
            get_notice(&st, &me, &id).await?;
            web::confirmed(me.tr, &f.confirm)?;
            client(&st)
                .decide_subject_communication(me.s.req(pb::DecideSubjectCommunicationRequest {
                    notice_id: id.clone(),
                    decision: f.decision.clone(),
                    details: f.details.clone(),
                    communicated_at: typed(me.tr, "communicated_at", &f.communicated_at)?,
                }))
                .await?;
            Ok(())
        },
        |k| notice_page(&st, &me, &id, Some(k)),
    )
    .await
}

async fn notice_clocks(State(st): State<AppState>, me: Signed, Path(id): Path<String>) -> Response {
    let r = async {
        let n = get_notice(&st, &me, &id).await?;
        let names = tenant_names(&st, &me).await?;
        Ok(web::fragment(
            &me,
            &notice_clocks_section(me.tr, &names, &n),
        ))
    }
    .await;
    web::done(&me, r)
}

/// The help under every time field.
const AMSTERDAM_HELP: &str = "Amsterdam time. In the hour that happens twice when the clocks go back in October, the first (summer time) is meant.";

/// A typed time (Amsterdam) as the wire's RFC 3339; empty stays empty.
/// A time typed in a form field, read as Amsterdam time; refused naming
/// the field (`field: why`), so the reason is put beside it.
fn typed(tr: Tr, field: &str, s: &str) -> Result<String, Failure> {
    if s.trim().is_empty() {
        return Ok(String::new());
    }
    crate::when::parse_input(s)
        .map(proto::wire::timestamp)
        .map_err(|e| Failure::Refused(format!("{field}: {}", e.say(tr))))
}

fn report_form(tr: Tr) -> Section {
    Section::new(tr.t("Report an incident")).with(Body::Form(FormV {
        id: "report".into(),
        action: "/breaches".into(),
        post: true,
        fields: vec![
            Field::new("discovered_at", tr.t("Discovered"), FieldKind::Instant)
                .required()
                .value(crate::when::input_value(Utc::now()))
                .help(tr.t(AMSTERDAM_HELP)),
            Field::new("discovered_by", tr.t("Discovered by"), FieldKind::Text).required(),
            Field::new(
                "systems",
                tr.t("Systems (comma separated)"),
                FieldKind::Text,
            )
            .required(),
            Field::new("description", tr.t("Description"), FieldKind::TextArea).required(),
            Field::new(
                "internal_notes",
                tr.t("Internal notes"),
                FieldKind::TextArea,
            ),
        ],
        submit: tr.t("Report").into(),
    }))
}

#[derive(Deserialize)]
pub struct ReportForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    discovered_at: String,
    #[serde(default)]
    discovered_by: String,
    #[serde(default)]
    systems: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    internal_notes: String,
}

async fn report(State(st): State<AppState>, me: Signed, Form(f): Form<ReportForm>) -> Response {
    let r: PageResult = async {
        web::check_csrf(&me, &f.csrf)?;
        let i = client(&st)
            .report_incident(me.s.req(pb::ReportIncidentRequest {
                discovered_at: typed(me.tr, "discovered_at", &f.discovered_at)?,
                discovered_by: f.discovered_by,
                description: f.description,
                systems: list(&f.systems),
                internal_notes: f.internal_notes,
            }))
            .await?
            .into_inner();
        me.say_done(me.tr.t("The incident was reported. Assess it next."));
        Ok(Redirect::to(&format!("/breaches/{}", i.id)).into_response())
    }
    .await;
    web::done(&me, r)
}

/// The assessment as the person sent it: what the console cannot read
/// (a time, a number) or the service refuses comes back on the incident's
/// page, beside the form that keeps what was typed; done, the page says so.
async fn assess(
    State(st): State<AppState>,
    me: Signed,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let r: PageResult = async {
        let (input, csrf) = super::assessment::Input::parse(&body);
        web::check_csrf(&me, &csrf)?;
        if !id_ok(&id) {
            return Err(Failure::NotFound);
        }
        let request = match input.request(me.tr, &id) {
            Ok(r) => r,
            Err(why) => return incident_page(&st, &me, &id, Some((input, why))).await,
        };
        match client(&st).assess_incident(me.s.req(request)).await {
            Ok(_) => {
                me.say_done(me.tr.t("The assessment was recorded."));
                Ok(Redirect::to(&format!("/breaches/{id}")).into_response())
            }
            Err(e) => match Failure::from(e) {
                Failure::Refused(why) => incident_page(&st, &me, &id, Some((input, why))).await,
                other => Err(other),
            },
        }
    }
    .await;
    web::done(&me, r)
}

const SEND_PHASES: [(&str, &str); 2] = [
    ("initial", "the first notice"),
    ("supplement", "a supplement (new information)"),
];

/// The first step of a send: choose the phase and write a message, then see
/// the notice exactly as the controller will receive it.
fn preview_form(tr: Tr, id: &str, first: bool) -> Section {
    Section::new(tr.t("Send the notice")).with(Body::Form(FormV {
        id: "preview".into(),
        action: format!("/breaches/notices/{id}/preview"),
        post: false,
        fields: vec![
            Field::new(
                "phase",
                tr.t("Phase"),
                FieldKind::Select(super::vocab_options(tr, &SEND_PHASES)),
            )
            .value(if first { "initial" } else { "supplement" }),
            Field::new("message", tr.t("Message"), FieldKind::TextArea),
        ],
        submit: tr.t("Preview before sending").into(),
    }))
}

/// The send itself, after its preview: the phase and message as previewed.
fn send_form(tr: Tr, action: &str, phase: &str, message: &str, consequence: &str) -> Section {
    Section::new(tr.t("Send the notice")).with(Body::Form(FormV {
        id: "send".into(),
        action: action.to_owned(),
        post: true,
        fields: vec![
            Field::new("phase", "", FieldKind::Hidden).value(phase.to_owned()),
            Field::new("message", "", FieldKind::Hidden).value(message.to_owned()),
            web::confirm_field(consequence),
        ],
        submit: tr.t("Send").into(),
    }))
}

#[derive(Deserialize, Default)]
pub struct PreviewQuery {
    #[serde(default)]
    phase: String,
    #[serde(default)]
    message: String,
}

/// The notice as the controller will receive it if sent now, and the form
/// that sends exactly this. Nothing is sent before the person confirms.
async fn preview(
    State(st): State<AppState>,
    me: Signed,
    Path(id): Path<String>,
    Query(q): Query<PreviewQuery>,
) -> Response {
    let r = async {
        let tr = me.tr;
        let n = get_notice(&st, &me, &id).await?;
        let p = client(&st)
            .preview_notice(me.s.req(pb::SendNoticeRequest {
                notice_id: n.id.clone(),
                phase: q.phase.clone(),
                message: q.message.clone(),
            }))
            .await?
            .into_inner();
        let body: serde_json::Value = serde_json::from_str(&p.content)
            .map_err(|e| Failure::Internal(format!("the preview is not JSON: {e}")))?;
        let names = tenant_names(&st, &me).await?;
        let controller = names
            .get(&n.controller_id)
            .cloned()
            .unwrap_or_else(|| tr.t("the controller").to_owned());
        let mut sections = vec![
            Section::new(tr.t("As the controller will receive it"))
                .with(Body::Facts(super::notice_view::facts(tr, &body))),
        ];
        if !p.missing.is_empty() {
            sections.push(
                Section::new(tr.t("Still missing from this notice")).with(Body::Message {
                    tone: Tone::Warn,
                    text: p
                        .missing
                        .iter()
                        .map(|m| item_word(tr, m))
                        .collect::<Vec<_>>()
                        .join("; "),
                }),
            );
        }
        if let Some(before) = n
            .sends
            .last()
            .and_then(|s| serde_json::from_str::<serde_json::Value>(&s.content).ok())
        {
            let c = super::notice_view::changes(tr, &before, &body);
            sections.push(Section::new(tr.t("What changed since the last send")).with(
                if c.is_empty() {
                    Body::Notes(vec![tr.t("nothing new").to_owned()])
                } else {
                    Body::Notes(c)
                },
            ));
        }
        sections.push(send_form(
            tr,
            &format!("/breaches/notices/{}/send", n.id),
            &p.phase,
            &q.message,
            tr.t("I understand: the notice goes to the controller now and cannot be called back."),
        ));
        sections.push(Section::new(tr.t("Back")).with(Body::Links(vec![(
            tr.t("Back to the notice, without sending").to_owned(),
            format!("/breaches/notices/{}", n.id),
        )])));
        Ok(web::page(
            &me,
            &format!("{} {controller}", tr.t("Preview of the notice to")),
            tr.t("Nothing has been sent yet."),
            &sections,
        ))
    }
    .await;
    web::done(&me, r)
}

/// The one-step send to every affected controller, after a preview of each.
fn send_all_form(tr: Tr, incident: &str, count: usize) -> Section {
    Section::new(tr.t("Notify every affected controller"))
        .with(Body::Notes(vec![tr.t("Each controller receives its own notice: the first one, or a supplement when it was notified before. Preview them before sending.").to_owned()]))
        .with(Body::Links(vec![(
            tr.t("Preview every notice ({count})").replace("{count}", &count.to_string()),
            format!("/breaches/{incident}/preview"),
        )]))
}

/// Every open notice of an incident as its controller will receive it, and
/// the form that sends them all.
async fn preview_all(
    State(st): State<AppState>,
    me: Signed,
    Path(id): Path<String>,
    Query(q): Query<PreviewQuery>,
) -> Response {
    let r = async {
        let tr = me.tr;
        let i = get_incident(&st, &me, &id).await?;
        let names = tenant_names(&st, &me).await?;
        let mut sections = Vec::new();
        let mut count = 0;
        for n in i.notices.iter().filter(|n| n.status != "cancelled") {
            let p = client(&st)
                .preview_notice(me.s.req(pb::SendNoticeRequest {
                    notice_id: n.id.clone(),
                    phase: String::new(),
                    message: q.message.clone(),
                }))
                .await?
                .into_inner();
            let body: serde_json::Value = serde_json::from_str(&p.content)
                .map_err(|e| Failure::Internal(format!("the preview is not JSON: {e}")))?;
            let controller = names
                .get(&n.controller_id)
                .cloned()
                .unwrap_or_else(|| tr.t("the controller").to_owned());
            sections.push(
                Section::new(format!("{} {controller}", tr.t("To")))
                    .with(Body::Facts(super::notice_view::facts(tr, &body))),
            );
            count += 1;
        }
        sections.push(Section::new(tr.t("A message with every notice")).with(Body::Form(
            FormV {
                id: "message".into(),
                action: format!("/breaches/{}/preview", i.id),
                post: false,
                fields: vec![
                    Field::new("message", tr.t("Message"), FieldKind::TextArea)
                        .value(q.message.clone()),
                ],
                submit: tr.t("Preview again").into(),
            },
        )));
        let mut send = send_form(
            tr,
            &format!("/breaches/{}/send", i.id),
            "",
            &q.message,
            tr.t("I understand: every notice above goes to its controller now and cannot be called back."),
        );
        send.heading = tr.t("Send to every affected controller").into();
        sections.push(send);
        Ok(web::page(
            &me,
            &format!(
                "{} ({count}): {}",
                tr.t("Preview of every notice"),
                incident_title(&i.description)
            ),
            tr.t("Nothing has been sent yet."),
            &sections,
        ))
    }
    .await;
    web::done(&me, r)
}

/// Sends every open notice of an incident (each its next phase), and says
/// which controllers were notified and which not, and why.
async fn send_all(
    State(st): State<AppState>,
    me: Signed,
    Path(id): Path<String>,
    Form(f): Form<SendForm>,
) -> Response {
    let r: PageResult = async {
        let tr = me.tr;
        web::check_csrf(&me, &f.csrf)?;
        web::confirmed(tr, &f.confirm)?;
        let i = get_incident(&st, &me, &id).await?;
        let names = tenant_names(&st, &me).await?;
        let mut sent = Vec::new();
        let mut refused = Vec::new();
        for n in i.notices.iter().filter(|n| n.status != "cancelled") {
            let who = names
                .get(&n.controller_id)
                .cloned()
                .unwrap_or_else(|| tr.t("a controller").to_owned());
            match client(&st)
                .send_notice(me.s.req(pb::SendNoticeRequest {
                    notice_id: n.id.clone(),
                    phase: String::new(),
                    message: f.message.clone(),
                }))
                .await
            {
                Ok(_) => sent.push(who),
                Err(e) => refused.push(format!("{who}: {}", e.message())),
            }
        }
        if refused.is_empty() {
            me.say_done(&format!(
                "{} {}",
                tr.t("The notice was sent to:"),
                sent.join(", ")
            ));
            return Ok(Redirect::to(&format!("/breaches/{}", i.id)).into_response());
        }
        // Some were not sent: say exactly which, on a page of its own.
        let mut sections = Vec::new();
        if !sent.is_empty() {
            sections.push(Section::new(tr.t("Sent")).with(Body::Notes(sent)));
        }
        sections.push(Section::new(tr.t("Not sent")).with(Body::Message {
            tone: Tone::Bad,
            text: refused.join("; "),
        }));
        sections.push(Section::new(tr.t("Back")).with(Body::Links(vec![(
            tr.t("Back to the incident").to_owned(),
            format!("/breaches/{}", i.id),
        )])));
        Ok(web::page_status(
            &me,
            axum::http::StatusCode::BAD_REQUEST,
            tr.t("Not every notice was sent"),
            "",
            &sections,
        ))
    }
    .await;
    web::done(&me, r)
}

#[derive(Deserialize)]
pub struct SendForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    phase: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    confirm: String,
}

async fn send(
    State(st): State<AppState>,
    me: Signed,
    Path(id): Path<String>,
    Form(f): Form<SendForm>,
) -> Response {
    web::act(
        &me,
        &f.csrf,
        &format!("/breaches/notices/{id}"),
        "The notice was sent to the controller.",
        async {
            if !id_ok(&id) {
                return Err(Failure::NotFound);
            }
            web::confirmed(me.tr, &f.confirm)?;
            client(&st)
                .send_notice(me.s.req(pb::SendNoticeRequest {
                    notice_id: id.clone(),
                    phase: f.phase,
                    message: f.message,
                }))
                .await?;
            Ok(())
        },
    )
    .await
}

fn acknowledge_form(tr: Tr, id: &str, kept: Option<&Kept>) -> Section {
    let mut fields = vec![
        Field::new(
            "aware_at",
            tr.t("Aware at (empty for now)"),
            FieldKind::Instant,
        )
        .help(tr.t(AMSTERDAM_HELP)),
    ];
    let mut section = Section::new(tr.t("Acknowledge the notice"));
    web::refill(&mut section, &mut fields, kept, "acknowledge", tr);
    section.with(Body::Form(FormV {
        id: "acknowledge".into(),
        action: format!("/breaches/notices/{id}/acknowledge"),
        post: true,
        fields,
        submit: tr.t("Acknowledge").into(),
    }))
}

#[derive(Deserialize)]
pub struct AckForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    aware_at: String,
}

async fn acknowledge(
    State(st): State<AppState>,
    me: Signed,
    Path(id): Path<String>,
    Form(f): Form<AckForm>,
) -> Response {
    let kept = Kept::new("acknowledge", &[("aware_at", &f.aware_at)]);
    web::act_kept(
        &me,
        &f.csrf,
        kept,
        &format!("/breaches/notices/{id}"),
        "The notice was acknowledged.",
        async {
            get_notice(&st, &me, &id).await?;
            client(&st)
                .acknowledge_notice(me.s.req(pb::AcknowledgeNoticeRequest {
                    notice_id: id.clone(),
                    aware_at: typed(me.tr, "aware_at", &f.aware_at)?,
                }))
                .await?;
            Ok(())
        },
        |k| notice_page(&st, &me, &id, Some(k)),
    )
    .await
}

#[derive(Deserialize)]
pub struct FormatQuery {
    #[serde(default)]
    format: String,
}

fn document(doc: pb::Document, name: &str) -> Response {
    let ext = match doc.format.as_str() {
        "markdown" => "md",
        "csv" => "csv",
        _ => "json",
    };
    web::download(&doc.content_type, &format!("{name}.{ext}"), doc.content)
}

async fn draft(
    State(st): State<AppState>,
    me: Signed,
    Path(id): Path<String>,
    Query(q): Query<FormatQuery>,
) -> Response {
    let r: PageResult = async {
        if !id_ok(&id) {
            return Err(Failure::NotFound);
        }
        let d = client(&st)
            .get_authority_draft(me.s.req(pb::GetAuthorityDraftRequest {
                notice_id: id.clone(),
                format: q.format,
            }))
            .await?
            .into_inner();
        Ok(document(d, &format!("authority-draft-{id}")))
    }
    .await;
    web::done(&me, r)
}

async fn register(
    State(st): State<AppState>,
    me: Signed,
    Query(q): Query<FormatQuery>,
) -> Response {
    let r: PageResult = async {
        let d = client(&st)
            .export_register(me.s.req(pb::ExportRegisterRequest {
                format: q.format,
                controller_id: String::new(),
            }))
            .await?
            .into_inner();
        Ok(document(d, "breach-register"))
    }
    .await;
    web::done(&me, r)
}
