//! Retention: a tenant's retention policy, the erasures due (the vault's
//! obligations), its candidates' retention state and legal holds (never
//! their personal data: the console reads the metadata list only), and the
//! deletion certificates. Placing or releasing a hold and erasing are forms.

use axum::Form;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use proto::v1 as pb;
use serde::Deserialize;

use super::{collect, id_ok, opt, page, table};
use crate::backend::Service;
use crate::view::{Body, Cell, Field, FieldKind, Form as FormV, Section, Tone};
use crate::web::{self, AppState, Failure, PageResult, Signed, state};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/retention", get(index))
        .route("/retention/hold", post(hold))
        .route("/retention/release", post(release))
        .route("/retention/erase", post(erase))
        .route("/retention/certificates/{id}", get(certificate))
        .route(
            "/retention/certificates/{id}/signed",
            get(signed_certificate),
        )
}

type Client = pb::vault_service_client::VaultServiceClient<tonic::transport::Channel>;

fn client(st: &AppState) -> Client {
    Client::new(st.backend.channel(Service::Vault))
}

#[derive(Deserialize, Default)]
pub struct Filter {
    pub tenant: Option<String>,
    pub certificate: Option<String>,
}

async fn index(State(st): State<AppState>, me: Signed, Query(f): Query<Filter>) -> Response {
    let r: PageResult = async {
        let tr = me.tr;
        if let Some(c) = f
            .certificate
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            return Ok(
                Redirect::to(&format!("/retention/certificates/{}", web::encode(c)))
                    .into_response(),
            );
        }
        let tenant = if me.s.who.tenant_bound() {
            me.s.who.tenant.clone()
        } else {
            opt(&f.tenant)
        };
        let mut sections = Vec::new();
        let mut filter = vec![];
        if !me.s.who.tenant_bound() {
            let names = super::tenant_names(&st, &me).await?;
            filter.push(super::tenant_select(tr, &names, &tenant));
        }
        filter.push(
            Field::new("certificate", tr.t("Deletion certificate"), FieldKind::Text)
                .help("candidate id"),
        );
        sections.push(Section::new(tr.t("Filter")).with(Body::Form(FormV {
            id: "filter".into(),
            action: "/retention".into(),
            post: false,
            fields: filter,
            submit: tr.t("Show").into(),
        })));
        // Erasures due: the vault's open obligations.
        let mut d = pb::deadline_service_client::DeadlineServiceClient::new(
            st.backend.channel(Service::Deadlines),
        );
        let due = d
            .list_obligations(me.s.req(pb::ListObligationsRequest {
                page: page(1_000, String::new()),
                tenant_id: tenant.clone(),
                service: "vault".into(),
                due_before: String::new(),
                overdue_only: false,
            }))
            .await?
            .into_inner()
            .obligations;
        let rows = due
            .iter()
            .map(|o| {
                vec![
                    Cell::text(&o.object_id),
                    Cell::text(&o.tenant_id),
                    Cell::text(crate::when::humanize(tr, &o.description)),
                    Cell::due(tr, &o.due_strict),
                    if o.overdue {
                        Cell::state(tr.t("Overdue"), Tone::Bad)
                    } else {
                        Cell::Empty
                    },
                    Cell::text(&o.citation),
                ]
            })
            .collect();
        sections.push(Section::new(tr.t("Erasures due")).with(Body::Table(table(
            &format!("{} ({})", tr.t("Erasures due"), due.len()),
            &[
                tr.t("Candidates"),
                tr.t("Tenant"),
                tr.t("What must happen"),
                tr.t("Due (strict reading)"),
                tr.t("State"),
                tr.t("Citation"),
            ],
            rows,
            "–",
        ))));
        if !tenant.is_empty() {
            let p = client(&st)
                .get_retention_policy(me.s.req(pb::GetRetentionPolicyRequest {
                    tenant_id: tenant.clone(),
                }))
                .await?
                .into_inner();
            sections.push(
                Section::new(tr.t("Retention policy")).with(Body::Facts(vec![
                    (
                        tr.t("rejected (weeks)").into(),
                        Cell::text(p.rejected_weeks.to_string()),
                    ),
                    (
                        tr.t("talent pool (months)").into(),
                        Cell::text(p.talent_pool_months.to_string()),
                    ),
                    (
                        tr.t("hired (months)").into(),
                        Cell::text(p.hired_months.to_string()),
                    ),
                    (tr.t("anchor").into(), Cell::text(&p.anchor)),
                    (tr.t("When").to_owned(), Cell::time(tr, &p.updated_at)),
                ])),
            );
            let c = client(&st);
            let candidates = collect(10_000, |token| {
                let mut c = c.clone();
                let req = me.s.req(pb::ListCandidatesRequest {
                    page: page(500, token),
                    tenant_id: tenant.clone(),
                    vacancy_ref: String::new(),
                });
                async move {
                    let r = c.list_candidates(req).await?.into_inner();
                    Ok((r.candidates, r.next_page_token))
                }
            })
            .await?;
            let rows = candidates
                .iter()
                .map(|c| {
                    vec![
                        Cell::Code(c.id.clone()),
                        Cell::text(&c.external_ref),
                        state(&c.status),
                        Cell::text(&c.consent),
                        Cell::due(tr, &c.delete_after),
                        Cell::text(&c.retention_basis),
                        if c.legal_hold {
                            Cell::state(
                                format!("{}: {}", tr.t("Legal hold"), c.legal_hold_reason),
                                Tone::Warn,
                            )
                        } else {
                            Cell::Empty
                        },
                    ]
                })
                .collect();
            sections.push(Section::new(tr.t("Candidates")).with(Body::Table(table(
                &format!("{} ({})", tr.t("Candidates"), candidates.len()),
                &[
                    "id",
                    tr.t("ref"),
                    tr.t("Status"),
                    tr.t("consent"),
                    tr.t("Delete after"),
                    tr.t("basis"),
                    tr.t("Legal hold"),
                ],
                rows,
                "–",
            ))));
        }
        let reason = |name: &str| Field::new(name, tr.t("Reason"), FieldKind::Text).required();
        let id = || Field::new("id", tr.t("candidate id"), FieldKind::Text).required();
        if me.s.who.may("VaultService/PlaceLegalHold") {
            sections.push(
                Section::new(tr.t("Place a legal hold")).with(Body::Form(FormV {
                    id: "hold".into(),
                    action: "/retention/hold".into(),
                    post: true,
                    fields: vec![id(), reason("reason")],
                    submit: tr.t("Place").into(),
                })),
            );
        }
        if me.s.who.may("VaultService/ReleaseLegalHold") {
            sections.push(
                Section::new(tr.t("Release the legal hold")).with(Body::Form(FormV {
                    id: "release".into(),
                    action: "/retention/release".into(),
                    post: true,
                    fields: vec![id(), reason("reason")],
                    submit: tr.t("Release").into(),
                })),
            );
        }
        if me.s.who.may("VaultService/EraseCandidate") {
            sections.push(
                Section::new(tr.t("Erase the candidate's data")).with(Body::Form(FormV {
                    id: "erase".into(),
                    action: "/retention/erase".into(),
                    post: true,
                    fields: vec![
                        id(),
                        Field::new(
                            "reason",
                            tr.t("Reason"),
                            FieldKind::Select(
                                [
                                    ("request", tr.t("a data-subject request")),
                                    ("controller_instruction", tr.t("the controller's instruction")),
                                    ("contract_end", tr.t("the end of the contract")),
                                ]
                                .iter()
                                .map(|(v, l)| ((*v).to_owned(), (*l).to_owned()))
                                .collect(),
                            ),
                        ),
                        Field::new("reference", tr.t("Reference"), FieldKind::Text),
                        web::confirm_field(tr.t("I understand: the candidate's keys are destroyed now, and the data can never be read again.")),
                    ],
                    submit: tr.t("Erase").into(),
                })),
            );
        }
        Ok(web::page(&me, tr.t("Retention"), "", &sections))
    }
    .await;
    web::done(&me, r)
}

