//! Data-subject requests: the queue by the deadline in force, and each
//! request with its timeline, identity steps, extension (and whether it is
//! still allowed), refusal with the art. 12(4) texts, and fulfilment with
//! the files of the answer.

use axum::Form;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use proto::v1 as pb;
use serde::Deserialize;

use super::{collect, id_ok, instant as parse, opt, page, table, tenant_cell, tenant_names};
use crate::backend::Service;
use crate::i18n::Tr;
use crate::view::{Body, Cell, Field, FieldKind, Form as FormV, Section, Tone};
use crate::web::{self, AppState, Failure, Kept, PageResult, Signed};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/requests", get(queue).post(file))
        .route("/requests/{id}", get(detail))
        .route("/requests/{id}/extend", post(extend))
        .route("/requests/{id}/refuse", post(refuse))
        .route("/requests/{id}/fulfil", post(fulfil))
        .route("/requests/{id}/close", post(close))
        // The letters to the subject, in Dutch or English.
        .route("/requests/{id}/letters/{letter}", get(letter))
        // A file of the answer this session just fulfilled.
        .route("/requests/{id}/answer/{name}", get(answer_file))
        // The vault's signed certificate of the request's erasures.
        .route("/requests/{id}/certificate", get(request_certificate))
}

type Client = pb::request_service_client::RequestServiceClient<tonic::transport::Channel>;

fn client(st: &AppState) -> Client {
    Client::new(st.backend.channel(Service::Requests))
}

/// The most requests one queue reads.
pub const MAX_ROWS: usize = 20_000;

/// Every request the filter admits, up to [`MAX_ROWS`]; `search` is a
/// subject's e-mail address (matched by the controller's keyed hash) or
/// the start of a candidate reference.
pub async fn all(
    st: &AppState,
    me: &Signed,
    controller: &str,
    status: &str,
    search: &str,
) -> Result<Vec<pb::DataSubjectRequest>, Failure> {
    let c = client(st);
    let (subject_email, candidate_ref) = if search.contains('@') {
        (search.to_owned(), String::new())
    } else {
        (String::new(), search.to_owned())
    };
    collect(MAX_ROWS, |token| {
        let mut c = c.clone();
        let req = me.s.req(pb::ListRequestsRequest {
            page: page(500, token),
            controller_id: controller.to_owned(),
            status: status.to_owned(),
            subject_email: subject_email.clone(),
            candidate_ref: candidate_ref.clone(),
        });
        async move {
            let r = c.list_requests(req).await?.into_inner();
            Ok((r.requests, r.next_page_token))
        }
    })
    .await
}

#[derive(Deserialize, Default)]
pub struct Filter {
    pub status: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub controller: Option<String>,
    pub overdue: Option<String>,
    /// A subject's e-mail address, or the start of a candidate reference.
    pub q: Option<String>,
    /// How many rows of the ordered queue come before this page.
    pub shown: Option<usize>,
}

/// Rows on one page of the queue.
pub const QUEUE_PAGE: usize = 100;

fn due(r: &pb::DataSubjectRequest) -> Option<DateTime<Utc>> {
    r.deadline.as_ref().and_then(|d| parse(&d.strict))
}

fn open(r: &pb::DataSubjectRequest) -> bool {
    r.answered_at.is_empty()
        && r.closed_at.is_empty()
        && !matches!(r.status.as_str(), "answered" | "refused" | "closed")
}

/// The request service's vocabulary (`requests::domain::State`, `Kind`)
/// with its words; the filters send the codes, and the service rejects
/// any other.
const STATUSES: [(&str, &str); 5] = [
    ("open", "open"),
    ("awaiting_identity", "waiting for proof of identity"),
    ("answered", "answered"),
    ("refused", "refused"),
    ("closed", "closed"),
];
pub(crate) const TYPES: [(&str, &str); 6] = [
    ("access", "access (art. 15)"),
    ("rectification", "rectification (art. 16)"),
    ("erasure", "erasure (art. 17)"),
    ("restriction", "restriction (art. 18)"),
    ("portability", "portability (art. 20)"),
    ("objection", "objection (art. 21)"),
];

/// Whether an open request is past the deadline in force, or an answered
/// one was answered late: what "late" means on the queue and the request.
fn late_cell(tr: Tr, r: &pb::DataSubjectRequest, now: DateTime<Utc>) -> Cell {
    if open(r) && due(r).is_some_and(|d| d < now) {
        Cell::state(tr.t("overdue"), Tone::Bad)
    } else if r.late {
        Cell::state(tr.t("answered late"), Tone::Bad)
    } else {
        Cell::text(tr.t("no"))
    }
}

