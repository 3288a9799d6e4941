//! `PersonService`: the people who use the console (table `people`, owned by
//! this service, beside the controllers their DPOs work for). An
//! administrator manages everyone; a customer's DPO invites and removes the
//! colleagues of its own tenant, as `controller`s. Every change commits with
//! its audit entry (`person.invite`, `person.remove`). A removed person
//! keeps its row, so the audit log can still name it, and can no longer
//! sign in.
//!
//! Three parts, as in the rest of this crate: a pure parser of the
//! invitation ([`NewPerson::parse`]), the storage ([`PeopleRepo`]) and the
//! thin gRPC adapter ([`PersonGrpc`]).

use audit::{Actor, Record};
use auth::{Principal, Role, Scope};
use chrono::{DateTime, Utc};
use domain_kit::{FieldError, err};
use proto::v1::{self as pb, person_service_server::PersonService};
use proto::wire;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, SqlErr,
};
use store::entities::{controllers, people};
use tonic::{Request, Response, Status};

use crate::domain::{ControllerError, Email, PersonName};
use crate::repo::internal;

const DEFAULT_PAGE: u32 = 100;
const MAX_PAGE: u32 = 500;

/// A person's role: the processor's staff (`admin`, `auditor`) or a
/// customer's DPO (`controller`); the machine roles are not a person's.
fn person_role(s: &str) -> Result<Role, FieldError> {
    match s.trim().parse::<Role>() {
        Ok(r @ (Role::Admin | Role::Auditor | Role::Controller)) => Ok(r),
        _ => Err(err(
            "role",
            format!(
                "expected admin, auditor or controller, got {}",
                wire::quote(s.trim())
            ),
        )),
    }
}

/// An invitation, checked: who, how to reach them, in which language, as
/// what and (a customer's DPO) for which tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPerson {
    pub name: String,
    /// Lower case.
    pub email: String,
    pub language: &'static str,
    pub role: Role,
    pub tenant: Option<String>,
}

impl NewPerson {
    /// Parses an invitation made by a caller of `scope`: a tenant-bound
    /// caller (a customer's DPO) invites `controller` colleagues of its own
    /// tenant only; for anyone else a `controller` names its tenant and the
    /// staff name none.
    pub fn parse(r: &pb::InvitePersonRequest, scope: &Scope) -> Result<NewPerson, FieldError> {
        let name = PersonName::parse("name", &r.name)?;
        let email = Email::parse("email", &r.email)?;
        let language = match r.language.trim() {
            "" | "nl" => "nl",
            "en" => "en",
            other => {
                return Err(err(
                    "language",
                    format!("expected en or nl, got {}", wire::quote(other)),
                ));
            }
        };
        let role = person_role(&r.role)?;
        let asked = r.tenant_id.trim();
        let tenant = match (scope, role) {
            (Scope::Tenant(own), Role::Controller) => {
                if !asked.is_empty() && wire::uuid(asked).as_deref() != Some(own.as_str()) {
                    return Err(err(
                        "tenant_id",
                        "a customer's DPO invites colleagues of its own company only",
                    ));
                }
                Some(own.clone())
            }
            (Scope::Tenant(_), _) => {
                return Err(err(
                    "role",
                    "a customer's DPO invites colleagues as controller only",
                ));
            }
            (Scope::All, Role::Controller) => Some(wire::uuid(asked).ok_or_else(|| {
                err(
                    "tenant_id",
                    format!(
                        "required for a customer's DPO: the controller's id, got {}",
                        wire::quote(asked)
                    ),
                )
            })?),
            (Scope::All, _) if !asked.is_empty() => {
                return Err(err("tenant_id", "must be empty for the processor's staff"));
            }
            (Scope::All, _) => None,
        };
        Ok(NewPerson {
            name: name.as_str().to_owned(),
            email: email.as_str().to_lowercase(),
            language,
            role,
            tenant,
        })
    }
}

/// A person as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub id: String,
    pub name: String,
    pub email: String,
    pub language: String,
    pub role: String,
    pub tenant: Option<String>,
    pub issuer: Option<String>,
    pub invited_at: DateTime<Utc>,
    pub invited_by: String,
    pub signed_in_at: Option<DateTime<Utc>>,
    pub removed_at: Option<DateTime<Utc>>,
}

impl From<people::Model> for Person {
    fn from(m: people::Model) -> Person {
        to_domain(m)
    }
}

