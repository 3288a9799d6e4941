//! Open requests for DeadlineService: every request not yet answered or
//! refused, due by rule dsr.response (dsr.extended_response once extended).

use std::sync::Arc;

use deadlines::{Obligation, ObligationQuery, ObligationSource, SourceError};

use crate::service::Requests;

const CITATION: &str = "GDPR art. 12(3); Reg. (EEC, Euratom) 1182/71 art. 3";

pub struct RequestObligations(pub Arc<Requests>);

impl ObligationSource for RequestObligations {
    fn service(&self) -> &'static str {
        "requests"
    }

    fn open_obligations<'a>(
        &'a self,
        q: &'a ObligationQuery,
    ) -> deadlines::obligations::SourceFuture<'a> {
        Box::pin(async move {
            let views = self
                .0
                .open(q.tenant.as_deref())
                .await
                .map_err(|e| SourceError {
                    service: "requests",
                    message: e.to_string(),
                })?;
            let mut out: Vec<Obligation> = views
                .iter()
                .map(|v| {
                    let d = v.deadline();
                    Obligation {
                        service: "requests",
                        tenant_id: v.row.tenant_id.clone(),
                        object_type: "dsr_request".into(),
                        object_id: v.row.id.clone(),
                        description: format!(
                            "answer the {} request received {}{}",
                            v.kind.as_str(),
                            proto::wire::timestamp(v.row.received_at),
                            if v.row.extended_at.is_some() {
                                " (extended)"
                            } else {
                                ""
                            }
                        ),
                        rule: d.rule.into(),
                        citation: CITATION.into(),
                        due_strict: d.strict,
                        due_lenient: d.lenient,
                        notes: d.notes.clone(),
                    }
                })
                .filter(|o| {
                    q.due_before.is_none_or(|b| o.due_strict < b)
                        && q.due_by.is_none_or(|b| o.due_strict <= b)
                })
                .collect();
            out.sort_by(|a, b| (a.due_strict, &a.object_id).cmp(&(b.due_strict, &b.object_id)));
            out.truncate(q.limit.max(1) as usize);
            Ok(out)
        })
    }
}
