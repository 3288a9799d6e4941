//! The audit log: the hash-chained events (newest pages first as the
//! service returns them), filters, and "verify the chain" through
//! `AuditService.VerifyChain`.

use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use proto::v1 as pb;
use serde::Deserialize;

use super::{opt, page, table};
use crate::backend::Service;
use crate::view::{Body, Cell, Field, FieldKind, Form as FormV, Section, Tone};
use crate::web::{self, AppState, PageResult, Signed};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/audit", get(index))
        // Verifying reads and writes nothing: a GET, so its result can be
        // reloaded, bookmarked and shown in the other language.
        .route("/audit/verify", get(verify))
        // The audit proof file of listed events (docs/evidence.md).
        .route("/audit/proof", get(proof))
}

/// The most events one `GetAuditProof` takes (vault.proto).
const MAX_PROVEN: usize = 100;

type Client = pb::audit_service_client::AuditServiceClient<tonic::transport::Channel>;

fn client(st: &AppState) -> Client {
    Client::new(st.backend.channel(Service::Audit))
}

#[derive(Deserialize, Default)]
pub struct Filter {
    pub tenant: Option<String>,
    pub action: Option<String>,
    pub object: Option<String>,
    pub page: Option<String>,
    /// Amsterdam days, inclusive.
    pub from: Option<String>,
    pub to: Option<String>,
    /// How many newer entries came before this page.
    pub shown: Option<u64>,
}

/// What each audited action did, in words (the code stays in the exports
/// and in the filter).
pub(crate) const ACTIONS: &[(&str, &str)] = &[
    ("agreement.create", "agreement recorded"),
    ("agreement.amend", "agreement amended"),
    ("agreement.activate", "agreement signed and in force"),
    ("agreement.terminate", "agreement terminated"),
    ("breach.incident.report", "incident reported"),
    ("breach.incident.assess", "incident assessed"),
    ("breach.incident.dismiss", "incident closed: not a breach"),
    ("breach.notice.create", "breach notice prepared"),
    ("breach.notice.send", "breach notice sent"),
    ("breach.notice.cancel", "breach notice cancelled"),
    ("breach.notice.acknowledge", "breach notice acknowledged"),
    (
        "breach.authority.record",
        "notification to the authority recorded",
    ),
    ("breach.subjects.decide", "art. 34 decision recorded"),
    ("candidate.create", "candidate stored"),
    ("candidate.update", "candidate updated"),
    ("candidate.read", "candidate's data read"),
    ("candidate.close", "application procedure ended"),
    ("candidate.consent", "talent-pool consent recorded"),
    (
        "candidate.consent_withdrawn",
        "talent-pool consent withdrawn",
    ),
    ("candidate.restrict", "processing restricted"),
    ("candidate.hold", "legal hold placed"),
    ("candidate.hold_released", "legal hold released"),
    ("candidate.erase_requested", "erasure requested"),
    ("candidate.shred", "candidate's data destroyed"),
    ("console.sign_in", "signed in to the console"),
    ("console.sign_out", "signed out of the console"),
    ("console.sign_in_failed", "failed sign-in to the console"),
    ("controller.create", "customer added"),
    ("controller.update", "customer's details changed"),
    ("controller.tokens_revoked", "customer's tokens revoked"),
    ("controller.webhook_removed", "customer's webhook removed"),
    ("dsr.create", "data-subject request filed"),
    ("dsr.identity_asked", "proof of identity asked for"),
    ("dsr.identity_received", "proof of identity received"),
    ("dsr.extend", "request extended"),
    ("dsr.fulfil", "request fulfilled"),
    ("dsr.answer", "request answered"),
    ("dsr.refuse", "request refused"),
    ("dsr.close", "request closed"),
    ("dsr.forwarded", "request forwarded to the controller"),
    ("dsr.tenant_erased", "requests erased with the customer"),
    ("retention_policy.set", "retention policy set"),
    ("subprocessor.register", "sub-processor registered"),
    ("subprocessor.update", "sub-processor updated"),
    (
        "subprocessor.authorise",
        "sub-processor authorised in writing",
    ),
    (
        "subprocessor.change_proposed",
        "sub-processor change proposed",
    ),
    ("subprocessor.notice", "change notice sent"),
    ("subprocessor.objection", "objection to a change"),
    ("subprocessor.objection_resolved", "objection resolved"),
    ("subprocessor.approved", "change approved"),
    ("subprocessor.refused", "change refused"),
    ("switching.request", "switch or exit requested"),
    ("switching.withdraw", "switch withdrawn"),
    ("switching.confirm", "switch confirmed complete"),
    ("switching.extend", "transition extended"),
    ("switching.unfeasible", "transition declared unfeasible"),
    ("switching.terminate", "contract ended by the switch"),
    ("switching.charge", "switching charge recorded"),
    ("switching.export_start", "export started"),
    ("switching.export_ready", "export ready"),
    ("switching.export_failed", "export failed"),
    ("switching.export_download", "export downloaded"),
    ("switching.retrieval_reminder", "retrieval reminder sent"),
    ("switching.agreement_ended", "agreement ended"),
    (
        "switching.tenant_erased",
        "switches erased with the customer",
    ),
    ("token.create", "token created"),
    ("token.revoke", "token revoked"),
    ("notification.delivered", "webhook message delivered"),
    (
        "notification.attempt_failed",
        "webhook delivery attempt failed",
    ),
    ("notification.dead", "webhook message given up"),
    ("notification.retry", "webhook message sent again"),
    ("person.invite", "person invited to the console"),
    ("person.remove", "person removed from the console"),
    ("person.sign_in", "signed in through an identity provider"),
    ("person.sign_out", "signed out"),
    ("person.sign_in_refused", "sign-in refused"),
    ("person.calendar_reset", "calendar address renewed"),
    ("person.preferences", "e-mail alerts and digest chosen"),
    ("mail.dead", "e-mail given up"),
    ("mail.retry", "e-mail sent again"),
    ("vault.tenant_erased", "customer's candidates erased"),
];

