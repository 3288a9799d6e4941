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

use super::{id_ok, opt, page, table};
use crate::backend::Service;
use crate::view::{Body, Cell, Field, FieldKind, Form as FormV, Section, Tone};
use crate::web::{self, AppState, Failure, Kept, PageResult, Signed, state};

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
    /// A candidate's reference (or its start), or a subject's e-mail address
    /// (matched through the tenant's blind index, never decrypted).
    pub q: Option<String>,
    /// Page tokens and how many rows came before, of the erasures due and
    /// of the candidates.
    pub due_page: Option<String>,
    pub due_shown: Option<u64>,
    pub page: Option<String>,
    pub shown: Option<u64>,
    /// The deletion certificates: erased between these days (inclusive),
    /// and their page.
    pub erased_from: Option<String>,
    pub erased_to: Option<String>,
    pub cert_page: Option<String>,
    pub cert_shown: Option<u64>,
}

/// The erasure reasons in words.
const REASONS: [(&str, &str); 4] = [
    ("retention", "the retention period ended"),
    ("request", "a data-subject request"),
    ("controller_instruction", "the controller's instruction"),
    ("contract_end", "the end of the contract"),
];

/// Rows per page of the erasures due and of the candidates.
const ROWS: u32 = 100;

async fn index(State(st): State<AppState>, me: Signed, Query(f): Query<Filter>) -> Response {
    let r = retention_page(&st, &me, &f, None).await;
    web::done(&me, r)
}

