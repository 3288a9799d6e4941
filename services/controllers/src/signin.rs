//! `SignInService`: people sign in through an OpenID Provider (the
//! authorization code flow with PKCE and a nonce) and get a short-lived
//! session credential, a token bound to the person whose role and tenant
//! are read from the person at that moment.
//!
//! The console is the browser's side and holds no provider secret; this
//! service keeps the providers' configuration, discovers each provider
//! (its endpoints and signing keys, fetched again when a token is signed
//! with a key it does not know: key rotation), exchanges the code, verifies
//! the ID token (signature, issuer, audience, expiry, nonce) and applies
//! [`crate::signin_rules`]. A begun sign-in is a row of `sign_in_attempts`
//! (the hashes of its `state` and of the browser's binding value, the
//! nonce, the PKCE verifier), consumed at the first completion whatever
//! its outcome. Every sign-in, sign-out and refusal is audited
//! (`person.sign_in`, `person.sign_out`, `person.sign_in_refused`);
//! refusals are counted per client address and throttled.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use audit::{Actor, Record};
use auth::{Principal, Role};
use base64::Engine;
use chrono::Utc;
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken, IssuerUrl,
    Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, SignatureVerificationError,
    TokenResponse,
};
use proto::v1::{self as pb, sign_in_service_server::SignInService};
use proto::wire;
use sea_orm::{DatabaseConnection, Set};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use store::entities::{people, sign_in_attempts as attempts};
use tonic::{Request, Response, Status};

use crate::signin_rules::{self as rules, Candidate, Provider, Refusal, Verified};
use crate::signin_store::{self, Started};

/// `[sign_in]` of the configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SignInConfig {
    /// The OpenID Providers people sign in with (`[[sign_in.providers]]`).
    pub providers: Vec<ProviderConfig>,
    /// How long a person's session credential lasts, in minutes.
    pub session_minutes: u64,
}

impl Default for SignInConfig {
    fn default() -> Self {
        SignInConfig {
            providers: Vec::new(),
            session_minutes: 8 * 60,
        }
    }
}

/// One provider, as configured (see docs/sign-in.md).
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProviderConfig {
    pub id: String,
    pub name: String,
    pub issuer: String,
    pub client_id: String,
    /// The client secret; prefer `client_secret_file`.
    pub client_secret: Option<String>,
    pub client_secret_file: Option<PathBuf>,
    /// Scopes besides `openid` (default `email`, `profile`).
    pub scopes: Option<Vec<String>>,
    pub roles_claim: Option<String>,
    /// Claim value → `admin`, `auditor` or `controller`.
    pub roles: BTreeMap<String, String>,
    pub require_acr: Vec<String>,
    pub require_amr: Vec<String>,
    /// A customer's own provider: the controller (tenant) id it signs in.
    pub tenant: Option<String>,
    /// The e-mail domains a customer's provider vouches for.
    pub domains: Vec<String>,
    pub trust_email: bool,
}

/// Every field but the secret, which is shown as set or not: a
/// configuration printed by mistake (a panic, a debug log) leaks no secret.
impl std::fmt::Debug for ProviderConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderConfig")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("client_secret_file", &self.client_secret_file)
            .field("scopes", &self.scopes)
            .field("roles_claim", &self.roles_claim)
            .field("roles", &self.roles)
            .field("require_acr", &self.require_acr)
            .field("require_amr", &self.require_amr)
            .field("tenant", &self.tenant)
            .field("domains", &self.domains)
            .field("trust_email", &self.trust_email)
            .finish()
    }
}

