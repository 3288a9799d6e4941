//! `custodianctl controllers`: the processor's customers (ControllerService).

use clap::{Args, Subcommand};
use proto::v1 as pb;

use crate::output::{self, Out, Table};
use crate::{Conn, CtlError, page};

#[derive(Subcommand, Debug)]
pub enum ControllersCmd {
    Create(CreateController),
    Get {
        id: String,
    },
    List {
        #[arg(long, default_value_t = 0)]
        page_size: u32,
        #[arg(long, default_value = "")]
        page_token: String,
    },
    Update(UpdateController),
}

#[derive(Args, Debug)]
pub struct CreateController {
    #[arg(long)]
    legal_name: String,
    #[arg(long)]
    kvk: String,
    #[arg(long, default_value = "NL")]
    country: String,
    #[arg(long)]
    privacy_email: String,
    #[arg(long)]
    dpo_name: String,
    #[arg(long)]
    dpo_email: String,
    #[arg(long, default_value = "")]
    webhook_url: String,
    #[arg(
        long,
        default_value = "",
        env = "CUSTODIAN_WEBHOOK_SECRET",
        hide_env_values = true
    )]
    webhook_secret: String,
}

#[derive(Args, Debug)]
pub struct UpdateController {
    id: String,
    #[arg(long)]
    legal_name: Option<String>,
    #[arg(long)]
    kvk: Option<String>,
    #[arg(long)]
    country: Option<String>,
    #[arg(long)]
    privacy_email: Option<String>,
    #[arg(long)]
    dpo_name: Option<String>,
    #[arg(long)]
    dpo_email: Option<String>,
    #[arg(long)]
    webhook_url: Option<String>,
    #[arg(long)]
    webhook_secret: Option<String>,
}

pub async fn run(conn: &Conn, cmd: ControllersCmd, o: Out<'_>) -> Result<(), CtlError> {
    let mut client =
        pb::controller_service_client::ControllerServiceClient::new(conn.channel.clone());
    let one = |c: pb::Controller, o: Out<'_>| o.object(output::controller(&c));
    match cmd {
        ControllersCmd::Create(a) => {
            let c = client
                .create_controller(conn.req(pb::CreateControllerRequest {
                    legal_name: a.legal_name,
                    kvk_number: a.kvk,
                    country: a.country,
                    privacy_email: a.privacy_email,
                    dpo_name: a.dpo_name,
                    dpo_email: a.dpo_email,
                    webhook_url: a.webhook_url,
                    webhook_secret: a.webhook_secret,
                }))
                .await?
                .into_inner();
            one(c, o)
        }
        ControllersCmd::Get { id } => {
            let c = client
                .get_controller(conn.req(pb::GetControllerRequest { id }))
                .await?
                .into_inner();
            one(c, o)
        }
        ControllersCmd::List {
            page_size,
            page_token,
        } => {
            let r = client
                .list_controllers(conn.req(pb::ListControllersRequest {
                    page: page(page_size, page_token),
                }))
                .await?
                .into_inner();
            o.list(
                "controllers",
                &r.controllers,
                output::controller,
                &r.next_page_token,
                Table::new(
                    &["ID", "LEGAL NAME", "KVK", "COUNTRY", "DPO E-MAIL"],
                    |c: &pb::Controller| {
                        vec![
                            c.id.clone(),
                            c.legal_name.clone(),
                            c.kvk_number.clone(),
                            c.country.clone(),
                            c.dpo_email.clone(),
                        ]
                    },
                ),
            )
        }
        ControllersCmd::Update(a) => {
            let c = client
                .update_controller(conn.req(pb::UpdateControllerRequest {
                    id: a.id,
                    legal_name: a.legal_name,
                    kvk_number: a.kvk,
                    country: a.country,
                    privacy_email: a.privacy_email,
                    dpo_name: a.dpo_name,
                    dpo_email: a.dpo_email,
                    webhook_url: a.webhook_url,
                    webhook_secret: a.webhook_secret,
                }))
                .await?
                .into_inner();
            one(c, o)
        }
    }
}