/// The retention page; `kept`: a form as the person sent it, refused (the
/// page then answers 400 with it filled in).
async fn retention_page(st: &AppState, me: &Signed, f: &Filter, kept: Option<Kept>) -> PageResult {
    {
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
            let names = super::tenant_names(st, me).await?;
            filter.push(super::tenant_select(tr, &names, &tenant));
        }
        filter.push(
            Field::new("q", tr.t("Search candidates"), FieldKind::Text)
                .value(f.q.clone().unwrap_or_default())
                .help(tr.t("the candidate's reference, or the start of it; or the subject's e-mail address")),
        );
        if !tenant.is_empty() {
            filter.push(
                Field::new("erased_from", tr.t("Erased from"), FieldKind::Date)
                    .value(f.erased_from.clone().unwrap_or_default()),
            );
            filter.push(
                Field::new("erased_to", tr.t("Erased until"), FieldKind::Date)
                    .value(f.erased_to.clone().unwrap_or_default()),
            );
        }
        sections.push(Section::new(tr.t("Filter")).with(Body::Form(FormV {
            id: "filter".into(),
            action: "/retention".into(),
            post: false,
            fields: filter,
            submit: tr.t("Show").into(),
        })));
        let names = super::tenant_names(st, me).await?;
        // The query string of this page, for links that keep it.
        let here = |extra: &[(&str, String)]| {
            let mut q: Vec<String> = [
                ("tenant", tenant.clone()),
                ("q", f.q.clone().unwrap_or_default()),
                ("erased_from", f.erased_from.clone().unwrap_or_default()),
                ("erased_to", f.erased_to.clone().unwrap_or_default()),
            ]
            .iter()
            .chain(extra)
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}", web::encode(v)))
            .collect();
            q.sort();
            format!("/retention?{}", q.join("&"))
        };
        // Erasures due: the vault's open obligations, a page at a time.
        let mut d = pb::deadline_service_client::DeadlineServiceClient::new(
            st.backend.channel(Service::Deadlines),
        );
        let due = d
            .list_obligations(me.s.req(pb::ListObligationsRequest {
                page: page(ROWS, f.due_page.clone().unwrap_or_default()),
                tenant_id: tenant.clone(),
                service: "vault".into(),
                due_before: String::new(),
                due_from: String::new(),
                overdue_only: false,
                count_total: true,
            }))
            .await?
            .into_inner();
        let before = f.due_shown.unwrap_or(0);
        let n = due.obligations.len() as u64;
        let rows = due
            .obligations
            .iter()
            .map(|o| {
                vec![
                    Cell::text(&o.title),
                    super::tenant_cell(&names, &o.tenant_id),
                    Cell::text(super::obligations::what(tr, o)),
                    Cell::due(tr, &o.due_strict),
                    if o.overdue {
                        Cell::state(tr.t("Overdue"), Tone::Bad)
                    } else {
                        Cell::Empty
                    },
                    Cell::text(crate::phrases::say(tr, &o.citation)),
                ]
            })
            .collect();
        let mut due_section = Section::new(tr.t("Erasures due")).with(Body::Table(table(
            &super::paged_caption(tr, "Erasures due", before, n, due.total.unwrap_or(n)),
            &[
                tr.t("Candidate"),
                tr.t("Tenant"),
                tr.t("What must happen"),
                tr.t("Due (strict reading)"),
                tr.t("State"),
                tr.t("Citation"),
            ],
            rows,
            "–",
        )));
        pager(
            tr,
            &here,
            &mut due_section,
            ("due_page", "due_shown"),
            &due.next_page_token,
            before,
            n,
        );
        sections.push(due_section);
        if !tenant.is_empty() {
            let p = client(st)
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
                    (
                        tr.t("anchor").into(),
                        Cell::text(super::vocab_word(tr, &ANCHORS, &p.anchor)),
                    ),
                    (tr.t("When").to_owned(), Cell::time(tr, &p.updated_at)),
                ])),
            );
            let search = f.q.as_deref().map(str::trim).unwrap_or_default();
            let before = f.shown.unwrap_or(0);
            let found = if search.contains('@') {
                // The subject's e-mail, through the tenant's blind index.
                client(st)
                    .find_candidates(me.s.req(pb::FindCandidatesRequest {
                        tenant_id: tenant.clone(),
                        email: search.to_owned(),
                        phone: String::new(),
                    }))
                    .await
            } else {
                client(st)
                    .list_candidates(me.s.req(pb::ListCandidatesRequest {
                        page: page(ROWS, f.page.clone().unwrap_or_default()),
                        tenant_id: tenant.clone(),
                        vacancy_ref: String::new(),
                        ref_prefix: search.to_owned(),
                        count_total: true,
                    }))
                    .await
            };
            // A search the vault refuses (not an e-mail address, too long)
            // is said beside the box; the page stays.
            let found = match found {
                Ok(r) => r.into_inner(),
                Err(e) if e.code() == tonic::Code::InvalidArgument => {
                    sections.push(Section::new(tr.t("Candidates")).with(Body::Message {
                        tone: Tone::Bad,
                        text: format!("{} {}", tr.t("The search was not understood:"), e.message()),
                    }));
                    pb::ListCandidatesResponse::default()
                }
                Err(e) => return Err(e.into()),
            };
            let candidates = &found.candidates;
            let n = candidates.len() as u64;
            let total = found.total.unwrap_or(n);
            let rows = candidates
                .iter()
                .map(|c| {
                    vec![
                        Cell::text(&c.external_ref),
                        state(tr, &c.status),
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
            let mut section = Section::new(tr.t("Candidates")).with(Body::Table(table(
                &super::paged_caption(tr, "Candidates", before, n, total),
                &[
                    tr.t("Reference"),
                    tr.t("Status"),
                    tr.t("consent"),
                    tr.t("Delete after"),
                    tr.t("basis"),
                    tr.t("Legal hold"),
                ],
                rows,
                if search.is_empty() {
                    "–"
                } else {
                    tr.t("No candidate matches the search.")
                },
            )));
            pager(
                tr,
                &here,
                &mut section,
                ("page", "shown"),
                &found.next_page_token,
                before,
                n,
            );
            sections.push(section);
            sections.push(certificates(st, me, f, &tenant, search, &here).await?);
        }
        let reason = |name: &str| Field::new(name, tr.t("Reason"), FieldKind::Text).required();
        // A candidate is named by its reference within the chosen tenant.
        let id =
            || Field::new("reference_of", tr.t("Candidate reference"), FieldKind::Text).required();
        let in_tenant = || Field::new("tenant", "", FieldKind::Hidden).value(tenant.clone());
        let acts = !tenant.is_empty();
        // A form section, refilled when it is the one refused.
        let form = |heading: &str, id: &'static str, fields: Vec<Field>, submit: &str| {
            let mut s = Section::new(heading);
            let mut fields = fields;
            web::refill(&mut s, &mut fields, kept.as_ref(), id, tr);
            s.with(Body::Form(FormV {
                id: id.into(),
                action: format!("/retention/{id}"),
                post: true,
                fields,
                submit: submit.into(),
            }))
        };
        if acts && me.s.who.may("VaultService/PlaceLegalHold") {
            sections.push(form(
                tr.t("Place a legal hold"),
                "hold",
                vec![in_tenant(), id(), reason("reason")],
                tr.t("Place"),
            ));
        }
        if acts && me.s.who.may("VaultService/ReleaseLegalHold") {
            sections.push(form(
                tr.t("Release the legal hold"),
                "release",
                vec![in_tenant(), id(), reason("reason")],
                tr.t("Release"),
            ));
        }
        if acts && me.s.who.may("VaultService/EraseCandidate") {
            sections.push(form(
                tr.t("Erase the candidate's data"),
                "erase",
                vec![
                        in_tenant(),
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
                tr.t("Erase"),
            ));
        }
        Ok(web::page_or_refused(
            me,
            kept.is_some(),
            tr.t("Retention"),
            "",
            &sections,
        ))
    }
}