fn to_domain(m: people::Model) -> Person {
    Person {
        id: m.id,
        name: m.name,
        email: m.email,
        language: m.language,
        role: m.role,
        tenant: m.tenant_id,
        issuer: m.issuer,
        invited_at: m.invited_at,
        invited_by: m.invited_by,
        signed_in_at: m.signed_in_at,
        removed_at: m.removed_at,
    }
}

/// The people table.
#[derive(Clone)]
pub struct PeopleRepo {
    db: DatabaseConnection,
}

impl PeopleRepo {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    pub(crate) fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Records an invitation and audits it (`person.invite`) in one
    /// transaction. A person already invited with that address (for that
    /// tenant, or among the staff) and not removed is `AlreadyExists`.
    pub async fn invite(
        &self,
        actor: &Actor,
        by: &str,
        p: NewPerson,
    ) -> Result<Person, ControllerError> {
        let txn = audit::begin(&self.db).await?;
        if let Some(t) = &p.tenant
            && controllers::Entity::find_by_id(t.clone())
                .one(&txn)
                .await?
                .is_none()
        {
            return Err(ControllerError::Invalid(err(
                "tenant_id",
                format!("no controller {}", wire::quote(t)),
            )));
        }
        let mut same = people::Entity::find()
            .filter(people::Column::Email.eq(p.email.clone()))
            .filter(people::Column::RemovedAt.is_null());
        same = match &p.tenant {
            Some(t) => same.filter(people::Column::TenantId.eq(t.clone())),
            None => same.filter(people::Column::TenantId.is_null()),
        };
        if same.one(&txn).await?.is_some() {
            return Err(ControllerError::Duplicate(format!(
                "email: {} is already invited",
                wire::quote(&p.email)
            )));
        }
        let email = p.email.clone();
        let row = people::ActiveModel {
            id: Set(uuid::Uuid::now_v7().hyphenated().to_string()),
            name: Set(p.name),
            email: Set(p.email),
            language: Set(p.language.to_owned()),
            role: Set(p.role.as_str().to_owned()),
            tenant_id: Set(p.tenant.clone()),
            issuer: Set(None),
            subject: Set(None),
            invited_at: Set(store::now_micros()),
            invited_by: Set(by.to_owned()),
            signed_in_at: Set(None),
            removed_at: Set(None),
            // Every alert on, a digest at 08:00, until the person chooses.
            alerts_off: Set(String::new()),
            digest_at: Set(Some(crate::preferences::DEFAULT_DIGEST_AT.to_owned())),
        }
        .insert(&txn)
        .await
        .map_err(|e| match e.sql_err() {
            // A concurrent invitation of the same address won.
            Some(SqlErr::UniqueConstraintViolation(_)) => ControllerError::Duplicate(format!(
                "email: {} is already invited",
                wire::quote(&email)
            )),
            _ => internal(e),
        })?;
        let mut rec = Record::new(actor, "person.invite", "person", &row.id)
            .details(serde_json::json!({ "role": row.role, "language": row.language }));
        if let Some(t) = &row.tenant_id {
            rec = rec.tenant(t);
        }
        txn.commit_with(rec).await?;
        Ok(to_domain(row))
    }

