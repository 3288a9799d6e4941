//! Data Act switching and exit: the switches, each with its milestones as
//! a timeline, its exports with their manifests, and the erasure
//! certificate.

use axum::Form;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::Utc;
use futures::StreamExt;
use proto::v1 as pb;
use serde::Deserialize;

use super::{collect, id_ok, page, table, vocab_options, vocab_word};
use crate::backend::Service;
use crate::i18n::Tr;
use crate::view::{Body, Cell, Field, FieldKind, Form as FormV, Section, Tone};
use crate::web::{self, AppState, Failure, Kept, PageResult, Signed, state};

/// What the customer elects (art. 25(3)), in words.
const ELECTIONS: [(&str, &str); 3] = [
    ("switch", "switch to another provider"),
    ("on_prem", "move the data to our own systems"),
    ("erase", "erase our exportable data"),
];

const KINDS: [(&str, &str); 2] = [
    ("data_act", "a switch under the Data Act"),
    ("termination", "the end of the agreement"),
];

const MILESTONE_KINDS: [(&str, &str); 2] =
    [("deadline", "finish by"), ("not_before", "keep until")];

const NOTICE: [(&str, &str); 3] = [
    ("", "the agreement's notice period"),
    ("1", "one month"),
    ("2", "two months"),
];

/// The milestones of rule dataact.switching and of an exit, in words.
const MILESTONES: [(&str, &str); 9] = [
    ("notice_end", "the notice period ends"),
    (
        "transition_end",
        "the transition ends: the data handed over",
    ),
    ("retrieval_end", "the retrieval period ends"),
    ("erasure_not_before", "erasure not before"),
    (
        "unfeasibility_notice",
        "last day to declare 30 days unfeasible",
    ),
    (
        "alternative_transition_max_end",
        "the latest end of an alternative transition",
    ),
    ("contract_end", "the agreement ends"),
    ("deletion_due", "every personal data item deleted"),
    ("return_by", "the data returned"),
];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/switching", get(index).post(request))
        .route("/switching/{id}", get(detail))
        .route("/switching/{id}/{action}", post(act))
        .route("/switching/exports/{id}/file", get(download))
        // The vault's signed tenant erasure certificate (docs/evidence.md).
        .route("/switching/{id}/vault-certificate", get(vault_certificate))
}

type Client = pb::switching_service_client::SwitchingServiceClient<tonic::transport::Channel>;

fn client(st: &AppState) -> Client {
    Client::new(st.backend.channel(Service::Switching))
}

async fn index(State(st): State<AppState>, me: Signed) -> Response {
    let r = switching_page(&st, &me, None).await;
    web::done(&me, r)
}

/// The switches and the request form; `kept`: the request as the person
/// sent it, refused (the page then answers 400 with it filled in).
async fn switching_page(st: &AppState, me: &Signed, kept: Option<Kept>) -> PageResult {
    {
        let tr = me.tr;
        let names = super::tenant_names(st, me).await?;
        let c = client(st);
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
                    Cell::link(format!("/switching/{}", s.id), title(tr, s)),
                    super::tenant_cell(&names, &s.controller_id),
                    Cell::text(vocab_word(tr, &KINDS, &s.kind)),
                    Cell::text(vocab_word(tr, &ELECTIONS, &s.election)),
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
                tr.t("Switching"),
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
        let mut sections = vec![s];
        if me.s.who.may("SwitchingService/RequestSwitch") {
            sections.push(request_form(tr, me, &names, kept.as_ref()));
        }
        Ok(web::page_or_refused(
            me,
            kept.is_some(),
            tr.t("Switching"),
            "",
            &sections,
        ))
    }
}

/// A switch named for people: what it is and when it was asked for.
fn title(tr: Tr, s: &pb::Switch) -> String {
    format!(
        "{}, {} {}",
        vocab_word(tr, &ELECTIONS, &s.election),
        tr.t("asked"),
        super::instant(&s.requested_at)
            .map(|t| crate::when::instant(tr, t))
            .unwrap_or_default()
    )
}

