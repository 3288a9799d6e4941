//! Reports: requests per month by type with the on-time share, the
//! extension share per controller, breach time-to-notify against the SLA
//! and 72 hours, erasures per day against erasures due. Each chart is an
//! inline SVG with a title, and the same numbers are in the table under it.
//!
//! The figures come from aggregate RPCs (`RequestService.GetRequestStats`,
//! `GetExtensionStats`, `VaultService.GetErasureStats`); the breach figures
//! are read from the notices themselves (a processor has few breaches, and
//! each notice carries its clock).

use std::collections::{BTreeMap, BTreeSet};

use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use chrono::Duration;
use proto::v1 as pb;
use serde::Deserialize;

use super::{collect, instant, opt, page, table};
use crate::backend::Service;
use crate::charts::{self, Group, Reference};
use crate::i18n::Tr;
use crate::view::{Body, Cell, Field, FieldKind, Form as FormV, Section};
use crate::web::{self, AppState, PageResult, Signed};

pub fn routes() -> Router<AppState> {
    Router::new().route("/reports", get(index))
}

#[derive(Deserialize, Default)]
pub struct Filter {
    pub controller: Option<String>,
    pub from_month: Option<String>,
    pub to_month: Option<String>,
}

fn pct(num: u64, den: u64) -> String {
    if den == 0 {
        "–".into()
    } else {
        format!("{:.0}%", num as f64 * 100.0 / den as f64)
    }
}

async fn index(State(st): State<AppState>, me: Signed, Query(f): Query<Filter>) -> Response {
    let r: PageResult = async {
        let tr = me.tr;
        let names = super::tenant_names(&st, &me).await?;
        let controller = if me.s.who.tenant_bound() {
            me.s.who.tenant.clone()
        } else {
            opt(&f.controller)
        };
        let mut sections = Vec::new();
        let mut fields = Vec::new();
        if !me.s.who.tenant_bound() {
            fields.push(
                Field::new("controller", tr.t("Controller"), FieldKind::Text)
                    .value(controller.clone()),
            );
        }
        fields.push(
            Field::new("from_month", tr.t("From (month)"), FieldKind::Text)
                .value(opt(&f.from_month))
                .help("2026-01"),
        );
        fields.push(
            Field::new("to_month", tr.t("To (month)"), FieldKind::Text)
                .value(opt(&f.to_month))
                .help("2026-12"),
        );
        sections.push(Section::new(tr.t("Filter")).with(Body::Form(FormV {
            id: "filter".into(),
            action: "/reports".into(),
            post: false,
            fields,
            submit: tr.t("Show").into(),
        })));
        let mut rq = pb::request_service_client::RequestServiceClient::new(
            st.backend.channel(Service::Requests),
        );
        if me.s.who.may("RequestService/GetRequestStats") {
            let s = rq
                .get_request_stats(me.s.req(pb::GetRequestStatsRequest {
                    controller_id: controller.clone(),
                    from_month: opt(&f.from_month),
                    to_month: opt(&f.to_month),
                }))
                .await?
                .into_inner();
            sections.push(requests_chart(tr, &s));
        }
        if me.s.who.may("RequestService/GetExtensionStats") {
            let s = rq
                .get_extension_stats(me.s.req(pb::GetExtensionStatsRequest {
                    controller_id: controller.clone(),
                    from_quarter: String::new(),
                    to_quarter: String::new(),
                }))
                .await?
                .into_inner();
            sections.push(extension_chart(tr, &names, &s));
        }
        if me.s.who.may("BreachService/ListBreachNotices") {
            let c = pb::breach_service_client::BreachServiceClient::new(
                st.backend.channel(Service::Breaches),
            );
            let notices = collect(5_000, |token| {
                let mut c = c.clone();
                let req = me.s.req(pb::ListBreachNoticesRequest {
                    page: page(500, token),
                    controller_id: controller.clone(),
                    incident_id: String::new(),
                });
                async move {
                    let r = c.list_breach_notices(req).await?.into_inner();
                    Ok((r.notices, r.next_page_token))
                }
            })
            .await?;
            sections.push(breach_chart(tr, &names, &notices));
        }
        if me.s.who.may("VaultService/GetErasureStats") {
            let mut v = pb::vault_service_client::VaultServiceClient::new(
                st.backend.channel(Service::Vault),
            );
            let s = v
                .get_erasure_stats(me.s.req(pb::GetErasureStatsRequest {
                    tenant_id: controller.clone(),
                    from_day: String::new(),
                    to_day: String::new(),
                }))
                .await?
                .into_inner();
            sections.push(erasure_chart(tr, &s));
        }
        Ok(web::page(&me, tr.t("Reports"), "", &sections))
    }
    .await;
    web::done(&me, r)
}

