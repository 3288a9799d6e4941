//! Sub-processors: the register, the change notices with their delivery
//! and objection windows, objections (a customer's DPO objects here),
//! approvals, and the authorised list per controller.

use axum::Form;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use chrono::Utc;
use proto::v1 as pb;
use serde::Deserialize;

use super::{collect, id_ok, opt, page, table};
use crate::backend::Service;
use crate::i18n::Tr;
use crate::view::{Body, Cell, Field, FieldKind, Form as FormV, Section, Tone};
use crate::web::{self, AppState, Failure, Kept, PageResult, Signed, state};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/subprocessors", get(index))
        .route("/subprocessors/notices/{id}", get(notice))
        .route("/subprocessors/notices/{id}/object", post(object))
        .route("/subprocessors/notices/{id}/approve", post(approve))
}

type Client = pb::subprocessor_service_client::SubprocessorServiceClient<tonic::transport::Channel>;

fn client(st: &AppState) -> Client {
    Client::new(st.backend.channel(Service::Subprocessors))
}

#[derive(Deserialize, Default)]
pub struct Filter {
    pub controller: Option<String>,
}

fn window_cell(tr: Tr, n: &pb::Notice) -> Cell {
    let Some(w) = &n.window else {
        return Cell::Empty;
    };
    let closes = super::instant(&w.closes_at);
    match closes {
        Some(c) if c > Utc::now() && n.status != "approved" => Cell::state(
            format!(
                "{} ({})",
                crate::when::humanize(tr, &w.last_day),
                tr.remaining((c - Utc::now()).num_seconds())
            ),
            Tone::Warn,
        ),
        _ => Cell::text(crate::when::humanize(tr, &w.last_day)),
    }
}

/// How a controller authorises sub-processors (GDPR art. 28(2)), in words.
const MODES: [(&str, &str); 2] = [
    ("general", "general written authorisation: objection window"),
    (
        "specific",
        "specific authorisation: each change needs approval",
    ),
];

/// What a change notice does, in words.
const KINDS: [(&str, &str); 3] = [
    ("add", "adds"),
    ("replace", "replaces with"),
    ("remove", "removes"),
];

/// A change notice named for people: what it does to which sub-processor.
fn notice_title(tr: Tr, n: &pb::Notice) -> String {
    format!(
        "{} {}",
        super::vocab_word(tr, &KINDS, &n.kind),
        n.subprocessor_name
    )
}

fn notices_table(
    tr: Tr,
    names: &std::collections::HashMap<String, String>,
    notices: &[pb::Notice],
) -> Body {
    let rows = notices
        .iter()
        .map(|n| {
            vec![
                Cell::link(
                    format!("/subprocessors/notices/{}", n.id),
                    notice_title(tr, n),
                ),
                super::tenant_cell(names, &n.controller_id),
                Cell::text(n.subprocessor_name.clone()),
                Cell::time(tr, &n.effective_on),
                state(tr, &n.status),
                match &n.delivery {
                    Some(d) => state(tr, &d.status),
                    None => Cell::time(tr, &n.delivered_at),
                },
                window_cell(tr, n),
                Cell::text(n.objections.len().to_string()),
            ]
        })
        .collect();
    Body::Table(table(
        tr.t("Change notices"),
        &[
            tr.t("Notice"),
            tr.t("Controller"),
            tr.t("Change"),
            tr.t("Effective"),
            tr.t("Status"),
            tr.t("Delivery"),
            tr.t("Objection window ends"),
            tr.t("Objections"),
        ],
        rows,
        "–",
    ))
}

