//! The engagement check and what follows from it: may this sub-processor
//! process for this controller now, who is engaged at an instant (the record of
//! processing), the open objection windows (obligations).

use super::*;

impl Subprocessors {
    /// May `sub` process `tenant`'s data at `at`? An agreement in force, an
    /// authorisation in effect, and a permitted transfer are all required.
    pub async fn check(
        &self,
        scope: &Scope,
        sub_id: &str,
        tenant: &str,
        at: DateTime<Utc>,
    ) -> Result<Engagement, SubprocessorError> {
        in_scope(scope, tenant)?;
        let sub = self.get(sub_id).await?;
        let on = legal_time::period::local_date(at);
        let transfer = sub.classify(on);
        let blocked = |reason: String| Decision {
            allowed: false,
            reason,
            basis: String::new(),
            since: None,
        };
        let decision = match self.terms(tenant, at).await? {
            None => {
                blocked("the controller had no processing agreement in force at that moment".into())
            }
            Some(_) => {
                let d = self.facts(tenant).await?.decide(sub_id, at);
                if d.allowed && !transfer.permitted() {
                    blocked(format!(
                        "authorised, but the transfer is not: {}",
                        transfer.explanation
                    ))
                } else {
                    d
                }
            }
        };
        Ok(Engagement {
            decision,
            transfer,
            on,
        })
    }

    /// The controller's current list, its notices (newest first) and its
    /// written authorisations.
    pub async fn authorised(
        &self,
        scope: &Scope,
        tenant: &str,
    ) -> Result<AuthorisedList, SubprocessorError> {
        in_scope(scope, tenant)?;
        let at = store::now_micros();
        let facts = self.facts(tenant).await?;
        let mode = self.terms(tenant, at).await?.map(|t| t.mode);
        let allowed: Vec<(String, Decision)> = facts
            .subprocessor_ids()
            .into_iter()
            .map(|id| {
                let d = facts.decide(&id, at);
                (id, d)
            })
            .filter(|(_, d)| d.allowed)
            .collect();
        let mut register = self
            .by_ids(allowed.iter().map(|(id, _)| id.clone()))
            .await?;
        let current = allowed
            .into_iter()
            .filter_map(|(id, d)| register.remove(&id).map(|s| (s, d)))
            .collect();
        let mut rows = facts.notices.clone();
        rows.reverse();
        let notices = self.views(&facts, &rows, at).await?;
        let mut authorisations: Vec<Authorisation> =
            facts.grants.iter().cloned().map(to_grant).collect();
        authorisations.reverse();
        Ok(AuthorisedList {
            tenant_id: tenant.to_owned(),
            mode,
            current,
            notices,
            authorisations,
            at,
        })
    }

    /// The sub-processors allowed for `tenant` at `at`, with the transfer to
    /// each (for the record of processing).
    pub async fn engaged(
        &self,
        tenant: &str,
        at: DateTime<Utc>,
    ) -> Result<Vec<(Subprocessor, transfers::Classification)>, SubprocessorError> {
        let facts = self.facts(tenant).await?;
        let on = legal_time::period::local_date(at);
        let allowed: Vec<String> = facts
            .subprocessor_ids()
            .into_iter()
            .filter(|id| facts.decide(id, at).allowed)
            .collect();
        let mut register = self.by_ids(allowed.iter().cloned()).await?;
        let out: Vec<(Subprocessor, transfers::Classification)> = allowed
            .iter()
            .filter_map(|id| register.remove(id))
            .map(|s| {
                let c = s.classify(on);
                (s, c)
            })
            .collect();
        Ok(out)
    }

    /// Open objection windows (for DeadlineService): delivered general
    /// notices that add a sub-processor, whose window has not closed.
    pub async fn open_windows(
        &self,
        tenant: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Vec<NoticeView>, SubprocessorError> {
        let mut q = notices::Entity::find()
            .filter(notices::Column::Mode.eq(Mode::General.as_str()))
            .filter(notices::Column::Kind.ne(ChangeKind::Remove.as_str()));
        if let Some(t) = tenant {
            q = q.filter(notices::Column::TenantId.eq(t.to_owned()));
        }
        let rows = q.all(&self.db).await?;
        let facts = self.complete(Vec::new(), rows.clone()).await?;
        let views = self.views(&facts, &rows, now).await?;
        Ok(views
            .into_iter()
            .filter(|v| v.status == NoticeStatus::WindowOpen)
            .collect())
    }
}
