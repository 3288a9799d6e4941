//! A switch's lifecycle: the request (Data Act switch or agreement exit) and its
//! one-at-a-time rule, termination, unfeasibility, the one extension,
//! confirmation, switching charges, withdrawal.

use super::*;

impl Switching {
    /// Refuses a second open switch or exit, and an erased tenant.
    pub(super) async fn check_no_other(&self, tenant: &str) -> Result<(), SwitchError> {
        let others = switch_rows::Entity::find()
            .filter(switch_rows::Column::TenantId.eq(tenant))
            .all(&self.db)
            .await?;
        if let Some(o) = others.iter().find(|o| o.status == Status::Erased.as_str()) {
            return Err(SwitchError::Precondition(format!(
                "controller {tenant} was erased by switch {}",
                o.id
            )));
        }
        if let Some(o) = others.iter().find(|o| o.status == Status::Active.as_str()) {
            return Err(SwitchError::Precondition(format!(
                "switch {} of this controller is still active",
                o.id
            )));
        }
        Ok(())
    }

    pub(super) async fn insert(
        &self,
        actor: &Actor,
        row: switch_rows::Model,
        action: &str,
        details: Value,
    ) -> Result<SwitchView, SwitchError> {
        let txn = audit::begin(&self.db).await?;
        let m = switch_rows::ActiveModel::from(row).insert(&txn).await?;
        let record = Record::new(actor, action, "switch", &m.id)
            .tenant(&m.tenant_id)
            .details(details);
        let now = store::now_micros();
        let v = view(m, Vec::new(), now)?;
        notices::enqueue(&txn, Event::Requested, &v, json!({}), now).await?;
        txn.commit_with(record).await?;
        Ok(v)
    }

    /// The customer's switching request (Data Act art. 25(3)).
    /// A switch or exit asked for by a caller in `scope`.
    pub async fn request(
        &self,
        actor: &Actor,
        scope: &Scope,
        input: SwitchInput<'_>,
    ) -> Result<SwitchView, SwitchError> {
        let now = store::now_micros();
        let n = NewSwitch::parse(tenant_for(scope, input.controller_id)?, &input, now)?;
        if !self.data.exists(&n.tenant).await? {
            return Err(SwitchError::NotFound("controller"));
        }
        let at = n.requested_at.unwrap_or(now);
        // The agreement governing the request (agreements' `governing_at`:
        // in force when it arrived, else the one in force now).
        let terms = self.data.exit_terms(&n.tenant, at).await?;
        let terms = terms.ok_or_else(|| {
            SwitchError::Precondition(format!(
                "controller {} had no agreement in force at {}",
                n.tenant,
                proto::wire::timestamp(at)
            ))
        })?;
        let months = notice_months(n.notice_months, terms.notice_months)?;
        self.check_no_other(&n.tenant).await?;
        let row = switch_rows::Model {
            id: new_id(),
            tenant_id: n.tenant.clone(),
            kind: Kind::DataAct.as_str().into(),
            election: n.election.as_str().into(),
            notice_months: months as i32,
            requested_at: at,
            destination: n.destination.clone(),
            status: Status::Active.as_str().into(),
            unfeasible_declared_at: None,
            unfeasibility_reasons: None,
            alternative_transition_end: None,
            extended_transition_end: None,
            completed_at: None,
            contract_end: None,
            deletion_term_days: None,
            termination_reason: None,
            certificate: None,
            erased_at: None,
            created_at: now,
            created_by: actor.id.clone(),
            withdrawn_at: None,
            withdrawal_reason: None,
            agreement_ended_at: None,
            retrieval_reminded_for: None,
            erasure_notice_id: None,
            webhook_closed_at: None,
        };
        // Validate the milestones before anything is written.
        view(row.clone(), Vec::new(), now)?;
        self.insert(
            actor,
            row,
            "switching.request",
            json!({ "election": n.election.as_str(), "notice_months": months, "agreement_id": terms.agreement_id }),
        )
        .await
    }

