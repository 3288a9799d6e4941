//! The gRPC implementation of the ports, beside the in-process one in
//! `wiring`: chosen when the configuration names a peer (`[peers] vault =
//! ...`). Each client presents this process's `peer` token, carries the
//! tenant scope it acts in (`x-custodian-scope`), bounds every call with
//! `peer_timeout_ms` and retries idempotent calls once when the peer was
//! unreachable. A peer that is down or slow is `PortError::Unavailable`
//! naming it, which the calling service reports as `UNAVAILABLE`.

use std::time::Duration;

use domain_kit::{ErrorKind, PortError};
use proto::internal as ipb;
use tonic::transport::{Channel, Endpoint};
use tonic::{Code, Status};

use crate::config::Config;

/// The metadata key of the scope a peer call acts in (the vault reads it).
pub use auth::SCOPE_HEADER;

/// A connection to one peer, with the token and timeout of every call.
#[derive(Clone)]
pub struct Peer {
    name: &'static str,
    url: String,
    pub(crate) channel: Channel,
    token: String,
    timeout: Duration,
}

impl Peer {
    /// A lazily connected channel to `url`: a peer that is down at start is
    /// reported on the first call, not as a start-up failure.
    pub fn connect(name: &'static str, url: &str, config: &Config) -> anyhow::Result<Peer> {
        let token = config
            .peer_token
            .clone()
            .filter(|t| !t.trim().is_empty())
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "peers.{name} is set but peer_token is not: create one with `custodian tokens create --role peer` and set CUSTODIAN_PEER_TOKEN"
                )
            })?;
        let timeout = Duration::from_millis(config.peer_timeout_ms.max(1));
        let mut endpoint = Endpoint::from_shared(url.to_owned())
            .map_err(|e| anyhow::anyhow!("peers.{name}: {url} is not a URL: {e}"))?
            .connect_timeout(timeout)
            .timeout(timeout);
        if url.starts_with("https://") {
            endpoint = endpoint
                .tls_config(config.tls.client(None)?)
                .map_err(|e| anyhow::anyhow!("peers.{name}: TLS: {e}"))?;
        }
        let channel = endpoint.connect_lazy();
        Ok(Peer {
            name,
            url: url.to_owned(),
            channel,
            token,
            timeout,
        })
    }

    /// A call acting for one tenant.
    pub(crate) fn request<T>(&self, tenant: &str, msg: T) -> tonic::Request<T> {
        self.scoped(&format!("tenant:{tenant}"), msg)
    }

    /// A call acting for a processor-wide caller (every tenant).
    pub(crate) fn request_all<T>(&self, msg: T) -> tonic::Request<T> {
        self.scoped("all", msg)
    }

    /// A call acting for one tenant on behalf of `actor`, whom the callee
    /// audits (relayed by this process's peer token).
    pub(crate) fn request_as<T>(
        &self,
        actor: &audit::Actor,
        tenant: &str,
        msg: T,
    ) -> tonic::Request<T> {
        let mut r = self.request(tenant, msg);
        if let Ok(v) = actor.header_value().parse() {
            r.metadata_mut().insert(auth::ACTOR_HEADER, v);
        }
        r
    }

    fn scoped<T>(&self, scope: &str, msg: T) -> tonic::Request<T> {
        let mut r = tonic::Request::new(msg);
        r.set_timeout(self.timeout);
        let md = r.metadata_mut();
        if let Ok(v) = format!("Bearer {}", self.token).parse() {
            md.insert("authorization", v);
        }
        if let Ok(v) = scope.parse() {
            md.insert(SCOPE_HEADER, v);
        }
        // The caller's span continues in the peer: one trace across processes.
        crate::telemetry::inject(md);
        r
    }

    /// The port error of a peer's status, keeping its kind.
    fn error(&self, s: Status) -> PortError {
        match s.code() {
            Code::Unavailable | Code::DeadlineExceeded | Code::Cancelled | Code::Unknown => {
                // The caller may be a tenant: it reads which peer, never
                // where it runs or what it said; the operator's log has both.
                tracing::warn!(
                    peer = self.name,
                    url = %self.url,
                    code = ?s.code(),
                    message = s.message(),
                    "a peer is unavailable"
                );
                PortError::Unavailable(format!(
                    "peer {} did not answer ({:?}); retry later",
                    self.name,
                    s.code()
                ))
            }
            Code::NotFound => PortError::from_classified(&Answer(&s, ErrorKind::NotFound)),
            Code::InvalidArgument => PortError::from_classified(&Answer(&s, ErrorKind::Invalid)),
            Code::FailedPrecondition | Code::AlreadyExists => {
                PortError::from_classified(&Answer(&s, ErrorKind::Precondition))
            }
            c => PortError::Internal(format!(
                "peer {} answered {c:?}: {}",
                self.name,
                s.message()
            )),
        }
    }

    /// Whether the peer reports `service` SERVING (gRPC health, no token).
    pub async fn serving(&self, service: &str) -> bool {
        let mut c = tonic_health::pb::health_client::HealthClient::new(self.channel.clone());
        let mut r = tonic::Request::new(tonic_health::pb::HealthCheckRequest {
            service: service.into(),
        });
        r.set_timeout(self.timeout);
        matches!(
            c.check(r).await.map(|r| r.into_inner().status),
            Ok(s) if s == tonic_health::pb::health_check_response::ServingStatus::Serving as i32
        )
    }
}

