//! Storage of controllers (table `controllers`, owned by this service). Every
//! mutation and its audit entry commit in one transaction.

use audit::{Actor, Record};
use auth::Scope;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, SqlErr,
};
use serde_json::json;
use store::entities::controllers;

use crate::domain::{Controller, ControllerError, ControllerId, ControllerPatch, NewController};

#[derive(Clone)]
pub struct ControllerRepo {
    db: DatabaseConnection,
}

/// An outage of the database is UNAVAILABLE (retry later), the rest INTERNAL.
pub(crate) fn internal(e: impl std::fmt::Display + 'static) -> ControllerError {
    match audit::outage_of(&e) {
        Some(o) => ControllerError::Unavailable(o.to_string()),
        None => ControllerError::Internal(e.to_string()),
    }
}

audit::storage_errors!(ControllerError => internal, auth::tokens::TokenError);

fn to_domain(m: controllers::Model) -> Controller {
    Controller {
        id: m.id,
        legal_name: m.legal_name,
        kvk_number: m.kvk_number,
        country: m.country,
        privacy_email: m.privacy_email,
        dpo_name: m.dpo_name,
        dpo_email: m.dpo_email,
        webhook_url: m.webhook_url,
        webhook_secret_set: m.webhook_secret.is_some(),
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

fn map_db(e: sea_orm::DbErr, kvk: &str) -> ControllerError {
    match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => ControllerError::KvkTaken(kvk.to_owned()),
        _ => internal(e),
    }
}

impl ControllerRepo {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    pub async fn create(
        &self,
        actor: &Actor,
        new: NewController,
    ) -> Result<Controller, ControllerError> {
        let id = ControllerId::new();
        let now = store::now_micros();
        let kvk = new.kvk_number.as_str().to_owned();
        let model = controllers::Model {
            id: id.as_str().to_owned(),
            legal_name: new.legal_name.into_inner(),
            kvk_number: new.kvk_number.into_inner(),
            country: new.country.into_inner(),
            privacy_email: new.privacy_email.into_inner(),
            dpo_name: new.dpo_name.into_inner(),
            dpo_email: new.dpo_email.into_inner(),
            webhook_url: new.webhook.as_ref().map(|w| w.url.as_str().to_owned()),
            webhook_secret: new.webhook.as_ref().map(|w| w.secret.expose().to_owned()),
            created_at: now,
            updated_at: now,
        };
        let txn = audit::begin(&self.db).await?;
        let saved = controllers::ActiveModel::from(model)
            .insert(&txn)
            .await
            .map_err(|e| map_db(e, &kvk))?;
        txn.commit_with(
            Record::new(actor, "controller.create", "controller", &saved.id)
                .tenant(&saved.id)
                .details(json!({ "webhook": saved.webhook_url.is_some() })),
        )
        .await?;
        Ok(to_domain(saved))
    }

    /// A controller in the caller's scope; another tenant's is `NotFound`.
    pub async fn get(
        &self,
        scope: &Scope,
        id: &ControllerId,
    ) -> Result<Controller, ControllerError> {
        if !scope.allows(id.as_str()) {
            return Err(ControllerError::NotFound);
        }
        controllers::Entity::find_by_id(id.as_str().to_owned())
            .one(&self.db)
            .await?
            .map(to_domain)
            .ok_or(ControllerError::NotFound)
    }

    /// The webhook URL and secret of a controller, for the outbox worker
    /// only: the secret never leaves the process any other way.
    pub async fn webhook(&self, id: &str) -> Result<Option<(String, String)>, ControllerError> {
        let row = controllers::Entity::find_by_id(id.to_owned())
            .one(&self.db)
            .await?;
        Ok(row.and_then(|r| match (r.webhook_url, r.webhook_secret) {
            (Some(u), Some(s)) => Some((u, s)),
            _ => None,
        }))
    }

    /// Closes an erased tenant: its webhook (URL and secret) is removed and
    /// every token bound to it revoked, in one audited transaction. The
    /// controller's record (company name, registration, contacts) stays
    /// beside the agreements it signed. Returns (webhooks removed, tokens revoked).
    pub async fn close(&self, actor: &Actor, id: &str) -> Result<(u64, u64), ControllerError> {
        let tokens = self.revoke_tokens(actor, id).await?;
        let hooks = self.remove_webhook(actor, id).await?;
        Ok((hooks, tokens))
    }

    /// Closes an erased tenant's access: revokes every token bound to it
    /// and deletes its people (their names and addresses go with the
    /// tenant; they can no longer sign in), audited
    /// `controller.tokens_revoked`. Returns how many tokens were revoked.
    pub async fn revoke_tokens(&self, actor: &Actor, id: &str) -> Result<u64, ControllerError> {
        let txn = audit::begin(&self.db).await?;
        let tokens = auth::tokens::revoke_tenant(&txn, id).await?;
        let people = store::entities::people::Entity::delete_many()
            .filter(store::entities::people::Column::TenantId.eq(id))
            .exec(&txn)
            .await?
            .rows_affected;
        txn.commit_with(
            Record::new(actor, "controller.tokens_revoked", "controller", id)
                .tenant(id)
                .details(json!({ "tokens_revoked": tokens, "people_deleted": people })),
        )
        .await?;
        Ok(tokens)
    }

    /// Removes an erased tenant's webhook URL and secret (audited
    /// `controller.webhook_removed`). Returns 1 when there was one.
    pub async fn remove_webhook(&self, actor: &Actor, id: &str) -> Result<u64, ControllerError> {
        let txn = audit::begin(&self.db).await?;
        let hooks = controllers::Entity::update_many()
            .col_expr(
                controllers::Column::WebhookUrl,
                Expr::value(Option::<String>::None),
            )
            .col_expr(
                controllers::Column::WebhookSecret,
                Expr::value(Option::<String>::None),
            )
            .col_expr(
                controllers::Column::UpdatedAt,
                Expr::value(store::now_micros()),
            )
            .filter(controllers::Column::Id.eq(id))
            .filter(controllers::Column::WebhookUrl.is_not_null())
            .exec(&txn)
            .await?
            .rows_affected;
        txn.commit_with(
            Record::new(actor, "controller.webhook_removed", "controller", id)
                .tenant(id)
                .details(json!({ "webhook_removed": hooks > 0 })),
        )
        .await?;
        Ok(hooks)
    }

    /// Controllers in id order after `after`, at most `limit`.
    pub async fn list(
        &self,
        scope: &Scope,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<Controller>, ControllerError> {
        let mut q = controllers::Entity::find();
        if let Scope::Tenant(t) = scope {
            q = q.filter(controllers::Column::Id.eq(t.clone()));
        }
        if let Some(a) = after {
            q = q.filter(controllers::Column::Id.gt(a.to_owned()));
        }
        let rows = q
            .order_by_asc(controllers::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(to_domain).collect())
    }

    pub async fn update(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: &ControllerId,
        patch: ControllerPatch,
    ) -> Result<Controller, ControllerError> {
        if !scope.allows(id.as_str()) {
            return Err(ControllerError::NotFound);
        }
        let fields = patch.fields();
        let txn = audit::begin(&self.db).await?;
        let row = controllers::Entity::find_by_id(id.as_str().to_owned())
            .one(&txn)
            .await?
            .ok_or(ControllerError::NotFound)?;
        let has_secret = row.webhook_secret.is_some() || patch.webhook_secret.is_some();
        let url_after = patch.webhook_url.is_some() || row.webhook_url.is_some();
        if url_after && !has_secret {
            return Err(ControllerError::Invalid(crate::domain::FieldError {
                field: "webhook_secret".into(),
                reason: "required when webhook_url is set".into(),
            }));
        }
        let kvk = patch
            .kvk_number
            .as_ref()
            .map(|k| k.as_str().to_owned())
            .unwrap_or_default();
        let mut am: controllers::ActiveModel = row.into();
        if let Some(v) = patch.legal_name {
            am.legal_name = Set(v.into_inner());
        }
        if let Some(v) = patch.kvk_number {
            am.kvk_number = Set(v.into_inner());
        }
        if let Some(v) = patch.country {
            am.country = Set(v.into_inner());
        }
        if let Some(v) = patch.privacy_email {
            am.privacy_email = Set(v.into_inner());
        }
        if let Some(v) = patch.dpo_name {
            am.dpo_name = Set(v.into_inner());
        }
        if let Some(v) = patch.dpo_email {
            am.dpo_email = Set(v.into_inner());
        }
        if let Some(v) = patch.webhook_url {
            am.webhook_url = Set(Some(v.into_inner()));
        }
        if let Some(v) = patch.webhook_secret {
            am.webhook_secret = Set(Some(v.expose().to_owned()));
        }
        am.updated_at = Set(store::now_micros());
        let saved = am.update(&txn).await.map_err(|e| map_db(e, &kvk))?;
        txn.commit_with(
            Record::new(actor, "controller.update", "controller", &saved.id)
                .tenant(&saved.id)
                .details(json!({ "fields": fields })),
        )
        .await?;
        Ok(to_domain(saved))
    }
}
