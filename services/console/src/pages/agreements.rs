//! Agreements: the processing agreements with their versions and terms,
//! the contract dates, and the art. 30(2) record download.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use proto::v1 as pb;
use serde::Deserialize;

use super::{collect, id_ok, page, table};
use crate::backend::Service;
use crate::i18n::Tr;
use crate::view::{Body, Cell, Section};
use crate::web::{self, AppState, Failure, PageResult, Signed, state};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/agreements", get(index))
        .route("/agreements/record", get(record))
        .route("/agreements/record/view", get(super::record::page))
        .route("/agreements/{id}", get(detail))
}

type Client = pb::agreement_service_client::AgreementServiceClient<tonic::transport::Channel>;

fn client(st: &AppState) -> Client {
    Client::new(st.backend.channel(Service::Agreements))
}

async fn index(State(st): State<AppState>, me: Signed) -> Response {
    let r: PageResult = async {
        let tr = me.tr;
        let names = super::tenant_names(&st, &me).await?;
        let c = client(&st);
        let list = collect(5_000, |token| {
            let mut c = c.clone();
            let req = me.s.req(pb::ListAgreementsRequest {
                controller_id: String::new(),
                status: String::new(),
                page: page(500, token),
            });
            async move {
                let r = c.list_agreements(req).await?.into_inner();
                Ok((r.agreements, r.next_page_token))
            }
        })
        .await?;
        let rows = list
            .iter()
            .map(|a| {
                let t = a.terms.clone().unwrap_or_default();
                vec![
                    Cell::link(
                        format!("/agreements/{}", a.id),
                        if t.reference.is_empty() {
                            tr.t("the agreement").to_owned()
                        } else {
                            t.reference.clone()
                        },
                    ),
                    super::tenant_cell(&names, &a.controller_id),
                    state(tr, &a.status),
                    Cell::text(format!("{} / {}", a.version, a.latest_version)),
                    Cell::time(tr, &t.contract_start),
                    Cell::due(
                        tr,
                        a.schedule
                            .as_ref()
                            .map(|s| s.period_end.as_str())
                            .unwrap_or(""),
                    ),
                    Cell::due(
                        tr,
                        a.schedule
                            .as_ref()
                            .map(|s| s.notice_by.as_str())
                            .unwrap_or(""),
                    ),
                    Cell::time(tr, &a.ends_on),
                ]
            })
            .collect();
        let mut sections = vec![Section::new(tr.t("Agreements")).with(Body::Table(table(
            tr.t("Agreements"),
            &[
                tr.t("Agreement"),
                tr.t("Controller"),
                tr.t("Status"),
                tr.t("Version"),
                tr.t("contract start"),
                tr.t("period end"),
                tr.t("notice by"),
                tr.t("Ends"),
            ],
            rows,
            "–",
        )))];
        if me.s.who.may("AgreementService/ExportProcessingRecord") {
            sections.push(super::record::record_links(tr, true));
        }
        Ok(web::page(&me, tr.t("Agreements"), "", &sections))
    }
    .await;
    web::done(&me, r)
}

fn terms_facts(tr: Tr, t: &pb::AgreementTerms) -> Vec<(String, Cell)> {
    let num = |v: Option<i32>| v.map(|v| v.to_string()).unwrap_or_default();
    vec![
        (tr.t("reference").into(), Cell::text(&t.reference)),
        (tr.t("purposes").into(), Cell::Lines(t.purposes.clone())),
        (
            tr.t("data categories").into(),
            Cell::Lines(t.data_categories.clone()),
        ),
        (
            tr.t("data subject categories").into(),
            Cell::Lines(t.data_subject_categories.clone()),
        ),
        (
            tr.t("special categories").into(),
            Cell::text(t.special_categories.to_string()),
        ),
        (
            tr.t("processing locations").into(),
            Cell::Lines(t.processing_locations.clone()),
        ),
        (
            tr.t("sub-processor authorisation").into(),
            Cell::text(&t.subprocessor_authorisation),
        ),
        (
            tr.t("objection period (days)").into(),
            Cell::text(num(t.objection_period_days)),
        ),
        (
            tr.t("breach notice SLA (hours)").into(),
            Cell::text(num(t.breach_notice_sla_hours)),
        ),
        (
            tr.t("end of contract").into(),
            Cell::text(&t.end_of_contract),
        ),
        (
            tr.t("deletion term (days)").into(),
            Cell::text(num(t.deletion_term_days)),
        ),
        (
            tr.t("contract start").into(),
            Cell::time(tr, &t.contract_start),
        ),
        (tr.t("term (months)").into(), Cell::text(num(t.term_months))),
        (
            tr.t("auto renew").into(),
            Cell::text(t.auto_renew.to_string()),
        ),
        (
            tr.t("renewal (months)").into(),
            Cell::text(num(t.renewal_months)),
        ),
        (
            tr.t("notice period").into(),
            Cell::text(format!("{} {}", num(t.notice_period), t.notice_period_unit)),
        ),
        (
            tr.t("audits per year").into(),
            Cell::text(num(t.audits_per_year)),
        ),
        (
            tr.t("security measures").into(),
            Cell::Lines(t.security_measures.clone()),
        ),
        (
            tr.t("processor may notify the authority").into(),
            Cell::text(t.processor_may_notify_authority.to_string()),
        ),
    ]
}