impl SignInConfig {
    /// Checks every provider; the message names the provider and field.
    pub fn providers(&self) -> Result<Vec<Provider>, String> {
        let mut out: Vec<Provider> = Vec::new();
        for (i, c) in self.providers.iter().enumerate() {
            let at =
                |field: &str| format!("sign_in.providers[{i}] ({}).{field}", wire::quote(&c.id));
            if c.id.is_empty()
                || c.id.len() > 40
                || !c
                    .id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            {
                return Err(format!(
                    "{}: 1 to 40 lower-case letters, digits or '-'",
                    at("id")
                ));
            }
            if out.iter().any(|p| p.id == c.id) {
                return Err(format!("{}: used twice", at("id")));
            }
            let issuer = url::Url::parse(&c.issuer)
                .ok()
                .filter(|u| matches!(u.scheme(), "https" | "http"))
                .ok_or_else(|| format!("{}: not an http(s) URL", at("issuer")))?;
            if c.client_id.trim().is_empty() {
                return Err(format!("{}: required", at("client_id")));
            }
            let secret = match (&c.client_secret, &c.client_secret_file) {
                (Some(s), None) => Some(s.clone()),
                (None, Some(f)) => Some(
                    std::fs::read_to_string(f)
                        .map_err(|e| {
                            format!("{}: {} ({e})", at("client_secret_file"), f.display())
                        })?
                        .trim()
                        .to_owned(),
                ),
                (None, None) => None,
                (Some(_), Some(_)) => {
                    return Err(format!(
                        "{}: give client_secret or client_secret_file, not both",
                        at("client_secret")
                    ));
                }
            };
            let tenant = match &c.tenant {
                None => None,
                Some(t) => Some(
                    wire::uuid(t)
                        .ok_or_else(|| format!("{}: not a controller id", at("tenant")))?,
                ),
            };
            let domains: Vec<String> = c.domains.iter().map(|d| d.trim().to_lowercase()).collect();
            if tenant.is_some() && domains.is_empty() {
                return Err(format!(
                    "{}: a customer's provider names the e-mail domains it vouches for",
                    at("domains")
                ));
            }
            if domains
                .iter()
                .any(|d| d.is_empty() || d.contains('@') || !d.contains('.'))
            {
                return Err(format!("{}: a domain such as klant.nl", at("domains")));
            }
            let mut roles = BTreeMap::new();
            for (claim, role) in &c.roles {
                let r = match role.parse::<Role>() {
                    Ok(r @ (Role::Admin | Role::Auditor | Role::Controller)) => r,
                    _ => {
                        return Err(format!(
                            "{}: {} is not admin, auditor or controller",
                            at("roles"),
                            wire::quote(role)
                        ));
                    }
                };
                if tenant.is_some() && r != Role::Controller {
                    return Err(format!(
                        "{}: a customer's provider grants controller only",
                        at("roles")
                    ));
                }
                roles.insert(claim.clone(), r);
            }
            if c.roles_claim.is_some() == roles.is_empty() {
                return Err(format!(
                    "{}: give roles_claim and roles together",
                    at("roles_claim")
                ));
            }
            out.push(Provider {
                id: c.id.clone(),
                name: if c.name.trim().is_empty() {
                    c.id.clone()
                } else {
                    c.name.trim().to_owned()
                },
                issuer: issuer.as_str().trim_end_matches('/').to_owned(),
                client_id: c.client_id.trim().to_owned(),
                client_secret: secret,
                scopes: c
                    .scopes
                    .clone()
                    .unwrap_or_else(|| vec!["email".into(), "profile".into()]),
                roles_claim: c.roles_claim.clone(),
                roles,
                require_acr: c.require_acr.clone(),
                require_amr: c.require_amr.clone(),
                tenant,
                domains,
                trust_email: c.trust_email,
            });
        }
        Ok(out)
    }
}

/// A begun sign-in is good for this long.
const ATTEMPT_TTL: Duration = Duration::from_secs(15 * 60);
/// A provider's discovery document and keys are fetched again after this.
const METADATA_TTL: Duration = Duration::from_secs(60 * 60);
/// Refused sign-ins one client address may have in [`FAILURE_WINDOW`].
pub const MAX_FAILURES: u32 = 20;
pub const FAILURE_WINDOW: Duration = Duration::from_secs(60);