/// The kinds of audited actions, by the start their codes share.
pub(crate) const ACTION_KINDS: [(&str, &str); 14] = [
    ("breach.", "breaches"),
    ("dsr.", "data-subject requests"),
    ("candidate.", "candidates"),
    ("agreement.", "agreements"),
    ("subprocessor.", "sub-processors"),
    ("switching.", "switching"),
    ("retention_policy.", "retention policies"),
    ("controller.", "customers"),
    ("token.", "tokens"),
    ("person.", "people"),
    ("console.", "sign-ins to the console"),
    ("notification.", "webhook messages"),
    ("mail.", "e-mails to people"),
    ("vault.", "erasure of a customer"),
];

/// An audited object: a link to its page where the console has one, named
/// by what it is (its id stays in the link).
fn object_cell(tr: crate::i18n::Tr, e: &pb::AuditEvent) -> Cell {
    let (word, href) = match e.object_type.as_str() {
        "dsr_request" => (
            "data-subject request",
            Some(format!("/requests/{}", e.object_id)),
        ),
        "breach_incident" => ("incident", Some(format!("/breaches/{}", e.object_id))),
        "breach_notice" => (
            "breach notice",
            Some(format!("/breaches/notices/{}", e.object_id)),
        ),
        "agreement" => ("agreement", Some(format!("/agreements/{}", e.object_id))),
        "switch" => (
            "switch or exit",
            Some(format!("/switching/{}", e.object_id)),
        ),
        "candidate" => ("candidate", None),
        "controller" => ("controller", None),
        "api_token" => ("API token", None),
        "console_session" => ("console session", None),
        "person" => ("person", Some("/people".to_owned())),
        "mail" => ("e-mail", Some("/mail?status=dead".to_owned())),
        _ => ("", None),
    };
    let label = if word.is_empty() {
        e.object_type.replace('_', " ")
    } else {
        tr.t(word).to_owned()
    };
    match href {
        Some(h) if super::id_ok(&e.object_id) => Cell::link(h, label),
        _ => Cell::text(label),
    }
}

