//! The obligations dashboard: every open obligation of every service from
//! `DeadlineService.ListObligations`, grouped by how soon it falls due
//! (strict reading), each with its rule, citation, both readings and what
//! must happen; the rules' summaries explain how the dates are computed.

use std::collections::BTreeSet;

use axum::extract::{Query, State};
use axum::response::Response;
use chrono::{DateTime, Duration, Utc};
use proto::v1 as pb;
use serde::Deserialize;

use super::{opt, table, tenant_cell, tenant_names};
use crate::backend::Service;
use crate::view::{Body, Cell, Field, FieldKind, Form, Section, Tone};
use crate::web::{self, AppState, Failure, Signed};

/// The most obligations one dashboard reads.
pub const MAX_ROWS: usize = 50_000;

#[derive(Deserialize, Default)]
pub struct Filter {
    pub service: Option<String>,
    pub tenant: Option<String>,
    pub overdue: Option<String>,
}

const SERVICES: [&str; 6] = [
    "agreements",
    "breaches",
    "requests",
    "subprocessors",
    "switching",
    "vault",
];

async fn fetch(st: &AppState, me: &Signed, f: &Filter) -> Result<Vec<pb::Obligation>, Failure> {
    let c = pb::deadline_service_client::DeadlineServiceClient::new(
        st.backend.channel(Service::Deadlines),
    );
    super::collect(MAX_ROWS, |token| {
        let mut c = c.clone();
        let req = me.s.req(pb::ListObligationsRequest {
            page: super::page(1_000, token),
            tenant_id: opt(&f.tenant),
            service: opt(&f.service),
            due_before: String::new(),
            overdue_only: f.overdue.as_deref() == Some("true"),
        });
        async move {
            let r = c.list_obligations(req).await?.into_inner();
            Ok((r.obligations, r.next_page_token))
        }
    })
    .await
}

fn due(o: &pb::Obligation) -> Option<DateTime<Utc>> {
    super::instant(&o.due_strict)
}

fn object_link(o: &pb::Obligation) -> Cell {
    let href = match o.object_type.as_str() {
        "breach_incident" => format!("/breaches/{}", o.object_id),
        "breach_notice" => format!("/breaches/notices/{}", o.object_id),
        "dsr_request" => format!("/requests/{}", o.object_id),
        "subprocessor_notice" | "subprocessor_change" => "/subprocessors".into(),
        "agreement" => format!("/agreements/{}", o.object_id),
        "switch" => format!("/switching/{}", o.object_id),
        "candidate" => "/retention".into(),
        _ => return Cell::text(format!("{} {}", o.object_type, o.object_id)),
    };
    Cell::link(
        href,
        format!("{} {}", o.object_type.replace('_', " "), o.object_id),
    )
}

