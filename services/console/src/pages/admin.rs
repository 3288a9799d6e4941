//! Webhook deliveries (with a retry of a dead letter) and the tenants.

use axum::Form;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use proto::v1 as pb;
use serde::Deserialize;

use super::{collect, id_ok, opt, page, table};
use crate::backend::Service;
use crate::view::{Body, Cell, Field, FieldKind, Form as FormV, Section};
use crate::web::{self, AppState, Failure, PageResult, Signed, state};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/webhooks", get(deliveries))
        .route("/webhooks/{id}", get(delivery))
        .route("/webhooks/{id}/retry", post(retry))
        .route("/tenants", get(tenants))
        .route("/tenants/tokens/revoke", post(revoke_token))
}

type Notifications =
    pb::notification_service_client::NotificationServiceClient<tonic::transport::Channel>;

fn notifications(st: &AppState) -> Notifications {
    Notifications::new(st.backend.channel(Service::Notifications))
}

#[derive(Deserialize, Default)]
pub struct Filter {
    pub status: Option<String>,
    /// The controller, picked by name (the field is the shared tenant picker).
    #[serde(alias = "controller")]
    pub tenant: Option<String>,
    pub topic: Option<String>,
}

/// What a webhook delivery carries, in words.
const TOPICS: [(&str, &str); 3] = [
    ("breach.notice", "breach notice"),
    ("dsr.forwarded", "data-subject request forwarded"),
    ("subprocessor.change_notice", "sub-processor change notice"),
];

/// The webhook administration and the tenants are the processor's pages:
/// a customer's DPO has its own company's page instead.
fn processor_only(me: &Signed) -> Result<(), Failure> {
    if me.s.who.tenant_bound() {
        Err(Failure::NotFound)
    } else {
        Ok(())
    }
}

async fn deliveries(State(st): State<AppState>, me: Signed, Query(f): Query<Filter>) -> Response {
    let r: PageResult = async {
        let tr = me.tr;
        processor_only(&me)?;
        let names = super::tenant_names(&st, &me).await?;
        let c = notifications(&st);
        let list = collect(5_000, |token| {
            let mut c = c.clone();
            let req = me.s.req(pb::ListNotificationsRequest {
                controller_id: opt(&f.tenant),
                status: opt(&f.status),
                topic: opt(&f.topic),
                page: page(500, token),
            });
            async move {
                let r = c.list_notifications(req).await?.into_inner();
                Ok((r.notifications, r.next_page_token))
            }
        })
        .await?;
        let rows = list
            .iter()
            .map(|n| {
                vec![
                    Cell::link(format!("/webhooks/{}", n.id), tr.t("Open")),
                    super::tenant_cell(&names, &n.controller_id),
                    Cell::text(super::vocab_word(tr, &TOPICS, &n.topic)),
                    state(tr, &n.status),
                    Cell::text(n.attempts.to_string()),
                    Cell::time(tr, &n.created_at),
                    Cell::time(tr, &n.delivered_at),
                    Cell::time(tr, &n.next_attempt_at),
                    Cell::text(&n.last_error),
                ]
            })
            .collect();
        let statuses = ["", "pending", "delivered", "dead"]
            .iter()
            .map(|s| {
                (
                    (*s).to_owned(),
                    if s.is_empty() {
                        tr.t("all").to_owned()
                    } else {
                        super::vocab_word(tr, web::STATES, s)
                    },
                )
            })
            .collect();
        let mut fields = vec![
            Field::new("status", tr.t("Status"), FieldKind::Select(statuses)).value(opt(&f.status)),
        ];
        if !me.s.who.tenant_bound() {
            fields.push(super::tenant_select(tr, &names, &opt(&f.tenant)));
        }
        let mut topics = vec![(String::new(), tr.t("all").to_owned())];
        topics.extend(super::vocab_options(tr, &TOPICS));
        fields.push(
            Field::new("topic", tr.t("Topic"), FieldKind::Select(topics)).value(opt(&f.topic)),
        );
        let sections = vec![
            Section::new(tr.t("Filter")).with(Body::Form(FormV {
                id: "filter".into(),
                action: "/webhooks".into(),
                post: false,
                fields,
                submit: tr.t("Show").into(),
            })),
            Section::new(tr.t("Deliveries")).with(Body::Table(table(
                &format!("{} ({})", tr.t("Deliveries"), list.len()),
                &[
                    tr.t("Delivery"),
                    tr.t("Controller"),
                    tr.t("Topic"),
                    tr.t("Status"),
                    tr.t("Attempts"),
                    tr.t("Created"),
                    tr.t("Delivery"),
                    tr.t("Next attempt"),
                    tr.t("Last error"),
                ],
                rows,
                "–",
            ))),
        ];
        Ok(web::page(&me, tr.t("Webhooks"), "", &sections))
    }
    .await;
    web::done(&me, r)
}