    /// The people `scope` may see (of `tenant` when given), in the order
    /// they were invited, a page after `after` (an id).
    pub async fn list(
        &self,
        scope: &Scope,
        tenant: Option<&str>,
        include_removed: bool,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<Person>, ControllerError> {
        let Ok(tenant) = scope.listing(tenant) else {
            return Ok(Vec::new());
        };
        let mut q = people::Entity::find();
        if let Some(t) = tenant {
            q = q.filter(people::Column::TenantId.eq(t));
        }
        if !include_removed {
            q = q.filter(people::Column::RemovedAt.is_null());
        }
        if let Some(a) = after {
            q = q.filter(people::Column::Id.gt(a.to_owned()));
        }
        Ok(q.order_by_asc(people::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?
            .into_iter()
            .map(to_domain)
            .collect())
    }

    /// Removes person `id` and audits it (`person.remove`, with `reason`)
    /// in one transaction, ending its sessions in the same; a person outside
    /// `scope` is `NotFound`, as a missing one; removing a removed person
    /// changes nothing.
    pub async fn remove(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: &str,
        reason: &str,
    ) -> Result<Person, ControllerError> {
        let txn = audit::begin(&self.db).await?;
        let row = people::Entity::find_by_id(id.to_owned())
            .one(&txn)
            .await?
            .filter(|r| match scope {
                Scope::All => true,
                Scope::Tenant(t) => r.tenant_id.as_deref() == Some(t.as_str()),
            })
            .ok_or(ControllerError::NotFound)?;
        if row.removed_at.is_some() {
            return Ok(to_domain(row));
        }
        let tenant = row.tenant_id.clone();
        let mut active: people::ActiveModel = row.into();
        active.removed_at = Set(Some(store::now_micros()));
        let row = active.update(&txn).await?;
        // Its sessions end with it.
        let ended = auth::tokens::end_person_sessions(&txn, id).await?;
        let mut rec = Record::new(actor, "person.remove", "person", id)
            .reason(reason)
            .details(serde_json::json!({ "sessions_ended": ended }));
        if let Some(t) = &tenant {
            rec = rec.tenant(t);
        }
        txn.commit_with(rec).await?;
        Ok(to_domain(row))
    }
}

impl PeopleRepo {
    /// A new calendar feed token for `person` (the old one revoked), audited
    /// (`person.calendar_reset`) in the same transaction.
    pub async fn reset_calendar_feed(
        &self,
        actor: &Actor,
        person: &str,
        tenant: Option<&str>,
    ) -> Result<String, ControllerError> {
        let txn = audit::begin(&self.db).await?;
        let (id, secret) = auth::tokens::start_person_feed(&txn, person)
            .await?
            .ok_or(ControllerError::NotFound)?;
        let mut rec = Record::new(actor, "person.calendar_reset", "person", person)
            .details(serde_json::json!({ "feed": id }));
        if let Some(t) = tenant {
            rec = rec.tenant(t);
        }
        txn.commit_with(rec).await?;
        Ok(secret)
    }
}

/// How long a done obligation is served as a cancelled event.
pub const CANCELLED_FOR_DAYS: i64 = 30;
/// The most events one feed records.
pub const MAX_FEED_EVENTS: usize = 5_000;

/// An event as a feed serves it (`CalendarEvent` on the wire).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedEvent {
    pub uid: String,
    pub summary: String,
    pub start: String,
    pub url: String,
}

impl PeopleRepo {
    /// Records that `person`'s feed serves `now_served`: new events are
    /// added, events served again are live again, events no longer served
    /// are marked gone; answers the events gone within the last
    /// [`CANCELLED_FOR_DAYS`] and forgets older ones. One transaction. Not
    /// audited: it records what a feed showed, no decision of anyone.
    pub async fn sync_calendar(
        &self,
        person: &str,
        now_served: Vec<FeedEvent>,
    ) -> Result<Vec<FeedEvent>, ControllerError> {
        use sea_orm::TransactionTrait;
        use store::entities::calendar_events as ev;
        let now = store::now_micros();
        let txn = self.db.begin().await?;
        let known: std::collections::HashMap<String, ev::Model> = ev::Entity::find()
            .filter(ev::Column::PersonId.eq(person))
            .all(&txn)
            .await?
            .into_iter()
            .map(|m| (m.uid.clone(), m))
            .collect();
        let mut served: std::collections::HashSet<String> = Default::default();
        // A UID given twice is recorded once.
        let now_served: Vec<FeedEvent> = now_served
            .into_iter()
            .filter(|e| served.insert(e.uid.clone()))
            .collect();
        for e in &now_served {
            match known.get(&e.uid) {
                None => {
                    ev::ActiveModel {
                        person_id: Set(person.to_owned()),
                        uid: Set(e.uid.clone()),
                        summary: Set(e.summary.clone()),
                        start: Set(e.start.clone()),
                        url: Set(e.url.clone()),
                        first_seen: Set(now),
                        gone_at: Set(None),
                    }
                    .insert(&txn)
                    .await?;
                }
                Some(k)
                    if k.gone_at.is_some()
                        || k.summary != e.summary
                        || k.start != e.start
                        || k.url != e.url =>
                {
                    let mut am: ev::ActiveModel = k.clone().into();
                    am.summary = Set(e.summary.clone());
                    am.start = Set(e.start.clone());
                    am.url = Set(e.url.clone());
                    am.gone_at = Set(None);
                    am.update(&txn).await?;
                }
                Some(_) => {}
            }
        }
        let cutoff = now - chrono::Duration::days(CANCELLED_FOR_DAYS);
        let mut gone = Vec::new();
        for k in known.into_values() {
            if served.contains(&k.uid) {
                continue;
            }
            let since = match k.gone_at {
                Some(at) => at,
                None => {
                    let mut am: ev::ActiveModel = k.clone().into();
                    am.gone_at = Set(Some(now));
                    am.update(&txn).await?;
                    now
                }
            };
            if since < cutoff {
                ev::Entity::delete_many()
                    .filter(ev::Column::PersonId.eq(person))
                    .filter(ev::Column::Uid.eq(k.uid.clone()))
                    .exec(&txn)
                    .await?;
            } else {
                gone.push(FeedEvent {
                    uid: k.uid,
                    summary: k.summary,
                    start: k.start,
                    url: k.url,
                });
            }
        }
        txn.commit().await?;
        gone.sort_by(|a, b| a.uid.cmp(&b.uid));
        Ok(gone)
    }
}

pub struct PersonGrpc {
    repo: PeopleRepo,
    /// Whether this deployment sends e-mail (`[mail] relay` set).
    email_configured: bool,
}

pub fn service(
    db: DatabaseConnection,
    email_configured: bool,
) -> pb::person_service_server::PersonServiceServer<PersonGrpc> {
    pb::person_service_server::PersonServiceServer::new(PersonGrpc {
        repo: PeopleRepo::new(db),
        email_configured,
    })
}

impl From<Person> for pb::Person {
    fn from(p: Person) -> Self {
        pb::Person {
            id: p.id,
            name: p.name,
            email: p.email,
            language: p.language,
            role: p.role,
            tenant_id: p.tenant.unwrap_or_default(),
            issuer: p.issuer.unwrap_or_default(),
            invited_at: wire::timestamp(p.invited_at),
            invited_by: p.invited_by,
            signed_in_at: p.signed_in_at.map(wire::timestamp).unwrap_or_default(),
            removed_at: p.removed_at.map(wire::timestamp).unwrap_or_default(),
        }
    }
}

fn invalid(e: FieldError) -> Status {
    Status::from(ControllerError::Invalid(e))
}

#[tonic::async_trait]
impl PersonService for PersonGrpc {
    async fn invite_person(
        &self,
        request: Request<pb::InvitePersonRequest>,
    ) -> Result<Response<pb::Person>, Status> {
        let caller = Principal::from_request(&request)?;
        let p = NewPerson::parse(request.get_ref(), &caller.scope()).map_err(invalid)?;
        let person = self
            .repo
            .invite(&Actor::from(&caller), &caller.name, p)
            .await?;
        Ok(Response::new(person.into()))
    }

