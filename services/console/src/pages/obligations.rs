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

use futures::StreamExt;

use super::{opt, table, tenant_cell, tenant_names};
use crate::backend::Service;
use crate::phrases;
use crate::view::{Body, Cell, Field, FieldKind, Form, Section, Tone};
use crate::web::{self, AppState, Failure, Signed};

/// Rows of each group on the overview; the rest are a link away.
pub const OVERVIEW_ROWS: u32 = 20;
/// Rows of one page of a group opened on its own.
pub const GROUP_PAGE: u32 = 100;

#[derive(Deserialize, Default)]
pub struct Filter {
    pub service: Option<String>,
    pub tenant: Option<String>,
    pub overdue: Option<String>,
    /// One group opened on its own (`overdue`, `72h`, `week`, `14d`, `later`).
    pub group: Option<String>,
    /// The page token within that group, and how many rows came before it.
    pub page: Option<String>,
    pub shown: Option<u64>,
    /// `excel`: the CSV for a spreadsheet (BOM, semicolons).
    pub format: Option<String>,
}

const SERVICES: [&str; 6] = [
    "agreements",
    "breaches",
    "requests",
    "subprocessors",
    "switching",
    "vault",
];

/// A dashboard group: the window of strict due instants it shows,
/// `[from, before)`; `None` is open.
#[derive(Clone, Copy)]
struct Group {
    key: &'static str,
    title: &'static str,
    from: Option<DateTime<Utc>>,
    before: Option<DateTime<Utc>>,
}

/// The groups, in order, contiguous and not overlapping: overdue is due at
/// or before now (as the service flags it), then the windows after it.
fn groups(now: DateTime<Utc>) -> [Group; 5] {
    let tick = now + Duration::microseconds(1);
    let h72 = now + Duration::hours(72);
    let week = now + Duration::days(7);
    let d14 = now + Duration::days(14);
    [
        Group {
            key: "overdue",
            title: "Overdue",
            from: None,
            before: Some(tick),
        },
        Group {
            key: "72h",
            title: "Due within 72 hours",
            from: Some(tick),
            before: Some(h72),
        },
        Group {
            key: "week",
            title: "Due this week",
            from: Some(h72),
            before: Some(week),
        },
        Group {
            key: "14d",
            title: "Due within 14 days",
            from: Some(week),
            before: Some(d14),
        },
        Group {
            key: "later",
            title: "Later",
            from: Some(d14),
            before: None,
        },
    ]
}

fn stamp(t: Option<DateTime<Utc>>) -> String {
    t.map(proto::wire::timestamp).unwrap_or_default()
}

/// One page of obligations in a window, with the window's total.
async fn fetch_page(
    st: &AppState,
    me: &Signed,
    f: &Filter,
    g: &Group,
    size: u32,
    token: String,
) -> Result<pb::ListObligationsResponse, Failure> {
    let mut c = pb::deadline_service_client::DeadlineServiceClient::new(
        st.backend.channel(Service::Deadlines),
    );
    let r = c
        .list_obligations(me.s.req(pb::ListObligationsRequest {
            page: super::page(size, token),
            tenant_id: opt(&f.tenant),
            service: opt(&f.service),
            due_before: stamp(g.before),
            due_from: stamp(g.from),
            overdue_only: f.overdue.as_deref() == Some("true"),
            count_total: true,
        }))
        .await?
        .into_inner();
    Ok(r)
}

/// The filter as a query string (for links that keep it).
fn filter_query(f: &Filter) -> Vec<String> {
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
    query
}

fn due(o: &pb::Obligation) -> Option<DateTime<Utc>> {
    super::instant(&o.due_strict)
}

