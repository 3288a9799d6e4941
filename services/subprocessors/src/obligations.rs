//! Open objection windows for DeadlineService: a delivered notice that adds
//! a sub-processor under general authorisation may not take effect before
//! its window closes. Change notices are rare (a few a year per
//! controller), so the source reads the general add/replace notices and
//! keeps those whose window is open.

use std::sync::Arc;

use obligation_model::{Obligation, ObligationQuery, ObligationSource, SourceError};

use crate::Subprocessors;

const CITATION: &str = "GDPR art. 28(2); processing agreement objection period";

pub struct SubprocessorObligations(pub Arc<Subprocessors>);

#[async_trait::async_trait]

impl ObligationSource for SubprocessorObligations {
    fn service(&self) -> &'static str {
        "subprocessors"
    }

    async fn open_obligations(&self, q: &ObligationQuery) -> Result<Vec<Obligation>, SourceError> {
        let err = |e: crate::domain::SubprocessorError| SourceError {
            service: "subprocessors",
            message: e.to_string(),
        };
        let views = self
            .0
            .open_windows(q.tenant.as_deref(), store::now_micros())
            .await
            .map_err(err)?;
        let out: Vec<Obligation> = views
            .into_iter()
            .filter_map(|v| {
                let w = v.window?;
                Some(Obligation {
                    service: "subprocessors",
                    tenant_id: v.tenant_id,
                    object_type: "subprocessor_notice".into(),
                    object_id: v.id,
                    title: v.subprocessor_name.clone(),
                    description: format!(
                        "objection window for {} {} closes; the change may take effect after it if no objection was filed",
                        v.kind.as_str(),
                        v.subprocessor_name
                    ),
                    rule: "subprocessor.objection_window".into(),
                    citation: CITATION.into(),
                    due_strict: w.closes_at,
                    due_lenient: w.closes_at_lenient,
                    notes: w.notes,
                })
            })
            .collect();
        Ok(q.select(out))
    }
}
