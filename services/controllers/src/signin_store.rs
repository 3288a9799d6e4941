//! Storage of sign-in ([`crate::signin`]): the begun attempts (table
//! `sign_in_attempts`) and the people a verified account may be, and the
//! audited start and end of a person's session. The service decides; this
//! module only reads and writes, and its failures are the controllers'
//! storage errors (an outage `UNAVAILABLE`, the rest `INTERNAL`).

use audit::{Actor, Record};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use store::entities::{people, sign_in_attempts as attempts};

use crate::domain::ControllerError;

/// Stores a begun attempt, first deleting those begun before `stale`:
/// attempts go whenever one begins.
pub(crate) async fn begin_attempt(
    db: &DatabaseConnection,
    attempt: attempts::ActiveModel,
    stale: chrono::DateTime<chrono::Utc>,
) -> Result<(), ControllerError> {
    attempts::Entity::delete_many()
        .filter(attempts::Column::CreatedAt.lt(stale))
        .exec(db)
        .await?;
    attempts::Entity::insert(attempt).exec(db).await?;
    Ok(())
}

/// Takes the attempt stored under `state_hash` out of the table: `None`
/// when there is none or another completion took it first.
pub(crate) async fn take_attempt(
    db: &DatabaseConnection,
    state_hash: String,
) -> Result<Option<attempts::Model>, ControllerError> {
    let Some(row) = attempts::Entity::find_by_id(state_hash.clone())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let gone = attempts::Entity::delete_many()
        .filter(attempts::Column::StateHash.eq(state_hash))
        .exec(db)
        .await?;
    Ok((gone.rows_affected == 1).then_some(row))
}

/// The live person bound to the account (`issuer`, `subject`), and, when
/// none is, the live people invited under `email`.
pub(crate) async fn people_of_account(
    db: &DatabaseConnection,
    issuer: &str,
    subject: &str,
    email: Option<&str>,
) -> Result<(Option<people::Model>, Vec<people::Model>), ControllerError> {
    let bound = people::Entity::find()
        .filter(people::Column::Issuer.eq(issuer))
        .filter(people::Column::Subject.eq(subject))
        .filter(people::Column::RemovedAt.is_null())
        .one(db)
        .await?;
    let invited = match (&bound, email) {
        (None, Some(email)) => {
            people::Entity::find()
                .filter(people::Column::Email.eq(email))
                .filter(people::Column::RemovedAt.is_null())
                .all(db)
                .await?
        }
        _ => Vec::new(),
    };
    Ok((bound, invited))
}

/// What [`start_session`] did.
pub(crate) enum Started {
    /// The person's session: the person as now stored and the session's
    /// secret (shown once, to the browser).
    Session {
        person: Box<people::Model>,
        secret: String,
    },
    /// The person is gone (removed since the choice).
    NoPerson,
    /// The account is bound to another person already.
    Ambiguous,
}

/// Binds the account to `person` at its first sign-in, notes the sign-in
/// and starts a session until `expires`, audited
/// `person.sign_in` in the same transaction.
pub(crate) async fn start_session(
    db: &DatabaseConnection,
    person: &str,
    (issuer, subject): (&str, &str),
    provider: &str,
    expires: chrono::DateTime<chrono::Utc>,
) -> Result<Started, ControllerError> {
    let txn = audit::begin(db).await?;
    let Some(row) = people::Entity::find_by_id(person.to_owned())
        .one(&*txn)
        .await?
        .filter(|m| m.removed_at.is_none())
    else {
        return Ok(Started::NoPerson);
    };
    let first = row.issuer.is_none();
    let mut am: people::ActiveModel = row.into();
    if first {
        am.issuer = Set(Some(issuer.to_owned()));
        am.subject = Set(Some(subject.to_owned()));
    }
    am.signed_in_at = Set(Some(store::now_micros()));
    let row = match sea_orm::ActiveModelTrait::update(am, &*txn).await {
        Ok(row) => row,
        Err(e) => {
            return match e.sql_err() {
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => Ok(Started::Ambiguous),
                _ => Err(e.into()),
            };
        }
    };
    let Some((token_id, secret)) =
        auth::tokens::start_person_session(&*txn, &row.id, expires).await?
    else {
        return Ok(Started::NoPerson);
    };
    let actor = Actor {
        id: format!("person:{}", row.id),
        role: row.role.clone(),
    };
    let mut rec = Record::new(&actor, "person.sign_in", "person", &row.id)
        .details(serde_json::json!({ "provider": provider, "session": token_id, "first": first }));
    if let Some(t) = &row.tenant_id {
        rec = rec.tenant(t);
    }
    txn.commit_with(rec).await?;
    Ok(Started::Session {
        person: Box::new(row),
        secret,
    })
}

/// Ends the session `token_id` of `person`, audited `person.sign_out`.
pub(crate) async fn end_session(
    db: &DatabaseConnection,
    actor: &Actor,
    token_id: &str,
    person: &str,
    tenant: Option<&str>,
) -> Result<(), ControllerError> {
    let txn = audit::begin(db).await?;
    auth::tokens::revoke(&*txn, token_id).await?;
    let mut rec = Record::new(actor, "person.sign_out", "person", person)
        .details(serde_json::json!({ "session": token_id }));
    if let Some(t) = tenant {
        rec = rec.tenant(t);
    }
    txn.commit_with(rec).await?;
    Ok(())
}
