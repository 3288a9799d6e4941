//! Reading incidents and notices, the register and the open clocks, scoped to
//! the caller; the processor's identity and a controller's contacts.

use super::*;

impl crate::Breaches {
    pub async fn incident(&self, id: &str) -> Result<IncidentView, BreachError> {
        self.load(id, None).await
    }

    pub async fn incidents(
        &self,
        status: Option<IncidentStatus>,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<IncidentView>, BreachError> {
        let mut q = incidents::Entity::find();
        if let Some(s) = status {
            q = q.filter(incidents::Column::Status.eq(s.as_str()));
        }
        if let Some(a) = after {
            q = q.filter(incidents::Column::Id.gt(a.to_owned()));
        }
        let ids: Vec<String> = q
            .order_by_asc(incidents::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|i| i.id)
            .collect();
        let now = store::now_micros();
        self.facts(&ids, None)
            .await?
            .iter()
            .map(|f| self.incident_view(f, now))
            .collect()
    }

    /// A notice as `scope` may see it: a tenant-bound caller sees its own,
    /// once something was sent.
    pub async fn notice(&self, scope: &Scope, id: &str) -> Result<NoticeView, BreachError> {
        let n = notices::Entity::find_by_id(id.to_owned())
            .one(&self.db)
            .await?
            .ok_or(BreachError::NotFound("breach notice"))?;
        if !scope.allows(&n.tenant_id) {
            return Err(BreachError::NotFound("breach notice"));
        }
        let tenant = scope.bound().map(str::to_owned);
        let inc = self.load(&n.incident_id, tenant.as_deref()).await?;
        let v = inc
            .notices
            .into_iter()
            .find(|v| v.row.id == n.id)
            .ok_or(BreachError::NotFound("breach notice"))?;
        if tenant.is_some() && v.sends.is_empty() {
            return Err(BreachError::NotFound("breach notice"));
        }
        Ok(v)
    }

    pub async fn notices(
        &self,
        scope: &Scope,
        controller: Option<&str>,
        incident: Option<&str>,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<NoticeView>, BreachError> {
        let Ok(tenant) = scope.listing(controller) else {
            return Ok(Vec::new());
        };
        let mut q = notices::Entity::find();
        if let Some(t) = &tenant {
            q = q.filter(notices::Column::TenantId.eq(t.clone()));
        }
        if let Some(i) = incident {
            q = q.filter(notices::Column::IncidentId.eq(i));
        }
        if let Some(a) = after {
            q = q.filter(notices::Column::Id.gt(a.to_owned()));
        }
        if let Scope::Tenant(t) = scope {
            // A controller sees a notice once something was sent to it; the
            // filter is in the query so a page is never cut short.
            let mut sent: Vec<String> = sends::Entity::find()
                .filter(sends::Column::TenantId.eq(t.clone()))
                .all(&self.db)
                .await?
                .into_iter()
                .map(|s| s.notice_id)
                .collect();
            sent.sort();
            sent.dedup();
            q = q.filter(notices::Column::Id.is_in(sent));
        }
        let rows = q
            .order_by_asc(notices::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?;
        let mut incs: Vec<String> = rows.iter().map(|n| n.incident_id.clone()).collect();
        incs.sort();
        incs.dedup();
        let now = store::now_micros();
        let mut views: HashMap<String, NoticeView> = HashMap::new();
        for f in self.facts(&incs, tenant.as_deref()).await? {
            for v in self.incident_view(&f, now)?.notices {
                views.insert(v.row.id.clone(), v);
            }
        }
        Ok(rows.iter().filter_map(|n| views.remove(&n.id)).collect())
    }

    // ----- writing ----------------------------------------------------------

    /// Every incident, or for a controller those it was notified of.
    pub async fn register_views(
        &self,
        scope: &Scope,
        controller: Option<&str>,
    ) -> Result<Vec<IncidentView>, BreachError> {
        let Ok(tenant) = scope.listing(controller) else {
            return Ok(Vec::new());
        };
        let ids: Vec<String> = match &tenant {
            None => incidents::Entity::find()
                .order_by_asc(incidents::Column::DiscoveredAt)
                .order_by_asc(incidents::Column::Id)
                .all(&self.db)
                .await?
                .into_iter()
                .map(|i| i.id)
                .collect(),
            Some(t) => {
                let mut v: Vec<String> = notices::Entity::find()
                    .filter(notices::Column::TenantId.eq(t.clone()))
                    .all(&self.db)
                    .await?
                    .into_iter()
                    .map(|n| n.incident_id)
                    .collect();
                v.sort();
                v.dedup();
                v
            }
        };
        let now = store::now_micros();
        let mut out: Vec<IncidentView> = self
            .facts(&ids, tenant.as_deref())
            .await?
            .iter()
            .map(|f| self.incident_view(f, now))
            .collect::<Result<_, _>>()?;
        if tenant.is_some() {
            // A controller filter shows that controller's notices; a
            // tenant-bound caller only those that reached it.
            for v in &mut out {
                if matches!(scope, Scope::Tenant(_)) {
                    v.notices.retain(|n| !n.sends.is_empty());
                } else {
                    v.notices.retain(|n| n.row.cancelled_at.is_none());
                }
            }
            out.retain(|v| !v.notices.is_empty());
        }
        out.sort_by(|a, b| (a.row.discovered_at, &a.row.id).cmp(&(b.row.discovered_at, &b.row.id)));
        Ok(out)
    }

    /// The `limit` incidents not yet assessed that were discovered first,
    /// for DeadlineService: each is due a fixed number of elapsed hours after
    /// its discovery, so discovery order is due order and the rest need not
    /// be read. `after` resumes a page: only incidents after that
    /// (discovery, id) in this order; `from`: discovered at or after it.
    pub(crate) async fn reported_by_discovery(
        &self,
        after: Option<(DateTime<Utc>, &str)>,
        from: Option<DateTime<Utc>>,
        limit: u64,
    ) -> Result<Vec<incidents::Model>, BreachError> {
        let mut sel = incidents::Entity::find()
            .filter(incidents::Column::Status.eq(IncidentStatus::Reported.as_str()));
        if let Some((t, id)) = after {
            sel = sel.filter(
                sea_orm::Condition::any()
                    .add(incidents::Column::DiscoveredAt.gt(t))
                    .add(
                        sea_orm::Condition::all()
                            .add(incidents::Column::DiscoveredAt.eq(t))
                            .add(incidents::Column::Id.gt(id)),
                    ),
            );
        }
        if let Some(f) = from {
            sel = sel.filter(incidents::Column::DiscoveredAt.gte(f));
        }
        Ok(sel
            .order_by_asc(incidents::Column::DiscoveredAt)
            .order_by_asc(incidents::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?)
    }

    /// Confirmed incidents, as views with their notices' clocks, for
    /// DeadlineService (a notice not yet delivered, an authority
    /// notification not yet recorded): every confirmed incident, or those
    /// with a notice to `tenant`.
    pub async fn confirmed_views(
        &self,
        tenant: Option<&str>,
    ) -> Result<Vec<IncidentView>, BreachError> {
        let ids: Vec<String> = match tenant {
            None => incidents::Entity::find()
                .filter(incidents::Column::Status.eq(IncidentStatus::Confirmed.as_str()))
                .all(&self.db)
                .await?
                .into_iter()
                .map(|i| i.id)
                .collect(),
            Some(t) => {
                let mut v: Vec<String> = notices::Entity::find()
                    .filter(notices::Column::TenantId.eq(t))
                    .filter(notices::Column::CancelledAt.is_null())
                    .all(&self.db)
                    .await?
                    .into_iter()
                    .map(|n| n.incident_id)
                    .collect();
                v.sort();
                v.dedup();
                v
            }
        };
        let now = store::now_micros();
        self.facts(&ids, tenant)
            .await?
            .iter()
            .map(|f| self.incident_view(f, now))
            .collect()
    }

    pub fn processor(&self) -> &ProcessorIdentity {
        &self.processor
    }

    pub async fn controller_info(
        &self,
        id: &str,
    ) -> Result<Option<crate::ports::ControllerRecord>, BreachError> {
        self.directory.controller(id).await.map_err(Into::into)
    }
}
