//! The register of every incident (GDPR art. 33(5)) in JSON, CSV or
//! Markdown; the processor-side facts only in the internal view.

use chrono::{DateTime, Utc};
use domain_kit::{Format, cell, md};
use serde_json::{Value, json};

use super::ts;
use crate::domain::*;
use crate::service::{IncidentView, NoticeView};

/// Totals over the notices shown: the sum of the known numbers, and
/// whether every one was known.
fn total(v: &IncidentView, pick: impl Fn(&Affected) -> Option<u64>) -> (Option<u64>, bool) {
    let Some(a) = v.assessment.as_ref().map(|r| &r.assessment) else {
        return (None, false);
    };
    let shown: Vec<&Affected> = v
        .notices
        .iter()
        .filter_map(|n| a.affected(&n.row.tenant_id))
        .collect();
    let known: Vec<u64> = shown.iter().filter_map(|x| pick(x)).collect();
    if known.is_empty() {
        (None, false)
    } else {
        (Some(known.iter().sum()), known.len() == shown.len())
    }
}

fn notice_json(n: &NoticeView) -> Value {
    let initial = n.sends.first();
    let auth = n.authority.iter().find(|a| a.phase == "initial");
    json!({
        "notice_id": n.row.id,
        "controller_id": n.row.tenant_id,
        "status": n.status,
        "sla_hours": n.row.sla_hours,
        "controller_notice": {
            "due": ts(n.controller_clock.strict),
            "state": n.controller_clock.state.as_str(),
            "initial_sent_at": initial.map(|s| ts(s.row.sent_at)),
            "initial_delivered_at": n.delivered_at().map(ts),
            "sends": n.sends.len(),
            "missing": n.missing.iter().map(|i| i.key()).collect::<Vec<_>>(),
        },
        "controller_aware_at": n.row.controller_aware_at.map(ts),
        "authority_notice": {
            "strict": ts(n.authority_clock.strict),
            "lenient": ts(n.authority_clock.lenient),
            "state": n.authority_clock.state.as_str(),
            "notified_at": auth.map(|a| ts(a.notified_at)),
            "by": auth.map(|a| a.by_party.clone()),
            "reference": auth.and_then(|a| a.reference.clone()),
            "late": auth.map(|a| a.late),
            "reasons_for_delay": auth.and_then(|a| a.reasons_for_delay.clone()),
        },
        "subject_communication": n.subject_communication,
        "subject_decision": n.decisions.last().map(|d| d.decision.clone()),
    })
}

fn incident_json(v: &IncidentView, internal: bool) -> Value {
    let a = v.assessment.as_ref().map(|r| &r.assessment);
    let (subjects, subjects_complete) = total(v, |x| x.subjects_approx);
    let (records, records_complete) = total(v, |x| x.records_approx);
    let mut o = json!({
        "incident_id": v.row.id,
        "status": v.status.as_str(),
        "discovered_at": ts(v.row.discovered_at),
        "decided_at": v.row.decided_at.map(ts),
        "facts": {
            "summary": a.and_then(|a| a.summary.clone()),
            "nature": a.map(|a| a.nature.iter().map(|n| n.as_str()).collect::<Vec<_>>()),
            "occurred_from": a.and_then(|a| a.occurred_from).map(ts),
            "occurred_until": a.and_then(|a| a.occurred_until).map(ts),
            "data_categories": a.map(|a| a.data_categories.clone()),
            "subject_categories": a.map(|a| a.subject_categories.clone()),
            "subjects_approx": subjects,
            "subjects_approx_complete": subjects_complete,
            "records_approx": records,
            "records_approx_complete": records_complete,
            "encrypted": a.map(|a| a.encrypted),
            "key_safe": a.map(|a| a.key_safe),
            "protection": a.and_then(|a| a.protection.clone()),
        },
        "effects": {
            "risk": a.map(|a| a.risk.as_str()),
            "risk_reasoning": a.and_then(|a| a.risk_reasoning.clone()),
            "likely_consequences": a.and_then(|a| a.likely_consequences.clone()),
        },
        "remedial_action": {
            "taken": a.and_then(|a| a.measures_taken.clone()),
            "proposed": a.and_then(|a| a.measures_proposed.clone()),
        },
        "notified": v.notices.iter().any(|n| !n.sends.is_empty()),
        "notices": v.notices.iter().filter(|n| n.row.cancelled_at.is_none()).map(notice_json).collect::<Vec<_>>(),
    });
    if internal {
        o["reported_at"] = json!(ts(v.row.reported_at));
        o["discovered_by"] = json!(v.row.discovered_by);
        o["description"] = json!(v.row.description);
        o["systems"] = json!(v.systems);
        o["dismissal"] = match (&v.row.dismissal_basis, &v.row.dismissal_reason) {
            (Some(b), r) => json!({ "basis": b, "reason": r }),
            _ => Value::Null,
        };
        o["assessment_versions"] = json!(v.history.len());
        o["investigation_flag"] = json!(v.investigation_flag);
    }
    o
}