async fn delivery(State(st): State<AppState>, me: Signed, Path(id): Path<String>) -> Response {
    let r: PageResult = async {
        let tr = me.tr;
        processor_only(&me)?;
        let names = super::tenant_names(&st, &me).await?;
        if !id_ok(&id) {
            return Err(Failure::NotFound);
        }
        let n = notifications(&st)
            .get_notification(me.s.req(pb::GetNotificationRequest { id }))
            .await?
            .into_inner();
        let attempts = n
            .attempt_log
            .iter()
            .map(|a| {
                vec![
                    Cell::text(a.number.to_string()),
                    Cell::time(tr, &a.started_at),
                    Cell::text(a.duration_ms.to_string()),
                    Cell::text(if a.http_status == 0 {
                        String::new()
                    } else {
                        a.http_status.to_string()
                    }),
                    state(tr, &a.outcome),
                    Cell::text(&a.error),
                ]
            })
            .collect();
        let mut sections = vec![
            Section::new(tr.t("Delivery")).with(Body::Facts(vec![
                (
                    tr.t("Controller").to_owned(),
                    super::tenant_cell(&names, &n.controller_id),
                ),
                (
                    tr.t("Topic").to_owned(),
                    Cell::text(super::vocab_word(tr, &TOPICS, &n.topic)),
                ),
                (
                    tr.t("Object").to_owned(),
                    Cell::text(format!("{} {}", n.subject_type, n.subject_id)),
                ),
                (tr.t("Status").to_owned(), state(tr, &n.status)),
                (
                    tr.t("Attempts").to_owned(),
                    Cell::text(n.attempts.to_string()),
                ),
                (
                    tr.t("Next attempt").to_owned(),
                    Cell::time(tr, &n.next_attempt_at),
                ),
                (tr.t("Last error").to_owned(), Cell::text(&n.last_error)),
            ])),
            Section::new(tr.t("Attempts")).with(Body::Table(table(
                tr.t("Attempts"),
                &[
                    "#",
                    tr.t("When"),
                    "ms",
                    "HTTP",
                    tr.t("Outcome"),
                    tr.t("Last error"),
                ],
                attempts,
                "–",
            ))),
        ];
        if n.status == "dead" && me.s.who.may("NotificationService/RetryNotification") {
            sections.push(
                Section::new(tr.t("Retry this delivery")).with(Body::Form(FormV {
                    id: "retry".into(),
                    action: format!("/webhooks/{}/retry", n.id),
                    post: true,
                    fields: vec![Field::new("reason", tr.t("Reason"), FieldKind::Text).required()],
                    submit: tr.t("Retry").into(),
                })),
            );
        }
        Ok(web::page(
            &me,
            &format!(
                "{} {}",
                tr.t("Delivery to"),
                names
                    .get(&n.controller_id)
                    .cloned()
                    .unwrap_or_else(|| tr.t("the controller").to_owned())
            ),
            "",
            &sections,
        ))
    }
    .await;
    web::done(&me, r)
}

#[derive(Deserialize)]
pub struct RetryForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

async fn retry(
    State(st): State<AppState>,
    me: Signed,
    Path(id): Path<String>,
    Form(f): Form<RetryForm>,
) -> Response {
    web::act(
        &me,
        &f.csrf,
        &format!("/webhooks/{id}"),
        "The delivery was queued again.",
        async {
            if !id_ok(&id) {
                return Err(Failure::NotFound);
            }
            notifications(&st)
                .retry_notification(me.s.req(pb::RetryNotificationRequest {
                    id: id.clone(),
                    reason: f.reason,
                }))
                .await?;
            Ok(())
        },
    )
    .await
}

#[derive(Deserialize, Default)]
pub struct TenantFilter {
    /// Part of a legal name, a Chamber of Commerce number or an e-mail
    /// address, as typed in the search box.
    pub q: Option<String>,
}

/// Whether a controller matches what was typed in the search box: part of
/// its legal name, its Chamber of Commerce number or a contact's address,
/// in any case.
fn matches(c: &pb::Controller, q: &str) -> bool {
    let q = q.trim().to_lowercase();
    q.is_empty()
        || [
            &c.legal_name,
            &c.kvk_number,
            &c.privacy_email,
            &c.dpo_email,
            &c.dpo_name,
        ]
        .iter()
        .any(|v| v.to_lowercase().contains(&q))
}

