//! Data Act switching and exit: the switches, each with its milestones as
//! a timeline, its exports with their manifests, and the erasure
//! certificate.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use chrono::Utc;
use proto::v1 as pb;

use super::{collect, id_ok, page, table};
use crate::backend::Service;
use crate::view::{Body, Cell, Section, Tone};
use crate::web::{self, AppState, Failure, PageResult, Signed, state};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/switching", get(index))
        .route("/switching/{id}", get(detail))
        // The vault's signed tenant erasure certificate (docs/evidence.md).
        .route("/switching/{id}/vault-certificate", get(vault_certificate))
}

type Client = pb::switching_service_client::SwitchingServiceClient<tonic::transport::Channel>;

fn client(st: &AppState) -> Client {
    Client::new(st.backend.channel(Service::Switching))
}

async fn index(State(st): State<AppState>, me: Signed) -> Response {
    let r: PageResult = async {
        let tr = me.tr;
        let names = super::tenant_names(&st, &me).await?;
        let c = client(&st);
        let list = collect(5_000, |token| {
            let mut c = c.clone();
            let req = me.s.req(pb::ListSwitchesRequest {
                controller_id: String::new(),
                page: page(500, token),
            });
            async move {
                let r = c.list_switches(req).await?.into_inner();
                Ok((r.switches, r.next_page_token))
            }
        })
        .await?;
        let rows = list
            .iter()
            .map(|s| {
                vec![
                    Cell::link(format!("/switching/{}", s.id), s.id.clone()),
                    super::tenant_cell(&names, &s.controller_id),
                    Cell::text(&s.kind),
                    Cell::text(&s.election),
                    state(tr, &s.status),
                    Cell::time(tr, &s.requested_at),
                    Cell::text(if s.retrieval_open {
                        tr.t("yes")
                    } else {
                        tr.t("no")
                    }),
                ]
            })
            .collect();
        let s = Section::new(tr.t("Switches")).with(Body::Table(table(
            tr.t("Switches"),
            &[
                "id",
                tr.t("Controller"),
                tr.t("Type"),
                tr.t("election"),
                tr.t("Status"),
                tr.t("Received"),
                tr.t("retrieval open"),
            ],
            rows,
            "–",
        )));
        Ok(web::page(&me, tr.t("Switching"), "", &[s]))
    }
    .await;
    web::done(&me, r)
}

/// The vault's signed certificate of the tenant's erasure, as a file.
async fn vault_certificate(
    State(st): State<AppState>,
    me: Signed,
    Path(id): Path<String>,
) -> Response {
    let r: PageResult = async {
        if !id_ok(&id) {
            return Err(Failure::NotFound);
        }
        let s = client(&st)
            .get_switch(me.s.req(pb::GetSwitchRequest { switch_id: id }))
            .await?
            .into_inner();
        let c = s
            .certificate
            .filter(|c| !c.vault_certificate.is_empty())
            .ok_or(Failure::NotFound)?;
        Ok(web::download(
            "application/json",
            &format!("tenant-erasure-{}.json", s.controller_id),
            c.vault_certificate,
        ))
    }
    .await;
    web::done(&me, r)
}