/// The customer's request to switch, move or erase (art. 25(3)); the
/// processor's DPO files it for a controller it names.
fn request_form(
    tr: Tr,
    me: &Signed,
    names: &std::collections::HashMap<String, String>,
    kept: Option<&Kept>,
) -> Section {
    let mut fields = Vec::new();
    if !me.s.who.tenant_bound() {
        fields.push(
            Field::new(
                "controller",
                tr.t("Controller"),
                FieldKind::Select(super::name_options(names)),
            )
            .required(),
        );
    }
    fields.extend([
        Field::new(
            "election",
            tr.t("What the customer wants"),
            FieldKind::Select(vocab_options(tr, &ELECTIONS)),
        ),
        Field::new(
            "notice_months",
            tr.t("Notice period"),
            FieldKind::Select(vocab_options(tr, &NOTICE)),
        ),
        Field::new("destination", tr.t("The new provider (for a switch)"), FieldKind::Text),
        web::confirm_field(tr.t("I understand: the notice period starts now; the transition and the export follow, and the request can be withdrawn until the transition ends.")),
    ]);
    let mut section = Section::new(tr.t("Request a switch or exit (Data Act art. 25)"));
    web::refill(&mut section, &mut fields, kept, "request", tr);
    section.with(Body::Form(FormV {
        id: "request".into(),
        action: "/switching".into(),
        post: true,
        fields,
        submit: tr.t("Request").into(),
    }))
}

#[derive(Deserialize)]
pub struct RequestForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    controller: String,
    #[serde(default)]
    election: String,
    #[serde(default)]
    notice_months: String,
    #[serde(default)]
    destination: String,
    #[serde(default)]
    confirm: String,
}

async fn request(State(st): State<AppState>, me: Signed, Form(f): Form<RequestForm>) -> Response {
    let kept = Kept {
        form: "request",
        values: vec![
            ("controller".into(), f.controller.clone()),
            ("election".into(), f.election.clone()),
            ("notice_months".into(), f.notice_months.clone()),
            ("destination".into(), f.destination.clone()),
        ],
        error: String::new(),
    };
    let r: PageResult = async {
        let tr = me.tr;
        web::check_csrf(&me, &f.csrf)?;
        web::confirmed(tr, &f.confirm)?;
        let notice_months = match f.notice_months.as_str() {
            "" => 0,
            "1" => 1,
            "2" => 2,
            _ => {
                return Err(Failure::Refused(format!(
                    "notice_months: {}",
                    tr.t("the notice period is one or two months.")
                )));
            }
        };
        let s = client(&st)
            .request_switch(me.s.req(pb::RequestSwitchRequest {
                controller_id: if me.s.who.tenant_bound() {
                    String::new()
                } else {
                    f.controller
                },
                election: f.election,
                notice_months,
                requested_at: String::new(),
                destination: f.destination,
            }))
            .await?
            .into_inner();
        me.say_done(tr.t("The request was recorded; its milestones are below."));
        Ok(Redirect::to(&format!("/switching/{}", s.id)).into_response())
    }
    .await;
    // Refused: the page again with the request as typed.
    web::or_again(&me, kept, r, |k| switching_page(&st, &me, Some(k))).await
}

#[derive(Deserialize)]
pub struct ActForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    transition_end: String,
    #[serde(default)]
    confirm: String,
}

/// The customer's and the processor's acts on a switch: withdraw, confirm
/// complete, extend the transition (each confirmed first), make the export.
async fn act(
    State(st): State<AppState>,
    me: Signed,
    Path((id, action)): Path<(String, String)>,
    Form(f): Form<ActForm>,
) -> Response {
    let (said, confirmed) = match action.as_str() {
        "withdraw" => (
            "The request was withdrawn: nothing is erased and the agreement goes on.",
            true,
        ),
        "confirm" => (
            "The switch was confirmed complete: the agreement ends.",
            true,
        ),
        "extend" => ("The transition was extended.", true),
        "export" => (
            "The export is being made; reload this page to see when it is ready.",
            false,
        ),
        _ => return Failure::NotFound.render(&me),
    };
    let form: &'static str = match action.as_str() {
        "withdraw" => "withdraw",
        "confirm" => "confirm",
        "extend" => "extend",
        _ => "export",
    };
    let kept = Kept::new(
        form,
        &[("reason", &f.reason), ("transition_end", &f.transition_end)],
    );
    let act = async {
        if !id_ok(&id) {
            return Err(Failure::NotFound);
        }
        if confirmed {
            web::confirmed(me.tr, &f.confirm)?;
        }
        let mut c = client(&st);
        let switch_id = id.clone();
        match action.as_str() {
            "withdraw" => {
                c.withdraw_switch(me.s.req(pb::WithdrawSwitchRequest {
                    switch_id,
                    reason: f.reason,
                }))
                .await?;
            }
            "confirm" => {
                c.confirm_switch_complete(me.s.req(pb::ConfirmSwitchCompleteRequest { switch_id }))
                    .await?;
            }
            "extend" => {
                c.extend_transition(me.s.req(pb::ExtendTransitionRequest {
                    switch_id,
                    transition_end: f.transition_end,
                }))
                .await?;
            }
            _ => {
                c.start_export(me.s.req(pb::StartExportRequest { switch_id }))
                    .await?;
            }
        }
        Ok(())
    };
    web::act_kept(
        &me,
        &f.csrf,
        kept,
        &format!("/switching/{id}"),
        said,
        act,
        |k| detail_page(&st, &me, &id, Some(k)),
    )
    .await
}