/// "Next page" and "First page" under one of this page's paged lists:
/// `params` name its page token and its count of rows before.
fn pager(
    tr: crate::i18n::Tr,
    here: &Here<'_>,
    section: &mut Section,
    (page, shown): (&str, &str),
    token: &str,
    before: u64,
    n: u64,
) {
    let mut links = Vec::new();
    if !token.is_empty() {
        links.push((
            tr.t("Next page").to_owned(),
            here(&[(page, token.to_owned()), (shown, (before + n).to_string())]),
        ));
    }
    if before > 0 {
        links.push((tr.t("First page").to_owned(), here(&[])));
    }
    if !links.is_empty() {
        section.push(Body::Links(links));
    }
}

/// Builds a link to this page that keeps its filter, with extra parameters.
type Here<'a> = dyn Fn(&[(&str, String)]) -> String + Sync + 'a;

/// The tenant's deletion certificates, newest first, a page at a time: by
/// the search's reference (an e-mail address searches candidates only: a
/// certificate keeps no personal data) and the erasure days.
async fn certificates(
    st: &AppState,
    me: &Signed,
    f: &Filter,
    tenant: &str,
    search: &str,
    here: &Here<'_>,
) -> Result<Section, Failure> {
    let tr = me.tr;
    let before = f.cert_shown.unwrap_or(0);
    let asked = client(st)
        .list_deletion_certificates(me.s.req(pb::ListDeletionCertificatesRequest {
            page: page(ROWS, f.cert_page.clone().unwrap_or_default()),
            tenant_id: tenant.to_owned(),
            ref_prefix: if search.contains('@') {
                String::new()
            } else {
                search.to_owned()
            },
            erased_from: f.erased_from.clone().unwrap_or_default(),
            erased_to: f.erased_to.clone().unwrap_or_default(),
            count_total: true,
        }))
        .await;
    let mut section = Section::new(tr.t("Deletion certificates"));
    let found = match asked {
        Ok(r) => r.into_inner(),
        // Dates the vault refuses (the first after the last): said here,
        // the page stays.
        Err(e) if e.code() == tonic::Code::InvalidArgument => {
            section.push(Body::Message {
                tone: Tone::Bad,
                text: format!("{} {}", tr.t("The dates were not understood:"), e.message()),
            });
            pb::ListDeletionCertificatesResponse::default()
        }
        Err(e) => return Err(e.into()),
    };
    let n = found.certificates.len() as u64;
    let rows = found
        .certificates
        .iter()
        .map(|c| {
            vec![
                Cell::link(
                    format!("/retention/certificates/{}", c.candidate_id),
                    &c.external_ref,
                ),
                Cell::time(tr, &c.shredded_at),
                Cell::text(super::vocab_word(tr, &REASONS, &c.reason)),
            ]
        })
        .collect();
    section.push(Body::Table(table(
        &super::paged_caption(
            tr,
            "Deletion certificates",
            before,
            n,
            found.total.unwrap_or(n),
        ),
        &[tr.t("Candidate"), tr.t("Erased"), tr.t("Reason")],
        rows,
        tr.t("No deletion certificate matches."),
    )));
    pager(
        tr,
        here,
        &mut section,
        ("cert_page", "cert_shown"),
        &found.next_page_token,
        before,
        n,
    );
    Ok(section)
}

#[derive(Deserialize)]
pub struct CandidateForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    tenant: String,
    /// The candidate's reference, as the person typed it.
    #[serde(default)]
    reference_of: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    reference: String,
    #[serde(default)]
    confirm: String,
}