#[derive(Deserialize)]
pub struct CandidateForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    id: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    reference: String,
    #[serde(default)]
    confirm: String,
}

fn back(tenant: &str) -> Response {
    Redirect::to(&format!("/retention?tenant={}", web::encode(tenant))).into_response()
}

async fn hold(State(st): State<AppState>, me: Signed, Form(f): Form<CandidateForm>) -> Response {
    let r: PageResult = async {
        web::check_csrf(&me, &f.csrf)?;
        let c = client(&st)
            .place_legal_hold(me.s.req(pb::PlaceLegalHoldRequest {
                id: f.id.trim().to_owned(),
                reason: f.reason,
            }))
            .await?
            .into_inner();
        me.say_done(
            me.tr
                .t("The legal hold was placed: the candidate is kept until it is released."),
        );
        Ok(back(&c.tenant_id))
    }
    .await;
    web::done(&me, r)
}

async fn release(State(st): State<AppState>, me: Signed, Form(f): Form<CandidateForm>) -> Response {
    let r: PageResult = async {
        web::check_csrf(&me, &f.csrf)?;
        let c = client(&st)
            .release_legal_hold(me.s.req(pb::ReleaseLegalHoldRequest {
                id: f.id.trim().to_owned(),
                reason: f.reason,
            }))
            .await?
            .into_inner();
        me.say_done(me.tr.t("The legal hold was released."));
        Ok(back(&c.tenant_id))
    }
    .await;
    web::done(&me, r)
}