/// A peer's answer as a classified error, so its message is read back into
/// a `PortError` the same way a service error of this process is.
struct Answer<'a>(&'a Status, ErrorKind);

impl std::fmt::Display for Answer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.message())
    }
}

impl domain_kit::Classified for Answer<'_> {
    fn kind(&self) -> ErrorKind {
        self.1
    }
}

/// Runs an idempotent peer call, once more when the peer was unreachable.
pub(crate) async fn retry<T, F, Fut>(peer: &Peer, mut call: F) -> Result<T, PortError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, Status>>,
{
    match call().await {
        Ok(v) => Ok(v),
        Err(s) if matches!(s.code(), Code::Unavailable) => {
            tokio::time::sleep(Duration::from_millis(100)).await;
            call().await.map_err(|s| peer.error(s))
        }
        Err(s) => Err(peer.error(s)),
    }
}

pub(crate) fn date(s: &str) -> Result<Option<chrono::NaiveDate>, PortError> {
    if s.is_empty() {
        return Ok(None);
    }
    s.parse()
        .map(Some)
        .map_err(|_| PortError::Internal(format!("a peer sent a date that is none: {s:?}")))
}

pub(crate) fn instant(s: &str) -> Result<Option<chrono::DateTime<chrono::Utc>>, PortError> {
    if s.is_empty() {
        return Ok(None);
    }
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| Some(t.with_timezone(&chrono::Utc)))
        .map_err(|_| PortError::Internal(format!("a peer sent an instant that is none: {s:?}")))
}

/// A matched candidate from its wire shape (a vault peer's answer).
pub(crate) fn candidate(
    c: ipb::SubjectCandidate,
) -> Result<requests::ports::SubjectCandidate, PortError> {
    let missing = || PortError::Internal("the vault sent a candidate without dates".into());
    Ok(requests::ports::SubjectCandidate {
        applied_on: date(&c.applied_on)?.ok_or_else(missing)?,
        closed_on: date(&c.closed_on)?,
        consent_withdrawn_on: date(&c.consent_withdrawn_on)?,
        delete_after: instant(&c.delete_after)?,
        created_at: instant(&c.created_at)?.ok_or_else(missing)?,
        updated_at: instant(&c.updated_at)?.ok_or_else(missing)?,
        id: c.id,
        external_ref: c.external_ref,
        vacancy_ref: c.vacancy_ref,
        status: c.status,
        categories: c.categories,
        consent: c.consent,
        retention_basis: c.retention_basis,
        restricted: c.restricted,
    })
}

/// A payload from its wire shape.
pub(crate) fn payload(p: ipb::SubjectPayload) -> requests::ports::SubjectPayload {
    requests::ports::SubjectPayload {
        name: p.name,
        email: p.email,
        phone: p.phone,
        notes: p.notes,
        custom_fields: p.custom_fields.into_iter().collect(),
        cv: p.cv,
        cv_filename: p.cv_filename,
        cv_content_type: p.cv_content_type,
    }
}