    /// An exit without a Data Act request, by the agreement's terms.
    pub async fn terminate(
        &self,
        actor: &Actor,
        tenant: &str,
        contract_end: Option<NaiveDate>,
        reason: String,
    ) -> Result<SwitchView, SwitchError> {
        let now = store::now_micros();
        if !self.data.exists(tenant).await? {
            return Err(SwitchError::NotFound("controller"));
        }
        let terms = self.data.exit_terms(tenant, now).await?.ok_or_else(|| {
            SwitchError::Precondition(format!("controller {tenant} has no agreement in force"))
        })?;
        let today = legal_time::period::local_date(now);
        let end = match (contract_end, terms.ends_on) {
            (Some(e), Some(t)) if e != t => {
                return Err(err(
                    "contract_end",
                    format!(
                        "agreement {} was terminated to end on {t}, got {e}",
                        terms.agreement_id
                    ),
                )
                .into());
            }
            (Some(e), _) => e,
            (None, Some(t)) => t,
            (None, None) => {
                return Err(err(
                    "contract_end",
                    "must not be empty: the agreement has not been terminated, so its last day must be given",
                )
                .into());
            }
        };
        if end < today {
            return Err(err(
                "contract_end",
                format!("must not be before today ({today}), got {end}"),
            )
            .into());
        }
        self.check_no_other(tenant).await?;
        let row = switch_rows::Model {
            id: new_id(),
            tenant_id: tenant.to_owned(),
            kind: Kind::Termination.as_str().into(),
            election: terms.end_of_contract.clone(),
            notice_months: 0,
            requested_at: now,
            destination: None,
            status: Status::Active.as_str().into(),
            unfeasible_declared_at: None,
            unfeasibility_reasons: None,
            alternative_transition_end: None,
            extended_transition_end: None,
            completed_at: None,
            contract_end: Some(end),
            deletion_term_days: Some(terms.deletion_term_days as i32),
            termination_reason: Some(reason),
            certificate: None,
            erased_at: None,
            created_at: now,
            created_by: actor.id.clone(),
            withdrawn_at: None,
            withdrawal_reason: None,
            agreement_ended_at: None,
            retrieval_reminded_for: None,
            erasure_notice_id: None,
            webhook_closed_at: None,
        };
        self.insert(
            actor,
            row,
            "switching.terminate",
            json!({ "agreement_id": terms.agreement_id, "contract_end": end.to_string(), "end_of_contract": terms.end_of_contract, "deletion_term_days": terms.deletion_term_days }),
        )
        .await
    }

    /// Loads an active Data Act switch for a change.
    pub(super) async fn active_data_act(
        &self,
        scope: &Scope,
        id: &str,
    ) -> Result<(switch_rows::Model, SwitchView), SwitchError> {
        let r = self.row(scope, id).await?;
        let v = view(r.clone(), Vec::new(), store::now_micros())?;
        if v.kind != Kind::DataAct {
            return Err(SwitchError::Precondition(
                "this is an agreement exit, not a Data Act switch".into(),
            ));
        }
        if v.status != Status::Active {
            return Err(SwitchError::Precondition(format!(
                "the switch is {}, not active",
                v.status.as_str()
            )));
        }
        Ok((r, v))
    }

    /// Writes a change of a switch with its audit entry and, when given, the
    /// customer's notice of it, in one transaction.
    pub(super) async fn update(
        &self,
        actor: &Actor,
        row: switch_rows::ActiveModel,
        action: &str,
        details: Value,
        notice: Option<(Event, Value)>,
    ) -> Result<SwitchView, SwitchError> {
        let txn = audit::begin(&self.db).await?;
        let m = row.update(&txn).await?;
        audit::append(
            &txn,
            Record::new(actor, action, "switch", &m.id)
                .tenant(&m.tenant_id)
                .details(details),
        )
        .await?;
        let c = self.charges_of(&m.id).await?;
        let now = store::now_micros();
        let v = view(m, c, now)?;
        if let Some((event, extra)) = notice {
            notices::enqueue(&txn, event, &v, extra, now).await?;
        }
        txn.commit().await?;
        Ok(v)
    }

    pub async fn declare_unfeasible(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: &str,
        reasons: String,
        alt_end: NaiveDate,
    ) -> Result<SwitchView, SwitchError> {
        let (r, v) = self.active_data_act(scope, id).await?;
        let election = Election::parse("election", &r.election)?;
        check_unfeasible(
            &v.plan,
            election,
            r.unfeasible_declared_at.is_some(),
            alt_end,
            store::now_micros(),
        )?;
        let mut am: switch_rows::ActiveModel = r.into();
        am.unfeasible_declared_at = Set(Some(store::now_micros()));
        let reasons_sent = reasons.clone();
        am.unfeasibility_reasons = Set(Some(reasons));
        am.alternative_transition_end = Set(Some(alt_end));
        self.update(
            actor,
            am,
            "switching.unfeasible",
            json!({ "alternative_transition_end": alt_end.to_string() }),
            Some((
                Event::Unfeasible,
                json!({ "reasons": reasons_sent, "alternative_transition_end": alt_end.to_string() }),
            )),
        )
        .await
    }

