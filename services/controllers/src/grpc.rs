//! The thin gRPC adapter: proto request → validated domain command → repo →
//! proto response. Errors become `tonic::Status` in one place.

use auth::{Principal, Role};
use proto::v1::{self as pb, controller_service_server::ControllerService};
use proto::wire;
use tonic::{Request, Response, Status};

use crate::domain::*;
use crate::repo::ControllerRepo;

const DEFAULT_PAGE: u32 = 50;
const MAX_PAGE: u32 = 500;

pub struct ControllerGrpc {
    repo: ControllerRepo,
    /// Which addresses a webhook may name (the operator's allow-list).
    targets: domain_kit::net::TargetPolicy,
}

impl ControllerGrpc {
    pub fn new(repo: ControllerRepo, targets: domain_kit::net::TargetPolicy) -> Self {
        Self { repo, targets }
    }

    /// A webhook URL must not name an address the delivery worker may not
    /// reach (loopback, private, link-local, ...); names are checked again
    /// at delivery, on what they resolve to.
    fn check_target(&self, url: Option<&WebhookUrl>) -> Result<(), ControllerError> {
        match url {
            Some(u) => self.targets.check_url(u.as_str()).map_err(|reason| {
                ControllerError::Invalid(FieldError {
                    field: "webhook_url".into(),
                    reason,
                })
            }),
            None => Ok(()),
        }
    }
}

impl From<ControllerError> for Status {
    fn from(e: ControllerError) -> Status {
        proto::status::of("controllers", &e)
    }
}

impl From<Controller> for pb::Controller {
    fn from(c: Controller) -> Self {
        pb::Controller {
            id: c.id,
            legal_name: c.legal_name,
            kvk_number: c.kvk_number,
            country: c.country,
            privacy_email: c.privacy_email,
            dpo_name: c.dpo_name,
            dpo_email: c.dpo_email,
            webhook_url: c.webhook_url.unwrap_or_default(),
            webhook_secret_set: c.webhook_secret_set,
            created_at: wire::timestamp(c.created_at),
            updated_at: wire::timestamp(c.updated_at),
        }
    }
}

impl TryFrom<pb::CreateControllerRequest> for NewController {
    type Error = FieldError;
    fn try_from(r: pb::CreateControllerRequest) -> Result<Self, FieldError> {
        let webhook = match (r.webhook_url.trim().is_empty(), r.webhook_secret.is_empty()) {
            (true, true) => None,
            (true, false) => {
                return Err(FieldError {
                    field: "webhook_url".into(),
                    reason: "required when webhook_secret is set".into(),
                });
            }
            (false, true) => {
                // Check the URL first so a bad URL is reported as such.
                WebhookUrl::parse("webhook_url", &r.webhook_url)?;
                return Err(FieldError {
                    field: "webhook_secret".into(),
                    reason: "required when webhook_url is set".into(),
                });
            }
            (false, false) => Some(Webhook {
                url: WebhookUrl::parse("webhook_url", &r.webhook_url)?,
                secret: WebhookSecret::parse("webhook_secret", &r.webhook_secret)?,
            }),
        };
        Ok(NewController {
            legal_name: LegalName::parse("legal_name", &r.legal_name)?,
            kvk_number: KvkNumber::parse("kvk_number", &r.kvk_number)?,
            country: CountryCode::parse("country", &r.country)?,
            privacy_email: Email::parse("privacy_email", &r.privacy_email)?,
            dpo_name: PersonName::parse("dpo_name", &r.dpo_name)?,
            dpo_email: Email::parse("dpo_email", &r.dpo_email)?,
            webhook,
        })
    }
}