async fn erase(State(st): State<AppState>, me: Signed, Form(f): Form<CandidateForm>) -> Response {
    let r: PageResult = async {
        web::check_csrf(&me, &f.csrf)?;
        web::confirmed(me.tr, &f.confirm)?;
        let c = client(&st)
            .erase_candidate(me.s.req(pb::EraseCandidateRequest {
                id: f.id.trim().to_owned(),
                reason: f.reason,
                reference: f.reference,
            }))
            .await?
            .into_inner();
        me.say_done(
            me.tr
                .t("The candidate's data was erased. This is its deletion certificate."),
        );
        Ok(Redirect::to(&format!("/retention/certificates/{}", c.candidate_id)).into_response())
    }
    .await;
    web::done(&me, r)
}

/// A candidate's deletion certificate, as the signed-in person may see it.
async fn fetch_certificate(
    st: &AppState,
    me: &Signed,
    id: String,
) -> Result<pb::DeletionCertificate, Failure> {
    if !id_ok(&id) {
        return Err(Failure::NotFound);
    }
    Ok(client(st)
        .get_deletion_certificate(me.s.req(pb::GetDeletionCertificateRequest { candidate_id: id }))
        .await?
        .into_inner())
}

async fn certificate(State(st): State<AppState>, me: Signed, Path(id): Path<String>) -> Response {
    let r: PageResult = async {
        let tr = me.tr;
        let c = fetch_certificate(&st, &me, id).await?;
        let s = Section::new(tr.t("Deletion certificate")).with(Body::Facts(vec![
            (
                tr.t("Candidates").to_owned(),
                Cell::Code(c.candidate_id.clone()),
            ),
            (tr.t("Tenant").to_owned(), Cell::text(&c.tenant_id)),
            (tr.t("ref").into(), Cell::text(&c.external_ref)),
            (tr.t("Reason").to_owned(), Cell::text(&c.reason)),
            (tr.t("basis").into(), Cell::text(&c.basis)),
            (tr.t("Erased").to_owned(), Cell::time(tr, &c.shredded_at)),
            (
                tr.t("ledger").into(),
                Cell::Code(format!("#{} {}", c.ledger_seq, c.ledger_hash)),
            ),
            (tr.t("destroyed").into(), Cell::Lines(c.destroyed.clone())),
        ]));
        // The signed certificate and the key that checks it: what a DPO
        // keeps and gives an auditor (docs/evidence.md).
        let keys = client(&st)
            .get_signing_keys(me.s.req(pb::GetSigningKeysRequest {}))
            .await?
            .into_inner();
        let e = Section::new(tr.t("Signed certificate")).with(Body::Facts(vec![
            (
                tr.t("Signed certificate").to_owned(),
                Cell::Link {
                    href: format!(
                        "/retention/certificates/{}/signed",
                        web::encode(&c.candidate_id)
                    ),
                    text: format!("certificate-{}.json", c.candidate_id),
                },
            ),
            (
                tr.t("Processor's public key").to_owned(),
                Cell::Lines(
                    keys.keys
                        .iter()
                        .map(|k| {
                            if k.retired_at.is_empty() {
                                k.public_key.clone()
                            } else {
                                format!("{} ({} {})", k.public_key, tr.t("retired"), k.retired_at)
                            }
                        })
                        .collect(),
                ),
            ),
            (
                tr.t("Check it").to_owned(),
                Cell::Code(format!(
                    "custodianctl verify certificate certificate-{}.json --public-key <{}>",
                    c.candidate_id,
                    tr.t("Processor's public key")
                )),
            ),
        ]));
        Ok(web::page(&me, tr.t("Deletion certificate"), "", &[s, e]))
    }
    .await;
    web::done(&me, r)
}

/// The signed certificate as a file.
async fn signed_certificate(
    State(st): State<AppState>,
    me: Signed,
    Path(id): Path<String>,
) -> Response {
    let r: PageResult = async {
        let c = fetch_certificate(&st, &me, id).await?;
        Ok(web::download(
            "application/json",
            &format!("certificate-{}.json", c.candidate_id),
            c.signed,
        ))
    }
    .await;
    web::done(&me, r)
}
