//! Reading switches: one, a page, the open ones of a tenant.

use super::*;

impl Switching {
    pub async fn get(&self, scope: &Scope, id: &str) -> Result<SwitchView, SwitchError> {
        let r = self.row(scope, id).await?;
        let c = self.charges_of(id).await?;
        view(r, c, store::now_micros())
    }

    pub async fn list(
        &self,
        scope: &Scope,
        controller: Option<&str>,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<SwitchView>, SwitchError> {
        let Ok(tenant) = scope.listing(controller) else {
            return Ok(Vec::new());
        };
        let mut q = switch_rows::Entity::find();
        if let Some(t) = tenant {
            q = q.filter(switch_rows::Column::TenantId.eq(t));
        }
        if let Some(a) = after {
            q = q.filter(switch_rows::Column::Id.gt(a.to_owned()));
        }
        let rows = q
            .order_by_asc(switch_rows::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?;
        // The page's charges in one query, grouped by switch.
        let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
        let mut by_switch: std::collections::HashMap<String, Vec<charges::Model>> =
            std::collections::HashMap::new();
        for c in charges::Entity::find()
            .filter(charges::Column::SwitchId.is_in(ids))
            .order_by_asc(charges::Column::Id)
            .all(&self.db)
            .await?
        {
            by_switch.entry(c.switch_id.clone()).or_default().push(c);
        }
        let now = store::now_micros();
        rows.into_iter()
            .map(|r| {
                let c = by_switch.remove(&r.id).unwrap_or_default();
                view(r, c, now)
            })
            .collect()
    }

    /// Switches not yet erased nor withdrawn, for obligations and the worker.
    pub async fn open(&self, tenant: Option<&str>) -> Result<Vec<SwitchView>, SwitchError> {
        let mut q = switch_rows::Entity::find().filter(
            switch_rows::Column::Status
                .is_not_in([Status::Erased.as_str(), Status::Withdrawn.as_str()]),
        );
        if let Some(t) = tenant {
            q = q.filter(switch_rows::Column::TenantId.eq(t));
        }
        let now = store::now_micros();
        q.order_by_asc(switch_rows::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|r| view(r, Vec::new(), now))
            .collect()
    }
}