async fn tenants(
    State(st): State<AppState>,
    me: Signed,
    Query(f): Query<TenantFilter>,
) -> Response {
    let r: PageResult = async {
        let tr = me.tr;
        processor_only(&me)?;
        let c = pb::controller_service_client::ControllerServiceClient::new(
            st.backend.channel(Service::Controllers),
        );
        let list = collect(10_000, |token| {
            let mut c = c.clone();
            let req = me.s.req(pb::ListControllersRequest {
                page: page(500, token),
            });
            async move {
                let r = c.list_controllers(req).await?.into_inner();
                Ok((r.controllers, r.next_page_token))
            }
        })
        .await?;
        let q = f.q.clone().unwrap_or_default();
        let shown: Vec<&pb::Controller> = list.iter().filter(|c| matches(c, &q)).collect();
        let rows = shown
            .iter()
            .map(|c| {
                vec![
                    Cell::text(&c.legal_name),
                    Cell::text(&c.kvk_number),
                    Cell::text(&c.country),
                    Cell::text(&c.privacy_email),
                    Cell::text(format!("{} <{}>", c.dpo_name, c.dpo_email)),
                    Cell::text(&c.webhook_url),
                    Cell::time(tr, &c.created_at),
                ]
            })
            .collect();
        let search = Section::new(tr.t("Search")).with(Body::Form(FormV {
            id: "filter".into(),
            action: "/tenants".into(),
            post: false,
            fields: vec![Field::new("q", tr.t("Search"), FieldKind::Text)
                .value(q.clone())
                .help(tr.t("part of the legal name, the Chamber of Commerce number or an e-mail address"))],
            submit: tr.t("Show").into(),
        }));
        let caption = if shown.len() == list.len() {
            format!("{} ({})", tr.t("Tenants"), list.len())
        } else {
            format!("{} ({} / {})", tr.t("Tenants"), shown.len(), list.len())
        };
        let s = Section::new(tr.t("Tenants")).with(Body::Table(table(
            &caption,
            &[
                tr.t("Legal name"),
                "KvK",
                tr.t("Country"),
                tr.t("Privacy e-mail"),
                tr.t("DPO"),
                tr.t("Webhook"),
                tr.t("Created"),
            ],
            rows,
            if q.is_empty() { "–" } else { tr.t("No controller matches the search.") },
        )));
        let mut sections = vec![search, s];
        if me.s.who.may("TokenService/ListTokens") {
            let names: std::collections::HashMap<&str, &str> =
                list.iter().map(|c| (c.id.as_str(), c.legal_name.as_str())).collect();
            let toks = pb::token_service_client::TokenServiceClient::new(st.backend.channel(Service::Controllers))
                .list_tokens(me.s.req(pb::ListTokensRequest {
                    tenant_id: String::new(),
                    include_revoked: true,
                }))
                .await?
                .into_inner()
                .tokens;
            let tenant_of = |t: &pb::Token| {
                names.get(t.tenant_id.as_str()).map(|n| (*n).to_owned()).unwrap_or_else(|| t.tenant_id.clone())
            };
            let rows = toks
                .iter()
                .map(|t| {
                    vec![
                        Cell::text(&t.name),
                        Cell::text(super::role_word(tr, &t.role)),
                        Cell::text(tenant_of(t)),
                        Cell::time(tr, &t.created_at),
                        if t.revoked_at.is_empty() {
                            state(tr, "active")
                        } else {
                            Cell::state(tr.t("revoked"), crate::view::Tone::Neutral)
                        },
                        Cell::time(tr, &t.revoked_at),
                    ]
                })
                .collect();
            sections.push(Section::new(tr.t("Tokens")).with(Body::Table(table(
                &format!("{} ({})", tr.t("Tokens"), toks.len()),
                &[tr.t("Name"), tr.t("role"), tr.t("Tenant"), tr.t("Created"), tr.t("Status"), tr.t("revoked")],
                rows,
                "–",
            ))));
            let active: Vec<(String, String)> = toks
                .iter()
                .filter(|t| t.revoked_at.is_empty() && t.id != me.s.who.token_id)
                .map(|t| {
                    let whose = tenant_of(t);
                    let role = super::role_word(tr, &t.role);
                    let label = if whose.is_empty() {
                        format!("{} ({role})", t.name)
                    } else {
                        format!("{} ({role}, {whose})", t.name)
                    };
                    (t.id.clone(), label)
                })
                .collect();
            if me.s.who.may("TokenService/RevokeToken") && !active.is_empty() {
                sections.push(Section::new(tr.t("Revoke a token")).with(Body::Form(FormV {
                    id: "revoke".into(),
                    action: "/tenants/tokens/revoke".into(),
                    post: true,
                    fields: vec![
                        Field::new("id", tr.t("Token"), FieldKind::Select(active)),
                        Field::new("reason", tr.t("Reason"), FieldKind::Text).required(),
                        web::confirm_field(tr.t("I understand: the token stops working at once, everyone signed in with it is signed out, and it cannot be restored.")),
                    ],
                    submit: tr.t("Revoke").into(),
                })));
            }
            sections.push(Section::new(tr.t("New tokens")).with(Body::Notes(vec![tr
                .t("A token is created by an operator with `custodian tokens create`: its secret is shown once, on the operator's terminal, and never in a web page.")
                .into()])));
        }
        Ok(web::page(&me, tr.t("Tenants"), "", &sections))
    }
    .await;
    web::done(&me, r)
}

#[derive(Deserialize)]
pub struct RevokeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    id: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    confirm: String,
}

async fn revoke_token(
    State(st): State<AppState>,
    me: Signed,
    Form(f): Form<RevokeForm>,
) -> Response {
    web::act(
        &me,
        &f.csrf,
        "/tenants",
        "The token was revoked; everyone signed in with it is signed out.",
        async {
            web::confirmed(me.tr, &f.confirm)?;
            pb::token_service_client::TokenServiceClient::new(
                st.backend.channel(Service::Controllers),
            )
            .revoke_token(me.s.req(pb::RevokeTokenRequest {
                id: f.id,
                reason: f.reason,
            }))
            .await?;
            Ok(())
        },
    )
    .await
}