fn requests_chart(tr: Tr, s: &pb::RequestStats) -> Section {
    let types: Vec<String> = s
        .stats
        .iter()
        .map(|m| m.r#type.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let months: Vec<String> = s
        .stats
        .iter()
        .map(|m| m.month.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let groups: Vec<Group> = months
        .iter()
        .map(|m| Group {
            label: crate::when::month(tr, m),
            values: types
                .iter()
                .map(|t| {
                    s.stats
                        .iter()
                        .find(|x| &x.month == m && &x.r#type == t)
                        .map(|x| x.received as f64)
                        .unwrap_or(0.0)
                })
                .collect(),
        })
        .collect();
    let words: Vec<String> = types
        .iter()
        .map(|t| super::vocab_word(tr, &super::requests::TYPES, t))
        .collect();
    let series: Vec<&str> = words.iter().map(String::as_str).collect();
    let title = format!(
        "{} ({} – {})",
        tr.t("Requests per month by type"),
        crate::when::month(tr, &s.from_month),
        crate::when::month(tr, &s.to_month)
    );
    let svg = charts::bars(&title, &series, &groups, &[]);
    let rows = s
        .stats
        .iter()
        .map(|m| {
            vec![
                Cell::text(crate::when::month(tr, &m.month)),
                Cell::text(super::vocab_word(tr, &super::requests::TYPES, &m.r#type)),
                Cell::text(m.received.to_string()),
                Cell::text(m.answered_on_time.to_string()),
                Cell::text(m.answered_late.to_string()),
                Cell::text(m.open.to_string()),
                Cell::text(m.overdue.to_string()),
                Cell::text(pct(
                    m.answered_on_time,
                    m.answered_on_time + m.answered_late,
                )),
            ]
        })
        .collect();
    Section::new(tr.t("Requests per month by type"))
        .with(Body::Chart {
            svg,
            table: table(
                &title,
                &[
                    tr.t("Month"),
                    tr.t("Type"),
                    tr.t("Received"),
                    tr.t("On time"),
                    tr.t("Late"),
                    tr.t("Open"),
                    tr.t("Overdue"),
                    tr.t("On-time share"),
                ],
                rows,
                "–",
            ),
        })
        .with(Body::Notes(vec![crate::phrases::say(tr, &s.note)]))
}

fn extension_chart(
    tr: Tr,
    names: &std::collections::HashMap<String, String>,
    s: &pb::ExtensionStats,
) -> Section {
    // Per controller over the whole range.
    let mut per: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    for x in &s.stats {
        let e = per.entry(x.controller_id.as_str()).or_default();
        e.0 += x.requests;
        e.1 += x.extended;
    }
    let groups: Vec<Group> = per
        .iter()
        .map(|(c, (n, e))| Group {
            label: names
                .get(*c)
                .cloned()
                .unwrap_or_else(|| c.chars().take(8).collect()),
            values: vec![if *n == 0 {
                0.0
            } else {
                *e as f64 * 100.0 / *n as f64
            }],
        })
        .collect();
    let title = format!(
        "{} ({} – {}, %)",
        tr.t("Extension share per controller"),
        s.from_quarter,
        s.to_quarter
    );
    let svg = charts::bars(&title, &[tr.t("Share")], &groups, &[]);
    let rows = s
        .stats
        .iter()
        .map(|x| {
            vec![
                super::tenant_cell(names, &x.controller_id),
                Cell::text(&x.quarter),
                Cell::text(x.requests.to_string()),
                Cell::text(x.extended.to_string()),
                Cell::text(pct(x.extended, x.requests)),
            ]
        })
        .collect();
    Section::new(tr.t("Extension share per controller"))
        .with(Body::Chart {
            svg,
            table: table(
                &title,
                &[
                    tr.t("Controller"),
                    tr.t("quarter"),
                    tr.t("Requests"),
                    tr.t("Extended"),
                    tr.t("Share"),
                ],
                rows,
                "–",
            ),
        })
        .with(Body::Notes(vec![crate::phrases::say(tr, &s.note)]))
}

/// Hours from the processor's discovery to the controller's notice: the
/// controller clock runs `sla_hours` from the discovery, so the discovery
/// is its strict deadline less the SLA.
fn hours_to_notify(n: &pb::BreachNotice) -> Option<f64> {
    let c = n.controller_clock.as_ref()?;
    let done = instant(&c.done_at)?;
    let discovered = instant(&c.strict)? - Duration::hours(i64::from(n.sla_hours));
    Some((done - discovered).num_minutes() as f64 / 60.0)
}

fn breach_chart(
    tr: Tr,
    names: &std::collections::HashMap<String, String>,
    notices: &[pb::BreachNotice],
) -> Section {
    let notified: Vec<(&pb::BreachNotice, f64)> = notices
        .iter()
        .filter_map(|n| hours_to_notify(n).map(|h| (n, h)))
        .collect();
    let groups: Vec<Group> = notified
        .iter()
        .map(|(n, h)| Group {
            label: names
                .get(&n.controller_id)
                .cloned()
                .unwrap_or_else(|| tr.t("a controller").to_owned()),
            values: vec![*h, f64::from(n.sla_hours)],
        })
        .collect();
    let title = tr.t("Breach time to notify");
    let svg = charts::bars(
        title,
        &[tr.t("Hours to notify"), tr.t("SLA (hours)")],
        &groups,
        &[Reference {
            label: "72 h (art. 33(1))".into(),
            value: 72.0,
        }],
    );
    let rows = notified
        .iter()
        .map(|(n, h)| {
            vec![
                Cell::link(
                    format!("/breaches/notices/{}", n.id),
                    super::instant(&n.created_at)
                        .map(|t| crate::when::instant(tr, t))
                        .unwrap_or_default(),
                ),
                super::tenant_cell(names, &n.controller_id),
                Cell::text(format!("{h:.1}")),
                Cell::text(n.sla_hours.to_string()),
                Cell::text(if *h <= f64::from(n.sla_hours) {
                    tr.t("yes")
                } else {
                    tr.t("no")
                }),
                Cell::text(if *h <= 72.0 { tr.t("yes") } else { tr.t("no") }),
            ]
        })
        .collect();
    Section::new(title).with(Body::Chart {
        svg,
        table: table(
            title,
            &[
                tr.t("Notice"),
                tr.t("Controller"),
                tr.t("Hours to notify"),
                tr.t("SLA (hours)"),
                tr.t("Within the SLA"),
                tr.t("Within 72 hours"),
            ],
            rows,
            "–",
        ),
    })
}

fn erasure_chart(tr: Tr, s: &pb::ErasureStats) -> Section {
    let groups: Vec<Group> = s
        .days
        .iter()
        .map(|d| Group {
            label: d.day.get(5..).unwrap_or(&d.day).to_owned(),
            values: vec![d.erased as f64, d.due as f64],
        })
        .collect();
    let title = format!(
        "{} ({} – {})",
        tr.t("Erasures per day against erasures due"),
        s.from_day,
        s.to_day
    );
    let svg = charts::bars(&title, &[tr.t("Erased"), tr.t("Due")], &groups, &[]);
    let rows = s
        .days
        .iter()
        .filter(|d| d.erased > 0 || d.due > 0)
        .map(|d| {
            vec![
                Cell::time(tr, &d.day),
                Cell::text(d.erased.to_string()),
                Cell::text(d.due.to_string()),
            ]
        })
        .collect();
    Section::new(tr.t("Erasures per day against erasures due"))
        .with(Body::Chart {
            svg,
            table: table(
                &title,
                &[tr.t("Day"), tr.t("Erased"), tr.t("Due")],
                rows,
                tr.t("No erasures and none due in this period."),
            ),
        })
        .with(Body::Notes(vec![crate::phrases::say(tr, &s.note)]))
}