    pub async fn extend(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: &str,
        new_end: NaiveDate,
    ) -> Result<SwitchView, SwitchError> {
        let (r, v) = self.active_data_act(scope, id).await?;
        let election = Election::parse("election", &r.election)?;
        check_extension(
            &v.plan,
            election,
            r.extended_transition_end.is_some(),
            new_end,
            store::now_micros(),
        )?;
        let mut am: switch_rows::ActiveModel = r.into();
        am.extended_transition_end = Set(Some(new_end));
        self.update(
            actor,
            am,
            "switching.extend",
            json!({ "transition_end": new_end.to_string() }),
            Some((
                Event::Extended,
                json!({ "transition_end": new_end.to_string() }),
            )),
        )
        .await
    }

    pub async fn confirm(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: &str,
    ) -> Result<SwitchView, SwitchError> {
        let (r, _) = self.active_data_act(scope, id).await?;
        if r.election == Election::Erase.as_str() {
            return Err(SwitchError::Precondition(
                "the customer elected erasure: there is no switch to confirm; the contract ends with the notice period".into(),
            ));
        }
        let mut am: switch_rows::ActiveModel = r.into();
        am.completed_at = Set(Some(store::now_micros()));
        am.status = Set(Status::Completed.as_str().into());
        self.update(
            actor,
            am,
            "switching.confirm",
            json!({}),
            Some((Event::Completed, json!({}))),
        )
        .await
    }

    pub async fn record_charge(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: &str,
        input: &ChargeInput<'_>,
    ) -> Result<charges::Model, SwitchError> {
        let r = self.row(scope, id).await?;
        let v = view(r.clone(), Vec::new(), store::now_micros())?;
        if v.kind != Kind::DataAct {
            return Err(SwitchError::Precondition(
                "switching charges apply to Data Act switches only".into(),
            ));
        }
        let c = check_charge(
            input.amount_cents,
            input.charged_on,
            input.direct_cost_cents,
            input.description,
            v.plan.transition_end(),
        )?;
        let txn = audit::begin(&self.db).await?;
        let m = charges::ActiveModel::from(charges::Model {
            id: new_id(),
            switch_id: r.id.clone(),
            tenant_id: r.tenant_id.clone(),
            amount_cents: i64::try_from(c.amount_cents).map_err(internal)?,
            charged_on: c.charged_on,
            direct_cost_cents: i64::try_from(c.direct_cost_cents).map_err(internal)?,
            description: c.description,
            legal_review: c.legal_review,
            recorded_at: store::now_micros(),
            recorded_by: actor.id.clone(),
        })
        .insert(&txn)
        .await?;
        txn.commit_with(Record::new(actor, "switching.charge", "switch", &r.id)
                .tenant(&r.tenant_id)
                .details(json!({ "charge_id": m.id, "amount_cents": c.amount_cents, "charged_on": c.charged_on.to_string(), "legal_review": c.legal_review }))).await?;
        Ok(m)
    }

    // ---- exports ----

    /// The customer withdraws its request before the transition ends: the
    /// milestones stop, nothing is erased, the agreement goes on.
    pub async fn withdraw(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: &str,
        reason: Option<String>,
    ) -> Result<SwitchView, SwitchError> {
        let r = self.row(scope, id).await?;
        let v = view(r.clone(), Vec::new(), store::now_micros())?;
        check_withdrawal(v.kind, v.status, &v.plan, store::now_micros())?;
        let mut am: switch_rows::ActiveModel = r.into();
        am.status = Set(Status::Withdrawn.as_str().into());
        am.withdrawn_at = Set(Some(store::now_micros()));
        am.withdrawal_reason = Set(reason.clone());
        self.update(
            actor,
            am,
            "switching.withdraw",
            json!({ "reason_given": reason.is_some() }),
            Some((Event::Withdrawn, json!({ "reason": reason }))),
        )
        .await
    }
}
