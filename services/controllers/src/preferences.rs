//! A person's e-mail preferences (issue 32) and who receives what.
//!
//! Stored on the person's row (`people.alerts_off`, `people.digest_at`,
//! `people.language`): the topics it turned off (so a topic added later is
//! on for everyone until they turn it off), the local time of its daily
//! digest, its language. Pure parts: [`Preferences::parse`],
//! [`Preferences::of`], [`who_receives`]; storage: [`PeopleRepo`]'s
//! methods below; the adapter: the three `PersonService` calls, delegated
//! here from `people::PersonGrpc`.

use std::collections::BTreeSet;

use audit::{Actor, Record};
use auth::{Principal, Scope};
use chrono::NaiveTime;
use domain_kit::{FieldError, err};
use proto::alerts::{Topic, topics_for};
use proto::v1 as pb;
use proto::wire;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use store::entities::{controllers, people};
use tonic::Status;

use crate::domain::ControllerError;
use crate::people::PeopleRepo;

/// A new person's digest time (and every alert on).
pub const DEFAULT_DIGEST_AT: &str = "08:00";

/// What a person chose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preferences {
    pub alerts: BTreeSet<Topic>,
    /// Local (Europe/Amsterdam) time; `None`: no digest.
    pub digest_at: Option<NaiveTime>,
    pub language: &'static str,
}

fn language(s: &str) -> Result<&'static str, FieldError> {
    match s.trim() {
        "nl" => Ok("nl"),
        "en" => Ok("en"),
        other => Err(err(
            "language",
            format!("expected en or nl, got {}", wire::quote(other)),
        )),
    }
}

/// `HH:MM`, 00:00 to 23:59.
pub fn digest_time(s: &str) -> Result<Option<NaiveTime>, FieldError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    match NaiveTime::parse_from_str(s, "%H:%M") {
        Ok(t) if s.len() == 5 => Ok(Some(t)),
        _ => Err(err(
            "digest_at",
            format!("expected a time of day as HH:MM, got {}", wire::quote(s)),
        )),
    }
}

impl Preferences {
    /// The preferences stored on a person's row.
    pub fn of(row: &people::Model) -> Preferences {
        let off: BTreeSet<&str> = row.alerts_off.split(',').map(str::trim).collect();
        Preferences {
            alerts: topics_for(row.tenant_id.as_deref())
                .into_iter()
                .filter(|t| !off.contains(t.as_str()))
                .collect(),
            digest_at: row
                .digest_at
                .as_deref()
                .and_then(|s| digest_time(s).ok().flatten()),
            language: if row.language == "en" { "en" } else { "nl" },
        }
    }

    /// A person of `tenant` (none: the processor's staff) sets these; a
    /// topic its role cannot receive is refused, naming it.
    pub fn parse(
        r: &pb::SetPreferencesRequest,
        tenant: Option<&str>,
    ) -> Result<Preferences, FieldError> {
        let mut alerts = BTreeSet::new();
        for a in &r.alerts {
            let t = Topic::parse(a.trim()).ok_or_else(|| {
                err(
                    "alerts",
                    format!(
                        "expected breaches, requests, subprocessors, switching, agreements or webhooks, got {}",
                        wire::quote(a.trim())
                    ),
                )
            })?;
            if !t.open_to(tenant) {
                return Err(err(
                    "alerts",
                    format!(
                        "{} alerts are the processor's staff's, not a customer's",
                        t.as_str()
                    ),
                ));
            }
            alerts.insert(t);
        }
        Ok(Preferences {
            alerts,
            digest_at: digest_time(&r.digest_at)?,
            language: language(&r.language)?,
        })
    }

    /// What is stored: the open topics that are off.
    fn alerts_off(&self, tenant: Option<&str>) -> String {
        topics_for(tenant)
            .into_iter()
            .filter(|t| !self.alerts.contains(t))
            .map(Topic::as_str)
            .collect::<Vec<_>>()
            .join(",")
    }

    fn digest_text(&self) -> Option<String> {
        self.digest_at.map(|t| t.format("%H:%M").to_string())
    }

    fn to_pb(
        &self,
        email: String,
        tenant: Option<&str>,
        configured: bool,
    ) -> pb::PersonPreferences {
        pb::PersonPreferences {
            alerts: self.alerts.iter().map(|t| t.as_str().to_owned()).collect(),
            available: topics_for(tenant)
                .into_iter()
                .map(|t| t.as_str().to_owned())
                .collect(),
            digest_at: self.digest_text().unwrap_or_default(),
            language: self.language.to_owned(),
            email,
            email_configured: configured,
        }
    }
}

/// A live person who may receive e-mail, with its preferences.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub id: String,
    pub name: String,
    pub email: String,
    pub role: String,
    pub tenant: Option<String>,
    pub preferences: Preferences,
}

impl Recipient {
    /// Whether the person is told about `topic` for `tenant` (none: what
    /// concerns no customer, the staff's).
    pub fn receives(&self, topic: Topic, tenant: Option<&str>) -> bool {
        self.preferences.alerts.contains(&topic) && self.sees(tenant)
    }

