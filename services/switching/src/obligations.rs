//! Switching milestones for DeadlineService: what the provider still owes
//! on every switch or exit not yet erased.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use obligation_model::{Obligation, ObligationQuery, ObligationSource, SourceError};

use crate::domain::{DATA_ACT_CITATION, EXIT_CITATION, Election, Kind, Status};
use crate::service::{SwitchView, Switching};

pub struct SwitchingObligations(pub Arc<Switching>);

/// The open obligations of one switch, from its milestones.
pub fn obligations(v: &SwitchView, now: DateTime<Utc>) -> Vec<Obligation> {
    let mut out = Vec::new();
    let (citation, rule) = match v.kind {
        Kind::DataAct => (DATA_ACT_CITATION, v.plan.rule),
        Kind::Termination => (EXIT_CITATION, v.plan.rule),
    };
    let mut push = |name: &str, description: String| {
        if let Some(m) = v.plan.get(name) {
            out.push(Obligation {
                service: "switching",
                tenant_id: v.row.tenant_id.clone(),
                object_type: "switch".into(),
                object_id: v.row.id.clone(),
                title: String::new(),
                description,
                rule: rule.into(),
                citation: citation.into(),
                due_strict: m.strict.instant,
                due_lenient: m.lenient.instant,
                notes: v.plan.notes.clone(),
            });
        }
    };
    let erase = v.row.election == Election::Erase.as_str();
    match v.kind {
        Kind::DataAct if v.status == Status::Active && !erase => {
            if v.row.unfeasible_declared_at.is_none()
                && v
                    .plan
                    .get("unfeasibility_notice")
                    .is_some_and(|m| now < m.strict.instant)
            {
                push(
                    "unfeasibility_notice",
                    "declare now if a 30-day transition is technically unfeasible (art. 25(4))".into(),
                );
            }
            push(
                "transition_end",
                "complete the transition: hand over the exportable data (art. 25(2)(a))".into(),
            );
            push(
                "retrieval_end",
                "keep the data retrievable until the retrieval period ends; then the customer confirms the switch (art. 25(2)(g))".into(),
            );
        }
        Kind::DataAct => push(
            "erasure_not_before",
            "erase the customer's exportable data once the retrieval period has ended (art. 25(2)(h))".into(),
        ),
        Kind::Termination => {
            push(
                "deletion_due",
                "delete every personal data item of the ended agreement (GDPR art. 28(3)(g))".into(),
            );
        }
    }
    out
}

#[async_trait::async_trait]

impl ObligationSource for SwitchingObligations {
    fn service(&self) -> &'static str {
        "switching"
    }

    async fn open_obligations(&self, q: &ObligationQuery) -> Result<Vec<Obligation>, SourceError> {
        let views = self
            .0
            .open(q.tenant.as_deref())
            .await
            .map_err(|e| SourceError {
                service: "switching",
                message: e.to_string(),
            })?;
        let now = store::now_micros();
        let out: Vec<Obligation> = views.iter().flat_map(|v| obligations(v, now)).collect();
        Ok(q.select(out))
    }
}