/// The providers, their discovered metadata, and the failures per address.
pub struct SignIn {
    db: DatabaseConnection,
    providers: Vec<Provider>,
    own: BTreeSet<String>,
    session: chrono::Duration,
    http: openidconnect::reqwest::Client,
    metadata: Mutex<HashMap<String, (Arc<CoreProviderMetadata>, Instant)>>,
    failures: Mutex<HashMap<IpAddr, (u32, Instant)>>,
}

fn sha256(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

fn random() -> String {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).expect("the operating system's random source");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

/// The controllers' internal-error mapping (a database outage answers
/// UNAVAILABLE, anything else INTERNAL without its text).
fn internal(e: impl std::fmt::Display + 'static) -> Status {
    Status::from(crate::repo::internal(e))
}

impl SignIn {
    pub fn new(db: DatabaseConnection, config: &SignInConfig) -> Result<SignIn, String> {
        let providers = config.providers()?;
        let http = openidconnect::reqwest::ClientBuilder::new()
            // Following redirects would let a provider's answer send this
            // process elsewhere (SSRF).
            .redirect(openidconnect::reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| format!("sign-in HTTP client: {e}"))?;
        Ok(SignIn {
            db,
            own: rules::tenants_with_own(&providers),
            providers,
            session: chrono::Duration::minutes(config.session_minutes.clamp(5, 24 * 60) as i64),
            http,
            metadata: Mutex::default(),
            failures: Mutex::default(),
        })
    }

    fn provider(&self, id: &str) -> Option<&Provider> {
        self.providers.iter().find(|p| p.id == id)
    }

    /// The provider's discovery document and keys (cached; `fresh` fetches
    /// them again, after a token signed with an unknown key).
    async fn metadata(
        &self,
        p: &Provider,
        fresh: bool,
    ) -> Result<Arc<CoreProviderMetadata>, Status> {
        if !fresh
            && let Some((m, at)) = self.metadata.lock().expect("metadata").get(&p.id).cloned()
            && at.elapsed() < METADATA_TTL
        {
            return Ok(m);
        }
        let issuer = IssuerUrl::new(p.issuer.clone()).map_err(internal)?;
        let m = CoreProviderMetadata::discover_async(issuer, &self.http)
            .await
            .map_err(|e| {
                tracing::warn!(provider = %p.id, error = %e, "sign-in: discovery failed");
                Status::unavailable(format!(
                    "the identity provider {} cannot be reached now; try again later",
                    wire::quote(&p.name)
                ))
            })?;
        let m = Arc::new(m);
        self.metadata
            .lock()
            .expect("metadata")
            .insert(p.id.clone(), (m.clone(), Instant::now()));
        Ok(m)
    }

    fn throttled(&self, client: Option<IpAddr>) -> bool {
        let Some(ip) = client else { return false };
        matches!(self.failures.lock().expect("failures").get(&ip),
            Some((n, since)) if *n >= MAX_FAILURES && since.elapsed() < FAILURE_WINDOW)
    }

    /// Counts a refusal of `client`; how many it has had in the window.
    fn failed(&self, client: Option<IpAddr>) -> u32 {
        let Some(ip) = client else { return 0 };
        let mut f = self.failures.lock().expect("failures");
        if f.len() >= 10_000 {
            f.retain(|_, (_, since)| since.elapsed() < FAILURE_WINDOW);
        }
        let e = f.entry(ip).or_insert((0, Instant::now()));
        if e.1.elapsed() >= FAILURE_WINDOW {
            *e = (0, Instant::now());
        }
        e.0 += 1;
        e.0
    }

    /// Records a refusal (audited, counted) and answers it. A throttled
    /// attempt is counted in the metrics only; the refusal that used up
    /// the address's attempts is audited once more as `throttled`, so a
    /// guessing address cannot fill the audit log.
    async fn refuse(
        &self,
        client: Option<IpAddr>,
        provider: Option<&Provider>,
        tenant: Option<&str>,
        r: Refusal,
    ) -> Status {
        metrics::counter!("custodian_sign_in_refusals_total", "reason" => r.code()).increment(1);
        if r == Refusal::Throttled {
            return Status::resource_exhausted(r.message());
        }
        let n = self.failed(client);
        let rec = |why: &Refusal| {
            let mut rec = Record::new(
                &Actor::system("sign-in"),
                "person.sign_in_refused",
                "sign_in",
                provider.map(|p| p.id.as_str()).unwrap_or("unknown"),
            )
            .details(serde_json::json!({ "reason": why.code() }));
            if let Some(t) = tenant.or(provider.and_then(|p| p.tenant.as_deref())) {
                rec = rec.tenant(t);
            }
            rec
        };
        let mut recs = vec![rec(&r)];
        if n == MAX_FAILURES {
            recs.push(rec(&Refusal::Throttled));
        }
        for one in recs {
            if let Err(e) = audit::record(&self.db, one).await {
                tracing::error!(error = %e, "sign-in: the refusal could not be audited");
                return Status::unavailable("the sign-in cannot be recorded now; try again later");
            }
        }
        match r {
            Refusal::Throttled => Status::resource_exhausted(r.message()),
            Refusal::BadState | Refusal::UnknownProvider => {
                Status::failed_precondition(r.message())
            }
            _ => Status::permission_denied(r.message()),
        }
    }

    /// Takes the attempt of `state` out of the table (a `state` is good
    /// once); `None` when there is none, it is stale or another browser's.
    async fn take_attempt(
        &self,
        state: &str,
        binding: &str,
    ) -> Result<Option<attempts::Model>, Status> {
        // None also when another completion took it first.
        let Some(row) = signin_store::take_attempt(&self.db, sha256(state)).await? else {
            return Ok(None);
        };
        let fresh = Utc::now() - row.created_at
            < chrono::Duration::from_std(ATTEMPT_TTL).unwrap_or_default();
        let ours: bool =
            subtle::ConstantTimeEq::ct_eq(row.binding_hash.as_bytes(), sha256(binding).as_bytes())
                .into();
        Ok((fresh && ours).then_some(row))
    }

    /// Verifies the ID token of a code exchange; what it says of the person.
    async fn verify(
        &self,
        p: &Provider,
        attempt: &attempts::Model,
        code: &str,
    ) -> Result<Verified, Refusal> {
        let redirect =
            RedirectUrl::new(attempt.redirect_uri.clone()).map_err(|_| Refusal::Exchange)?;
        let build = |m: &CoreProviderMetadata| {
            CoreClient::from_provider_metadata(
                m.clone(),
                ClientId::new(p.client_id.clone()),
                p.client_secret.clone().map(ClientSecret::new),
            )
            .set_redirect_uri(redirect.clone())
        };
        let meta = self
            .metadata(p, false)
            .await
            .map_err(|_| Refusal::Exchange)?;
        let client = build(&meta);
        let token = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|_| Refusal::Exchange)?
            .set_pkce_verifier(PkceCodeVerifier::new(attempt.pkce_verifier.clone()))
            .request_async(&self.http)
            .await
            .map_err(|e| {
                tracing::info!(provider = %p.id, error = %e, "sign-in: the code exchange failed");
                match e {
                    // An answer that is no token response with a valid ID
                    // token (an unsigned one among them).
                    openidconnect::RequestTokenError::Parse(..) => Refusal::BadToken,
                    _ => Refusal::Exchange,
                }
            })?;
        let id_token = token.id_token().ok_or(Refusal::NoIdToken)?;
        let nonce = Nonce::new(attempt.nonce.clone());
        let claims = match id_token.claims(&client.id_token_verifier(), &nonce) {
            // Signed with a key this process has not seen: the provider
            // rotated its keys. Fetch them again and verify once more.
            Err(ClaimsVerificationError::SignatureVerification(
                SignatureVerificationError::NoMatchingKey,
            )) => {
                let meta = self
                    .metadata(p, true)
                    .await
                    .map_err(|_| Refusal::Signature)?;
                id_token.claims(&build(&meta).id_token_verifier(), &nonce)
            }
            other => other,
        }
        .map_err(|e| {
            tracing::info!(provider = %p.id, error = %e, "sign-in: ID token refused");
            match e {
                ClaimsVerificationError::InvalidAudience(_) => Refusal::WrongAudience,
                ClaimsVerificationError::Expired(_) => Refusal::Expired,
                ClaimsVerificationError::InvalidNonce(_) => Refusal::Nonce,
                ClaimsVerificationError::InvalidIssuer(_) => Refusal::Issuer,
                ClaimsVerificationError::SignatureVerification(_) => Refusal::Signature,
                _ => Refusal::BadToken,
            }
        })?;
        // The roles claim may be any claim: read from the payload the
        // library has just verified.
        let claimed = p.roles_claim.as_ref().and_then(|name| {
            let raw = id_token.to_string();
            let payload = raw.split('.').nth(1)?;
            let json: serde_json::Value = serde_json::from_slice(
                &base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .decode(payload)
                    .ok()?,
            )
            .ok()?;
            match json.get(name)? {
                serde_json::Value::Array(a) => Some(
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect(),
                ),
                serde_json::Value::String(s) => Some(vec![s.clone()]),
                _ => Some(vec![]),
            }
        });
        Ok(Verified {
            issuer: claims.issuer().as_str().trim_end_matches('/').to_owned(),
            subject: claims.subject().as_str().to_owned(),
            email: claims.email().map(|e| e.as_str().trim().to_lowercase()),
            email_verified: claims.email_verified() == Some(true),
            acr: claims.auth_context_ref().map(|a| a.as_str().to_owned()),
            amr: claims
                .auth_method_refs()
                .map(|v| v.iter().map(|a| a.as_str().to_owned()).collect())
                .unwrap_or_default(),
            claimed,
        })
    }

    /// The person already bound to the account, and (when there is none)
    /// the live people of its address.
    async fn candidates(
        &self,
        v: &Verified,
    ) -> Result<(Option<Candidate>, Vec<Candidate>), Status> {
        let to = |m: people::Model| {
            Some(Candidate {
                role: m.role.parse().ok()?,
                bound: m.issuer.is_some(),
                id: m.id,
                tenant: m.tenant_id,
                email: m.email,
            })
        };
        let (bound, invited) =
            signin_store::people_of_account(&self.db, &v.issuer, &v.subject, v.email.as_deref())
                .await?;
        Ok((
            bound.and_then(to),
            invited.into_iter().filter_map(to).collect(),
        ))
    }
}