/// The candidate whose reference is exactly `reference` in the form's tenant
/// (a customer's DPO: its own). Refused in words when there is none.
async fn candidate_id(st: &AppState, me: &Signed, f: &CandidateForm) -> Result<String, Failure> {
    let tr = me.tr;
    let tenant = if me.s.who.tenant_bound() {
        me.s.who.tenant.clone()
    } else {
        f.tenant.trim().to_owned()
    };
    let reference = f.reference_of.trim();
    if tenant.is_empty() || reference.is_empty() {
        return Err(Failure::Refused(
            tr.t("pick the controller and type the candidate's reference.")
                .into(),
        ));
    }
    let found = client(st)
        .list_candidates(me.s.req(pb::ListCandidatesRequest {
            page: page(20, String::new()),
            tenant_id: tenant,
            vacancy_ref: String::new(),
            ref_prefix: reference.to_owned(),
            count_total: false,
        }))
        .await?
        .into_inner();
    found
        .candidates
        .into_iter()
        .find(|c| c.external_ref == reference)
        .map(|c| c.id)
        .ok_or_else(|| {
            // Named by the form's field, so the reason stands beside it.
            Failure::Refused(format!(
                "reference_of: {} {}",
                tr.t("no candidate of this controller has the reference"),
                proto::wire::quote(reference)
            ))
        })
}

impl CandidateForm {
    /// The form as typed, to come back with if it is refused.
    fn kept(&self, form: &'static str) -> Kept {
        Kept {
            form,
            values: vec![
                ("tenant".into(), self.tenant.clone()),
                ("reference_of".into(), self.reference_of.clone()),
                ("reason".into(), self.reason.clone()),
                ("reference".into(), self.reference.clone()),
            ],
            error: String::new(),
        }
    }
}

/// The retention page of a refused form's tenant, the form as typed.
async fn again(st: &AppState, me: &Signed, kept: Kept) -> PageResult {
    let tenant = kept
        .values
        .iter()
        .find(|(k, _)| k == "tenant")
        .map(|(_, v)| v.clone())
        .filter(|t| !t.is_empty());
    let f = Filter {
        tenant,
        ..Default::default()
    };
    retention_page(st, me, &f, Some(kept)).await
}

fn back(tenant: &str) -> Response {
    Redirect::to(&format!("/retention?tenant={}", web::encode(tenant))).into_response()
}

async fn hold(State(st): State<AppState>, me: Signed, Form(f): Form<CandidateForm>) -> Response {
    let kept = f.kept("hold");
    let r: PageResult = async {
        web::check_csrf(&me, &f.csrf)?;
        let id = candidate_id(&st, &me, &f).await?;
        let c = client(&st)
            .place_legal_hold(me.s.req(pb::PlaceLegalHoldRequest {
                id,
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
    web::or_again(&me, kept, r, |k| again(&st, &me, k)).await
}

async fn release(State(st): State<AppState>, me: Signed, Form(f): Form<CandidateForm>) -> Response {
    let kept = f.kept("release");
    let r: PageResult = async {
        web::check_csrf(&me, &f.csrf)?;
        let id = candidate_id(&st, &me, &f).await?;
        let c = client(&st)
            .release_legal_hold(me.s.req(pb::ReleaseLegalHoldRequest {
                id,
                reason: f.reason,
            }))
            .await?
            .into_inner();
        me.say_done(me.tr.t("The legal hold was released."));
        Ok(back(&c.tenant_id))
    }
    .await;
    web::or_again(&me, kept, r, |k| again(&st, &me, k)).await
}

async fn erase(State(st): State<AppState>, me: Signed, Form(f): Form<CandidateForm>) -> Response {
    let kept = f.kept("erase");
    let r: PageResult = async {
        web::check_csrf(&me, &f.csrf)?;
        web::confirmed(me.tr, &f.confirm)?;
        let id = candidate_id(&st, &me, &f).await?;
        let c = client(&st)
            .erase_candidate(me.s.req(pb::EraseCandidateRequest {
                id,
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
    web::or_again(&me, kept, r, |k| again(&st, &me, k)).await
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
            (tr.t("Candidate").to_owned(), Cell::text(&c.external_ref)),
            (
                tr.t("Tenant").to_owned(),
                super::tenant_cell(&super::tenant_names(&st, &me).await?, &c.tenant_id),
            ),
            (
                tr.t("Reason").to_owned(),
                Cell::text(super::vocab_word(tr, &REASONS, &c.reason)),
            ),
            (
                tr.t("basis").into(),
                Cell::text(crate::phrases::say(tr, &c.basis)),
            ),
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

/// From which day a retention period counts, in words.
const ANCHORS: [(&str, &str); 2] = [
    (
        "rejection_communicated",
        "the day the rejection was communicated",
    ),
    ("vacancy_closed", "the day the vacancy closed"),
];