async fn queue(State(st): State<AppState>, me: Signed, Query(f): Query<Filter>) -> Response {
    let r =
        async {
            let tr = me.tr;
            let search = opt(&f.q).trim().to_owned();
            // A search the service refuses (an e-mail address without a
            // controller, a malformed one) is said beside the box.
            let (mut rows, search_error) =
                match all(&st, &me, &opt(&f.controller), &opt(&f.status), &search).await {
                    Ok(rows) => (rows, None),
                    Err(Failure::Refused(m)) if !search.is_empty() => (Vec::new(), Some(m)),
                    Err(e) => return Err(e),
                };
            let capped = rows.len() >= MAX_ROWS;
            let names = tenant_names(&st, &me).await?;
            let kind = opt(&f.kind);
            let overdue_only = f.overdue.as_deref() == Some("true");
            let now = Utc::now();
            rows.retain(|r| {
                (kind.is_empty() || r.r#type == kind)
                    && (!overdue_only || (open(r) && due(r).is_some_and(|d| d < now)))
            });
            // Open requests first, by the deadline in force; then the rest;
            // shown a page at a time with the total.
            rows.sort_by_key(|r| (!open(r), due(r), r.id.clone()));
            let total = rows.len();
            let before = f.shown.unwrap_or(0).min(total.saturating_sub(1) / QUEUE_PAGE * QUEUE_PAGE);
            let table_rows = rows
                .iter()
                .skip(before)
                .take(QUEUE_PAGE)
                .map(|r| {
                    let left = due(r).map(|d| (d - now).num_seconds());
                    let received = parse(&r.received_at)
                        .map(|t| crate::when::instant(tr, t))
                        .unwrap_or_default();
                    vec![
                        Cell::link(
                            format!("/requests/{}", r.id),
                            format!("{} · {received}", super::vocab_word(tr, &TYPES, &r.r#type)),
                        ),
                        Cell::text(super::vocab_word(tr, &TYPES, &r.r#type)),
                        tenant_cell(&names, &r.controller_id),
                        Cell::state(
                            super::vocab_word(tr, &STATUSES, &r.status),
                            web::tone_of(&r.status),
                        ),
                        Cell::time(tr, &r.received_at),
                        Cell::due(
                            tr,
                            r.deadline.as_ref().map(|d| d.strict.as_str()).unwrap_or(""),
                        ),
                        match (open(r), left) {
                            (true, Some(l)) => Cell::state(
                                tr.remaining(l),
                                if l < 0 {
                                    Tone::Bad
                                } else if l < 7 * 86_400 {
                                    Tone::Warn
                                } else {
                                    Tone::Neutral
                                },
                            ),
                            _ => Cell::Empty,
                        },
                        late_cell(tr, r, now),
                    ]
                })
                .collect();
            let mut statuses = vec![(String::new(), tr.t("all").to_owned())];
            statuses.extend(super::vocab_options(tr, &STATUSES));
            let mut types = vec![(String::new(), tr.t("all").to_owned())];
            types.extend(
                TYPES
                    .iter()
                    .map(|(c, w)| ((*c).to_owned(), tr.t(w).to_owned())),
            );
            let mut fields = vec![
                Field::new("status", tr.t("Status"), FieldKind::Select(statuses))
                    .value(opt(&f.status)),
                Field::new("type", tr.t("Type"), FieldKind::Select(types)).value(kind.clone()),
            ];
            if !me.s.who.tenant_bound() {
                // The controller by its name, never a typed id.
                let mut options: Vec<(String, String)> = names
                    .iter()
                    .map(|(id, n)| (id.clone(), n.clone()))
                    .collect();
                options.sort_by_key(|o| o.1.to_lowercase());
                options.insert(0, (String::new(), tr.t("all").to_owned()));
                fields.push(
                    Field::new("controller", tr.t("Controller"), FieldKind::Select(options))
                        .value(opt(&f.controller)),
                );
            }
            fields.push(
                Field::new("overdue", tr.t("Overdue only"), FieldKind::Check)
                    .value(if overdue_only { "true" } else { "" }),
            );
            let mut q = Field::new("q", tr.t("Search"), FieldKind::Text)
                .value(search.clone())
                .help(tr.t("the subject's e-mail address (pick the controller), or the start of the candidate reference"));
            if let Some(e) = &search_error {
                q = q.error(
                    if e.starts_with("subject_email: needs controller_id") {
                        tr.t("pick the controller first: each controller's addresses are matched with its own key.").to_owned()
                    } else {
                        e.split_once(": ").map(|(_, w)| w.to_owned()).unwrap_or_else(|| e.clone())
                    },
                );
            }
            fields.push(q);
            let mut sections = vec![
                Section::new(tr.t("Filter")).with(Body::Form(FormV {
                    id: "filter".into(),
                    action: "/requests".into(),
                    post: false,
                    fields,
                    submit: tr.t("Apply").into(),
                })),
                Section::new(tr.t("Requests")).with(Body::Table(table(
                    &super::paged_caption(
                        tr,
                        "Data-subject requests",
                        before as u64,
                        total.saturating_sub(before).min(QUEUE_PAGE) as u64,
                        total as u64,
                    ),
                    &[
                        tr.t("Request"),
                        tr.t("Type"),
                        tr.t("Controller"),
                        tr.t("Status"),
                        tr.t("Received"),
                        tr.t("Due in force"),
                        tr.t("Time left"),
                        tr.t("Late"),
                    ],
                    table_rows,
                    if search.is_empty() {
                        "–"
                    } else {
                        tr.t("No request matches the search.")
                    },
                ))),
            ];
            let here = |shown: usize| {
                let mut q: Vec<String> = [
                    ("status", opt(&f.status)),
                    ("type", kind.clone()),
                    ("controller", opt(&f.controller)),
                    ("overdue", if overdue_only { "true".into() } else { String::new() }),
                    ("q", search.clone()),
                ]
                .into_iter()
                .filter(|(_, v)| !v.is_empty())
                .map(|(k, v)| format!("{k}={}", web::encode(&v)))
                .collect();
                if shown > 0 {
                    q.push(format!("shown={shown}"));
                }
                if q.is_empty() {
                    "/requests".to_owned()
                } else {
                    format!("/requests?{}", q.join("&"))
                }
            };
            let mut links = Vec::new();
            if before + QUEUE_PAGE < total {
                links.push((tr.t("Next page").to_owned(), here(before + QUEUE_PAGE)));
            }
            if before > 0 {
                links.push((tr.t("Previous page").to_owned(), here(before - QUEUE_PAGE.min(before))));
                links.push((tr.t("First page").to_owned(), here(0)));
            }
            if !links.is_empty() {
                sections[1].push(Body::Links(links));
            }
            if capped {
                sections.insert(
                    1,
                    Section::new(tr.t("Not every request is shown")).with(Body::Message {
                        tone: Tone::Warn,
                        text: tr
                            .t("The queue shows the first 20,000 requests the filter admits. Narrow the filter (a controller, a status) to see the rest.")
                            .to_owned(),
                    }),
                );
            }
            if me.s.who.may("RequestService/CreateRequest") {
                sections.push(file_form(tr, &me, &names, &FileForm::default(), None));
            }
            Ok(web::page(&me, tr.t("Data-subject requests"), "", &sections))
        }
        .await;
    web::done(&me, r)
}

async fn fetch_one(
    st: &AppState,
    me: &Signed,
    id: &str,
) -> Result<pb::DataSubjectRequest, Failure> {
    if !id_ok(id) {
        return Err(Failure::NotFound);
    }
    Ok(client(st)
        .get_request(me.s.req(pb::GetRequestRequest { id: id.to_owned() }))
        .await?
        .into_inner())
}

fn deadline_row(tr: Tr, label: &str, d: Option<&pb::RequestDeadline>) -> Option<Vec<Cell>> {
    let d = d?;
    Some(vec![
        Cell::text(label),
        Cell::text(crate::phrases::rule_name(tr, &d.rule)),
        Cell::due(tr, &d.strict),
        Cell::due(tr, &d.lenient),
        Cell::notes(tr, &d.notes),
    ])
}

/// The signed certificate of an answered erasure request's erasures, and
/// how to check it (docs/evidence.md), for whoever may fetch it.
fn certificate_section(me: &Signed, id: &str, kind: &str, answered_at: &str) -> Option<Section> {
    let tr = me.tr;
    (kind == "erasure"
        && !answered_at.is_empty()
        && me.s.who.may("VaultService/GetRequestCertificate"))
    .then(|| {
        Section::new(tr.t("Signed certificate")).with(Body::Facts(vec![
            (
                tr.t("Signed certificate").to_owned(),
                Cell::Link {
                    href: format!("/requests/{}/certificate", web::encode(id)),
                    text: format!("request-certificate-{id}.json"),
                },
            ),
            (
                tr.t("Check it").to_owned(),
                Cell::Code(format!(
                    "custodianctl verify certificate request-certificate-{id}.json --public-key <{}>",
                    tr.t("Processor's public key")
                )),
            ),
        ]))
    })
}

/// The request certificate as a file: every candidate the vault erased for
/// the request, signed (not found when it erased none).
async fn request_certificate(
    State(st): State<AppState>,
    me: Signed,
    Path(id): Path<String>,
) -> Response {
    let r: PageResult = async {
        if !id_ok(&id) {
            return Err(Failure::NotFound);
        }
        let c =
            pb::vault_service_client::VaultServiceClient::new(st.backend.channel(Service::Vault))
                .get_request_certificate(me.s.req(pb::GetRequestCertificateRequest {
                    request_id: id.clone(),
                }))
                .await?
                .into_inner();
        Ok(web::download(
            "application/json",
            &format!("request-certificate-{id}.json"),
            c.signed,
        ))
    }
    .await;
    web::done(&me, r)
}

async fn detail(State(st): State<AppState>, me: Signed, Path(id): Path<String>) -> Response {
    let r = detail_page(&st, &me, &id, None).await;
    web::done(&me, r)
}

/// A request's page; `kept`: its extension or refusal form as the person
/// sent it, refused (the page then answers 400 with it filled in).
async fn detail_page(st: &AppState, me: &Signed, id: &str, kept: Option<Kept>) -> PageResult {
    {
        let tr = me.tr;
        let names = super::tenant_names(st, me).await?;
        let r = fetch_one(st, me, id).await?;
        let facts = vec![
            (
                tr.t("Type").to_owned(),
                Cell::text(super::vocab_word(tr, &TYPES, &r.r#type)),
            ),
            (
                tr.t("Controller").to_owned(),
                super::tenant_cell(&names, &r.controller_id),
            ),
            (
                tr.t("Status").to_owned(),
                Cell::state(
                    super::vocab_word(tr, &STATUSES, &r.status),
                    web::tone_of(&r.status),
                ),
            ),
            (
                tr.t("Identity").to_owned(),
                Cell::Lines(
                    r.identified_by
                        .iter()
                        .map(|i| {
                            match i.as_str() {
                                "email" => tr.t("by e-mail address"),
                                "phone" => tr.t("by phone number"),
                                "candidate_ref" => tr.t("by the candidate's reference"),
                                other => other,
                            }
                            .to_owned()
                        })
                        .collect(),
                ),
            ),
            (tr.t("Description").to_owned(), Cell::text(&r.description)),
            (tr.t("Late").to_owned(), late_cell(tr, &r, Utc::now())),
            (tr.t("Outcome").to_owned(), Cell::text(&r.outcome)),
        ];
        let mut events: Vec<(String, &str)> = [
            (&r.received_at, "Received"),
            (&r.identity_requested_at, "Identity requested"),
            (&r.identity_received_at, "Identity received"),
            (&r.extended_at, "Extended"),
            (&r.answered_at, "Answered"),
            (&r.closed_at, "Closed"),
        ]
        .into_iter()
        .filter(|(at, _)| !at.is_empty())
        .map(|(at, what)| (at.clone(), what))
        .collect();
        events.sort();
        let timeline = events
            .into_iter()
            .map(|(at, what)| vec![Cell::time(tr, &at), Cell::text(tr.t(what))])
            .collect();
        let deadlines = [
            deadline_row(tr, tr.t("Due in force"), r.deadline.as_ref()),
            deadline_row(tr, tr.t("Extension"), r.extension_notice.as_ref()),
            deadline_row(tr, tr.t("One month (art. 12(3))"), r.response.as_ref()),
            deadline_row(
                tr,
                tr.t("Three months, once extended (art. 12(3))"),
                r.extended_response.as_ref(),
            ),
        ]
        .into_iter()
        .flatten()
        .collect();
        let mut sections = vec![
            Section::new(tr.t("Request")).with(Body::Facts(facts)),
            Section::new(tr.t("Timeline")).with(Body::Table(table(
                tr.t("Timeline"),
                &[tr.t("When"), tr.t("What")],
                timeline,
                "–",
            ))),
            Section::new(tr.t("Deadline")).with(Body::Table(table(
                tr.t("Deadline"),
                &[
                    tr.t("Deadline"),
                    tr.t("Rule"),
                    tr.t("Due (strict reading)"),
                    tr.t("Due (lenient reading)"),
                    tr.t("Notes"),
                ],
                deadlines,
                "–",
            ))),
        ];
        if let Some(s) = certificate_section(me, &r.id, &r.r#type, &r.answered_at) {
            sections.push(s);
        }
        let is_open = open(&r);
        // Extension: allowed once, while open, and only until the
        // extension notice is due (the first month).
        let mut ext = Section::new(tr.t("Extension"));
        if !r.extended_at.is_empty() {
            ext.push(Body::Facts(vec![
                (tr.t("Extended").to_owned(), Cell::time(tr, &r.extended_at)),
                (
                    tr.t("Extension reasons").to_owned(),
                    Cell::text(&r.extension_reasons),
                ),
            ]));
        } else {
            let until = r.extension_notice.as_ref().and_then(|d| parse(&d.strict));
            match until {
                Some(u) if is_open && u > Utc::now() => {
                    ext.push(Body::Message {
                        tone: Tone::Neutral,
                        text: format!(
                            "{} {}.",
                            tr.t(
                                "Still allowed: the subject must be told, with the reasons, before"
                            ),
                            crate::when::due(tr, u)
                        ),
                    });
                    if me.s.who.may("RequestService/ExtendRequest") {
                        let mut fields = vec![
                            Field::new("reasons", tr.t("Reasons, as told to the subject"), FieldKind::TextArea).required(),
                            web::confirm_field(tr.t("I understand: the answer is then due two months later, and a request can be extended only once.")),
                        ];
                        web::refill(&mut ext, &mut fields, kept.as_ref(), "extend", tr);
                        ext.push(Body::Form(FormV {
                            id: "extend".into(),
                            action: format!("/requests/{}/extend", r.id),
                            post: true,
                            fields,
                            submit: tr.t("Extend by two months (art. 12(3))").into(),
                        }));
                    }
                }
                _ => ext.push(Body::Message {
                    tone: Tone::Warn,
                    text: tr
                        .t("No longer allowed: the first month has passed.")
                        .into(),
                }),
            }
        }
        sections.push(ext);
        if !r.refusal_reasons.is_empty() {
            sections.push(
                Section::new(tr.t("Refuse (art. 12(4))")).with(Body::Facts(vec![
                    (
                        tr.t("Reasons for the refusal").to_owned(),
                        Cell::text(&r.refusal_reasons),
                    ),
                    (
                        tr.t("The right to complain to a supervisory authority")
                            .to_owned(),
                        Cell::text(&r.complaint_info),
                    ),
                    (
                        tr.t("The right to a judicial remedy").to_owned(),
                        Cell::text(&r.judicial_remedy_info),
                    ),
                ])),
            );
        }
        sections.push(letters_section(tr, &r));
        if is_open && me.s.who.may("RequestService/FulfilRequest") {
            sections.push(Section::new(tr.t("Fulfil the request")).with(Body::Form(FormV {
                id: "fulfil".into(),
                action: format!("/requests/{}/fulfil", r.id),
                post: true,
                fields: vec![
                    Field::new("note", tr.t("Note"), FieldKind::TextArea),
                    web::confirm_field(tr.t("I understand: the request is carried out now (for an erasure, the data is destroyed and cannot be restored) and marked answered.")),
                ],
                submit: tr.t("Fulfil").into(),
            })));
        }
        if is_open && me.s.who.may("RequestService/RefuseRequest") {
            let mut fields = vec![
                Field::new("reasons", tr.t("Reasons for the refusal"), FieldKind::TextArea).required(),
                Field::new("complaint_info", tr.t("The right to complain to a supervisory authority"), FieldKind::TextArea)
                    .value(tr.t("You may lodge a complaint with the Autoriteit Persoonsgegevens (autoriteitpersoonsgegevens.nl).")),
                Field::new("judicial_remedy_info", tr.t("The right to a judicial remedy"), FieldKind::TextArea)
                    .value(tr.t("You may seek a judicial remedy before the competent Dutch court.")),
                web::confirm_field(tr.t("I understand: the request is closed as refused; the subject must be sent these reasons and remedies.")),
            ];
            let mut refuse = Section::new(tr.t("Refuse (art. 12(4))"));
            web::refill(&mut refuse, &mut fields, kept.as_ref(), "refuse", tr);
            sections.push(refuse.with(Body::Form(FormV {
                id: "refuse".into(),
                action: format!("/requests/{}/refuse", r.id),
                post: true,
                fields,
                submit: tr.t("Refuse").into(),
            })));
        }
        let title = format!(
            "{}: {} · {}",
            tr.t("Request"),
            super::vocab_word(tr, &TYPES, &r.r#type),
            parse(&r.received_at)
                .map(|t| crate::when::instant(tr, t))
                .unwrap_or_default()
        );
        Ok(web::page_or_refused(
            me,
            kept.is_some(),
            &title,
            "",
            &sections,
        ))
    }
}

#[derive(Deserialize)]
pub struct ReasonsForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reasons: String,
    #[serde(default)]
    complaint_info: String,
    #[serde(default)]
    judicial_remedy_info: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    confirm: String,
}

async fn extend(
    State(st): State<AppState>,
    me: Signed,
    Path(id): Path<String>,
    Form(f): Form<ReasonsForm>,
) -> Response {
    let kept = Kept::new("extend", &[("reasons", &f.reasons)]);
    web::act_kept(
        &me,
        &f.csrf,
        kept,
        &format!("/requests/{id}"),
        "The request was extended by two months. Tell the subject, with the reasons, before the date shown.",
        async {
            fetch_one(&st, &me, &id).await?;
            web::confirmed(me.tr, &f.confirm)?;
            client(&st)
                .extend_request(me.s.req(pb::ExtendRequestRequest {
                    id: id.clone(),
                    reasons: f.reasons.clone(),
                }))
                .await?;
            Ok(())
        },
        |k| detail_page(&st, &me, &id, Some(k)),
    )
    .await
}

async fn refuse(
    State(st): State<AppState>,
    me: Signed,
    Path(id): Path<String>,
    Form(f): Form<ReasonsForm>,
) -> Response {
    let kept = Kept::new(
        "refuse",
        &[
            ("reasons", &f.reasons),
            ("complaint_info", &f.complaint_info),
            ("judicial_remedy_info", &f.judicial_remedy_info),
        ],
    );
    web::act_kept(
        &me,
        &f.csrf,
        kept,
        &format!("/requests/{id}"),
        "The request was refused. Send the subject the reasons and the remedies shown.",
        async {
            fetch_one(&st, &me, &id).await?;
            web::confirmed(me.tr, &f.confirm)?;
            client(&st)
                .refuse_request(me.s.req(pb::RefuseRequestRequest {
                    id: id.clone(),
                    reasons: f.reasons.clone(),
                    complaint_info: f.complaint_info.clone(),
                    judicial_remedy_info: f.judicial_remedy_info.clone(),
                }))
                .await?;
            Ok(())
        },
        |k| detail_page(&st, &me, &id, Some(k)),
    )
    .await
}

async fn close(
    State(st): State<AppState>,
    me: Signed,
    Path(id): Path<String>,
    Form(f): Form<ReasonsForm>,
) -> Response {
    web::act(
        &me,
        &f.csrf,
        &format!("/requests/{id}"),
        "The request was closed.",
        async {
            fetch_one(&st, &me, &id).await?;
            client(&st)
                .close_request(me.s.req(pb::CloseRequestRequest { id: id.clone() }))
                .await?;
            Ok(())
        },
    )
    .await
}

/// Fulfilment answers with the files of the answer (an access export) and
/// any deletion certificates; the page lists them with their checksums.
async fn fulfil(
    State(st): State<AppState>,
    me: Signed,
    Path(id): Path<String>,
    Form(f): Form<ReasonsForm>,
) -> Response {
    let r: PageResult = async {
        web::check_csrf(&me, &f.csrf)?;
        let tr = me.tr;
        fetch_one(&st, &me, &id).await?;
        web::confirmed(tr, &f.confirm)?;
        let out = client(&st)
            .fulfil_request(me.s.req(pb::FulfilRequestRequest {
                id: id.clone(),
                corrections: None,
                note: f.note,
            }))
            .await?
            .into_inner();
        st.sessions.keep_answer(
            &me.s.id,
            &id,
            out.files
                .iter()
                .map(|f| crate::session::AnswerFile {
                    name: f.name.clone(),
                    content_type: f.content_type.clone(),
                    content: f.content.clone(),
                })
                .collect(),
        );
        Ok(fulfilled(&me, tr, &id, &out))
    }
    .await;
    web::done(&me, r)
}

/// A file of the answer this session fulfilled, as a download.
async fn answer_file(
    State(st): State<AppState>,
    me: Signed,
    Path((id, name)): Path<(String, String)>,
) -> Response {
    match st.sessions.answer_file(&me.s.id, &id, &name) {
        Some(f) => {
            let file = f.name.rsplit('/').next().unwrap_or("answer").replace(
                |c: char| !(c.is_ascii_alphanumeric() || "._-".contains(c)),
                "_",
            );
            (
                [
                    (
                        axum::http::header::CONTENT_TYPE,
                        if f.content_type.is_empty() {
                            "application/octet-stream".to_owned()
                        } else {
                            f.content_type
                        },
                    ),
                    (
                        axum::http::header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{file}\""),
                    ),
                ],
                f.content,
            )
                .into_response()
        }
        None => web::Failure::NotFound.render(&me),
    }
}

/// Whether a fulfilment's outcome says no candidate matched the subject.
fn nothing_matched(outcome: &str) -> bool {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(outcome) else {
        return false;
    };
    let empty = |k: &str| {
        v.get(k)
            .and_then(|x| x.as_array())
            .is_some_and(|a| a.is_empty())
    };
    if let Some(n) = v.pointer("/counts/candidates").and_then(|n| n.as_u64()) {
        return n == 0;
    }
    (v.get("erased").is_some() && empty("erased") && empty("refused"))
        || (v.get("restricted").is_some() && empty("restricted"))
        || (v.get("rectified").is_some() && empty("rectified"))
}

fn fulfilled(me: &Signed, tr: Tr, id: &str, out: &pb::FulfilResponse) -> Response {
    let files = out
        .files
        .iter()
        .map(|f| {
            vec![
                Cell::link(
                    format!("/requests/{id}/answer/{}", web::encode(&f.name)),
                    f.name.clone(),
                ),
                Cell::text(&f.content_type),
                Cell::text(f.content.len().to_string()),
                Cell::Code(f.sha256.clone()),
            ]
        })
        .collect();
    let mut status = Section::new(tr.t("Status")).with(Body::Message {
        tone: Tone::Good,
        text: tr
            .t("The request was carried out and marked answered. Download the files of the answer below now: they are kept only while you are signed in.")
            .into(),
    });
    if out
        .request
        .as_ref()
        .is_some_and(|r| nothing_matched(&r.outcome))
    {
        status.push(Body::Message {
            tone: Tone::Warn,
            text: tr
                .t("No candidate matched the subject's e-mail address, phone number or reference: the answer says that no data is held. Check the identifiers before it is sent.")
                .into(),
        });
    }
    let mut sections = vec![
        status,
        Section::new(tr.t("Files of the answer")).with(Body::Table(table(
            tr.t("Manifest"),
            &[
                tr.t("File"),
                tr.t("Type"),
                tr.t("Size (bytes)"),
                tr.t("SHA-256"),
            ],
            files,
            "–",
        ))),
    ];
    if let Some(m) = out.files.iter().find(|f| f.name.ends_with("manifest.json")) {
        sections.push(Section::new(tr.t("Manifest")).with(Body::Notes(vec![
            String::from_utf8_lossy(&m.content).into_owned(),
        ])));
    }
    if !out.certificates.is_empty() {
        let rows = out
            .certificates
            .iter()
            .map(|c| {
                vec![
                    Cell::text(&c.candidate_id),
                    Cell::time(tr, &c.shredded_at),
                    Cell::text(c.ledger_seq.to_string()),
                    Cell::Code(c.ledger_hash.clone()),
                ]
            })
            .collect();
        sections.push(
            Section::new(tr.t("Deletion certificate")).with(Body::Table(table(
                tr.t("Deletion certificate"),
                &[
                    tr.t("Candidates"),
                    tr.t("Erased"),
                    tr.t("ledger seq"),
                    tr.t("ledger hash"),
                ],
                rows,
                "–",
            ))),
        );
    }
    if let Some(s) = out
        .request
        .as_ref()
        .and_then(|r| certificate_section(me, &r.id, &r.r#type, &r.answered_at))
    {
        sections.push(s);
    }
    sections.push(Section::new(tr.t("Back")).with(Body::Links(vec![(
        format!("{} {id}", tr.t("Request")),
        format!("/requests/{id}"),
    )])));
    web::page(me, tr.t("Fulfil the request"), "", &sections)
}

/// A new request as typed (kept when it is refused).
#[derive(Deserialize, Default)]
pub struct FileForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    controller_id: String,
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    received_at: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    candidate_ref: String,
    #[serde(default)]
    description: String,
}

/// The form that files a data-subject request: a customer's DPO files its
/// own (the controller instructing the processor); the processor's staff
/// file for a controller, also a request a subject sent to the processor.
fn file_form(
    tr: Tr,
    me: &Signed,
    names: &std::collections::HashMap<String, String>,
    f: &FileForm,
    error: Option<&str>,
) -> Section {
    let mut s = Section::new(tr.t("File a request"));
    if let Some(e) = error {
        s.push(Body::Message {
            tone: Tone::Bad,
            text: format!("{} {e}", tr.t("Nothing was changed:")),
        });
    }
    let mut fields = Vec::new();
    if !me.s.who.tenant_bound() {
        let mut options: Vec<(String, String)> = names
            .iter()
            .map(|(id, n)| (id.clone(), n.clone()))
            .collect();
        options.sort_by_key(|o| o.1.to_lowercase());
        fields.push(
            Field::new(
                "controller_id",
                tr.t("Controller"),
                FieldKind::Select(options),
            )
            .value(&f.controller_id),
        );
        fields.push(
            Field::new(
                "channel",
                tr.t("How it arrived"),
                FieldKind::Select(vec![
                    (
                        "controller_instruction".into(),
                        tr.t("the controller asks us to carry it out").into(),
                    ),
                    (
                        "processor_direct".into(),
                        tr.t("the subject wrote to us (it is forwarded to the controller)")
                            .into(),
                    ),
                ]),
            )
            .value(&f.channel),
        );
    }
    fields.extend([
        Field::new(
            "type",
            tr.t("What the subject asks"),
            FieldKind::Select(super::vocab_options(tr, &TYPES)),
        )
        .value(&f.kind),
        Field::new("received_at", tr.t("Received"), FieldKind::Instant)
            .required()
            .value(if f.received_at.is_empty() {
                crate::when::input_value(Utc::now())
            } else {
                f.received_at.clone()
            })
            .help(tr.t("Amsterdam time. The deadline runs from here.")),
        Field::new("email", tr.t("The subject's e-mail address"), FieldKind::Text)
            .value(&f.email),
        Field::new("phone", tr.t("The subject's phone number"), FieldKind::Text).value(&f.phone),
        Field::new("candidate_ref", tr.t("Your reference of the candidate"), FieldKind::Text)
            .value(&f.candidate_ref)
            .help(tr.t("At least one of e-mail, phone and reference: they find the subject's data. They are kept only as keyed hashes.")),
        Field::new("description", tr.t("What was asked, in words"), FieldKind::TextArea)
            .value(&f.description),
    ]);
    s.push(Body::Form(FormV {
        id: "file".into(),
        action: "/requests".into(),
        post: true,
        fields,
        submit: tr.t("File the request").into(),
    }));
    s
}

async fn file(State(st): State<AppState>, me: Signed, Form(f): Form<FileForm>) -> Response {
    let r: PageResult = async {
        web::check_csrf(&me, &f.csrf)?;
        let tr = me.tr;
        let refused = |why: String, f: &FileForm, names| -> Response {
            web::page_status(
                &me,
                axum::http::StatusCode::BAD_REQUEST,
                tr.t("File a request"),
                "",
                &[file_form(tr, &me, names, f, Some(&why))],
            )
        };
        let names = tenant_names(&st, &me).await?;
        let received = match crate::when::parse_input(&f.received_at) {
            Ok(t) => proto::wire::timestamp(t),
            Err(e) => {
                return Ok(refused(
                    format!("{}: {}", tr.t("Received"), e.say(tr)),
                    &f,
                    &names,
                ));
            }
        };
        let bound = me.s.who.tenant_bound();
        let req = pb::CreateRequestRequest {
            controller_id: if bound {
                me.s.who.tenant.clone()
            } else {
                f.controller_id.clone()
            },
            r#type: f.kind.clone(),
            channel: if bound || f.channel.is_empty() {
                "controller_instruction".into()
            } else {
                f.channel.clone()
            },
            received_at: received,
            subject: Some(pb::SubjectIdentifiers {
                email: f.email.trim().to_owned(),
                phone: f.phone.trim().to_owned(),
                candidate_ref: f.candidate_ref.trim().to_owned(),
            }),
            subject_informed_at: String::new(),
            description: f.description.clone(),
        };
        match client(&st).create_request(me.s.req(req)).await {
            Ok(r) => {
                me.say_done(tr.t("The request was filed. Its deadline is shown below."));
                Ok(
                    axum::response::Redirect::to(&format!("/requests/{}", r.into_inner().id))
                        .into_response(),
                )
            }
            Err(e) => match Failure::from(e) {
                Failure::Refused(why) => Ok(refused(why, &f, &names)),
                other => Err(other),
            },
        }
    }
    .await;
    web::done(&me, r)
}

/// The letters the controller sends the subject, each in Dutch and English
/// (the subject's language, not the reader's): those the request's state
/// calls for.
fn letters_section(tr: Tr, r: &pb::DataSubjectRequest) -> Section {
    use crate::letters::Letter;
    let mut links = Vec::new();
    for l in Letter::ALL {
        let wanted = match l {
            Letter::Receipt => true,
            Letter::Extension => !r.extended_at.is_empty(),
            Letter::Refusal => !r.refusal_reasons.is_empty(),
            Letter::Answer => !r.answered_at.is_empty() && r.refusal_reasons.is_empty(),
        };
        if !wanted {
            continue;
        }
        for (lang, name) in [("nl", "Nederlands"), ("en", "English")] {
            links.push((
                format!("{} ({name})", l.name(tr)),
                format!("/requests/{}/letters/{}?lang={lang}", r.id, l.code()),
            ));
        }
    }
    Section::new(tr.t("Letters to the subject"))
        .with(Body::Notes(vec![tr
            .t("Filled from the request, to send from the controller's own letterhead or e-mail; the console never holds the subject's name or address.")
            .into()]))
        .with(Body::Links(links))
}

#[derive(Deserialize, Default)]
pub struct LetterQuery {
    pub lang: Option<String>,
}

async fn letter(
    State(st): State<AppState>,
    me: Signed,
    Path((id, which)): Path<(String, String)>,
    Query(q): Query<LetterQuery>,
) -> Response {
    let r: PageResult = async {
        let letter = crate::letters::Letter::parse(&which).ok_or(Failure::NotFound)?;
        let lang =
            crate::i18n::Lang::parse(q.lang.as_deref().unwrap_or("nl")).ok_or(Failure::NotFound)?;
        let r = fetch_one(&st, &me, &id).await?;
        let names = tenant_names(&st, &me).await?;
        let facts = crate::letters::Facts {
            controller: names.get(&r.controller_id).cloned().unwrap_or_default(),
            kind: r.r#type.clone(),
            received: parse(&r.received_at),
            due: r.response.as_ref().and_then(|d| parse(&d.strict)),
            extended_due: r.extended_response.as_ref().and_then(|d| parse(&d.strict)),
            extension_reasons: r.extension_reasons.clone(),
            refusal_reasons: r.refusal_reasons.clone(),
            complaint_info: r.complaint_info.clone(),
            judicial_remedy_info: r.judicial_remedy_info.clone(),
        };
        let text = crate::letters::render(letter, lang, &facts);
        Ok((
            [
                (
                    axum::http::header::CONTENT_TYPE,
                    "text/plain; charset=utf-8".to_owned(),
                ),
                (
                    axum::http::header::CONTENT_DISPOSITION,
                    format!("inline; filename=\"{}-{}.txt\"", letter.code(), lang.code()),
                ),
            ],
            text,
        )
            .into_response())
    }
    .await;
    web::done(&me, r)
}