    async fn list_people(
        &self,
        request: Request<pb::ListPeopleRequest>,
    ) -> Result<Response<pb::ListPeopleResponse>, Status> {
        let caller = Principal::from_request(&request)?;
        let r = request.into_inner();
        let tenant = domain_kit::optional_uuid("tenant_id", &r.tenant_id).map_err(invalid)?;
        let page = wire::Page::parse(r.page.as_ref(), DEFAULT_PAGE, MAX_PAGE, |token| {
            wire::uuid(token).ok_or_else(|| {
                err(
                    wire::PAGE_TOKEN_FIELD,
                    format!("is not a token this list gave, got {}", wire::quote(token)),
                )
            })
        })
        .map_err(invalid)?;
        let mut rows = self
            .repo
            .list(
                &caller.scope(),
                tenant.as_deref(),
                r.include_removed,
                page.after.as_deref(),
                page.fetch(),
            )
            .await?;
        let next_page_token = page.finish(&mut rows, |p| p.id.clone());
        Ok(Response::new(pb::ListPeopleResponse {
            people: rows.into_iter().map(Into::into).collect(),
            next_page_token,
        }))
    }

    async fn reset_calendar_feed(
        &self,
        request: Request<pb::ResetCalendarFeedRequest>,
    ) -> Result<Response<pb::CalendarFeed>, Status> {
        let caller = Principal::from_request(&request)?;
        let Some(person) = caller.person.clone() else {
            return Err(Status::failed_precondition(
                "a calendar feed is a person's: sign in through your identity provider",
            ));
        };
        let token = self
            .repo
            .reset_calendar_feed(&Actor::from(&caller), &person, caller.tenant.as_deref())
            .await?;
        Ok(Response::new(pb::CalendarFeed { token }))
    }

    async fn get_preferences(
        &self,
        request: Request<pb::GetPreferencesRequest>,
    ) -> Result<Response<pb::PersonPreferences>, Status> {
        let caller = Principal::from_request(&request)?;
        crate::preferences::get(&self.repo, &caller, self.email_configured)
            .await
            .map(Response::new)
    }

    async fn set_preferences(
        &self,
        request: Request<pb::SetPreferencesRequest>,
    ) -> Result<Response<pb::PersonPreferences>, Status> {
        let caller = Principal::from_request(&request)?;
        crate::preferences::set(
            &self.repo,
            &caller,
            request.get_ref(),
            self.email_configured,
        )
        .await
        .map(Response::new)
    }