#[derive(Deserialize)]
pub struct FileQuery {
    #[serde(default)]
    path: String,
}

/// One file of an export bundle, streamed from DownloadExport's chunks of
/// that file (the customer's DPO only: the export is its data).
async fn download(
    State(st): State<AppState>,
    me: Signed,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<FileQuery>,
) -> Response {
    let r: PageResult = async {
        if !id_ok(&id) || q.path.is_empty() {
            return Err(Failure::NotFound);
        }
        let stream = client(&st)
            .download_export(me.s.req(pb::DownloadExportRequest { export_id: id }))
            .await?
            .into_inner();
        let want = q.path.clone();
        let body = stream.filter_map(move |c| {
            let want = want.clone();
            async move {
                match c {
                    Ok(c) if c.path == want => Some(Ok::<_, std::io::Error>(c.data)),
                    Ok(_) => None,
                    Err(e) => Some(Err(std::io::Error::other(e.message().to_owned()))),
                }
            }
        });
        let name = q.path.rsplit('/').next().unwrap_or("export").to_owned();
        Ok(web::download(
            "application/octet-stream",
            &name,
            axum::body::Body::from_stream(body.fuse()),
        ))
    }
    .await;
    web::done(&me, r)
}

/// The actions the signed-in person may take on a switch now.
fn actions(tr: Tr, me: &Signed, s: &pb::Switch, kept: Option<&Kept>) -> Vec<Section> {
    let mut out = Vec::new();
    if s.status != "active" {
        return out;
    }
    let form = |id: &str, action: &str, heading: &str, mut fields: Vec<Field>, submit: &str| {
        let mut section = Section::new(heading);
        web::refill(&mut section, &mut fields, kept, id, tr);
        section.with(Body::Form(FormV {
            id: id.into(),
            action: format!("/switching/{}/{action}", s.id),
            post: true,
            fields,
            submit: submit.into(),
        }))
    };
    if s.kind == "data_act" && s.election != "erase" && me.s.who.may("SwitchingService/StartExport")
    {
        out.push(form(
            "export",
            "export",
            tr.t("Make the export"),
            vec![],
            tr.t("Make the export now"),
        ));
    }
    if s.kind == "data_act" && me.s.who.may("SwitchingService/ExtendTransition") {
        out.push(form(
            "extend",
            "extend",
            tr.t("Extend the transition (once, art. 25(5))"),
            vec![
                Field::new(
                    "transition_end",
                    tr.t("The new last day of the transition"),
                    FieldKind::Date,
                )
                .required(),
                web::confirm_field(tr.t("I understand: the transition can be extended only once.")),
            ],
            tr.t("Extend"),
        ));
    }
    if s.kind == "data_act"
        && s.election != "erase"
        && me.s.who.may("SwitchingService/ConfirmSwitchComplete")
    {
        out.push(form(
            "confirm",
            "confirm",
            tr.t("Confirm that the switch succeeded"),
            vec![web::confirm_field(tr.t("I understand: the agreement ends now, and our data is erased after the retrieval period."))],
            tr.t("Confirm"),
        ));
    }
    if me.s.who.may("SwitchingService/WithdrawSwitch") {
        out.push(form(
            "withdraw",
            "withdraw",
            tr.t("Withdraw the request"),
            vec![
                Field::new("reason", tr.t("Reason"), FieldKind::TextArea),
                web::confirm_field(tr.t("I understand: the milestones stop, nothing is erased and the agreement goes on.")),
            ],
            tr.t("Withdraw"),
        ));
    }
    out
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
    let r = detail_page(&st, &me, &id, None).await;
    web::done(&me, r)
}

