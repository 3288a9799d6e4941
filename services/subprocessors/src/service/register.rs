//! The register of sub-processors: registration, reads, updates.

use super::*;

impl Subprocessors {
    pub async fn register(
        &self,
        actor: &Actor,
        n: NewSubprocessor,
    ) -> Result<Subprocessor, SubprocessorError> {
        let now = store::now_micros();
        let id = new_id();
        let txn = audit::begin(&self.db).await?;
        let m = subs::ActiveModel::from(subs::Model {
            id: id.clone(),
            legal_name: n.legal_name,
            address: n.address,
            country: n.country,
            service: n.service,
            data_categories: serde_json::to_string(&n.data_categories)?,
            contact_email: n.contact_email,
            flowdown_contract_ref: n.flowdown_contract_ref,
            flowdown_date: Some(n.flowdown_date),
            adequacy_scope_met: n.adequacy_scope_met,
            tia_reference: n.tia_reference,
            created_at: now,
            updated_at: now,
        })
        .insert(&txn)
        .await?;
        txn.commit_with(
            Record::new(actor, "subprocessor.register", "subprocessor", &id)
                .details(json!({ "country": m.country })),
        )
        .await?;
        Ok(to_sub(m))
    }

    pub(super) async fn sub_row<C: ConnectionTrait>(
        &self,
        c: &C,
        id: &str,
    ) -> Result<subs::Model, SubprocessorError> {
        subs::Entity::find_by_id(id.to_owned())
            .one(c)
            .await?
            .ok_or(SubprocessorError::NotFound("sub-processor"))
    }

    pub async fn get(&self, id: &str) -> Result<Subprocessor, SubprocessorError> {
        self.sub_row(&self.db, id).await.map(to_sub)
    }

    pub async fn list(
        &self,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<Subprocessor>, SubprocessorError> {
        let mut q = subs::Entity::find();
        if let Some(a) = after {
            q = q.filter(subs::Column::Id.gt(a.to_owned()));
        }
        Ok(q.order_by_asc(subs::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?
            .into_iter()
            .map(to_sub)
            .collect())
    }

    pub async fn update(
        &self,
        actor: &Actor,
        id: &str,
        p: SubprocessorPatch,
    ) -> Result<Subprocessor, SubprocessorError> {
        let txn = audit::begin(&self.db).await?;
        let row = self.sub_row(&txn, id).await?;
        let mut fields = Vec::new();
        let mut am: subs::ActiveModel = row.into();
        if let Some(v) = p.address {
            am.address = Set(v);
            fields.push("address");
        }
        if let Some(v) = p.service {
            am.service = Set(v);
            fields.push("service");
        }
        if let Some(v) = p.data_categories {
            am.data_categories = Set(serde_json::to_string(&v)?);
            fields.push("data_categories");
        }
        if let Some(v) = p.contact_email {
            am.contact_email = Set(v);
            fields.push("contact_email");
        }
        if let Some(v) = p.flowdown_contract_ref {
            am.flowdown_contract_ref = Set(v);
            fields.push("flowdown_contract_ref");
        }
        if let Some(v) = p.flowdown_date {
            am.flowdown_date = Set(Some(v));
            fields.push("flowdown_date");
        }
        if let Some(v) = p.adequacy_scope_met {
            am.adequacy_scope_met = Set(v);
            fields.push("adequacy_scope_met");
        }
        if let Some(v) = p.tia_reference {
            am.tia_reference = Set(v);
            fields.push("tia_reference");
        }
        if fields.is_empty() {
            return Err(err("update", "names no field to change").into());
        }
        am.updated_at = Set(store::now_micros());
        let m = am.update(&txn).await?;
        txn.commit_with(
            Record::new(actor, "subprocessor.update", "subprocessor", id)
                .details(json!({ "fields": fields })),
        )
        .await?;
        Ok(to_sub(m))
    }

    // ----- facts ----------------------------------------------------------
}
