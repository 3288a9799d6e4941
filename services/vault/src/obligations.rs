//! The vault's open obligations for DeadlineService: every candidate whose
//! retention period runs (and is not held or already being erased) must be
//! erased by its `delete_after`. An overdue one means the worker is behind.

use chrono::{DateTime, Utc};
use obligation_model::{Obligation, ObligationQuery, ObligationSource, SourceError};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    Select,
};
use store::entities::vault::candidates;

use crate::Vault;

const RETENTION_CITATION: &str =
    "GDPR art. 5(1)(e) and 17(1)(b); AP guidance on applicant data; NVP Sollicitatiecode art. 6.3";

/// The candidates whose erasure is open, in the query's tenant and window
/// (not its cursor): what both the list and the count read.
fn open_erasures(q: &ObligationQuery) -> Select<candidates::Entity> {
    let mut sel = candidates::Entity::find()
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
    if let Some(f) = q.due_from {
        sel = sel.filter(candidates::Column::DeleteAfter.gte(f));
    }
    sel
}

/// id, tenant, status, delete_after, reference.
type ErasureRow = (String, String, String, Option<DateTime<Utc>>, String);

fn db_error(e: sea_orm::DbErr) -> SourceError {
    SourceError {
        service: "vault",
        message: e.to_string(),
    }
}

#[async_trait::async_trait]

impl ObligationSource for Vault {
    fn service(&self) -> &'static str {
        "vault"
    }

    async fn open_obligations(&self, q: &ObligationQuery) -> Result<Vec<Obligation>, SourceError> {
        // Ordered by the delete_after index and limited: the cost follows
        // the page asked for, not the size of the vault. One obligation
        // per candidate, so its rank is (delete_after, id).
        let mut sel = open_erasures(q).select_only().columns([
            candidates::Column::Id,
            candidates::Column::TenantId,
            candidates::Column::Status,
            candidates::Column::DeleteAfter,
            candidates::Column::ExternalRef,
        ]);
        if let Some(c) = &q.after {
            sel = sel.filter(
                Condition::any()
                    .add(candidates::Column::DeleteAfter.gt(c.due))
                    .add(
                        Condition::all()
                            .add(candidates::Column::DeleteAfter.eq(c.due))
                            .add(candidates::Column::Id.gt(c.object_id.clone())),
                    ),
            );
        }
        let rows: Vec<ErasureRow> = sel
            .order_by_asc(candidates::Column::DeleteAfter)
            .order_by_asc(candidates::Column::Id)
            .limit(q.limit.max(1))
            .into_tuple()
            .all(&self.main)
            .await
            .map_err(db_error)?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, tenant, status, due, reference)| {
                let due = due?;
                let (rule, description) = if status == "hired" {
                    (
                        "vault.hired_handoff",
                        "erase the hired candidate's application data (tenant policy)".to_owned(),
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
                    title: reference,
                    description,
                    rule: rule.into(),
                    citation: RETENTION_CITATION.into(),
                    // Retention maxima are never rolled: both readings agree.
                    due_strict: due,
                    due_lenient: due,
                    notes: vec![
                        "a retention maximum is never rolled to a working day: both readings agree"
                            .into(),
                    ],
                })
            })
            .collect())
    }

    /// Counted by the database over the delete_after index, never read.
    async fn count_open(&self, q: &ObligationQuery) -> Result<u64, SourceError> {
        open_erasures(q).count(&self.main).await.map_err(db_error)
    }
}
