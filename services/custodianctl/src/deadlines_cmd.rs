//! `custodianctl deadlines`: compute a rule, the catalogue, open obligations
//! (DeadlineService).

use clap::Subcommand;
use proto::v1 as pb;

use crate::output::{self, Out, Table};
use crate::{Conn, CtlError, page};

#[derive(Subcommand, Debug)]
pub enum DeadlinesCmd {
    /// Compute one rule on the server; prints the same JSON as `custodian deadlines compute`.
    Compute {
        #[arg(long)]
        rule: String,
        #[arg(long)]
        at: String,
        #[arg(long = "param", value_name = "KEY=VALUE")]
        params: Vec<String>,
    },
    /// The rule catalogue.
    Rules,
    /// Open obligations (due soon, overdue) across services.
    Obligations {
        #[arg(long, default_value = "")]
        tenant: String,
        #[arg(long, default_value = "")]
        service: String,
        /// RFC 3339: only obligations due before this.
        #[arg(long, default_value = "")]
        due_before: String,
        #[arg(long)]
        overdue: bool,
        #[arg(long, default_value_t = 0)]
        page_size: u32,
        #[arg(long, default_value = "")]
        page_token: String,
    },
}

pub async fn run(conn: &Conn, cmd: DeadlinesCmd, o: Out<'_>) -> Result<(), CtlError> {
    let mut client = pb::deadline_service_client::DeadlineServiceClient::new(conn.channel.clone());
    match cmd {
        DeadlinesCmd::Compute { rule, at, params } => {
            let mut map = std::collections::HashMap::new();
            for p in params {
                let (k, v) = p
                    .split_once('=')
                    .ok_or_else(|| CtlError::Usage(format!("--param {p:?}: expected KEY=VALUE")))?;
                map.insert(k.trim().to_owned(), v.trim().to_owned());
            }
            let r = client
                .compute(conn.req(pb::ComputeRequest {
                    rule,
                    at,
                    params: map,
                }))
                .await?
                .into_inner();
            // The server's JSON is the contract; print it as is in both modes.
            o.raw(&r.json)
        }
        DeadlinesCmd::Rules => {
            let r = client
                .list_rules(conn.req(pb::ListRulesRequest {}))
                .await?
                .into_inner();
            o.list(
                "rules",
                &r.rules,
                output::rule,
                "",
                Table::new(&["RULE", "KIND", "CITATION"], |r: &pb::RuleInfo| {
                    vec![r.id.clone(), r.kind.clone(), r.citation.clone()]
                }),
            )
        }
        DeadlinesCmd::Obligations {
            tenant,
            service,
            due_before,
            overdue,
            page_size,
            page_token,
        } => {
            let r = client
                .list_obligations(conn.req(pb::ListObligationsRequest {
                    page: page(page_size, page_token),
                    tenant_id: tenant,
                    service,
                    due_before,
                    overdue_only: overdue,
                    ..Default::default()
                }))
                .await?
                .into_inner();
            o.list(
                "obligations",
                &r.obligations,
                output::obligation,
                &r.next_page_token,
                Table::new(
                    &[
                        "DUE (STRICT)",
                        "OVERDUE",
                        "SERVICE",
                        "TENANT",
                        "OBJECT",
                        "WHAT",
                    ],
                    |o: &pb::Obligation| {
                        vec![
                            o.due_strict.clone(),
                            if o.overdue { "yes" } else { "" }.into(),
                            o.service.clone(),
                            o.tenant_id.clone(),
                            format!("{}:{}", o.object_type, o.object_id),
                            o.description.clone(),
                        ]
                    },
                ),
            )
        }
    }
}
