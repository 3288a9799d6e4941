//! Authentication and authorisation.
//!
//! - [`Role`] and [`Principal`]: who is calling, and for which tenant.
//! - [`tokens`]: random 256-bit bearer tokens, stored only as SHA-256 hashes.
//! - [`permissions`]: the one table that says which roles may call each RPC.
//! - [`layer`]: the tower layer that authenticates every call, checks the
//!   table, and hands the [`Principal`] to the handler.
//!
//! Handlers never take a tenant from the request body alone: they call
//! [`Principal::scope`] and filter by it.

pub mod identity;
pub mod layer;
pub mod permissions;
pub mod tokens;

use std::fmt;
use std::str::FromStr;

/// The roles of DESIGN.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Processor staff and the DPO console: everything, every tenant.
    Admin,
    /// An internal service acting for exactly one tenant.
    Service,
    /// Sweeps and deliveries only.
    Worker,
    /// A customer's own DPO: own tenant; read, object, confirm.
    Controller,
    /// Reads everything, never decrypts.
    Auditor,
    /// Another Custodian process of a split deployment: the internal
    /// `custodian.internal.v1` RPCs only, never a public one it is not
    /// listed for; each call carries the tenant scope it acts in.
    Peer,
    /// A person's calendar feed: reads the obligations (and the tenants'
    /// names) of that person's scope, nothing else. Minted only for a
    /// person (`PersonService.ResetCalendarFeed`), never by an operator.
    Calendar,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::Admin,
        Role::Service,
        Role::Worker,
        Role::Controller,
        Role::Auditor,
        Role::Peer,
        Role::Calendar,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Service => "service",
            Role::Worker => "worker",
            Role::Controller => "controller",
            Role::Auditor => "auditor",
            Role::Peer => "peer",
            Role::Calendar => "calendar",
        }
    }

    /// Whether a token of this role must name a tenant (and may not otherwise).
    pub fn requires_tenant(self) -> bool {
        matches!(self, Role::Service | Role::Controller)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role {}: expected one of admin, service, worker, controller, auditor, peer, calendar", proto::wire::quote(.0))]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Role, UnknownRole> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

/// The authenticated caller, attached to every request by the layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub token_id: String,
    pub name: String,
    pub role: Role,
    /// Set for tenant-bound roles (`service`, `controller`), never for others.
    pub tenant: Option<String>,
    /// The person a session credential was minted for (an OpenID Connect
    /// sign-in); `None` for machines' and pasted tokens.
    pub person: Option<String>,
}

/// Which tenants a caller may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every tenant (admin, auditor, worker).
    All,
    /// Exactly one tenant.
    Tenant(String),
}

impl Scope {
    /// Whether an object of `tenant` is visible in this scope.
    pub fn allows(&self, tenant: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::Tenant(t) => t == tenant,
        }
    }

    /// The tenant this caller is bound to; `None` for a processor-wide one.
    pub fn bound(&self) -> Option<&str> {
        match self {
            Scope::All => None,
            Scope::Tenant(t) => Some(t),
        }
    }

    /// The one list rule: the tenant a list is limited to (`None`: every
    /// tenant), given the tenant the caller named (`requested`, already
    /// parsed). A tenant-bound caller sees its own tenant only; when it
    /// names another, that tenant's objects do not exist for it
    /// ([`Foreign`]): the list answers empty, as for a tenant with nothing.
    /// A processor-wide caller sees the tenant it named, or all.
    pub fn listing(&self, requested: Option<&str>) -> Result<Option<String>, Foreign> {
        match (self, requested) {
            (Scope::Tenant(own), Some(r)) if own != r => Err(Foreign),
            (Scope::Tenant(own), _) => Ok(Some(own.clone())),
            (Scope::All, r) => Ok(r.map(str::to_owned)),
        }
    }

    /// The one write rule: the tenant a change acts for, given the tenant
    /// the caller named (`requested`, already parsed). A tenant-bound
    /// caller acts for its own tenant, named or not; naming another is
    /// [`TenantRefusal::Foreign`], which every service answers NOT_FOUND,
    /// as for a missing object. A processor-wide caller must name one
    /// ([`TenantRefusal::Unnamed`], a bad argument).
    pub fn acting_for(&self, requested: Option<&str>) -> Result<String, TenantRefusal> {
        match (self, requested) {
            (Scope::Tenant(own), Some(r)) if own != r => Err(TenantRefusal::Foreign),
            (Scope::Tenant(own), _) => Ok(own.clone()),
            (Scope::All, Some(r)) => Ok(r.to_owned()),
            (Scope::All, None) => Err(TenantRefusal::Unnamed),
        }
    }
}