/// What must happen, in the reader's language: the services describe an
/// obligation in English (their `description`, kept for the CSV and the
/// API); the console says it in its own words by the object, the rule and
/// the kind of description, with the object named by its title in the
/// link beside it. A description it does not know is shown as the service
/// wrote it.
pub fn what(tr: crate::i18n::Tr, o: &pb::Obligation) -> String {
    let d = o.description.as_str();
    let words = match (o.object_type.as_str(), o.rule.as_str()) {
        ("dsr_request", _) if d.ends_with("(extended)") => {
            tr.t("Answer the data-subject request (extended)")
        }
        ("dsr_request", _) => tr.t("Answer the data-subject request"),
        ("candidate", "vault.hired_handoff") => {
            tr.t("Erase the hired candidate's application data (the controller's policy)")
        }
        ("candidate", _) => tr.t("Erase the candidate's data: the retention period ends"),
        ("breach_incident", _) => tr.t("Assess the incident and notify the affected controllers"),
        ("breach_notice", "breach.authority_notice") => {
            tr.t("The controller notifies the supervisory authority (72 hours)")
        }
        ("breach_notice", _) => tr.t("Notify the controller of the breach"),
        ("agreement", _) if d.starts_with("last day for notice") => {
            tr.t("Last day to give notice so that the agreement does not renew")
        }
        ("agreement", _) if d.contains("renews for") => {
            tr.t("The agreement renews unless notice was given")
        }
        ("agreement", _) if d.starts_with("the fixed term") => tr.t("The agreement's fixed term ends"),
        ("agreement", _) if d.contains("; then") => tr.t(
            "The agreement ends; then the data is returned or deleted within the agreed term",
        ),
        ("subprocessor_notice" | "subprocessor_change", _) => {
            tr.t("The objection window for the sub-processor change closes")
        }
        ("switch", _) if d.starts_with("declare now") => tr.t(
            "Declare now if a transition of 30 days is technically unfeasible (Data Act art. 25(4))",
        ),
        ("switch", _) if d.starts_with("complete the transition") => {
            tr.t("Complete the transition: hand over the exportable data (Data Act art. 25(2)(a))")
        }
        ("switch", _) if d.starts_with("keep the data retrievable") => tr.t(
            "Keep the data retrievable until the retrieval period ends (Data Act art. 25(2)(g))",
        ),
        ("switch", _) if d.starts_with("erase the customer") => tr.t(
            "Erase the customer's exportable data after the retrieval period (Data Act art. 25(2)(h))",
        ),
        ("switch", _) if d.starts_with("delete every personal data") => {
            tr.t("Delete every personal data item of the ended agreement (GDPR art. 28(3)(g))")
        }
        _ => return phrases::say(tr, d),
    };
    words.to_owned()
}

/// What an object type is called on a page.
fn object_word(object_type: &str) -> &'static str {
    match object_type {
        "breach_incident" => "incident",
        "breach_notice" => "breach notice",
        "dsr_request" => "data-subject request",
        "subprocessor_notice" | "subprocessor_change" => "sub-processor change",
        "agreement" => "agreement",
        "switch" => "switch or exit",
        "candidate" => "candidate",
        _ => "object",
    }
}

/// The object as a link, named by its type and title (its id stays in the
/// link).
fn object_link(tr: crate::i18n::Tr, o: &pb::Obligation) -> Cell {
    let word = tr.t(object_word(&o.object_type));
    let label = if o.title.is_empty() {
        word.to_owned()
    } else {
        format!("{word} {}", o.title)
    };
    match object_href(o) {
        Some(href) => Cell::link(href, label),
        None => Cell::text(label),
    }
}

