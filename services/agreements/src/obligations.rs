//! The agreements' deadlines for DeadlineService: for an agreement in force,
//! the last day to give notice before the next renewal and the end of the
//! current period (rule agreement.renewal), or the end date once notice was
//! given. Agreements in force are one per controller, so computing them per
//! call costs what is in force, not what is stored.

use obligation_model::{Obligation, ObligationQuery, ObligationSource, SourceError};

use crate::domain::AgreementStatus;
use crate::service::{Agreements, today};

const CITATION: &str = "processing agreement term and notice clauses; GDPR art. 28(3)";

impl Agreements {
    pub async fn obligations(&self, q: &ObligationQuery) -> Result<Vec<Obligation>, String> {
        let today = today();
        let mut out = Vec::new();
        for a in self.all_in_force().await.map_err(|e| e.to_string())? {
            if let Some(t) = &q.tenant
                && t != &a.tenant_id
            {
                continue;
            }
            let mut push = |description: String, date: chrono::NaiveDate| {
                let due = legal_time::period::end_of_day_exclusive(date);
                out.push(Obligation {
                    service: "agreements",
                    tenant_id: a.tenant_id.clone(),
                    object_type: "agreement".into(),
                    object_id: a.id.clone(),
                    title: a.terms.reference.clone(),
                    description,
                    rule: "agreement.renewal".into(),
                    citation: CITATION.into(),
                    due_strict: due,
                    due_lenient: due,
                    notes: vec![
                        "the end of the day the agreement's own terms give (Europe/Amsterdam); contract dates are not rolled".into(),
                    ],
                });
            };
            match a.status {
                AgreementStatus::Terminating => {
                    if let Some(e) = a.ends_on {
                        push(
                            format!(
                                "agreement {} ends; then {} within {} days",
                                a.terms.reference,
                                match a.terms.end_of_contract {
                                    crate::domain::EndOfContract::ReturnThenDelete =>
                                        "return the data and delete it",
                                    crate::domain::EndOfContract::Delete => "delete the data",
                                },
                                a.terms.deletion_term_days
                            ),
                            e,
                        );
                    }
                }
                _ => {
                    // One agreement whose dates cannot be computed (beyond the
                    // calendar) must not hide every other obligation.
                    let s = match a.terms.schedule(today) {
                        Ok(s) => s,
                        Err(e) => {
                            tracing::warn!(agreement = %a.id, error = %e, "agreement dates not computable");
                            continue;
                        }
                    };
                    if let Some(by) = s.notice_by {
                        push(
                            format!(
                                "last day for notice ({}) to stop agreement {} renewing after {}",
                                a.terms.notice_text(),
                                a.terms.reference,
                                s.period_end
                            ),
                            by,
                        );
                        push(
                            format!(
                                "agreement {} renews for {} month(s) unless notice was given",
                                a.terms.reference, a.terms.renewal_months
                            ),
                            s.period_end,
                        );
                    } else {
                        push(
                            format!("the fixed term of agreement {} ends", a.terms.reference),
                            s.period_end,
                        );
                    }
                }
            }
        }
        Ok(q.select(out))
    }
}

/// The agreements service as an obligation source.
pub struct AgreementObligations(pub std::sync::Arc<Agreements>);

#[async_trait::async_trait]

impl ObligationSource for AgreementObligations {
    fn service(&self) -> &'static str {
        "agreements"
    }

    async fn open_obligations(&self, q: &ObligationQuery) -> Result<Vec<Obligation>, SourceError> {
        self.0.obligations(q).await.map_err(|message| SourceError {
            service: "agreements",
            message,
        })
    }
}