/// A tenant-bound caller named another tenant, whose objects do not exist
/// for it ([`Scope::listing`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Foreign;

/// Why a change has no tenant to act for ([`Scope::acting_for`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TenantRefusal {
    /// A tenant-bound caller named another tenant: NOT_FOUND.
    Foreign,
    /// A processor-wide caller named none: the field is required.
    Unnamed,
}

impl Principal {
    pub fn scope(&self) -> Scope {
        match &self.tenant {
            Some(t) => Scope::Tenant(t.clone()),
            None => Scope::All,
        }
    }

    /// The actor id written to the audit log.
    /// `person:<id>` for a person's session, so every entry names the
    /// person whichever session they used; `token:<id>` otherwise.
    pub fn actor_id(&self) -> String {
        match &self.person {
            Some(p) => format!("person:{p}"),
            None => format!("token:{}", self.token_id),
        }
    }

    /// Reads the principal the layer attached. A request without one never
    /// passed the layer: that is a wiring bug, reported as `UNAUTHENTICATED`.
    pub fn from_request<T>(req: &tonic::Request<T>) -> Result<Principal, tonic::Status> {
        req.extensions()
            .get::<Principal>()
            .cloned()
            .ok_or_else(|| tonic::Status::unauthenticated("missing credentials"))
    }
}

/// The metadata key that carries the scope a peer call acts in.
pub const SCOPE_HEADER: &str = "x-custodian-scope";

/// The metadata key of the actor a peer call acts for (`<role> <id>`), so
/// the callee audits the person or job behind the call, relayed by the peer.
pub const ACTOR_HEADER: &str = "x-custodian-actor";

/// The caller and the scope of a peer call (`custodian.internal.v1`): the
/// `peer` principal, and `all` or `tenant:<uuid>` from [`SCOPE_HEADER`],
/// the scope of the caller the peer acts for. The callee enforces it.
pub fn peer_scope<T>(req: &tonic::Request<T>) -> Result<(Principal, Scope), tonic::Status> {
    let caller = Principal::from_request(req)?;
    let raw = req
        .metadata()
        .get(SCOPE_HEADER)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            tonic::Status::invalid_argument(format!("{SCOPE_HEADER}: required on every peer call"))
        })?;
    let bad = || {
        tonic::Status::invalid_argument(format!(
            "{SCOPE_HEADER}: must be all or tenant:<uuid>, got {}",
            proto::wire::quote(raw)
        ))
    };
    let scope = match raw.strip_prefix("tenant:") {
        Some(t) => Scope::Tenant(proto::wire::uuid(t).ok_or_else(bad)?),
        None if raw == "all" => Scope::All,
        None => return Err(bad()),
    };
    Ok((caller, scope))
}

/// The tenant a peer call names (`field`, a UUID), inside the scope the peer
/// acts in; a tenant outside it is NOT_FOUND, as for any caller.
pub fn peer_tenant(scope: &Scope, field: &str, raw: &str) -> Result<String, tonic::Status> {
    let t = proto::wire::uuid(raw.trim()).ok_or_else(|| {
        tonic::Status::invalid_argument(format!(
            "{field}: must be a UUID, got {}",
            proto::wire::quote(raw)
        ))
    })?;
    if !scope.allows(&t) {
        return Err(tonic::Status::not_found(format!("{field}: no such tenant")));
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>().unwrap(), r);
        }
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn a_list_shows_a_tenant_bound_caller_its_own_tenant_and_nothing_of_another() {
        let s = Scope::Tenant("a".into());
        assert_eq!(s.listing(None), Ok(Some("a".into())));
        assert_eq!(s.listing(Some("a")), Ok(Some("a".into())));
        assert_eq!(s.listing(Some("b")), Err(Foreign));
        assert_eq!(Scope::All.listing(Some("b")), Ok(Some("b".into())));
        assert_eq!(Scope::All.listing(None), Ok(None));
        assert!(s.allows("a") && !s.allows("b"));
    }

    #[test]
    fn a_change_acts_for_the_callers_own_tenant_and_another_is_not_found() {
        let s = Scope::Tenant("a".into());
        assert_eq!(s.acting_for(None), Ok("a".into()));
        assert_eq!(s.acting_for(Some("a")), Ok("a".into()));
        assert_eq!(s.acting_for(Some("b")), Err(TenantRefusal::Foreign));
        assert_eq!(Scope::All.acting_for(Some("b")), Ok("b".into()));
        assert_eq!(Scope::All.acting_for(None), Err(TenantRefusal::Unnamed));
    }
}
