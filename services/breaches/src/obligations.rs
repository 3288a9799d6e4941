//! Open breach clocks for DeadlineService: an incident not yet assessed
//! (counted against the strictest default SLA, 24 hours, since its
//! controllers are not known yet), a notice whose initial send has not
//! reached the controller (rule breach.controller_notice), and a notice
//! whose authority notification is not recorded while the risk requires
//! one (rule breach.authority_notice, strict and lenient). Overdue ones are
//! flagged by DeadlineService (strict due in the past). Unassessed
//! incidents are read earliest discovery first, only as many as asked for
//! (their clock is a fixed number of elapsed hours); confirmed incidents are
//! read whole with their notices, as each notice's clocks depend on its
//! sends and acknowledgements: that part grows with the confirmed incidents
//! kept, which are few.

use std::sync::Arc;

use obligation_model::{Obligation, ObligationQuery, ObligationSource, SourceError};

use crate::Breaches;
use crate::domain::{ClockState, IncidentStatus};

const NOTICE_CITATION: &str = "GDPR art. 33(2); processing agreement breach notice SLA";
const AUTHORITY_CITATION: &str = "GDPR art. 33(1); EDPB Guidelines 9/2022";

pub struct BreachObligations(pub Arc<Breaches>);

/// An incident's first words, as its title on a list.
fn short_title(description: &str) -> String {
    let first = description.lines().next().unwrap_or_default().trim();
    if first.chars().count() <= 60 {
        first.to_owned()
    } else {
        let cut: String = first.chars().take(59).collect();
        format!("{}…", cut.trim_end())
    }
}

fn open(s: ClockState) -> bool {
    matches!(s, ClockState::Open | ClockState::Overdue)
}

#[async_trait::async_trait]

impl ObligationSource for BreachObligations {
    fn service(&self) -> &'static str {
        "breaches"
    }

    async fn open_obligations(&self, q: &ObligationQuery) -> Result<Vec<Obligation>, SourceError> {
        let err = |e: crate::domain::BreachError| SourceError {
            service: "breaches",
            message: e.to_string(),
        };
        let mut out = Vec::new();
        // Not yet assessed: no controller is known, so only an
        // all-tenant list shows them; due 24 elapsed hours after their
        // discovery, so the first `limit` by discovery are the earliest.
        if q.tenant.is_none() {
            let now = store::now_micros();
            // Due a fixed number of elapsed hours after discovery, so a
            // due bound is a discovery bound and rank is (discovery, id).
            let sla = chrono::Duration::hours(crate::service::DEFAULT_SLA_HOURS.into());
            let after = q
                .after
                .as_ref()
                .map(|c| (c.due - sla, c.object_id.as_str()));
            for inc in self
                .0
                .reported_by_discovery(after, q.due_from.map(|f| f - sla), q.limit.max(1))
                .await
                .map_err(err)?
            {
                let c = crate::domain::controller_clock(
                    inc.discovered_at,
                    crate::service::DEFAULT_SLA_HOURS,
                    None,
                    now,
                )
                .map_err(|m| SourceError {
                    service: "breaches",
                    message: m,
                })?;
                out.push(Obligation {
                    service: "breaches",
                    tenant_id: String::new(),
                    object_type: "breach_incident".into(),
                    title: short_title(&inc.description),
                    object_id: inc.id,
                    description: "assess the incident and notify the affected controllers; their SLA runs from the discovery (24 hours unless an agreement allows more)".into(),
                    rule: "breach.controller_notice".into(),
                    citation: NOTICE_CITATION.into(),
                    due_strict: c.strict,
                    due_lenient: c.lenient,
                    notes: c.notes,
                });
            }
        }
        let views = self
            .0
            .confirmed_views(q.tenant.as_deref())
            .await
            .map_err(err)?;
        for v in views {
            if v.status != IncidentStatus::Confirmed {
                continue;
            }
            for n in v.notices.iter().filter(|n| n.row.cancelled_at.is_none()) {
                if open(n.controller_clock.state) {
                    out.push(Obligation {
                        service: "breaches",
                        tenant_id: n.row.tenant_id.clone(),
                        object_type: "breach_notice".into(),
                        object_id: n.row.id.clone(),
                        title: short_title(&v.row.description),
                        description: format!(
                            "notify the controller of breach {} (SLA {} hours from discovery; met when the initial notice is delivered)",
                            v.row.id, n.row.sla_hours
                        ),
                        rule: "breach.controller_notice".into(),
                        citation: NOTICE_CITATION.into(),
                        due_strict: n.controller_clock.strict,
                        due_lenient: n.controller_clock.lenient,
                        notes: n.controller_clock.notes.clone(),
                    });
                }
                if open(n.authority_clock.state) {
                    out.push(Obligation {
                        service: "breaches",
                        tenant_id: n.row.tenant_id.clone(),
                        object_type: "breach_notice".into(),
                        object_id: n.row.id.clone(),
                        title: short_title(&v.row.description),
                        description: format!(
                            "the controller notifies the supervisory authority of breach {} (72 hours; strict from the processor's awareness, lenient from the controller's)",
                            v.row.id
                        ),
                        rule: "breach.authority_notice".into(),
                        citation: AUTHORITY_CITATION.into(),
                        due_strict: n.authority_clock.strict,
                        due_lenient: n.authority_clock.lenient,
                        notes: n.authority_clock.notes.clone(),
                    });
                }
            }
        }
        Ok(q.select(out))
    }
}