async fn index(State(st): State<AppState>, me: Signed, Query(f): Query<Filter>) -> Response {
    let r: PageResult = async {
        let tr = me.tr;
        let names = super::tenant_names(&st, &me).await?;
        let c = client(&st);
        let subs = collect(5_000, |token| {
            let mut c = c.clone();
            let req = me.s.req(pb::ListSubprocessorsRequest {
                page: page(500, token),
            });
            async move {
                let r = c.list_subprocessors(req).await?.into_inner();
                Ok((r.subprocessors, r.next_page_token))
            }
        })
        .await?;
        let controller = if me.s.who.tenant_bound() {
            me.s.who.tenant.clone()
        } else {
            opt(&f.controller)
        };
        let notices = collect(5_000, |token| {
            let mut c = c.clone();
            let req = me.s.req(pb::ListNoticesRequest {
                controller_id: controller.clone(),
                change_id: String::new(),
                page: page(500, token),
            });
            async move {
                let r = c.list_notices(req).await?.into_inner();
                Ok((r.notices, r.next_page_token))
            }
        })
        .await?;
        let register = subs
            .iter()
            .map(|s| {
                vec![
                    Cell::text(&s.legal_name),
                    Cell::text(&s.country),
                    Cell::text(&s.service),
                    Cell::Lines(
                        s.data_categories
                            .iter()
                            .map(|c| super::vocab_word(tr, proto::wire::DATA_CATEGORIES, c))
                            .collect(),
                    ),
                    match &s.transfer {
                        Some(t) => Cell::text(crate::phrases::say(tr, &t.explanation)),
                        None => Cell::Empty,
                    },
                ]
            })
            .collect();
        let mut sections = vec![
            Section::new(tr.t("Register")).with(Body::Table(table(
                tr.t("Sub-processors"),
                &[
                    tr.t("Name"),
                    tr.t("Country"),
                    tr.t("Purpose"),
                    tr.t("Data categories (comma separated)"),
                    tr.t("Transfer"),
                ],
                register,
                "–",
            ))),
            Section::new(tr.t("Change notices")).with(notices_table(tr, &names, &notices)),
        ];
        if !me.s.who.tenant_bound() {
            sections.insert(
                0,
                Section::new(tr.t("Filter")).with(Body::Form(FormV {
                    id: "filter".into(),
                    action: "/subprocessors".into(),
                    post: false,
                    fields: vec![
                        Field::new("controller", tr.t("Controller"), FieldKind::Text)
                            .value(controller.clone()),
                    ],
                    submit: tr.t("Show").into(),
                })),
            );
        }
        if !controller.is_empty() {
            let a = c
                .clone()
                .list_authorised_subprocessors(me.s.req(pb::ListAuthorisedSubprocessorsRequest {
                    controller_id: controller.clone(),
                }))
                .await?
                .into_inner();
            let rows = a
                .current
                .iter()
                .map(|e| {
                    vec![
                        Cell::text(
                            e.subprocessor
                                .as_ref()
                                .map(|s| s.legal_name.as_str())
                                .unwrap_or(""),
                        ),
                        Cell::text(
                            e.subprocessor
                                .as_ref()
                                .map(|s| s.country.as_str())
                                .unwrap_or(""),
                        ),
                        Cell::text(crate::phrases::say(tr, &e.basis)),
                        Cell::time(tr, &e.since),
                    ]
                })
                .collect();
            sections.push(
                Section::new(tr.t("Authorised sub-processors")).with(Body::Table(table(
                    &format!(
                        "{} · {} ({})",
                        tr.t("Authorised sub-processors"),
                        names
                            .get(&a.controller_id)
                            .map_or(tr.t("this controller"), String::as_str),
                        super::vocab_word(tr, &MODES, &a.authorisation_mode)
                    ),
                    &[
                        tr.t("Name"),
                        tr.t("Country"),
                        tr.t("basis"),
                        tr.t("Effective"),
                    ],
                    rows,
                    "–",
                ))),
            );
        }
        Ok(web::page(&me, tr.t("Sub-processors"), "", &sections))
    }
    .await;
    web::done(&me, r)
}

async fn fetch_notice(st: &AppState, me: &Signed, id: &str) -> Result<pb::Notice, Failure> {
    if !id_ok(id) {
        return Err(Failure::NotFound);
    }
    Ok(client(st)
        .get_notice(me.s.req(pb::GetNoticeRequest { id: id.to_owned() }))
        .await?
        .into_inner())
}

async fn notice(State(st): State<AppState>, me: Signed, Path(id): Path<String>) -> Response {
    let r = notice_page(&st, &me, &id, None).await;
    web::done(&me, r)
}