const CSV_COLUMNS: &[&str] = &[
    "incident_id",
    "status",
    "discovered_at",
    "decided_at",
    "dismissal_basis",
    "dismissal_reason",
    "risk",
    "nature",
    "summary",
    "data_categories",
    "subject_categories",
    "subjects_approx",
    "records_approx",
    "encrypted",
    "key_safe",
    "likely_consequences",
    "measures_taken",
    "measures_proposed",
    "controller_id",
    "notice_status",
    "controller_notice_due",
    "controller_notice_state",
    "initial_delivered_at",
    "missing",
    "controller_aware_at",
    "authority_due_strict",
    "authority_due_lenient",
    "authority_notified_at",
    "authority_state",
    "subject_communication",
];

fn csv(views: &[IncidentView], internal: bool) -> String {
    let mut out = CSV_COLUMNS.join(",");
    out.push_str("\r\n");
    for v in views {
        let a = v.assessment.as_ref().map(|r| &r.assessment);
        let opt = |s: Option<String>| s.unwrap_or_default();
        let head = |aff: Option<&Affected>| -> Vec<String> {
            vec![
                v.row.id.clone(),
                v.status.as_str().into(),
                ts(v.row.discovered_at),
                opt(v.row.decided_at.map(ts)),
                if internal {
                    opt(v.row.dismissal_basis.clone())
                } else {
                    String::new()
                },
                if internal {
                    opt(v.row.dismissal_reason.clone())
                } else {
                    String::new()
                },
                opt(a.map(|a| a.risk.as_str().to_owned())),
                opt(a.map(|a| {
                    a.nature
                        .iter()
                        .map(|n| n.as_str())
                        .collect::<Vec<_>>()
                        .join("; ")
                })),
                opt(a.and_then(|a| a.summary.clone())),
                opt(a.map(|a| a.data_categories.join("; "))),
                opt(a.map(|a| a.subject_categories.join("; "))),
                opt(aff.and_then(|x| x.subjects_approx).map(|n| n.to_string())),
                opt(aff.and_then(|x| x.records_approx).map(|n| n.to_string())),
                opt(a.map(|a| a.encrypted.to_string())),
                opt(a.map(|a| a.key_safe.to_string())),
                opt(a.and_then(|a| a.likely_consequences.clone())),
                opt(a.and_then(|a| a.measures_taken.clone())),
                opt(a.and_then(|a| a.measures_proposed.clone())),
            ]
        };
        let shown: Vec<&NoticeView> = v
            .notices
            .iter()
            .filter(|n| n.row.cancelled_at.is_none())
            .collect();
        if shown.is_empty() {
            let mut row = head(None);
            row.extend(std::iter::repeat_n(
                String::new(),
                CSV_COLUMNS.len() - row.len(),
            ));
            out.push_str(&row.iter().map(|s| cell(s)).collect::<Vec<_>>().join(","));
            out.push_str("\r\n");
        }
        for n in shown {
            let mut row = head(a.and_then(|a| a.affected(&n.row.tenant_id)));
            let auth = n.authority.iter().find(|x| x.phase == "initial");
            row.extend([
                n.row.tenant_id.clone(),
                n.status.into(),
                ts(n.controller_clock.strict),
                n.controller_clock.state.as_str().into(),
                opt(n.delivered_at().map(ts)),
                n.missing
                    .iter()
                    .map(|i| i.key())
                    .collect::<Vec<_>>()
                    .join("; "),
                opt(n.row.controller_aware_at.map(ts)),
                ts(n.authority_clock.strict),
                ts(n.authority_clock.lenient),
                opt(auth.map(|x| ts(x.notified_at))),
                n.authority_clock.state.as_str().into(),
                n.subject_communication.into(),
            ]);
            out.push_str(&row.iter().map(|s| cell(s)).collect::<Vec<_>>().join(","));
            out.push_str("\r\n");
        }
    }
    out
}