    /// Whether `tenant`'s matters are the person's to see.
    pub fn sees(&self, tenant: Option<&str>) -> bool {
        match (&self.tenant, tenant) {
            (None, _) => true,
            (Some(mine), Some(t)) => mine == t,
            (Some(_), None) => false,
        }
    }
}

/// Who receives what, per customer.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Coverage {
    pub tenant: Option<String>,
    pub tenant_name: String,
    pub topics: Vec<(Topic, Vec<String>)>,
    pub unwatched: Vec<Topic>,
    pub digest: Vec<String>,
}

fn coverage(people: &[Recipient], tenant: Option<&str>, name: &str, topics: &[Topic]) -> Coverage {
    let mut c = Coverage {
        tenant: tenant.map(str::to_owned),
        tenant_name: name.to_owned(),
        ..Default::default()
    };
    for &t in topics {
        let names: Vec<String> = people
            .iter()
            .filter(|p| p.receives(t, tenant))
            .map(|p| p.name.clone())
            .collect();
        if names.is_empty() {
            c.unwatched.push(t);
        }
        c.topics.push((t, names));
    }
    c.digest = people
        .iter()
        .filter(|p| p.preferences.digest_at.is_some() && p.sees(tenant))
        .map(|p| p.name.clone())
        .collect();
    c
}

/// Who receives each topic for each customer, and for what concerns no
/// customer (an incident before its assessment, a dead webhook message).
pub fn who_receives(
    people: &[Recipient],
    tenants: &[(String, String)],
) -> (Vec<Coverage>, Coverage) {
    let customer_topics = topics_for(Some(""));
    let per_tenant = tenants
        .iter()
        .map(|(id, name)| coverage(people, Some(id), name, &customer_topics))
        .collect();
    let processor = coverage(people, None, "", &[Topic::Breaches, Topic::Webhooks]);
    (per_tenant, processor)
}

fn coverage_pb(c: Coverage) -> pb::TenantRecipients {
    pb::TenantRecipients {
        tenant_id: c.tenant.unwrap_or_default(),
        tenant_name: c.tenant_name,
        topics: c
            .topics
            .into_iter()
            .map(|(t, names)| pb::TopicRecipients {
                topic: t.as_str().to_owned(),
                names,
            })
            .collect(),
        unwatched: c.unwatched.iter().map(|t| t.as_str().to_owned()).collect(),
        digest: c.digest,
    }
}

impl PeopleRepo {
    async fn live_row(&self, person: &str) -> Result<people::Model, ControllerError> {
        people::Entity::find_by_id(person.to_owned())
            .one(self.db())
            .await?
            .filter(|p| p.removed_at.is_none())
            .ok_or(ControllerError::NotFound)
    }

    /// Sets a person's own preferences, audited (`person.preferences`).
    pub async fn set_preferences(
        &self,
        actor: &Actor,
        person: &str,
        p: &Preferences,
    ) -> Result<people::Model, ControllerError> {
        let txn = audit::begin(self.db()).await?;
        let row = people::Entity::find_by_id(person.to_owned())
            .one(&txn)
            .await?
            .filter(|p| p.removed_at.is_none())
            .ok_or(ControllerError::NotFound)?;
        let tenant = row.tenant_id.clone();
        let mut am: people::ActiveModel = row.into();
        am.alerts_off = Set(p.alerts_off(tenant.as_deref()));
        am.digest_at = Set(p.digest_text());
        am.language = Set(p.language.to_owned());
        let row = am.update(&txn).await?;
        let mut rec =
            Record::new(actor, "person.preferences", "person", person).details(serde_json::json!({
                "alerts": p.alerts.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
                "digest_at": p.digest_text(),
                "language": p.language,
            }));
        if let Some(t) = &tenant {
            rec = rec.tenant(t);
        }
        txn.commit_with(rec).await?;
        Ok(row)
    }

    /// Every live person, with its preferences, in name order (the alert
    /// planner's and the who-receives-what view's input).
    pub async fn recipients(&self) -> Result<Vec<Recipient>, ControllerError> {
        let rows = people::Entity::find()
            .filter(people::Column::RemovedAt.is_null())
            .order_by_asc(people::Column::Name)
            .order_by_asc(people::Column::Id)
            .all(self.db())
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| Recipient {
                preferences: Preferences::of(&r),
                id: r.id,
                name: r.name,
                email: r.email,
                role: r.role,
                tenant: r.tenant_id,
            })
            .collect())
    }

    /// Every live customer's id and name (a switched-away customer's
    /// record is gone).
    pub async fn tenant_names(&self) -> Result<Vec<(String, String)>, ControllerError> {
        let rows = controllers::Entity::find()
            .order_by_asc(controllers::Column::LegalName)
            .all(self.db())
            .await?;
        Ok(rows.into_iter().map(|c| (c.id, c.legal_name)).collect())
    }
}

fn person_of(caller: &Principal) -> Result<String, Status> {
    caller.person.clone().ok_or_else(|| {
        Status::failed_precondition(
            "preferences are a person's: sign in through your identity provider",
        )
    })
}

