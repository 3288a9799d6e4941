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
use crate::web::{self, AppState, Failure, PageResult, Signed, state};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/requests", get(queue))
        .route("/requests/{id}", get(detail))
        .route("/requests/{id}/extend", post(extend))
        .route("/requests/{id}/refuse", post(refuse))
        .route("/requests/{id}/fulfil", post(fulfil))
        .route("/requests/{id}/close", post(close))
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

pub async fn all(
    st: &AppState,
    me: &Signed,
    controller: &str,
    status: &str,
) -> Result<Vec<pb::DataSubjectRequest>, Failure> {
    let c = client(st);
    collect(MAX_ROWS, |token| {
        let mut c = c.clone();
        let req = me.s.req(pb::ListRequestsRequest {
            page: page(500, token),
            controller_id: controller.to_owned(),
            status: status.to_owned(),
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
}

fn due(r: &pb::DataSubjectRequest) -> Option<DateTime<Utc>> {
    r.deadline.as_ref().and_then(|d| parse(&d.strict))
}

fn open(r: &pb::DataSubjectRequest) -> bool {
    r.answered_at.is_empty()
        && r.closed_at.is_empty()
        && !matches!(r.status.as_str(), "answered" | "refused" | "closed")
}

/// The request service's vocabulary (`requests::domain::State`, `Kind`);
/// the filters send them as they are, and the service rejects any other.
const STATUSES: [&str; 5] = ["open", "awaiting_identity", "answered", "refused", "closed"];
const TYPES: [&str; 6] = [
    "access",
    "rectification",
    "erasure",
    "restriction",
    "portability",
    "objection",
];

async fn queue(State(st): State<AppState>, me: Signed, Query(f): Query<Filter>) -> Response {
    let r =
        async {
            let tr = me.tr;
            let mut rows = all(&st, &me, &opt(&f.controller), &opt(&f.status)).await?;
            let names = tenant_names(&st, &me).await?;
            let kind = opt(&f.kind);
            let overdue_only = f.overdue.as_deref() == Some("true");
            let now = Utc::now();
            rows.retain(|r| {
                (kind.is_empty() || r.r#type == kind)
                    && (!overdue_only || (open(r) && due(r).is_some_and(|d| d < now)))
            });
            // Open requests first, by the deadline in force; then the rest.
            rows.sort_by_key(|r| (!open(r), due(r), r.id.clone()));
            let table_rows = rows
                .iter()
                .map(|r| {
                    let left = due(r).map(|d| (d - now).num_seconds());
                    vec![
                        Cell::link(format!("/requests/{}", r.id), r.id.clone()),
                        Cell::text(&r.r#type),
                        tenant_cell(&names, &r.controller_id),
                        state(&r.status),
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
                        if r.late {
                            Cell::state(tr.t("yes"), Tone::Bad)
                        } else {
                            Cell::text(tr.t("no"))
                        },
                    ]
                })
                .collect();
            let mut statuses = vec![(String::new(), tr.t("all").to_owned())];
            statuses.extend(
                STATUSES
                    .iter()
                    .map(|s| ((*s).to_owned(), s.replace('_', " "))),
            );
            let mut types = vec![(String::new(), tr.t("all").to_owned())];
            types.extend(TYPES.iter().map(|s| ((*s).to_owned(), (*s).to_owned())));
            let mut fields = vec![
                Field::new("status", tr.t("Status"), FieldKind::Select(statuses))
                    .value(opt(&f.status)),
                Field::new("type", tr.t("Type"), FieldKind::Select(types)).value(kind.clone()),
            ];
            if !me.s.who.tenant_bound() {
                fields.push(
                    Field::new("controller", tr.t("Controller"), FieldKind::Text)
                        .value(opt(&f.controller)),
                );
            }
            fields.push(
                Field::new("overdue", tr.t("Overdue only"), FieldKind::Check)
                    .value(if overdue_only { "true" } else { "" }),
            );
            let sections = vec![
                Section::new(tr.t("Filter")).with(Body::Form(FormV {
                    id: "filter".into(),
                    action: "/requests".into(),
                    post: false,
                    fields,
                    submit: tr.t("Apply").into(),
                })),
                Section::new(tr.t("Requests")).with(Body::Table(table(
                    &format!("{} ({})", tr.t("Data-subject requests"), rows.len()),
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
                    "–",
                ))),
            ];
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
        Cell::Code(d.rule.clone()),
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
    let r = async {
        let tr = me.tr;
        let names = super::tenant_names(&st, &me).await?;
        let r = fetch_one(&st, &me, &id).await?;
        let facts = vec![
            (tr.t("Type").to_owned(), Cell::text(&r.r#type)),
            (tr.t("Controller").to_owned(), super::tenant_cell(&names, &r.controller_id)),
            (tr.t("Status").to_owned(), state(&r.status)),
            (tr.t("Identity").to_owned(), Cell::Lines(r.identified_by.clone())),
            (tr.t("Description").to_owned(), Cell::text(&r.description)),
            (tr.t("Late").to_owned(), if r.late { Cell::state(tr.t("yes"), Tone::Bad) } else { Cell::text(tr.t("no")) }),
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
            deadline_row(tr, "art. 12(3), 1 month", r.response.as_ref()),
            deadline_row(tr, "art. 12(3), 3 months", r.extended_response.as_ref()),
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
                &[tr.t("Deadline"), tr.t("Rule"), tr.t("Due (strict reading)"), tr.t("Due (lenient reading)"), tr.t("Notes")],
                deadlines,
                "–",
            ))),
        ];
        if let Some(s) = certificate_section(&me, &r.id, &r.r#type, &r.answered_at) {
            sections.push(s);
        }
        let is_open = open(&r);
        // Extension: allowed once, while open, and only until the
        // extension notice is due (the first month).
        let mut ext = Section::new(tr.t("Extension"));
        if !r.extended_at.is_empty() {
            ext.push(Body::Facts(vec![
                (tr.t("Extended").to_owned(), Cell::time(tr, &r.extended_at)),
                (tr.t("Extension reasons").to_owned(), Cell::text(&r.extension_reasons)),
            ]));
        } else {
            let until = r.extension_notice.as_ref().and_then(|d| parse(&d.strict));
            match until {
                Some(u) if is_open && u > Utc::now() => {
                    ext.push(Body::Message {
                        tone: Tone::Neutral,
                        text: format!(
                            "{} {}.",
                            tr.t("Still allowed: the subject must be told, with the reasons, before"),
                            crate::when::due(tr, u)
                        ),
                    });
                    if me.s.who.may("RequestService/ExtendRequest") {
                        ext.push(Body::Form(FormV {
                            id: "extend".into(),
                            action: format!("/requests/{}/extend", r.id),
                            post: true,
                            fields: vec![
                                Field::new("reasons", tr.t("Reasons, as told to the subject"), FieldKind::TextArea).required(),
                                web::confirm_field(tr.t("I understand: the answer is then due two months later, and a request can be extended only once.")),
                            ],
                            submit: tr.t("Extend by two months (art. 12(3))").into(),
                        }));
                    }
                }
                _ => ext.push(Body::Message {
                    tone: Tone::Warn,
                    text: tr.t("No longer allowed: the first month has passed.").into(),
                }),
            }
        }
        sections.push(ext);
        if !r.refusal_reasons.is_empty() {
            sections.push(Section::new(tr.t("Refuse (art. 12(4))")).with(Body::Facts(vec![
                (tr.t("Reasons for the refusal").to_owned(), Cell::text(&r.refusal_reasons)),
                (tr.t("The right to complain to a supervisory authority").to_owned(), Cell::text(&r.complaint_info)),
                (tr.t("The right to a judicial remedy").to_owned(), Cell::text(&r.judicial_remedy_info)),
            ])));
        }
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
            sections.push(Section::new(tr.t("Refuse (art. 12(4))")).with(Body::Form(FormV {
                id: "refuse".into(),
                action: format!("/requests/{}/refuse", r.id),
                post: true,
                fields: vec![
                    Field::new("reasons", tr.t("Reasons for the refusal"), FieldKind::TextArea).required(),
                    Field::new("complaint_info", tr.t("The right to complain to a supervisory authority"), FieldKind::TextArea)
                        .value("You may lodge a complaint with the Autoriteit Persoonsgegevens (autoriteitpersoonsgegevens.nl)."),
                    Field::new("judicial_remedy_info", tr.t("The right to a judicial remedy"), FieldKind::TextArea)
                        .value("You may seek a judicial remedy before the competent Dutch court."),
                    web::confirm_field(tr.t("I understand: the request is closed as refused; the subject must be sent these reasons and remedies.")),
                ],
                submit: tr.t("Refuse").into(),
            })));
        }
        Ok(web::page(&me, &format!("{} {}", tr.t("Request"), r.id), "", &sections))
    }
    .await;
    web::done(&me, r)
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
    web::act(&me, &f.csrf, &format!("/requests/{id}"), "The request was extended by two months. Tell the subject, with the reasons, before the date shown.", async {
        fetch_one(&st, &me, &id).await?;
        web::confirmed(me.tr, &f.confirm)?;
        client(&st)
            .extend_request(me.s.req(pb::ExtendRequestRequest {
                id: id.clone(),
                reasons: f.reasons,
            }))
            .await?;
        Ok(())
    })
    .await
}

async fn refuse(
    State(st): State<AppState>,
    me: Signed,
    Path(id): Path<String>,
    Form(f): Form<ReasonsForm>,
) -> Response {
    web::act(
        &me,
        &f.csrf,
        &format!("/requests/{id}"),
        "The request was refused. Send the subject the reasons and the remedies shown.",
        async {
            fetch_one(&st, &me, &id).await?;
            web::confirmed(me.tr, &f.confirm)?;
            client(&st)
                .refuse_request(me.s.req(pb::RefuseRequestRequest {
                    id: id.clone(),
                    reasons: f.reasons,
                    complaint_info: f.complaint_info,
                    judicial_remedy_info: f.judicial_remedy_info,
                }))
                .await?;
            Ok(())
        },
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