/// A change notice's page; `kept`: the objection as the person sent it,
/// refused (the page then answers 400 with it filled in).
async fn notice_page(st: &AppState, me: &Signed, id: &str, kept: Option<Kept>) -> PageResult {
    {
        let tr = me.tr;
        let n = fetch_notice(st, me, id).await?;
        let names = super::tenant_names(st, me).await?;
        let names = &names;
        let mut facts = vec![
            (
                tr.t("Controller").to_owned(),
                super::tenant_cell(names, &n.controller_id),
            ),
            (tr.t("Change").to_owned(), Cell::text(notice_title(tr, &n))),
            (tr.t("Description").to_owned(), Cell::text(&n.description)),
            (
                tr.t("Effective").to_owned(),
                Cell::time(tr, &n.effective_on),
            ),
            (tr.t("Status").to_owned(), state(tr, &n.status)),
            (
                tr.t("Authorisation").to_owned(),
                Cell::text(super::vocab_word(tr, &MODES, &n.authorisation_mode)),
            ),
            (
                tr.t("Delivery").to_owned(),
                match &n.delivery {
                    Some(d) => Cell::link(
                        format!("/webhooks/{}", d.id),
                        super::vocab_word(tr, web::STATES, &d.status),
                    ),
                    None => Cell::time(tr, &n.delivered_at),
                },
            ),
        ];
        let mut window_open = false;
        if let Some(w) = &n.window {
            facts.push((
                tr.t("Objection window ends").to_owned(),
                window_cell(tr, &n),
            ));
            facts.push((
                tr.t("Due (lenient reading)").to_owned(),
                Cell::due(tr, &w.last_day_lenient),
            ));
            facts.push((tr.t("Notes").to_owned(), Cell::notes(tr, &w.notes)));
            window_open = super::instant(&w.closes_at).is_some_and(|c| c > Utc::now());
        }
        let objections = n
            .objections
            .iter()
            .map(|o| {
                vec![
                    Cell::time(tr, &o.filed_at),
                    Cell::text(&o.filed_by),
                    Cell::text(&o.reason),
                    state(
                        tr,
                        if o.resolution.is_empty() {
                            "open"
                        } else {
                            &o.resolution
                        },
                    ),
                    Cell::text(&o.resolution_note),
                ]
            })
            .collect();
        let mut sections = vec![
            Section::new(tr.t("Notice")).with(Body::Facts(facts)),
            Section::new(tr.t("Objections")).with(Body::Table(table(
                tr.t("Objections"),
                &[
                    tr.t("When"),
                    tr.t("Actor"),
                    tr.t("Grounds"),
                    tr.t("State"),
                    tr.t("Notes"),
                ],
                objections,
                "–",
            ))),
        ];
        if window_open && me.s.who.may("SubprocessorService/RecordObjection") {
            let mut fields = vec![
                Field::new("reason", tr.t("Grounds"), FieldKind::TextArea).required(),
                web::confirm_field(tr.t("I understand: the objection is recorded against this change and the processor is told.")),
            ];
            let mut section = Section::new(tr.t("Object to this change"));
            web::refill(&mut section, &mut fields, kept.as_ref(), "object", tr);
            sections.push(section.with(Body::Form(FormV {
                id: "object".into(),
                action: format!("/subprocessors/notices/{}/object", n.id),
                post: true,
                fields,
                submit: tr.t("Lodge the objection").into(),
            })));
        }
        if n.approved_at.is_empty()
            && n.authorisation_mode == "specific"
            && me.s.who.may("SubprocessorService/RecordApproval")
        {
            let mut fields = vec![Field::new("reference", tr.t("Reason"), FieldKind::Text)];
            let mut section = Section::new(tr.t("Approve this change"));
            web::refill(&mut section, &mut fields, kept.as_ref(), "approve", tr);
            sections.push(section.with(Body::Form(FormV {
                id: "approve".into(),
                action: format!("/subprocessors/notices/{}/approve", n.id),
                post: true,
                fields,
                submit: tr.t("Approve").into(),
            })));
        }
        Ok(web::page_or_refused(
            me,
            kept.is_some(),
            &format!("{}: {}", tr.t("Change notice"), notice_title(tr, &n)),
            "",
            &sections,
        ))
    }
}

#[derive(Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    reference: String,
    #[serde(default)]
    confirm: String,
}

async fn object(
    State(st): State<AppState>,
    me: Signed,
    Path(id): Path<String>,
    Form(f): Form<ReasonForm>,
) -> Response {
    let kept = Kept::new("object", &[("reason", &f.reason)]);
    web::act_kept(
        &me,
        &f.csrf,
        kept,
        &format!("/subprocessors/notices/{id}"),
        "Your objection was recorded.",
        async {
            fetch_notice(&st, &me, &id).await?;
            web::confirmed(me.tr, &f.confirm)?;
            client(&st)
                .record_objection(me.s.req(pb::RecordObjectionRequest {
                    notice_id: id.clone(),
                    reason: f.reason.clone(),
                }))
                .await?;
            Ok(())
        },
        |k| notice_page(&st, &me, &id, Some(k)),
    )
    .await
}

async fn approve(
    State(st): State<AppState>,
    me: Signed,
    Path(id): Path<String>,
    Form(f): Form<ReasonForm>,
) -> Response {
    let kept = Kept::new("approve", &[("reference", &f.reference)]);
    web::act_kept(
        &me,
        &f.csrf,
        kept,
        &format!("/subprocessors/notices/{id}"),
        "Your approval was recorded.",
        async {
            fetch_notice(&st, &me, &id).await?;
            client(&st)
                .record_approval(me.s.req(pb::RecordApprovalRequest {
                    notice_id: id.clone(),
                    approved: true,
                    reference: f.reference.clone(),
                }))
                .await?;
            Ok(())
        },
        |k| notice_page(&st, &me, &id, Some(k)),
    )
    .await
}
