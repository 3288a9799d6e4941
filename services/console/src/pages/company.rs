//! The customer's own company, for its DPO: the record the processor keeps
//! of it (legal name, Chamber of Commerce number), its privacy contacts and
//! the webhook its notices are delivered to, and the form that updates
//! them. A refused update comes back with what was typed and the reason
//! beside the field it concerns. The processor's DPO manages every
//! controller on the tenants page instead.

use axum::Form;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use proto::v1 as pb;
use serde::Deserialize;

use crate::backend::Service;
use crate::i18n::Tr;
use crate::view::{Body, Cell, Field, FieldKind, Form as FormV, Section, Tone};
use crate::web::{self, AppState, Failure, PageResult, Signed};

pub fn routes() -> Router<AppState> {
    Router::new().route("/company", get(show).post(update))
}

type Client = pb::controller_service_client::ControllerServiceClient<tonic::transport::Channel>;

fn client(st: &AppState) -> Client {
    Client::new(st.backend.channel(Service::Controllers))
}

/// What the form holds: the record as stored, or what the person typed.
#[derive(Deserialize, Default, Clone)]
pub struct Contacts {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    privacy_email: String,
    #[serde(default)]
    dpo_name: String,
    #[serde(default)]
    dpo_email: String,
    #[serde(default)]
    webhook_url: String,
    /// Empty: unchanged (the secret is never shown).
    #[serde(default)]
    webhook_secret: String,
}

impl Contacts {
    fn of(c: &pb::Controller) -> Contacts {
        Contacts {
            privacy_email: c.privacy_email.clone(),
            dpo_name: c.dpo_name.clone(),
            dpo_email: c.dpo_email.clone(),
            webhook_url: c.webhook_url.clone(),
            ..Default::default()
        }
    }
}

/// The company's page is its own: a person not bound to a tenant has none.
fn own(me: &Signed) -> Result<String, Failure> {
    if me.s.who.tenant_bound() {
        Ok(me.s.who.tenant.clone())
    } else {
        Err(Failure::NotFound)
    }
}

async fn get_own(st: &AppState, me: &Signed) -> Result<pb::Controller, Failure> {
    let id = own(me)?;
    Ok(client(st)
        .get_controller(me.s.req(pb::GetControllerRequest { id }))
        .await?
        .into_inner())
}

fn page(
    tr: Tr,
    me: &Signed,
    c: &pb::Controller,
    typed: &Contacts,
    error: Option<&str>,
) -> Vec<Section> {
    let facts = vec![
        (tr.t("Legal name").to_owned(), Cell::text(&c.legal_name)),
        (
            tr.t("Chamber of Commerce number").to_owned(),
            Cell::text(&c.kvk_number),
        ),
        (tr.t("Country").to_owned(), Cell::text(&c.country)),
        (
            tr.t("Webhook secret").to_owned(),
            Cell::text(if c.webhook_secret_set {
                tr.t("set (never shown)")
            } else {
                tr.t("not set")
            }),
        ),
        (
            tr.t("Last changed").to_owned(),
            Cell::time(tr, &c.updated_at),
        ),
    ];
    let mut sections = vec![Section::new(tr.t("Our company")).with(Body::Facts(facts))];
    if me.s.who.may("ControllerService/UpdateController") {
        let mut fields = vec![
            Field::new("privacy_email", tr.t("Privacy e-mail address"), FieldKind::Text)
                .value(typed.privacy_email.clone())
                .required(),
            Field::new("dpo_name", tr.t("Name of our DPO"), FieldKind::Text)
                .value(typed.dpo_name.clone()),
            Field::new("dpo_email", tr.t("E-mail address of our DPO"), FieldKind::Text)
                .value(typed.dpo_email.clone()),
            Field::new("webhook_url", tr.t("Webhook address (https)"), FieldKind::Text)
                .value(typed.webhook_url.clone())
                .help(tr.t("Breach notices and other messages for us are delivered here.")),
            Field::new("webhook_secret", tr.t("New webhook secret"), FieldKind::Secret).help(tr.t(
                "Leave empty to keep the current one. At least 32 characters; it signs every delivery.",
            )),
        ];
        let mut section = Section::new(tr.t("Contacts and webhook"));
        if let Some(e) = error
            && let Some(rest) = web::place_error(&mut fields, e)
        {
            section.push(Body::Message {
                tone: Tone::Bad,
                text: format!("{} {rest}", tr.t("Nothing was changed:")),
            });
        }
        section.push(Body::Form(FormV {
            id: "contacts".into(),
            action: "/company".into(),
            post: true,
            fields,
            submit: tr.t("Save").into(),
        }));
        sections.push(section);
    }
    sections
}

async fn show(State(st): State<AppState>, me: Signed) -> Response {
    let r: PageResult = async {
        let tr = me.tr;
        let c = get_own(&st, &me).await?;
        let sections = page(tr, &me, &c, &Contacts::of(&c), None);
        Ok(web::page(&me, &c.legal_name, "", &sections))
    }
    .await;
    web::done(&me, r)
}

async fn update(State(st): State<AppState>, me: Signed, Form(f): Form<Contacts>) -> Response {
    let r: PageResult = async {
        let tr = me.tr;
        web::check_csrf(&me, &f.csrf)?;
        let c = get_own(&st, &me).await?;
        let url = f.webhook_url.trim().to_owned();
        let secret = f.webhook_secret.trim().to_owned();
        let (webhook_url, webhook_secret) = if url == c.webhook_url && secret.is_empty() {
            (None, None)
        } else {
            (Some(url), (!secret.is_empty()).then_some(secret))
        };
        let asked = client(&st)
            .update_controller(me.s.req(pb::UpdateControllerRequest {
                id: c.id.clone(),
                privacy_email: Some(f.privacy_email.trim().to_owned()),
                dpo_name: Some(f.dpo_name.trim().to_owned()),
                dpo_email: Some(f.dpo_email.trim().to_owned()),
                webhook_url,
                webhook_secret,
                ..Default::default()
            }))
            .await;
        match asked {
            Ok(_) => {
                // The names are read afresh on the next page.
                if let Ok(mut n) = st.names.lock() {
                    *n = None;
                }
                me.say_done(tr.t("Your company's contacts were saved."));
                Ok(Redirect::to("/company").into_response())
            }
            // Refused: the form comes back as typed (never the secret), the
            // reason beside its field.
            Err(e) if e.code() == tonic::Code::InvalidArgument => {
                let typed = Contacts {
                    webhook_secret: String::new(),
                    ..f
                };
                let sections = page(tr, &me, &c, &typed, Some(e.message()));
                Ok(web::page_status(
                    &me,
                    StatusCode::BAD_REQUEST,
                    &c.legal_name,
                    "",
                    &sections,
                ))
            }
            Err(e) => Err(e.into()),
        }
    }
    .await;
    web::done(&me, r)
}
