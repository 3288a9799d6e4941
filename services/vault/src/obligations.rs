//! The vault's open obligations for DeadlineService: every candidate whose
//! retention period runs (and is not held or already being erased) must be
//! erased by its `delete_after`. An overdue one means the worker is behind.

use chrono::{DateTime, Utc};
use deadlines::{Obligation, ObligationQuery, ObligationSource, SourceError};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use store::entities::vault::candidates;

use crate::Vault;

const RETENTION_CITATION: &str =
    "GDPR art. 5(1)(e) and 17(1)(b); AP guidance on applicant data; NVP Sollicitatiecode art. 6.3";

impl ObligationSource for Vault {
    fn service(&self) -> &'static str {
        "vault"
    }

    fn open_obligations<'a>(
        &'a self,
        q: &'a ObligationQuery,
    ) -> deadlines::obligations::SourceFuture<'a> {
        Box::pin(async move {
            let err = |e: sea_orm::DbErr| SourceError {
                service: "vault",
                message: e.to_string(),
            };
            // Ordered by the delete_after index and limited: the cost follows
            // the page asked for, not the size of the vault.
            let mut sel = candidates::Entity::find()
                .select_only()
                .columns([
                    candidates::Column::Id,
                    candidates::Column::TenantId,
                    candidates::Column::Status,
                    candidates::Column::DeleteAfter,
                ])
                .filter(candidates::Column::DeleteAfter.is_not_null())
                .filter(candidates::Column::LegalHold.eq(false))
                .filter(candidates::Column::ShredClaimedAt.is_null());
            if let Some(t) = &q.tenant {
                sel = sel.filter(candidates::Column::TenantId.eq(t.clone()));
            }
            if let Some(b) = q.due_before {
                sel = sel.filter(candidates::Column::DeleteAfter.lt(b));
            }
            if let Some(b) = q.due_by {
                sel = sel.filter(candidates::Column::DeleteAfter.lte(b));
            }
            let rows: Vec<(String, String, String, Option<DateTime<Utc>>)> = sel
                .order_by_asc(candidates::Column::DeleteAfter)
                .order_by_asc(candidates::Column::Id)
                .limit(q.limit.max(1))
                .into_tuple()
                .all(&self.main)
                .await
                .map_err(err)?;
            Ok(rows
                .into_iter()
                .filter_map(|(id, tenant, status, due)| {
                    let due = due?;
                    let (rule, description) = if status == "hired" {
                        (
                            "vault.hired_handoff",
                            "erase the hired candidate's application data (tenant policy)"
                                .to_owned(),
                        )
                    } else {
                        (
                            "retention.applicant",
                            format!("erase the {status} candidate's data when retention ends"),
                        )
                    };
                    Some(Obligation {
                        service: "vault",
                        tenant_id: tenant,
                        object_type: "candidate".into(),
                        object_id: id,
                        description,
                        rule: rule.into(),
                        citation: RETENTION_CITATION.into(),
                        // Retention maxima are never rolled: both readings agree.
                        due_strict: due,
                        due_lenient: due,
                        notes: vec![
                            "a retention maximum is never rolled to a working day: both readings agree".into(),
                        ],
                    })
                })
                .collect())
        })
    }
}