async fn events_section(
    st: &AppState,
    me: &Signed,
    f: &Filter,
) -> Result<Vec<Section>, web::Failure> {
    let tr = me.tr;
    let r = client(st)
        .list_events(me.s.req(pb::ListEventsRequest {
            page: page(200, opt(&f.page)),
            tenant_id: opt(&f.tenant),
            action_prefix: opt(&f.action),
            object_id: opt(&f.object),
            newest_first: true,
            from_day: opt(&f.from),
            to_day: opt(&f.to),
            count_total: true,
        }))
        .await;
    // Days the service refuses (the first after the last) are said beside
    // the filter; the page stays.
    let (r, refused) = match r {
        Ok(r) => (r.into_inner(), None),
        Err(e) if e.code() == tonic::Code::InvalidArgument => (
            pb::ListEventsResponse::default(),
            Some(e.message().to_owned()),
        ),
        Err(e) => return Err(e.into()),
    };
    let tenants = super::tenant_names(st, me).await?;
    let tokens = super::token_names(st, me).await;
    let rows = r
        .events
        .iter()
        .map(|e| {
            vec![
                Cell::text(e.seq.to_string()),
                Cell::time(tr, &e.at),
                Cell::text(if e.tenant_id.is_empty() {
                    "–".to_owned()
                } else {
                    let name = tenants
                        .get(&e.tenant_id)
                        .cloned()
                        .or_else(|| {
                            (me.s.who.tenant == e.tenant_id && !me.s.who.tenant_name.is_empty())
                                .then(|| me.s.who.tenant_name.clone())
                        })
                        .unwrap_or_else(|| e.tenant_id.clone());
                    format!("{name} #{}", e.tenant_seq)
                }),
                Cell::text(super::actor_words(tr, &tokens, &e.actor_id, &e.actor_role)),
                Cell::text(super::vocab_word(tr, ACTIONS, &e.action)),
                object_cell(tr, e),
                Cell::text(&e.reason),
                Cell::Code(e.hash.chars().take(16).collect()),
            ]
        })
        .collect();
    let mut fields = Vec::new();
    if !me.s.who.tenant_bound() {
        fields.push(super::tenant_select(tr, &tenants, &opt(&f.tenant)));
    }
    // What was done, by kind (the actions' shared start), in words; a
    // start the list does not know (from a link) stays selectable.
    let mut kinds = vec![(String::new(), tr.t("all").to_owned())];
    kinds.extend(super::vocab_options(tr, &ACTION_KINDS));
    let action = opt(&f.action);
    if !action.is_empty() && !ACTION_KINDS.iter().any(|(c, _)| *c == action) {
        kinds.push((action.clone(), super::vocab_word(tr, ACTIONS, &action)));
    }
    fields
        .push(Field::new("action", tr.t("What was done"), FieldKind::Select(kinds)).value(action));
    // One object's entries come from a link on its page; kept, not typed.
    if !opt(&f.object).is_empty() {
        fields.push(Field::new("object", "", FieldKind::Hidden).value(opt(&f.object)));
    }
    let mut from = Field::new("from", tr.t("From (day)"), FieldKind::Date).value(opt(&f.from));
    if let Some(m) = &refused {
        from = from.error(m.split_once(": ").map(|(_, w)| w).unwrap_or(m));
    }
    fields.push(from);
    fields.push(Field::new("to", tr.t("Until (day)"), FieldKind::Date).value(opt(&f.to)));
    let before = f.shown.unwrap_or(0);
    let n = r.events.len() as u64;
    let total = r.total.unwrap_or(n);
    let caption = super::paged_caption(tr, "Events, newest first", before, n, total);
    let mut events = Section::new(tr.t("Events")).with(Body::Table(table(
        &caption,
        &[
            "#",
            tr.t("When"),
            tr.t("Tenant"),
            tr.t("Actor"),
            tr.t("Action"),
            tr.t("Object"),
            tr.t("Reason"),
            "hash",
        ],
        rows,
        "–",
    )));
    let mut keep = Vec::new();
    for (k, v) in [
        ("tenant", &f.tenant),
        ("action", &f.action),
        ("object", &f.object),
        ("from", &f.from),
        ("to", &f.to),
    ] {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            keep.push(format!("{k}={}", web::encode(v)));
        }
    }
    let mut links = Vec::new();
    if !r.next_page_token.is_empty() {
        let mut q = keep.clone();
        q.push(format!("page={}", web::encode(&r.next_page_token)));
        q.push(format!("shown={}", before + n));
        links.push((
            tr.t("Older events").into(),
            format!("/audit?{}", q.join("&")),
        ));
    }
    if before > 0 {
        links.push((
            tr.t("Newest events").into(),
            format!("/audit?{}", keep.join("&")),
        ));
    }
    if !links.is_empty() {
        events.push(Body::Links(links));
    }
    // The proof that the events shown are the ones kept: the signed
    // checkpoint of the caller's tree (a controller's own) and each event's
    // inclusion proof, in one file to check offline.
    let mut proof = None;
    if me.s.who.may("VaultService/GetAuditProof") && !r.events.is_empty() {
        let seqs: Vec<String> = r
            .events
            .iter()
            .take(MAX_PROVEN)
            .map(|e| e.seq.to_string())
            .collect();
        let mut href = format!("/audit/proof?seqs={}", seqs.join(","));
        if let Some(t) = f.tenant.as_deref().filter(|t| !t.is_empty()) {
            href.push_str(&format!("&tenant={}", web::encode(t)));
        }
        proof = Some(
            Section::new(tr.t("Proof of these events")).with(Body::Facts(vec![
                (
                    tr.t("Audit proof").to_owned(),
                    Cell::Link {
                        href,
                        text: format!("audit-proof-{}.json", seqs[0]),
                    },
                ),
                (
                    tr.t("Check it").to_owned(),
                    Cell::Code(format!(
                        "custodianctl verify audit audit-proof-{}.json --public-key <{}>",
                        seqs[0],
                        tr.t("Processor's public key")
                    )),
                ),
            ])),
        );
    }
    Ok(vec![
        Section::new(tr.t("Filter")).with(Body::Form(FormV {
            id: "filter".into(),
            action: "/audit".into(),
            post: false,
            fields,
            submit: tr.t("Show").into(),
        })),
        events,
    ]
    .into_iter()
    .chain(proof)
    .collect())
}