fn markdown(views: &[IncidentView], internal: bool, now: DateTime<Utc>) -> String {
    let mut o = format!(
        "# Breach register (GDPR art. 33(5))\n\nGenerated {}. {} incident(s), notified or not.\n",
        ts(now),
        views.len()
    );
    for v in views {
        let j = incident_json(v, internal);
        o.push_str(&format!(
            "\n## Incident {}\n\n| Field | Value |\n|---|---|\n",
            md(&v.row.id)
        ));
        let mut row = |k: &str, val: &Value| {
            let s = match val {
                Value::Null => "(unknown)".to_owned(),
                Value::String(s) => s.clone(),
                Value::Array(a) => a
                    .iter()
                    .map(|x| {
                        x.as_str()
                            .map(str::to_owned)
                            .unwrap_or_else(|| x.to_string())
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
                x => x.to_string(),
            };
            o.push_str(&format!("| {} | {} |\n", md(k), md(&s)));
        };
        row("status", &j["status"]);
        row("discovered at", &j["discovered_at"]);
        if internal {
            row("description", &j["description"]);
            row("dismissal", &j["dismissal"]);
        }
        for (k, x) in j["facts"].as_object().into_iter().flatten() {
            row(k, x);
        }
        for (k, x) in j["effects"].as_object().into_iter().flatten() {
            row(k, x);
        }
        row("remedial action taken", &j["remedial_action"]["taken"]);
        row(
            "remedial action proposed",
            &j["remedial_action"]["proposed"],
        );
        let shown: Vec<&NoticeView> = v
            .notices
            .iter()
            .filter(|n| n.row.cancelled_at.is_none())
            .collect();
        if !shown.is_empty() {
            o.push_str(
                "\n| Controller | Notice due | Delivered | Missing | Aware | Authority due (strict / lenient) | Authority notified | Art. 34 |\n|---|---|---|---|---|---|---|---|\n",
            );
            for n in shown {
                let auth = n.authority.iter().find(|x| x.phase == "initial");
                o.push_str(&format!(
                    "| {} | {} ({}) | {} | {} | {} | {} / {} ({}) | {} | {} |\n",
                    md(&n.row.tenant_id),
                    ts(n.controller_clock.strict),
                    n.controller_clock.state.as_str(),
                    n.delivered_at().map(ts).unwrap_or_else(|| "no".into()),
                    md(&n
                        .missing
                        .iter()
                        .map(|i| i.key())
                        .collect::<Vec<_>>()
                        .join(", ")),
                    n.row
                        .controller_aware_at
                        .map(ts)
                        .unwrap_or_else(|| "-".into()),
                    ts(n.authority_clock.strict),
                    ts(n.authority_clock.lenient),
                    n.authority_clock.state.as_str(),
                    auth.map(|x| ts(x.notified_at))
                        .unwrap_or_else(|| "-".into()),
                    md(n.subject_communication),
                ));
            }
        }
    }
    o
}

/// The register in a format; `internal` adds the processor-side facts
/// (description, systems, dismissals) that a controller never sees.
pub fn register(views: &[IncidentView], f: Format, internal: bool, now: DateTime<Utc>) -> String {
    match f {
        Format::Json => serde_json::to_string_pretty(&json!({
            "register": "personal-data breaches (GDPR art. 33(5))",
            "generated_at": ts(now),
            "incidents": views.iter().map(|v| incident_json(v, internal)).collect::<Vec<_>>(),
        }))
        .unwrap_or_default(),
        Format::Csv => csv(views, internal),
        Format::Markdown => markdown(views, internal, now),
    }
}