async fn detail(State(st): State<AppState>, me: Signed, Path(id): Path<String>) -> Response {
    let r: PageResult = async {
        let tr = me.tr;
        let names = super::tenant_names(&st, &me).await?;
        if !id_ok(&id) {
            return Err(Failure::NotFound);
        }
        let s = client(&st)
            .get_switch(me.s.req(pb::GetSwitchRequest { switch_id: id }))
            .await?
            .into_inner();
        let facts = vec![
            (tr.t("Controller").to_owned(), super::tenant_cell(&names, &s.controller_id)),
            (tr.t("Type").to_owned(), Cell::text(&s.kind)),
            (tr.t("election").into(), Cell::text(&s.election)),
            (tr.t("Status").to_owned(), state(tr, &s.status)),
            (tr.t("Rule").to_owned(), Cell::Code(s.rule.clone())),
            (tr.t("destination").into(), Cell::text(&s.destination)),
            (tr.t("contract end").into(), Cell::time(tr, &s.contract_end)),
            (
                "erasure due from".to_owned(),
                Cell::due(tr, &s.erasure_due_from),
            ),
            (tr.t("Notes").to_owned(), Cell::notes(tr, &s.notes)),
        ];
        let now = Utc::now();
        let mut ms = s.milestones.clone();
        ms.sort_by(|a, b| a.strict.cmp(&b.strict));
        let rows = ms
            .iter()
            .map(|m| {
                let past = super::instant(&m.strict).is_some_and(|d| d <= now);
                vec![
                    Cell::due(tr, &m.strict),
                    Cell::due(tr, &m.lenient),
                    Cell::text(m.name.replace('_', " ")),
                    Cell::text(&m.kind),
                    if past {
                        Cell::state(tr.t("passed"), Tone::Neutral)
                    } else {
                        Cell::state(tr.t("ahead"), Tone::Warn)
                    },
                ]
            })
            .collect();
        let mut sections = vec![
            Section::new(tr.t("Switching")).with(Body::Facts(facts)),
            Section::new(tr.t("Milestones")).with(Body::Table(table(
                tr.t("Milestones"),
                &[
                    tr.t("Due (strict reading)"),
                    tr.t("Due (lenient reading)"),
                    tr.t("What"),
                    tr.t("Type"),
                    tr.t("State"),
                ],
                rows,
                "–",
            ))),
        ];
        for eid in &s.export_ids {
            let e = client(&st)
                .get_export(me.s.req(pb::GetExportRequest {
                    export_id: eid.clone(),
                }))
                .await?
                .into_inner();
            let files = e
                .files
                .iter()
                .map(|f| {
                    vec![
                        Cell::text(&f.path),
                        Cell::text(f.bytes.to_string()),
                        Cell::text(f.records.to_string()),
                        Cell::Code(f.sha256.clone()),
                    ]
                })
                .collect();
            let mut sec =
                Section::new(format!("{} {}", tr.t("Export"), e.id)).with(Body::Facts(vec![
                    (tr.t("Status").to_owned(), state(tr, &e.status)),
                    (tr.t("started").into(), Cell::time(tr, &e.started_at)),
                    (tr.t("ready").into(), Cell::time(tr, &e.ready_at)),
                    (
                        tr.t("available until").into(),
                        Cell::due(tr, &e.available_until),
                    ),
                    (
                        tr.t("Candidates").to_owned(),
                        Cell::text(e.candidates.to_string()),
                    ),
                    (
                        tr.t("manifest SHA-256").into(),
                        Cell::Code(e.manifest_sha256.clone()),
                    ),
                    (
                        tr.t("downloads").into(),
                        Cell::text(e.downloads.to_string()),
                    ),
                ]));
            sec.push(Body::Table(table(
                tr.t("Manifest"),
                &[
                    tr.t("File"),
                    tr.t("Size (bytes)"),
                    tr.t("records"),
                    tr.t("SHA-256"),
                ],
                files,
                "–",
            )));
            sections.push(sec);
        }
        if let Some(c) = &s.certificate {
            sections.push(Section::new(tr.t("Certificate")).with(Body::Facts(vec![
                    (tr.t("KEK destroyed").into(), Cell::time(tr, &c.kek_destroyed_at)),
                    (
                        tr.t("KEK versions").into(),
                        Cell::text(
                            c.kek_versions
                                .iter()
                                .map(|v| v.to_string())
                                .collect::<Vec<_>>()
                                .join(", "),
                        ),
                    ),
                    (
                        tr.t("keys destroyed").into(),
                        Cell::text(c.keys_destroyed.to_string()),
                    ),
                    (tr.t("rows deleted").into(), Cell::Lines(c.rows_deleted.clone())),
                    (tr.t("retained").into(), Cell::Lines(c.retained.clone())),
                    (tr.t("completed").into(), Cell::time(tr, &c.completed_at)),
                    (tr.t("SHA-256").to_owned(), Cell::Code(c.sha256.clone())),
                ])));
            if !c.vault_certificate.is_empty() {
                sections.push(Section::new(tr.t("Signed certificate")).with(Body::Facts(vec![
                    (
                        tr.t("Signed certificate").to_owned(),
                        Cell::Link {
                            href: format!("/switching/{}/vault-certificate", web::encode(&s.id)),
                            text: format!("tenant-erasure-{}.json", s.controller_id),
                        },
                    ),
                    (
                        tr.t("Check it").to_owned(),
                        Cell::Code(format!(
                            "custodianctl verify certificate tenant-erasure-{}.json --public-key <{}>",
                            s.controller_id,
                            tr.t("Processor's public key")
                        )),
                    ),
                ])));
            }
        }
        Ok(web::page(
            &me,
            &format!("{} {}", tr.t("Switching"), s.id),
            "",
            &sections,
        ))
    }
    .await;
    web::done(&me, r)
}
