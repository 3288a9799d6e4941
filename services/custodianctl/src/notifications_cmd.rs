//! `custodianctl notifications ...`: one subcommand per RPC of
//! NotificationService (messages to controllers and their delivery attempts).

use clap::Subcommand;
use proto::v1 as pb;
use serde_json::{Value, json};

use crate::output::{Out, Table};
use crate::{Conn, CtlError, page};

#[derive(Subcommand, Debug)]
pub enum NotificationsCmd {
    List {
        #[arg(long, default_value = "")]
        controller: String,
        #[arg(long, default_value = "")]
        status: String,
        #[arg(long, default_value = "")]
        topic: String,
        #[arg(long, default_value_t = 0)]
        page_size: u32,
        #[arg(long, default_value = "")]
        page_token: String,
    },
    /// One notification with its delivery attempts.
    Get { id: String },
    /// Put a dead-lettered notification back in the queue.
    Retry {
        id: String,
        #[arg(long)]
        reason: String,
    },
}

fn attempt(a: &pb::DeliveryAttempt) -> Value {
    json!({
        "number": a.number,
        "started_at": a.started_at,
        "duration_ms": a.duration_ms,
        "http_status": a.http_status,
        "outcome": a.outcome,
        "error": a.error,
    })
}

pub fn notification(n: &pb::Notification) -> Value {
    json!({
        "id": n.id,
        "controller_id": n.controller_id,
        "topic": n.topic,
        "subject_type": n.subject_type,
        "subject_id": n.subject_id,
        "status": n.status,
        "created_at": n.created_at,
        "delivered_at": n.delivered_at,
        "attempts": n.attempts,
        "next_attempt_at": n.next_attempt_at,
        "last_error": n.last_error,
        "attempt_log": n.attempt_log.iter().map(attempt).collect::<Vec<_>>(),
    })
}

pub async fn notifications(conn: &Conn, cmd: NotificationsCmd, o: Out<'_>) -> Result<(), CtlError> {
    let mut c =
        pb::notification_service_client::NotificationServiceClient::new(conn.channel.clone());
    match cmd {
        NotificationsCmd::List {
            controller,
            status,
            topic,
            page_size,
            page_token,
        } => {
            let r = c
                .list_notifications(conn.req(pb::ListNotificationsRequest {
                    controller_id: controller,
                    status,
                    topic,
                    page: page(page_size, page_token),
                }))
                .await?
                .into_inner();
            o.list(
                "notifications",
                &r.notifications,
                notification,
                &r.next_page_token,
                Table::new(
                    &[
                        "ID",
                        "CONTROLLER",
                        "TOPIC",
                        "STATUS",
                        "ATTEMPTS",
                        "DELIVERED",
                        "LAST ERROR",
                    ],
                    |n: &pb::Notification| {
                        vec![
                            n.id.clone(),
                            n.controller_id.clone(),
                            n.topic.clone(),
                            n.status.clone(),
                            n.attempts.to_string(),
                            n.delivered_at.clone(),
                            n.last_error.clone(),
                        ]
                    },
                ),
            )
        }
        NotificationsCmd::Get { id } => o.object(notification(
            &c.get_notification(conn.req(pb::GetNotificationRequest { id }))
                .await?
                .into_inner(),
        )),
        NotificationsCmd::Retry { id, reason } => o.object(notification(
            &c.retry_notification(conn.req(pb::RetryNotificationRequest { id, reason }))
                .await?
                .into_inner(),
        )),
    }
}