    async fn list_recipients(
        &self,
        request: Request<pb::ListRecipientsRequest>,
    ) -> Result<Response<pb::ListRecipientsResponse>, Status> {
        let caller = Principal::from_request(&request)?;
        crate::preferences::list(&self.repo, &caller, self.email_configured)
            .await
            .map(Response::new)
    }

    async fn sync_calendar_feed(
        &self,
        request: Request<pb::SyncCalendarFeedRequest>,
    ) -> Result<Response<pb::SyncCalendarFeedResponse>, Status> {
        let caller = Principal::from_request(&request)?;
        let Some(person) = caller.person.clone() else {
            return Err(Status::failed_precondition(
                "a calendar feed is a person's: sign in through your identity provider",
            ));
        };
        let r = request.into_inner();
        if r.events.len() > MAX_FEED_EVENTS {
            return Err(invalid(err(
                "events",
                format!("at most {} events, got {}", MAX_FEED_EVENTS, r.events.len()),
            )));
        }
        let mut events = Vec::with_capacity(r.events.len());
        for e in r.events {
            let uid = domain_kit::text("events.uid", &e.uid, 300).map_err(invalid)?;
            let summary = domain_kit::text("events.summary", &e.summary, 500).map_err(invalid)?;
            let start = e.start.trim();
            if chrono::NaiveDate::parse_from_str(start, "%Y-%m-%d").is_err()
                && chrono::DateTime::parse_from_rfc3339(start).is_err()
            {
                return Err(invalid(err(
                    "events.start",
                    format!(
                        "expected YYYY-MM-DD or an RFC 3339 instant, got {}",
                        wire::quote(start)
                    ),
                )));
            }
            if e.url.len() > 2000 {
                return Err(invalid(err(
                    "events.url",
                    "must be at most 2000 characters",
                )));
            }
            events.push(FeedEvent {
                uid,
                summary,
                start: start.to_owned(),
                url: e.url,
            });
        }
        let gone = self.repo.sync_calendar(&person, events).await?;
        Ok(Response::new(pb::SyncCalendarFeedResponse {
            gone: gone
                .into_iter()
                .map(|e| pb::CalendarEvent {
                    uid: e.uid,
                    summary: e.summary,
                    start: e.start,
                    url: e.url,
                })
                .collect(),
        }))
    }

    async fn remove_person(
        &self,
        request: Request<pb::RemovePersonRequest>,
    ) -> Result<Response<pb::Person>, Status> {
        let caller = Principal::from_request(&request)?;
        let r = request.into_inner();
        let id = domain_kit::uuid_field("id", &r.id).map_err(invalid)?;
        let reason = domain_kit::text("reason", &r.reason, 500).map_err(invalid)?;
        let person = self
            .repo
            .remove(&Actor::from(&caller), &caller.scope(), &id, &reason)
            .await?;
        Ok(Response::new(person.into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(role: &str, tenant: &str) -> pb::InvitePersonRequest {
        pb::InvitePersonRequest {
            name: "Dana Prins".into(),
            email: "Dana.Prins@Example.nl".into(),
            language: String::new(),
            role: role.into(),
            tenant_id: tenant.into(),
        }
    }

    const T: &str = "01a2507b-d623-7164-853d-ad3e5832b23f";

    #[test]
    fn an_invitation_is_scoped_by_who_invites() {
        let all = Scope::All;
        let p = NewPerson::parse(&req("controller", T), &all).unwrap();
        assert_eq!(p.email, "dana.prins@example.nl");
        assert_eq!((p.language, p.tenant.as_deref()), ("nl", Some(T)));
        let staff = NewPerson::parse(&req("auditor", ""), &all).unwrap();
        assert_eq!(staff.tenant, None);
        assert_eq!(
            NewPerson::parse(&req("controller", ""), &all)
                .unwrap_err()
                .field,
            "tenant_id"
        );
        assert_eq!(
            NewPerson::parse(&req("admin", T), &all).unwrap_err().field,
            "tenant_id"
        );
        let own = Scope::Tenant(T.into());
        assert_eq!(
            NewPerson::parse(&req("controller", ""), &own)
                .unwrap()
                .tenant
                .as_deref(),
            Some(T)
        );
        assert_eq!(
            NewPerson::parse(&req("admin", ""), &own).unwrap_err().field,
            "role"
        );
        let other = "01a2507b-d623-7164-853d-000000000000";
        assert_eq!(
            NewPerson::parse(&req("controller", other), &own)
                .unwrap_err()
                .field,
            "tenant_id"
        );
        assert_eq!(
            NewPerson::parse(&req("owner", ""), &all).unwrap_err().field,
            "role"
        );
    }
}