/// A deletion certificate from its wire shape.
pub(crate) fn certificate(
    c: ipb::CandidateCertificate,
) -> Result<requests::ports::CandidateCertificate, PortError> {
    Ok(requests::ports::CandidateCertificate {
        shredded_at: instant(&c.shredded_at)?
            .ok_or_else(|| PortError::Internal("a certificate without a time".into()))?,
        candidate_id: c.candidate_id,
        tenant_id: c.tenant_id,
        external_ref: c.external_ref,
        reason: c.reason,
        basis: c.basis,
        ledger_seq: c.ledger_seq,
        ledger_hash: c.ledger_hash,
        destroyed: c.destroyed,
        signed: c.signed,
    })
}

/// The obligations of a service hosted by a peer, as DeadlineService merges
/// them: `open_obligations` of that process's `ObligationsPeer`.
pub struct RemoteObligations {
    pub peer: Peer,
    /// The source asked (`requests`, ...); the obligations carry it.
    pub service: &'static str,
}

impl RemoteObligations {
    /// One `OpenObligations` call carrying the whole query (window, cursor,
    /// limit) under the query's scope.
    async fn ask(
        &self,
        q: &deadlines::ObligationQuery,
        count_only: bool,
    ) -> Result<ipb::OpenObligationsResponse, PortError> {
        let p = &self.peer;
        let stamp = |t: Option<chrono::DateTime<chrono::Utc>>| {
            t.map(proto::wire::timestamp).unwrap_or_default()
        };
        let r = retry(p, || async {
            let mut client =
                ipb::obligations_peer_client::ObligationsPeerClient::new(p.channel.clone());
            let after = q.after.as_ref();
            let msg = ipb::OpenObligationsRequest {
                service: self.service.into(),
                tenant_id: q.tenant.clone().unwrap_or_default(),
                due_before: stamp(q.due_before),
                due_by: stamp(q.due_by),
                due_from: stamp(q.due_from),
                limit: q.limit,
                after_due: stamp(after.map(|c| c.due)),
                after_object_id: after.map(|c| c.object_id.clone()).unwrap_or_default(),
                after_rule: after.map(|c| c.rule.clone()).unwrap_or_default(),
                after_tiebreak: after.map(|c| c.tiebreak).unwrap_or_default(),
                count_only,
            };
            let req = match &q.tenant {
                Some(t) => p.request(t, msg),
                None => p.request_all(msg),
            };
            client.open_obligations(req).await
        })
        .await?;
        Ok(r.into_inner())
    }
}

#[async_trait::async_trait]

impl deadlines::ObligationSource for RemoteObligations {
    fn service(&self) -> &'static str {
        self.service
    }

    async fn open_obligations(
        &self,
        q: &deadlines::ObligationQuery,
    ) -> Result<Vec<deadlines::Obligation>, deadlines::SourceError> {
        let fail = |e: PortError| deadlines::SourceError {
            service: self.service,
            message: e.to_string(),
        };
        let r = self.ask(q, false).await.map_err(fail)?;
        r.obligations
            .into_iter()
            .map(|o| {
                let at = |s: &str| {
                    instant(s).map_err(fail)?.ok_or_else(|| {
                        fail(PortError::Internal(
                            "an obligation without a due time".into(),
                        ))
                    })
                };
                Ok(deadlines::Obligation {
                    service: self.service,
                    due_strict: at(&o.due_strict)?,
                    due_lenient: at(&o.due_lenient)?,
                    tenant_id: o.tenant_id,
                    object_type: o.object_type.into(),
                    object_id: o.object_id,
                    title: o.title,
                    description: o.description,
                    rule: o.rule.into(),
                    citation: o.citation.into(),
                    notes: o.notes,
                })
            })
            .collect()
    }

    async fn count_open(
        &self,
        q: &deadlines::ObligationQuery,
    ) -> Result<u64, deadlines::SourceError> {
        let r = self
            .ask(q, true)
            .await
            .map_err(|e| deadlines::SourceError {
                service: self.service,
                message: e.to_string(),
            })?;
        Ok(r.count)
    }
}