/// `GetPreferences`.
pub async fn get(
    repo: &PeopleRepo,
    caller: &Principal,
    configured: bool,
) -> Result<pb::PersonPreferences, Status> {
    let person = person_of(caller)?;
    let row = repo.live_row(&person).await?;
    Ok(Preferences::of(&row).to_pb(row.email.clone(), row.tenant_id.as_deref(), configured))
}

/// `SetPreferences`.
pub async fn set(
    repo: &PeopleRepo,
    caller: &Principal,
    r: &pb::SetPreferencesRequest,
    configured: bool,
) -> Result<pb::PersonPreferences, Status> {
    // The form first (a caller of a tenant is a customer's DPO), then who.
    let p = Preferences::parse(r, caller.tenant.as_deref())
        .map_err(|e| Status::from(ControllerError::Invalid(e)))?;
    let person = person_of(caller)?;
    let row = repo
        .set_preferences(&Actor::from(caller), &person, &p)
        .await?;
    Ok(Preferences::of(&row).to_pb(row.email.clone(), row.tenant_id.as_deref(), configured))
}

/// `ListRecipients`: an administrator sees every customer and what
/// concerns none; a customer's DPO its own customer.
pub async fn list(
    repo: &PeopleRepo,
    caller: &Principal,
    configured: bool,
) -> Result<pb::ListRecipientsResponse, Status> {
    let people = repo.recipients().await?;
    let mut tenants = repo.tenant_names().await?;
    let scope = caller.scope();
    if let Scope::Tenant(t) = &scope {
        tenants.retain(|(id, _)| id == t);
    }
    let (per_tenant, processor) = who_receives(&people, &tenants);
    Ok(pb::ListRecipientsResponse {
        tenants: per_tenant.into_iter().map(coverage_pb).collect(),
        processor: match scope {
            Scope::All => Some(coverage_pb(processor)),
            _ => None,
        },
        email_configured: configured,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(name: &str, tenant: Option<&str>, alerts: &[Topic], digest: bool) -> Recipient {
        Recipient {
            id: name.into(),
            name: name.into(),
            email: format!("{name}@example.nl"),
            role: if tenant.is_some() {
                "controller"
            } else {
                "admin"
            }
            .into(),
            tenant: tenant.map(str::to_owned),
            preferences: Preferences {
                alerts: alerts.iter().copied().collect(),
                digest_at: digest.then(|| NaiveTime::from_hms_opt(8, 0, 0).unwrap()),
                language: "nl",
            },
        }
    }

    #[test]
    fn parse_names_the_field_and_refuses_staff_topics_to_a_customer() {
        let r = |alerts: &[&str], at: &str, lang: &str| pb::SetPreferencesRequest {
            alerts: alerts.iter().map(|s| s.to_string()).collect(),
            digest_at: at.into(),
            language: lang.into(),
        };
        let p = Preferences::parse(&r(&["breaches", "requests"], "07:30", "en"), None).unwrap();
        assert_eq!(p.alerts.len(), 2);
        assert_eq!(p.digest_text().as_deref(), Some("07:30"));
        assert_eq!(
            p.alerts_off(None),
            "subprocessors,switching,agreements,webhooks"
        );
        assert_eq!(
            Preferences::parse(&r(&[], "", "nl"), None)
                .unwrap()
                .digest_at,
            None
        );
        for (bad, field) in [
            (r(&["breach"], "", "nl"), "alerts"),
            (r(&[], "7:30", "nl"), "digest_at"),
            (r(&[], "25:00", "nl"), "digest_at"),
            (r(&[], "", "de"), "language"),
        ] {
            assert_eq!(Preferences::parse(&bad, None).unwrap_err().field, field);
        }
        let e = Preferences::parse(&r(&["webhooks"], "", "nl"), Some("t")).unwrap_err();
        assert!(e.reason.contains("staff"), "{}", e.reason);
    }

    #[test]
    fn coverage_finds_the_customer_no_one_watches() {
        let people = vec![
            person("Anna", None, &[Topic::Breaches, Topic::Webhooks], true),
            person(
                "Bram",
                Some("t1"),
                &[Topic::Requests, Topic::Subprocessors],
                false,
            ),
        ];
        let tenants = vec![
            ("t1".to_owned(), "Acme".to_owned()),
            ("t2".to_owned(), "Beta".to_owned()),
        ];
        let (per, processor) = who_receives(&people, &tenants);
        let t1 = &per[0];
        assert_eq!(t1.topics[0], (Topic::Breaches, vec!["Anna".to_owned()]));
        assert_eq!(t1.topics[1], (Topic::Requests, vec!["Bram".to_owned()]));
        assert_eq!(t1.unwatched, vec![Topic::Switching, Topic::Agreements]);
        assert_eq!(t1.digest, vec!["Anna".to_owned()]);
        // Bram sees only his own customer.
        assert_eq!(per[1].topics[1], (Topic::Requests, vec![]));
        assert_eq!(
            processor.topics[1],
            (Topic::Webhooks, vec!["Anna".to_owned()])
        );
        assert!(processor.unwatched.is_empty());
    }
}
