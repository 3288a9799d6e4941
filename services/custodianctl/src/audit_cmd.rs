//! `custodianctl audit`: the audit log (AuditService).

use clap::Subcommand;
use proto::v1 as pb;

use crate::output::{self, Out, Table};
use crate::{Conn, CtlError, page};

#[derive(Subcommand, Debug)]
pub enum AuditCmd {
    List {
        #[arg(long, default_value = "")]
        tenant: String,
        #[arg(long, default_value = "")]
        action_prefix: String,
        #[arg(long, default_value = "")]
        object_id: String,
        #[arg(long, default_value_t = 0)]
        page_size: u32,
        #[arg(long, default_value = "")]
        page_token: String,
    },
    /// Walk the whole chain on the server and report the first broken link;
    /// exit 1 when it is broken (admin or auditor).
    Verify,
}

pub async fn run(conn: &Conn, cmd: AuditCmd, o: Out<'_>) -> Result<(), CtlError> {
    match cmd {
        AuditCmd::Verify => {
            let mut client =
                pb::audit_service_client::AuditServiceClient::new(conn.channel.clone());
            let r = client
                .verify_chain(conn.req(pb::VerifyChainRequest {}))
                .await?
                .into_inner();
            o.object(serde_json::json!({
                    "intact": r.intact,
                    "entries": r.entries,
                    "tenants": r.tenants,
                    "broken_seq": r.broken_seq,
                    "broken_chain": r.broken_chain,
                    "broken_reason": r.broken_reason,
                    "head_seq": r.head_seq,
                    "head_hash": r.head_hash,
                    "verified_at": r.verified_at,
                    "writers": r.writers.iter()
                        .map(|w| serde_json::json!({"writer": w.writer, "entries": w.entries}))
                        .collect::<Vec<_>>(),
            }))?;
            if !r.intact {
                return Err(CtlError::Failed(format!(
                    "the audit chain is broken at entry {} ({}): {}",
                    r.broken_seq, r.broken_chain, r.broken_reason
                )));
            }
            Ok(())
        }
        AuditCmd::List {
            tenant,
            action_prefix,
            object_id,
            page_size,
            page_token,
        } => {
            let mut client =
                pb::audit_service_client::AuditServiceClient::new(conn.channel.clone());
            let r = client
                .list_events(conn.req(pb::ListEventsRequest {
                    page: page(page_size, page_token),
                    tenant_id: tenant,
                    action_prefix,
                    object_id,
                    ..Default::default()
                }))
                .await?
                .into_inner();
            o.list(
                "events",
                &r.events,
                output::audit_event,
                &r.next_page_token,
                Table::new(
                    &["SEQ", "AT", "TENANT", "ACTOR", "ACTION", "OBJECT"],
                    |e: &pb::AuditEvent| {
                        vec![
                            e.seq.to_string(),
                            e.at.clone(),
                            e.tenant_id.clone(),
                            e.actor_id.clone(),
                            e.action.clone(),
                            format!("{}:{}", e.object_type, e.object_id),
                        ]
                    },
                ),
            )
        }
    }
}