/// The address failures are counted for: the browser's, as the console
/// names it on loopback, else the caller's (read by the auth layer).
fn client_of<T>(r: &Request<T>) -> Option<IpAddr> {
    r.extensions().get::<auth::layer::ClientAddr>().map(|c| c.0)
}

pub struct SignInGrpc {
    inner: Arc<SignIn>,
}

pub fn service(
    sign_in: Arc<SignIn>,
) -> pb::sign_in_service_server::SignInServiceServer<SignInGrpc> {
    pb::sign_in_service_server::SignInServiceServer::new(SignInGrpc { inner: sign_in })
}

fn invalid(field: &str, why: impl Into<String>) -> Status {
    Status::invalid_argument(format!("{field}: {}", why.into()))
}

#[tonic::async_trait]
impl SignInService for SignInGrpc {
    async fn list_providers(
        &self,
        _request: Request<pb::ListProvidersRequest>,
    ) -> Result<Response<pb::ListProvidersResponse>, Status> {
        Ok(Response::new(pb::ListProvidersResponse {
            providers: self
                .inner
                .providers
                .iter()
                .map(|p| pb::SignInProvider {
                    id: p.id.clone(),
                    name: p.name.clone(),
                })
                .collect(),
        }))
    }

    async fn begin_sign_in(
        &self,
        request: Request<pb::BeginSignInRequest>,
    ) -> Result<Response<pb::BeginSignInResponse>, Status> {
        let s = &self.inner;
        if s.throttled(client_of(&request)) {
            return Err(Status::resource_exhausted(Refusal::Throttled.message()));
        }
        let r = request.into_inner();
        let p = s.provider(r.provider.trim()).ok_or_else(|| {
            invalid(
                "provider",
                format!("no provider {} is configured", wire::quote(&r.provider)),
            )
        })?;
        let redirect = url::Url::parse(r.redirect_uri.trim())
            .ok()
            .filter(|u| matches!(u.scheme(), "https" | "http") && u.as_str().len() <= 2000)
            .ok_or_else(|| {
                invalid(
                    "redirect_uri",
                    format!("not an http(s) URL: {}", wire::quote(&r.redirect_uri)),
                )
            })?;
        let meta = s.metadata(p, false).await?;
        let client = CoreClient::from_provider_metadata(
            (*meta).clone(),
            ClientId::new(p.client_id.clone()),
            p.client_secret.clone().map(ClientSecret::new),
        )
        .set_redirect_uri(RedirectUrl::from_url(redirect.clone()));
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut a = client.authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        );
        for sc in &p.scopes {
            a = a.add_scope(Scope::new(sc.clone()));
        }
        let (url, state, nonce) = a.set_pkce_challenge(challenge).url();
        let binding = random();
        // Stale attempts go whenever one begins.
        let stale = Utc::now() - chrono::Duration::from_std(ATTEMPT_TTL).unwrap_or_default();
        let attempt = attempts::ActiveModel {
            state_hash: Set(sha256(state.secret())),
            provider: Set(p.id.clone()),
            nonce: Set(nonce.secret().clone()),
            pkce_verifier: Set(verifier.secret().clone()),
            binding_hash: Set(sha256(&binding)),
            redirect_uri: Set(redirect.to_string()),
            created_at: Set(store::now_micros()),
        };
        signin_store::begin_attempt(&s.db, attempt, stale).await?;
        Ok(Response::new(pb::BeginSignInResponse {
            authorization_url: url.to_string(),
            state: state.secret().clone(),
            binding,
        }))
    }

    async fn complete_sign_in(
        &self,
        request: Request<pb::CompleteSignInRequest>,
    ) -> Result<Response<pb::CompleteSignInResponse>, Status> {
        let s = &self.inner;
        let client = client_of(&request);
        if s.throttled(client) {
            return Err(s.refuse(client, None, None, Refusal::Throttled).await);
        }
        // The request gate has held every field to its limit
        // (`proto::limits`: state and binding 512 bytes, code 4096).
        let r = request.into_inner();
        let Some(attempt) = s.take_attempt(&r.state, &r.binding).await? else {
            return Err(s.refuse(client, None, None, Refusal::BadState).await);
        };
        let Some(p) = s.provider(&attempt.provider) else {
            return Err(s.refuse(client, None, None, Refusal::UnknownProvider).await);
        };
        if !r.error.is_empty() {
            return Err(s
                .refuse(
                    client,
                    Some(p),
                    None,
                    Refusal::ProviderError(r.error.clone()),
                )
                .await);
        }
        let v = match s.verify(p, &attempt, &r.code).await {
            Ok(v) => v,
            Err(e) => return Err(s.refuse(client, Some(p), None, e).await),
        };
        if let Err(e) = rules::assurance(p, &v) {
            return Err(s.refuse(client, Some(p), None, e).await);
        }
        let (bound, invited) = s.candidates(&v).await?;
        let bound_id = bound.as_ref().map(|c| c.id.clone());
        let tenant_hint = bound.as_ref().and_then(|c| c.tenant.clone());
        let person = match rules::choose(p, &v, bound, invited, &s.own) {
            Ok(c) => c,
            Err(e) => {
                // The provider took the role away: the person's sessions end.
                if e == Refusal::RoleNotGranted
                    && let Some(id) = &bound_id
                    && let Err(err) = auth::tokens::end_person_sessions(&s.db, id).await
                {
                    tracing::error!(error = %err, "sign-in: sessions could not be ended");
                }
                return Err(s.refuse(client, Some(p), tenant_hint.as_deref(), e).await);
            }
        };
        let expires = store::now_micros() + s.session;
        let (row, secret) = match signin_store::start_session(
            &s.db,
            &person.id,
            (&v.issuer, &v.subject),
            &p.id,
            expires,
        )
        .await?
        {
            Started::Session { person, secret } => (*person, secret),
            Started::NoPerson => {
                return Err(Status::permission_denied(Refusal::NoPerson.message()));
            }
            Started::Ambiguous => {
                return Err(Status::permission_denied(Refusal::Ambiguous.message()));
            }
        };
        Ok(Response::new(pb::CompleteSignInResponse {
            session_token: secret,
            expires_at: wire::timestamp(expires),
            person: Some(crate::people::Person::from(row).into()),
        }))
    }

    async fn end_session(
        &self,
        request: Request<pb::EndSessionRequest>,
    ) -> Result<Response<pb::EndSessionResponse>, Status> {
        let caller = Principal::from_request(&request)?;
        let Some(person) = caller.person.clone() else {
            return Err(Status::failed_precondition(
                "this credential is not a person's session; revoke a token with TokenService",
            ));
        };
        let s = &self.inner;
        signin_store::end_session(
            &s.db,
            &Actor::from(&caller),
            &caller.token_id,
            &person,
            caller.tenant.as_deref(),
        )
        .await?;
        Ok(Response::new(pb::EndSessionResponse {}))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(p: ProviderConfig) -> Result<Vec<Provider>, String> {
        SignInConfig {
            providers: vec![p],
            ..SignInConfig::default()
        }
        .providers()
    }

    fn good() -> ProviderConfig {
        ProviderConfig {
            id: "staff".into(),
            issuer: "https://login.example.nl/realms/custodian".into(),
            client_id: "custodian-console".into(),
            client_secret: Some("s".into()),
            ..ProviderConfig::default()
        }
    }

    #[test]
    fn a_provider_is_checked_and_each_mistake_names_its_field() {
        let p = one(good()).unwrap().remove(0);
        assert_eq!(p.name, "staff", "the id names a provider without a name");
        assert_eq!(p.scopes, ["email", "profile"]);
        let bad = |f: fn(&mut ProviderConfig), field: &str| {
            let mut c = good();
            f(&mut c);
            let e = one(c).unwrap_err();
            assert!(e.contains(&format!(".{field}:")), "{field}: {e}");
        };
        bad(|c| c.id = "Staff Login".into(), "id");
        bad(|c| c.issuer = "login.example.nl".into(), "issuer");
        bad(|c| c.client_id = " ".into(), "client_id");
        bad(
            |c| c.client_secret_file = Some("/x".into()),
            "client_secret",
        );
        bad(|c| c.tenant = Some("klant".into()), "tenant");
        bad(
            |c| c.tenant = Some("01a2507b-d623-7164-853d-ad3e5832b23f".into()),
            "domains",
        );
        bad(|c| c.domains = vec!["@klant.nl".into()], "domains");
        bad(|c| c.roles_claim = Some("groups".into()), "roles_claim");
        bad(
            |c| {
                c.roles_claim = Some("groups".into());
                c.roles = [("g".to_owned(), "owner".to_owned())].into();
            },
            "roles",
        );
        bad(
            |c| {
                c.tenant = Some("01a2507b-d623-7164-853d-ad3e5832b23f".into());
                c.domains = vec!["klant.nl".into()];
                c.roles_claim = Some("groups".into());
                c.roles = [("g".to_owned(), "admin".to_owned())].into();
            },
            "roles",
        );
        let twice = SignInConfig {
            providers: vec![good(), good()],
            ..SignInConfig::default()
        };
        assert!(twice.providers().unwrap_err().contains("used twice"));
    }
}
