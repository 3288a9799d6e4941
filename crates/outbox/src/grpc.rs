//! NotificationService: the outbox as the API shows it.

use auth::Principal;
use proto::v1::{self as pb, notification_service_server::NotificationService};
use proto::wire;
use tonic::{Request, Response, Status};

use crate::{Attempt, ListFilter, Message, Outbox, OutboxError};

const DEFAULT_PAGE: u32 = 50;
const MAX_PAGE: u32 = 500;

impl From<OutboxError> for Status {
    fn from(e: OutboxError) -> Status {
        proto::status::of("notifications", &e)
    }
}

pub fn attempt_pb(a: &Attempt) -> pb::DeliveryAttempt {
    pb::DeliveryAttempt {
        number: a.number,
        started_at: wire::timestamp(a.started_at),
        duration_ms: a.duration_ms.min(u64::from(u32::MAX)) as u32,
        http_status: u32::from(a.http_status),
        outcome: if a.delivered {
            "delivered"
        } else if a.interrupted {
            "interrupted"
        } else {
            "failed"
        }
        .into(),
        error: a.error.clone().unwrap_or_default(),
    }
}

pub fn notification_pb(m: &Message) -> pb::Notification {
    pb::Notification {
        id: m.id.clone(),
        controller_id: m.tenant_id.clone(),
        topic: m.topic.clone(),
        subject_type: m.subject_type.clone(),
        subject_id: m.subject_id.clone(),
        status: m.status.as_str().into(),
        created_at: wire::timestamp(m.created_at),
        delivered_at: m.delivered_at.map(wire::timestamp).unwrap_or_default(),
        attempts: m.attempts,
        next_attempt_at: if m.status == crate::DeliveryStatus::Pending {
            wire::timestamp(m.next_attempt_at)
        } else {
            String::new()
        },
        last_error: m.last_error.clone().unwrap_or_default(),
        body: m.body.clone(),
        attempt_log: m.attempt_log.iter().map(attempt_pb).collect(),
    }
}

fn invalid(field: &'static str, reason: impl Into<String>) -> Status {
    Status::from(OutboxError::Invalid {
        field,
        reason: reason.into(),
    })
}

fn uuid_field(field: &'static str, s: &str) -> Result<String, Status> {
    wire::uuid(s).ok_or_else(|| {
        invalid(
            field,
            format!("must be a UUID, got {}", proto::wire::quote(s)),
        )
    })
}

pub fn email_pb(m: &crate::mail::MailView) -> pb::Email {
    pb::Email {
        id: m.id.clone(),
        person_id: m.person_id.clone(),
        address: m.address.clone(),
        kind: m.kind.clone(),
        topic: m.topic.clone(),
        tenant_id: m.tenant.clone().unwrap_or_default(),
        subject: m.subject.clone(),
        status: m.status.as_str().into(),
        attempts: m.attempts,
        created_at: wire::timestamp(m.created_at),
        sent_at: m.sent_at.map(wire::timestamp).unwrap_or_default(),
        next_attempt_at: if m.status == crate::mail::MailStatus::Pending {
            wire::timestamp(m.next_attempt_at)
        } else {
            String::new()
        },
        last_error: m.last_error.clone().unwrap_or_default(),
        language: m.language.clone(),
    }
}

/// E-mails are the processor's: addresses of people of every customer.
fn processor_only(caller: &Principal) -> Result<(), Status> {
    match caller.scope() {
        auth::Scope::All => Ok(()),
        _ => Err(Status::permission_denied(
            "e-mails to people are for the processor's administrators",
        )),
    }
}

pub struct NotificationGrpc {
    outbox: Outbox,
    mails: crate::mail::Mails,
}

pub fn service(
    db: sea_orm::DatabaseConnection,
) -> pb::notification_service_server::NotificationServiceServer<NotificationGrpc> {
    pb::notification_service_server::NotificationServiceServer::new(NotificationGrpc {
        outbox: Outbox::new(db.clone()),
        mails: crate::mail::Mails::new(db),
    })
}