#[derive(Deserialize, Default)]
pub struct ProofQuery {
    pub seqs: Option<String>,
    pub tenant: Option<String>,
}

/// The audit proof file of the events named: the vault proves them in the
/// caller's tree (a controller's own; the global one, or `tenant`'s, for
/// the processor's people). A seq that is not a number is sent as 0, which
/// the vault refuses by name.
async fn proof(State(st): State<AppState>, me: Signed, Query(q): Query<ProofQuery>) -> Response {
    let r: PageResult = async {
        let seqs: Vec<u64> = opt(&q.seqs)
            .split(',')
            .filter(|s| !s.trim().is_empty())
            .map(|s| s.trim().parse().unwrap_or(0))
            .collect();
        let p =
            pb::vault_service_client::VaultServiceClient::new(st.backend.channel(Service::Vault))
                .get_audit_proof(me.s.req(pb::GetAuditProofRequest {
                    tenant_id: opt(&q.tenant),
                    seqs: seqs.clone(),
                    tree_size: 0,
                }))
                .await?
                .into_inner();
        Ok(web::download(
            "application/json",
            &format!("audit-proof-{}.json", seqs.first().copied().unwrap_or(0)),
            p.proof_file,
        ))
    }
    .await;
    web::done(&me, r)
}

fn verify_form(me: &Signed) -> Option<Section> {
    me.s.who.may("AuditService/VerifyChain").then(|| {
        Section::new(me.tr.t("Verify the chain")).with(Body::Form(FormV {
            id: "verify".into(),
            action: "/audit/verify".into(),
            post: false,
            fields: Vec::new(),
            submit: me.tr.t("Verify").into(),
        }))
    })
}

async fn index(State(st): State<AppState>, me: Signed, Query(f): Query<Filter>) -> Response {
    let r: PageResult = async {
        let mut sections: Vec<Section> = verify_form(&me).into_iter().collect();
        sections.extend(events_section(&st, &me, &f).await?);
        Ok(web::page(&me, me.tr.t("Audit log"), "", &sections))
    }
    .await;
    web::done(&me, r)
}

async fn verify(State(st): State<AppState>, me: Signed) -> Response {
    let r: PageResult = async {
        let tr = me.tr;
        let v = client(&st)
            .verify_chain(me.s.req(pb::VerifyChainRequest {}))
            .await?
            .into_inner();
        let mut facts = vec![
            (
                tr.t("Entries").to_owned(),
                Cell::text(v.entries.to_string()),
            ),
            (
                tr.t("Tenants").to_owned(),
                Cell::text(v.tenants.to_string()),
            ),
            (
                tr.t("Head").to_owned(),
                Cell::Code(format!("#{} {}", v.head_seq, v.head_hash)),
            ),
            (
                tr.t("Verified at").to_owned(),
                Cell::time(tr, &v.verified_at),
            ),
        ];
        if !v.intact {
            facts.push((
                tr.t("First broken entry").to_owned(),
                Cell::text(format!("#{} ({})", v.broken_seq, v.broken_chain)),
            ));
            facts.push((tr.t("Reason").to_owned(), Cell::text(&v.broken_reason)));
        }
        let mut result = Section::new(tr.t("Verify the chain")).with(Body::Message {
            tone: if v.intact { Tone::Good } else { Tone::Bad },
            text: if v.intact {
                tr.t("The chain is intact.")
            } else {
                tr.t("The chain is BROKEN.")
            }
            .into(),
        });
        result.push(Body::Facts(facts));
        let mut sections = vec![result];
        sections.extend(events_section(&st, &me, &Filter::default()).await?);
        Ok(web::page(&me, tr.t("Audit log"), "", &sections))
    }
    .await;
    web::done(&me, r)
}