/// The console page of an obligation's object.
pub fn object_href(o: &pb::Obligation) -> Option<String> {
    Some(match o.object_type.as_str() {
        "breach_incident" => format!("/breaches/{}", o.object_id),
        "breach_notice" => format!("/breaches/notices/{}", o.object_id),
        "dsr_request" => format!("/requests/{}", o.object_id),
        "subprocessor_notice" | "subprocessor_change" => "/subprocessors".into(),
        "agreement" => format!("/agreements/{}", o.object_id),
        "switch" => format!("/switching/{}", o.object_id),
        "candidate" => format!(
            "/retention?tenant={}&q={}",
            web::encode(&o.tenant_id),
            web::encode(&o.title)
        ),
        _ => return None,
    })
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
    let now = Utc::now();
    let all = groups(now);
    // A group the link did not name (or an unknown one) shows the overview:
    // a filter never produces an error page.
    let opened = all
        .iter()
        .find(|g| f.group.as_deref() == Some(g.key))
        .copied();
    // The groups shown: all five (their first rows), or one (a page of it).
    let shown: Vec<Group> = match opened {
        Some(g) => vec![g],
        None => all.to_vec(),
    };
    let (size, token) = match opened {
        Some(_) => (GROUP_PAGE, f.page.clone().unwrap_or_default()),
        None => (OVERVIEW_ROWS, String::new()),
    };
    let (answers, names) = futures::future::try_join(
        futures::future::try_join_all(
            shown
                .iter()
                .map(|g| fetch_page(st, me, f, g, size, token.clone())),
        ),
        tenant_names(st, me),
    )
    .await?;
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
    let mut used = BTreeSet::new();
    let query = filter_query(f);
    for (g, answer) in shown.iter().zip(&answers) {
        let total = answer.total.unwrap_or(answer.obligations.len() as u64);
        let before = if opened.is_some() {
            f.shown.unwrap_or(0)
        } else {
            0
        };
        let rows: Vec<Vec<Cell>> = answer
            .obligations
            .iter()
            .map(|o| {
                used.insert(o.rule.clone());
                row(tr, o, &names, now)
            })
            .collect();
        let n = rows.len() as u64;
        let caption = super::paged_caption(tr, g.title, before, n, total);
        let mut section = Section::new(tr.t(g.title)).with(Body::Table(table(
            &caption,
            &cols,
            rows,
            tr.t("Nothing in this group."),
        )));
        let mut group_query = query.clone();
        group_query.push(format!("group={}", g.key));
        let mut links = Vec::new();
        if opened.is_none() && total > n {
            links.push((
                tr.t("Show all {total} in this group")
                    .replace("{total}", &total.to_string()),
                format!("/?{}", group_query.join("&")),
            ));
        }
        if opened.is_some() {
            if !answer.next_page_token.is_empty() {
                let mut q = group_query.clone();
                q.push(format!("page={}", web::encode(&answer.next_page_token)));
                q.push(format!("shown={}", before + n));
                links.push((tr.t("Next page").into(), format!("/?{}", q.join("&"))));
            }
            if before > 0 {
                links.push((
                    tr.t("First page").into(),
                    format!("/?{}", group_query.join("&")),
                ));
            }
            links.push((
                tr.t("Back to every group").into(),
                format!("/?{}", query.join("&")),
            ));
        }
        if !links.is_empty() {
            section.push(Body::Links(links));
        }
        sections.push(section);
    }
    // How each rule on the page computes its date.
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
            .filter(|r| used.contains(&r.id))
            .map(|r| {
                vec![
                    Cell::text(phrases::rule_name(tr, &r.id)),
                    Cell::text(phrases::say(tr, &r.summary)),
                    Cell::text(phrases::say(tr, &r.citation)),
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

/// One obligation as a row of the dashboard.
fn row(
    tr: crate::i18n::Tr,
    o: &pb::Obligation,
    names: &std::collections::HashMap<String, String>,
    now: DateTime<Utc>,
) -> Vec<Cell> {
    let left = due(o).map(|d| (d - now).num_seconds()).unwrap_or(0);
    let tone = if o.overdue || left < 0 {
        Tone::Bad
    } else if left < 72 * 3600 {
        Tone::Warn
    } else {
        Tone::Neutral
    };
    vec![
        Cell::state(tr.remaining(left), tone),
        Cell::text(what(tr, o)),
        object_link(tr, o),
        Cell::text(phrases::service_name(tr, &o.service)),
        tenant_cell(names, &o.tenant_id),
        Cell::text(phrases::rule_name(tr, &o.rule)),
        Cell::text(phrases::say(tr, &o.citation)),
        Cell::due(tr, &o.due_strict),
        Cell::due(tr, &o.due_lenient),
        Cell::notes(tr, &o.notes),
    ]
}

fn filter_form(
    me: &Signed,
    f: &Filter,
    names: &std::collections::HashMap<String, String>,
) -> Section {
    let tr = me.tr;
    let mut services = vec![(String::new(), tr.t("all").to_owned())];
    services.extend(
        SERVICES
            .iter()
            .map(|s| ((*s).to_owned(), phrases::service_name(tr, s))),
    );
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
    let query = filter_query(f).join("&");
    Section::new(tr.t("Filter"))
        .with(Body::Form(Form {
            id: "filter".into(),
            action: "/".into(),
            post: false,
            fields,
            submit: tr.t("Show").into(),
        }))
        .with(Body::Links(vec![
            (
                tr.t("Download for Excel").into(),
                format!("/obligations.csv?format=excel&{query}"),
            ),
            (
                tr.t("Download CSV").into(),
                format!("/obligations.csv?{query}"),
            ),
        ]))
}

/// One field of the CSV, quoted; a leading formula character is
/// neutralised for spreadsheets.
fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    format!("\"{}\"", s.replace('"', "\"\""))
}

const CSV_HEADER: [&str; 11] = [
    "service",
    "tenant_id",
    "object_type",
    "object_id",
    "description",
    "rule",
    "citation",
    "due_strict",
    "due_lenient",
    "overdue",
    "notes",
];

/// A CSV line: the machine format separates by commas; the Excel variant
/// by semicolons, the list separator of Dutch (and most European) Excel.
fn csv_line<S: AsRef<str>>(fields: &[S], sep: char) -> String {
    let mut line = fields
        .iter()
        .map(|v| csv_field(v.as_ref()))
        .collect::<Vec<_>>()
        .join(&sep.to_string());
    line.push_str("\r\n");
    line
}

/// Every open obligation the filter admits, streamed a page (1,000) at a
/// time by cursor: no cap, and memory holds a page. `format=excel` starts
/// with a UTF-8 byte order mark and separates by semicolons, so Dutch
/// Excel opens it in columns with its accents intact; the plain CSV keeps
/// the exact machine format.
pub async fn csv(State(st): State<AppState>, me: Signed, Query(f): Query<Filter>) -> Response {
    let excel = f.format.as_deref() == Some("excel");
    let sep = if excel { ';' } else { ',' };
    let mut head = if excel {
        "\u{feff}".to_owned()
    } else {
        String::new()
    };
    head.push_str(&CSV_HEADER.join(&sep.to_string()));
    head.push_str("\r\n");
    let session = me.s.clone();
    let client = pb::deadline_service_client::DeadlineServiceClient::new(
        st.backend.channel(Service::Deadlines),
    );
    let base = pb::ListObligationsRequest {
        page: None,
        tenant_id: opt(&f.tenant),
        service: opt(&f.service),
        due_before: String::new(),
        due_from: String::new(),
        overdue_only: f.overdue.as_deref() == Some("true"),
        count_total: false,
    };
    // The first page is read before answering, so a refusal is a page, not
    // a broken download.
    let first = {
        let mut c = client.clone();
        let mut req = base.clone();
        req.page = super::page(1_000, String::new());
        match c.list_obligations(session.req(req)).await {
            Ok(r) => r.into_inner(),
            Err(e) => return Failure::from(e).render(&me),
        }
    };
    let body = move |r: &pb::ListObligationsResponse| {
        let mut out = String::new();
        for o in &r.obligations {
            let overdue = o.overdue.to_string();
            let notes = o.notes.join(" | ");
            out.push_str(&csv_line(
                &[
                    &o.service,
                    &o.tenant_id,
                    &o.object_type,
                    &o.object_id,
                    &o.description,
                    &o.rule,
                    &o.citation,
                    &o.due_strict,
                    &o.due_lenient,
                    &overdue,
                    &notes,
                ],
                sep,
            ));
        }
        out
    };
    head.push_str(&body(&first));
    let rest = futures::stream::unfold(first.next_page_token, move |token| {
        let mut c = client.clone();
        let mut req = base.clone();
        let session = session.clone();
        async move {
            if token.is_empty() {
                return None;
            }
            req.page = super::page(1_000, token);
            match c.list_obligations(session.req(req)).await {
                Ok(r) => {
                    let r = r.into_inner();
                    let chunk = body(&r);
                    Some((Ok::<_, std::io::Error>(chunk), r.next_page_token))
                }
                // A failure midway ends the download short of its rows; the
                // client sees a truncated body, never a silent success.
                Err(e) => Some((Err(std::io::Error::other(e.to_string())), String::new())),
            }
        }
    });
    // Fused: a body may be polled again after its end (the compression
    // layer does), which an unfold does not allow.
    let stream = futures::stream::once(async move { Ok::<_, std::io::Error>(head) })
        .chain(rest)
        .fuse();
    let name = if excel {
        "obligations-excel.csv"
    } else {
        "obligations.csv"
    };
    web::download(
        "text/csv; charset=utf-8",
        name,
        axum::body::Body::from_stream(stream),
    )
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