/// The groups, in order: (title, the end of its window).
fn groups(now: DateTime<Utc>) -> [(&'static str, Option<DateTime<Utc>>); 5] {
    [
        ("Overdue", Some(now)),
        ("Due within 72 hours", Some(now + Duration::hours(72))),
        ("Due this week", Some(now + Duration::days(7))),
        ("Due within 14 days", Some(now + Duration::days(14))),
        ("Later", None),
    ]
}

pub async fn dashboard(
    State(st): State<AppState>,
    me: Signed,
    Query(f): Query<Filter>,
) -> Response {
    let r = build(&st, &me, &f).await;
    web::done(&me, r)
}

async fn build(st: &AppState, me: &Signed, f: &Filter) -> web::PageResult {
    let tr = me.tr;
    let obligations = fetch(st, me, f).await?;
    let names = tenant_names(st, me).await?;
    let now = Utc::now();
    let mut sections = vec![filter_form(me, f, &names)];
    let cols = [
        tr.t("Time left"),
        tr.t("What must happen"),
        tr.t("Object"),
        tr.t("Service"),
        tr.t("Tenant"),
        tr.t("Rule"),
        tr.t("Citation"),
        tr.t("Due (strict reading)"),
        tr.t("Due (lenient reading)"),
        tr.t("How the date is computed"),
    ];
    let mut buckets: Vec<Vec<Vec<Cell>>> = vec![Vec::new(); 5];
    let g = groups(now);
    for o in &obligations {
        let d = due(o);
        let idx = g
            .iter()
            .position(|(_, end)| match (end, d) {
                (Some(end), Some(d)) => d < *end || o.overdue,
                (None, _) => true,
                (Some(_), None) => false,
            })
            .unwrap_or(4);
        let left = d.map(|d| (d - now).num_seconds()).unwrap_or(0);
        let tone = if o.overdue || left < 0 {
            Tone::Bad
        } else if left < 72 * 3600 {
            Tone::Warn
        } else {
            Tone::Neutral
        };
        buckets[idx].push(vec![
            Cell::state(tr.remaining(left), tone),
            Cell::text(crate::when::humanize(tr, &o.description)),
            object_link(o),
            Cell::text(&o.service),
            tenant_cell(&names, &o.tenant_id),
            Cell::Code(o.rule.clone()),
            Cell::text(&o.citation),
            Cell::due(tr, &o.due_strict),
            Cell::due(tr, &o.due_lenient),
            Cell::notes(tr, &o.notes),
        ]);
    }
    for ((title, _), rows) in g.iter().zip(buckets) {
        let caption = format!("{} ({})", tr.t(title), rows.len());
        sections.push(Section::new(tr.t(title)).with(Body::Table(table(
            &caption,
            &cols,
            rows,
            tr.t("Nothing in this group."),
        ))));
    }
    // How each rule on the page computes its date.
    let used: BTreeSet<&str> = obligations.iter().map(|o| o.rule.as_str()).collect();
    if !used.is_empty() {
        let mut c = pb::deadline_service_client::DeadlineServiceClient::new(
            st.backend.channel(Service::Deadlines),
        );
        let rules = c
            .list_rules(me.s.req(pb::ListRulesRequest {}))
            .await?
            .into_inner()
            .rules;
        let rows = rules
            .into_iter()
            .filter(|r| used.contains(r.id.as_str()))
            .map(|r| {
                vec![
                    Cell::Code(r.id),
                    Cell::text(r.summary),
                    Cell::text(r.citation),
                ]
            })
            .collect();
        sections.push(
            Section::new(tr.t("How the date is computed")).with(Body::Table(table(
                tr.t("The rules"),
                &[tr.t("Rule"), tr.t("Summary"), tr.t("Citation")],
                rows,
                "",
            ))),
        );
    }
    let lead = tr.t("Every open obligation of every service, by the strict reading (the one Custodian schedules on). The lenient reading is the latest date a court could still accept.");
    Ok(web::page(me, tr.t("Obligations"), lead, &sections))
}

fn filter_form(
    me: &Signed,
    f: &Filter,
    names: &std::collections::HashMap<String, String>,
) -> Section {
    let tr = me.tr;
    let mut services = vec![(String::new(), tr.t("all").to_owned())];
    services.extend(SERVICES.iter().map(|s| ((*s).to_owned(), (*s).to_owned())));
    let mut fields = vec![
        Field::new("service", tr.t("Service"), FieldKind::Select(services)).value(opt(&f.service)),
    ];
    if !me.s.who.tenant_bound() {
        fields.push(super::tenant_select(tr, names, &opt(&f.tenant)));
    }
    fields.push(
        Field::new("overdue", tr.t("Overdue only"), FieldKind::Check).value(
            if f.overdue.as_deref() == Some("true") {
                "true"
            } else {
                ""
            },
        ),
    );
    let mut query = Vec::new();
    for (k, v) in [
        ("service", &f.service),
        ("tenant", &f.tenant),
        ("overdue", &f.overdue),
    ] {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            query.push(format!("{k}={}", web::encode(v)));
        }
    }
    Section::new(tr.t("Filter"))
        .with(Body::Form(Form {
            id: "filter".into(),
            action: "/".into(),
            post: false,
            fields,
            submit: tr.t("Show").into(),
        }))
        .with(Body::Links(vec![(
            tr.t("Download CSV").into(),
            format!("/obligations.csv?{}", query.join("&")),
        )]))
}

fn csv_field(s: &str) -> String {
    // Quoted; a leading formula character is neutralised for spreadsheets.
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    format!("\"{}\"", s.replace('"', "\"\""))
}

pub async fn csv(State(st): State<AppState>, me: Signed, Query(f): Query<Filter>) -> Response {
    let r = async {
        let obligations = fetch(&st, &me, &f).await?;
        let mut out = String::from(
            "service,tenant_id,object_type,object_id,description,rule,citation,due_strict,due_lenient,overdue,notes\r\n",
        );
        for o in obligations {
            let row = [
                o.service,
                o.tenant_id,
                o.object_type,
                o.object_id,
                o.description,
                o.rule,
                o.citation,
                o.due_strict,
                o.due_lenient,
                o.overdue.to_string(),
                o.notes.join(" | "),
            ];
            out.push_str(&row.iter().map(|v| csv_field(v)).collect::<Vec<_>>().join(","));
            out.push_str("\r\n");
        }
        Ok(web::download("text/csv; charset=utf-8", "obligations.csv", out))
    }
    .await;
    web::done(&me, r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_and_neutralises_formulas() {
        assert_eq!(csv_field("a\"b"), "\"a\"\"b\"");
        assert_eq!(csv_field("=HYPERLINK(1)"), "\"'=HYPERLINK(1)\"");
    }
}