impl TryFrom<&pb::UpdateControllerRequest> for ControllerPatch {
    type Error = FieldError;
    fn try_from(r: &pb::UpdateControllerRequest) -> Result<Self, FieldError> {
        fn opt<T>(
            v: &Option<String>,
            f: impl Fn(&str) -> Result<T, FieldError>,
        ) -> Result<Option<T>, FieldError> {
            v.as_deref().map(f).transpose()
        }
        Ok(ControllerPatch {
            legal_name: opt(&r.legal_name, |s| LegalName::parse("legal_name", s))?,
            kvk_number: opt(&r.kvk_number, |s| KvkNumber::parse("kvk_number", s))?,
            country: opt(&r.country, |s| CountryCode::parse("country", s))?,
            privacy_email: opt(&r.privacy_email, |s| Email::parse("privacy_email", s))?,
            dpo_name: opt(&r.dpo_name, |s| PersonName::parse("dpo_name", s))?,
            dpo_email: opt(&r.dpo_email, |s| Email::parse("dpo_email", s))?,
            webhook_url: opt(&r.webhook_url, |s| WebhookUrl::parse("webhook_url", s))?,
            webhook_secret: opt(&r.webhook_secret, |s| {
                WebhookSecret::parse("webhook_secret", s)
            })?,
        })
    }
}

#[tonic::async_trait]
impl ControllerService for ControllerGrpc {
    async fn create_controller(
        &self,
        req: Request<pb::CreateControllerRequest>,
    ) -> Result<Response<pb::Controller>, Status> {
        let caller = Principal::from_request(&req)?;
        let cmd = NewController::try_from(req.into_inner()).map_err(ControllerError::from)?;
        self.check_target(cmd.webhook.as_ref().map(|w| &w.url))?;
        let c = self.repo.create(&audit::Actor::from(&caller), cmd).await?;
        Ok(Response::new(c.into()))
    }

    async fn get_controller(
        &self,
        req: Request<pb::GetControllerRequest>,
    ) -> Result<Response<pb::Controller>, Status> {
        let caller = Principal::from_request(&req)?;
        let id = ControllerId::parse("id", &req.get_ref().id).map_err(ControllerError::from)?;
        let c = self.repo.get(&caller.scope(), &id).await?;
        Ok(Response::new(c.into()))
    }

    async fn list_controllers(
        &self,
        req: Request<pb::ListControllersRequest>,
    ) -> Result<Response<pb::ListControllersResponse>, Status> {
        let caller = Principal::from_request(&req)?;
        let page = wire::Page::parse(req.get_ref().page.as_ref(), DEFAULT_PAGE, MAX_PAGE, |t| {
            ControllerId::parse(wire::PAGE_TOKEN_FIELD, t).map(|id| id.as_str().to_owned())
        })
        .map_err(ControllerError::from)?;
        let mut rows = self
            .repo
            .list(&caller.scope(), page.after.as_deref(), page.fetch())
            .await?;
        let next = page.finish(&mut rows, |c| c.id.clone());
        Ok(Response::new(pb::ListControllersResponse {
            controllers: rows.into_iter().map(Into::into).collect(),
            next_page_token: next,
        }))
    }

    async fn update_controller(
        &self,
        req: Request<pb::UpdateControllerRequest>,
    ) -> Result<Response<pb::Controller>, Status> {
        let caller = Principal::from_request(&req)?;
        let r = req.get_ref();
        let id = ControllerId::parse("id", &r.id).map_err(ControllerError::from)?;
        // Tenant first: another tenant's id is NotFound even with a bad body.
        if !caller.scope().allows(id.as_str()) {
            return Err(ControllerError::NotFound.into());
        }
        let patch = ControllerPatch::try_from(r).map_err(ControllerError::from)?;
        self.check_target(patch.webhook_url.as_ref())?;
        if caller.role == Role::Controller && patch.webhook_secret.is_some() {
            return Err(ControllerError::Forbidden(
                "a controller token may not set webhook_secret",
            )
            .into());
        }
        if patch.fields().is_empty() {
            return Err(ControllerError::Invalid(FieldError {
                field: "update".into(),
                reason: "no field to change was given".into(),
            })
            .into());
        }
        let c = self
            .repo
            .update(&audit::Actor::from(&caller), &caller.scope(), &id, patch)
            .await?;
        Ok(Response::new(c.into()))
    }
}