#[tonic::async_trait]
impl NotificationService for NotificationGrpc {
    async fn list_notifications(
        &self,
        request: Request<pb::ListNotificationsRequest>,
    ) -> Result<Response<pb::ListNotificationsResponse>, Status> {
        let caller = Principal::from_request(&request)?;
        let r = request.into_inner();
        let page = wire::Page::by_id(r.page.as_ref(), DEFAULT_PAGE, MAX_PAGE)?;
        let requested = if r.controller_id.trim().is_empty() {
            None
        } else {
            Some(uuid_field("controller_id", &r.controller_id)?)
        };
        let status = match r.status.trim() {
            "" => None,
            s => Some(crate::DeliveryStatus::parse(s).ok_or_else(|| {
                invalid(
                    "status",
                    format!(
                        "expected pending, delivered or dead, got {}",
                        proto::wire::quote(s)
                    ),
                )
            })?),
        };
        // Another tenant's list is empty, not an error that confirms it exists.
        let Ok(tenant) = caller.scope().listing(requested.as_deref()) else {
            return Ok(Response::new(pb::ListNotificationsResponse::default()));
        };
        let filter = ListFilter {
            tenant,
            status,
            topic: Some(r.topic.trim().to_owned()).filter(|t| !t.is_empty()),
        };
        let mut rows = self
            .outbox
            .list(&filter, page.after.as_deref(), page.fetch())
            .await?;
        let next = page.finish(&mut rows, |m| m.id.clone());
        Ok(Response::new(pb::ListNotificationsResponse {
            notifications: rows.iter().map(notification_pb).collect(),
            next_page_token: next,
        }))
    }

    async fn get_notification(
        &self,
        request: Request<pb::GetNotificationRequest>,
    ) -> Result<Response<pb::Notification>, Status> {
        let caller = Principal::from_request(&request)?;
        let id = uuid_field("id", &request.get_ref().id)?;
        let m = self.outbox.get(&caller.scope(), &id).await?;
        Ok(Response::new(notification_pb(&m)))
    }

    async fn retry_notification(
        &self,
        request: Request<pb::RetryNotificationRequest>,
    ) -> Result<Response<pb::Notification>, Status> {
        let caller = Principal::from_request(&request)?;
        let r = request.get_ref();
        let id = uuid_field("id", &r.id)?;
        let reason = r.reason.trim();
        if reason.is_empty() {
            return Err(invalid("reason", "must not be empty"));
        }
        let m = self
            .outbox
            .retry(&audit::Actor::from(&caller), &caller.scope(), &id, reason)
            .await?;
        Ok(Response::new(notification_pb(&m)))
    }

    async fn list_emails(
        &self,
        request: Request<pb::ListEmailsRequest>,
    ) -> Result<Response<pb::ListEmailsResponse>, Status> {
        let caller = Principal::from_request(&request)?;
        processor_only(&caller)?;
        let r = request.into_inner();
        // Newest first: the page starts before the mail its token names.
        let page = wire::Page::by_id(r.page.as_ref(), DEFAULT_PAGE, MAX_PAGE)?;
        let status = match r.status.trim() {
            "" => None,
            s => Some(crate::mail::MailStatus::parse(s).ok_or_else(|| {
                invalid(
                    "status",
                    format!(
                        "expected pending, sent, dead, withdrawn or empty, got {}",
                        proto::wire::quote(s)
                    ),
                )
            })?),
        };
        let mut rows = self
            .mails
            .list(status, page.after.as_deref(), page.fetch())
            .await?;
        let next = page.finish(&mut rows, |m| m.id.clone());
        Ok(Response::new(pb::ListEmailsResponse {
            emails: rows.iter().map(email_pb).collect(),
            next_page_token: next,
        }))
    }

    async fn retry_email(
        &self,
        request: Request<pb::RetryEmailRequest>,
    ) -> Result<Response<pb::Email>, Status> {
        let caller = Principal::from_request(&request)?;
        processor_only(&caller)?;
        let r = request.get_ref();
        let id = uuid_field("id", &r.id)?;
        let reason = r.reason.trim();
        if reason.is_empty() {
            return Err(invalid("reason", "must not be empty"));
        }
        let m = self
            .mails
            .retry(&audit::Actor::from(&caller), &id, reason)
            .await?;
        Ok(Response::new(email_pb(&m)))
    }
}
