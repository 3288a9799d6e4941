//! The timeline of an incident: every step in time order, with the deadlines
//! as events.

use chrono::{DateTime, Utc};

use super::ts;
use crate::domain::*;
use crate::service::{IncidentView, NoticeView};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub at: DateTime<Utc>,
    pub kind: &'static str,
    pub controller_id: Option<String>,
    pub notice_id: Option<String>,
    pub summary: String,
}

fn ev(at: DateTime<Utc>, kind: &'static str, n: Option<&NoticeView>, summary: String) -> Event {
    Event {
        at,
        kind,
        controller_id: n.map(|n| n.row.tenant_id.clone()),
        notice_id: n.map(|n| n.row.id.clone()),
        summary,
    }
}

/// Every step of the incident in time order, with the deadlines as events.
/// `internal` adds the processor-side steps (report, assessments,
/// dismissal, failed delivery attempts); a controller's view leaves them out.
pub fn timeline(v: &IncidentView, internal: bool) -> Vec<Event> {
    let mut out = Vec::new();
    let r = &v.row;
    out.push(ev(
        r.discovered_at,
        "incident.discovered",
        None,
        if internal {
            format!("discovered by {}", r.discovered_by)
        } else {
            "the processor discovered the incident".into()
        },
    ));
    if internal {
        out.push(ev(
            r.reported_at,
            "incident.reported",
            None,
            format!("reported by {}", r.reported_by),
        ));
        for a in &v.history {
            out.push(ev(
                a.assessed_at,
                "incident.assessed",
                None,
                format!(
                    "assessment version {} by {}: risk {}, {} controller(s) affected",
                    a.version,
                    a.assessed_by,
                    a.assessment.risk.as_str(),
                    a.assessment.affected.len()
                ),
            ));
        }
        if let (IncidentStatus::Dismissed, Some(at)) = (v.status, r.decided_at) {
            out.push(ev(
                at,
                "incident.dismissed",
                None,
                format!(
                    "dismissed ({}): {}",
                    r.dismissal_basis.clone().unwrap_or_default(),
                    r.dismissal_reason.clone().unwrap_or_default()
                ),
            ));
        }
        if let Some(f) = &v.investigation_flag {
            out.push(ev(
                r.decided_at.unwrap_or(r.discovered_at),
                "incident.flag",
                None,
                f.clone(),
            ));
        }
    }
    for n in &v.notices {
        if internal {
            out.push(ev(
                n.row.created_at,
                "notice.created",
                Some(n),
                format!(
                    "notice to controller {} (SLA {} hours)",
                    n.row.tenant_id, n.row.sla_hours
                ),
            ));
            if let Some(c) = n.row.cancelled_at {
                out.push(ev(
                    c,
                    "notice.cancelled",
                    Some(n),
                    "controller no longer affected".into(),
                ));
            }
        }
        if n.row.cancelled_at.is_some() {
            continue;
        }
        out.push(ev(
            n.controller_clock.strict,
            "deadline.controller_notice",
            Some(n),
            format!(
                "the processor's notice to the controller is due (rule {}): {}",
                n.controller_clock.rule,
                n.controller_clock.state.as_str()
            ),
        ));
        for s in &n.sends {
            out.push(ev(
                s.row.sent_at,
                "notice.sent",
                Some(n),
                if s.missing.is_empty() {
                    format!("{} notice #{} sent, complete", s.row.phase, s.row.sequence)
                } else {
                    format!(
                        "{} notice #{} sent, lacking: {}",
                        s.row.phase,
                        s.row.sequence,
                        s.missing.join(", ")
                    )
                },
            ));
            if let Some(m) = &s.delivery {
                if internal {
                    for a in m.attempt_log.iter().filter(|a| !a.delivered) {
                        out.push(ev(
                            a.started_at,
                            "notice.delivery_failed",
                            Some(n),
                            format!(
                                "attempt {} of #{} failed: {}",
                                a.number,
                                s.row.sequence,
                                a.error
                                    .clone()
                                    .unwrap_or_else(|| format!("HTTP {}", a.http_status))
                            ),
                        ));
                    }
                }
                if let Some(d) = m.delivered_at {
                    out.push(ev(
                        d,
                        "notice.delivered",
                        Some(n),
                        format!("#{} delivered to the controller's webhook", s.row.sequence),
                    ));
                }
            }
        }
        if let (Some(ack), Some(aware)) = (n.row.acknowledged_at, n.row.controller_aware_at) {
            out.push(ev(
                ack,
                "notice.acknowledged",
                Some(n),
                format!("the controller acknowledged; aware since {}", ts(aware)),
            ));
        }
        if n.authority_clock.state != ClockState::NotRequired {
            out.push(ev(
                n.authority_clock.strict,
                "deadline.authority_notice.strict",
                Some(n),
                "72 hours from the processor's awareness (strict reading)".into(),
            ));
            if n.authority_clock.lenient != n.authority_clock.strict {
                out.push(ev(
                    n.authority_clock.lenient,
                    "deadline.authority_notice.lenient",
                    Some(n),
                    "72 hours from the controller's awareness (lenient reading)".into(),
                ));
            }
        }
        for a in &n.authority {
            out.push(ev(
                a.notified_at,
                "authority.notified",
                Some(n),
                format!(
                    "{} notification to the authority by the {}{}{}",
                    a.phase,
                    a.by_party,
                    a.reference
                        .as_ref()
                        .map(|r| format!(", reference {r}"))
                        .unwrap_or_default(),
                    if a.late { ", late, with reasons" } else { "" }
                ),
            ));
        }
        for d in &n.decisions {
            out.push(ev(
                d.decided_at,
                "subjects.decided",
                Some(n),
                format!("art. 34 decision: {}", d.decision),
            ));
            if let Some(c) = d.communicated_at {
                out.push(ev(
                    c,
                    "subjects.communicated",
                    Some(n),
                    "the data subjects were told".into(),
                ));
            }
        }
    }
    out.sort_by(|a, b| (a.at, a.kind).cmp(&(b.at, b.kind)));
    out
}