async fn detail(State(st): State<AppState>, me: Signed, Path(id): Path<String>) -> Response {
    let r: PageResult = async {
        let tr = me.tr;
        let names = super::tenant_names(&st, &me).await?;
        if !id_ok(&id) {
            return Err(Failure::NotFound);
        }
        let a = client(&st)
            .get_agreement(me.s.req(pb::GetAgreementRequest {
                id: id.clone(),
                version: 0,
            }))
            .await?
            .into_inner();
        let versions = client(&st)
            .list_agreement_versions(me.s.req(pb::ListAgreementVersionsRequest { id: id.clone() }))
            .await?
            .into_inner()
            .versions;
        let mut facts = vec![
            (
                tr.t("Controller").to_owned(),
                super::tenant_cell(&names, &a.controller_id),
            ),
            (tr.t("Status").to_owned(), state(tr, &a.status)),
            (
                tr.t("Version").to_owned(),
                Cell::text(format!("{} / {}", a.version, a.latest_version)),
            ),
            (
                tr.t("Effective").to_owned(),
                Cell::time(tr, &a.activated_at),
            ),
            (
                tr.t("notice given on").into(),
                Cell::time(tr, &a.notice_given_on),
            ),
            (tr.t("Ends").to_owned(), Cell::time(tr, &a.ends_on)),
        ];
        if let Some(s) = &a.schedule {
            facts.push((tr.t("period end").into(), Cell::due(tr, &s.period_end)));
            facts.push((tr.t("notice by").into(), Cell::due(tr, &s.notice_by)));
            facts.push((tr.t("Notes").to_owned(), Cell::notes(tr, &s.notes)));
        }
        let rows = versions
            .iter()
            .map(|v| {
                vec![
                    Cell::text(v.version.to_string()),
                    state(tr, &v.status),
                    Cell::text(&v.version_note),
                    Cell::time(tr, &v.updated_at),
                ]
            })
            .collect();
        let mut sections = vec![
            Section::new(tr.t("Agreement")).with(Body::Facts(facts)),
            Section::new(tr.t("Terms")).with(Body::Facts(
                a.terms
                    .as_ref()
                    .map(|t| terms_facts(tr, t))
                    .unwrap_or_default(),
            )),
            Section::new(tr.t("Versions")).with(Body::Table(table(
                tr.t("Versions"),
                &[tr.t("Version"), tr.t("Status"), tr.t("Note"), tr.t("When")],
                rows,
                "–",
            ))),
        ];
        if me.s.who.may("AgreementService/ExportProcessingRecord") {
            sections.push(super::record::record_links(tr, true));
        }
        let title = a
            .terms
            .as_ref()
            .map(|t| t.reference.clone())
            .filter(|r| !r.is_empty())
            .unwrap_or_else(|| tr.t("without a reference").to_owned());
        Ok(web::page(
            &me,
            &format!("{} {title}", tr.t("Agreement")),
            "",
            &sections,
        ))
    }
    .await;
    web::done(&me, r)
}

#[derive(Deserialize)]
pub struct FormatQuery {
    #[serde(default)]
    format: String,
}

async fn record(State(st): State<AppState>, me: Signed, Query(q): Query<FormatQuery>) -> Response {
    let r: PageResult = async {
        let d = client(&st)
            .export_processing_record(me.s.req(pb::ExportProcessingRecordRequest {
                controller_id: String::new(),
                format: q.format,
            }))
            .await?
            .into_inner();
        let ext = match d.format.as_str() {
            "markdown" => "md",
            "csv" => "csv",
            _ => "json",
        };
        Ok(web::download(
            &d.content_type,
            &format!("record-of-processing.{ext}"),
            d.content,
        ))
    }
    .await;
    web::done(&me, r)
}
