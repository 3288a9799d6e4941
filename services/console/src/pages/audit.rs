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
        }))
        .await?
        .into_inner();
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
                Cell::Code(e.action.clone()),
                Cell::text(format!("{} {}", e.object_type, e.object_id)),
                Cell::text(&e.reason),
                Cell::Code(e.hash.chars().take(16).collect()),
            ]
        })
        .collect();
    let mut fields = Vec::new();
    if !me.s.who.tenant_bound() {
        fields.push(super::tenant_select(tr, &tenants, &opt(&f.tenant)));
    }
    fields.push(
        Field::new("action", tr.t("Action starts with"), FieldKind::Text).value(opt(&f.action)),
    );
    fields.push(Field::new("object", tr.t("Object"), FieldKind::Text).value(opt(&f.object)));
    let mut events = Section::new(tr.t("Events")).with(Body::Table(table(
        tr.t("Events"),
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
    if !r.next_page_token.is_empty() {
        let mut q = vec![format!("page={}", web::encode(&r.next_page_token))];
        for (k, v) in [
            ("tenant", &f.tenant),
            ("action", &f.action),
            ("object", &f.object),
        ] {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                q.push(format!("{k}={}", web::encode(v)));
            }
        }
        events.push(Body::Links(vec![(
            tr.t("Next page").into(),
            format!("/audit?{}", q.join("&")),
        )]));
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