/// A switch's page; `kept`: one of its action forms as the person sent it,
/// refused (the page then answers 400 with it filled in).
async fn detail_page(st: &AppState, me: &Signed, id: &str, kept: Option<Kept>) -> PageResult {
    {
        let tr = me.tr;
        let names = super::tenant_names(st, me).await?;
        if !id_ok(id) {
            return Err(Failure::NotFound);
        }
        let s = client(st)
            .get_switch(me.s.req(pb::GetSwitchRequest {
                switch_id: id.to_owned(),
            }))
            .await?
            .into_inner();
        let facts = vec![
            (
                tr.t("Controller").to_owned(),
                super::tenant_cell(&names, &s.controller_id),
            ),
            (
                tr.t("Type").to_owned(),
                Cell::text(vocab_word(tr, &KINDS, &s.kind)),
            ),
            (
                tr.t("election").into(),
                Cell::text(vocab_word(tr, &ELECTIONS, &s.election)),
            ),
            (tr.t("Status").to_owned(), state(tr, &s.status)),
            (
                tr.t("Rule").to_owned(),
                Cell::text(crate::phrases::rule_name(tr, &s.rule)),
            ),
            (tr.t("destination").into(), Cell::text(&s.destination)),
            (tr.t("contract end").into(), Cell::time(tr, &s.contract_end)),
            (
                tr.t("erasure due from").to_owned(),
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
                    Cell::text(vocab_word(tr, &MILESTONES, &m.name)),
                    Cell::text(vocab_word(tr, &MILESTONE_KINDS, &m.kind)),
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
            let e = client(st)
                .get_export(me.s.req(pb::GetExportRequest {
                    export_id: eid.clone(),
                }))
                .await?
                .into_inner();
            let may_download =
                me.s.who.may("SwitchingService/DownloadExport") && e.status == "ready";
            let files = e
                .files
                .iter()
                .map(|f| {
                    vec![
                        if may_download {
                            Cell::link(
                                format!(
                                    "/switching/exports/{}/file?path={}",
                                    e.id,
                                    web::encode(&f.path)
                                ),
                                f.path.clone(),
                            )
                        } else {
                            Cell::text(&f.path)
                        },
                        Cell::text(f.bytes.to_string()),
                        Cell::text(f.records.to_string()),
                        Cell::Code(f.sha256.clone()),
                    ]
                })
                .collect();
            let mut sec = Section::new(format!(
                "{} {}",
                tr.t("Export of"),
                super::instant(&e.started_at)
                    .map(|t| crate::when::instant(tr, t))
                    .unwrap_or_default()
            ))
            .with(Body::Facts(vec![
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
                sections.push(
                    Section::new(tr.t("Signed certificate")).with(Body::Facts(vec![
                        (
                            tr.t("Signed certificate").to_owned(),
                            Cell::Link {
                                href: format!(
                                    "/switching/{}/vault-certificate",
                                    web::encode(&s.id)
                                ),
                                text: tr.t("the signed certificate (JSON)").to_owned(),
                            },
                        ),
                        (
                            tr.t("Check it").to_owned(),
                            Cell::Code(format!(
                                "custodianctl verify certificate <{}> --public-key <{}>",
                                tr.t("the downloaded file"),
                                tr.t("Processor's public key")
                            )),
                        ),
                    ])),
                );
            }
        }
        sections.extend(actions(tr, me, &s, kept.as_ref()));
        let controller = names.get(&s.controller_id).cloned().unwrap_or_default();
        Ok(web::page_or_refused(
            me,
            kept.is_some(),
            &format!("{} {controller}: {}", tr.t("Switching"), title(tr, &s)),
            "",
            &sections,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::NL;

    #[test]
    fn every_word_of_switching_has_its_dutch() {
        let all = ELECTIONS
            .iter()
            .chain(KINDS.iter())
            .chain(NOTICE.iter())
            .chain(MILESTONES.iter())
            .chain(MILESTONE_KINDS.iter());
        let said = [
            "The request was withdrawn: nothing is erased and the agreement goes on.",
            "The switch was confirmed complete: the agreement ends.",
            "The transition was extended.",
            "The export is being made; reload this page to see when it is ready.",
        ];
        for en in all.map(|(_, w)| *w).chain(said) {
            assert!(NL.iter().any(|(e, _)| *e == en), "no Dutch for {en:?}");
        }
    }
}
