//! Who may sign in through which OpenID Provider: the pure rules of a
//! sign-in, after the ID token has been verified (no IO here; the flow
//! itself is [`crate::signin`]).
//!
//! - A provider configured for a tenant (a customer's own) signs in that
//!   tenant's people only, and only addresses of the e-mail domains it
//!   vouches for.
//! - The processor's providers (no tenant) sign in the processor's staff,
//!   and the DPOs of customers that have no provider of their own.
//! - A person is found by the provider's (issuer, subject); on the first
//!   sign-in by a verified e-mail address of a live invitation instead,
//!   which then binds the person to that account for good.
//! - A provider that maps a claim to roles must grant the person's role at
//!   every sign-in; a person whose role claim was taken away is refused
//!   (and its sessions end).
//! - A provider may insist on an authentication context (`acr`) or methods
//!   (`amr`, for instance `mfa`).

use std::collections::{BTreeMap, BTreeSet};

use auth::Role;
use proto::wire;

/// A provider's checked configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provider {
    /// Its id in the configuration (lower-case letters, digits, `-`).
    pub id: String,
    /// What the sign-in button says.
    pub name: String,
    /// The issuer, exactly as the provider's discovery document names it.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: Option<String>,
    /// Scopes asked for besides `openid`.
    pub scopes: Vec<String>,
    /// The ID token claim that carries roles or groups, and which of its
    /// values grant which role; `None`: the provider says nothing of roles.
    pub roles_claim: Option<String>,
    pub roles: BTreeMap<String, Role>,
    /// One of these `acr` values is required (empty: none).
    pub require_acr: Vec<String>,
    /// All of these `amr` values are required (empty: none).
    pub require_amr: Vec<String>,
    /// A customer's own provider: the tenant it signs in.
    pub tenant: Option<String>,
    /// The e-mail domains a customer's provider vouches for (lower case).
    pub domains: Vec<String>,
    /// Take the `email` claim as verified although the provider does not
    /// say `email_verified` (Microsoft Entra ID sends no such claim; its
    /// addresses are the organisation's own directory's).
    pub trust_email: bool,
}

/// What a verified ID token says of the person.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verified {
    pub issuer: String,
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub acr: Option<String>,
    pub amr: Vec<String>,
    /// The values of the provider's roles claim (`None`: the claim is absent).
    pub claimed: Option<Vec<String>>,
}

/// A person the sign-in may be for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub id: String,
    pub role: Role,
    pub tenant: Option<String>,
    pub email: String,
    /// Already bound to an account (of this provider or another).
    pub bound: bool,
}

/// Why a sign-in was refused. Each says what happened in words a person
/// can act on; [`Refusal::code`] is what the audit entry records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The `state` is unknown, used, stale, or of another browser.
    BadState,
    /// The provider answered an error instead of a code.
    ProviderError(String),
    UnknownProvider,
    /// The provider refused the code (or could not be reached for it).
    Exchange,
    NoIdToken,
    WrongAudience,
    Expired,
    /// Unsigned, or signed with a key the provider does not publish.
    Signature,
    Nonce,
    Issuer,
    /// Any other flaw of the ID token.
    BadToken,
    /// The provider did not attest the required `acr` or `amr`.
    Assurance,
    /// No person and no invitation for this account or address.
    NoPerson,
    /// The address is not verified by the provider.
    UnverifiedEmail,
    /// A customer's provider signed in an address outside its domains.
    DomainNotVouched,
    /// The person belongs to a tenant this provider does not sign in.
    ProviderNotTrusted,
    /// The address is invited by more than one organisation.
    Ambiguous,
    /// The invitation of this address is already bound to another account.
    BoundElsewhere,
    /// The provider's roles claim does not grant the person's role.
    RoleNotGranted,
    /// Too many failed sign-ins from this address.
    Throttled,
}

impl Refusal {
    /// The audit entry's `reason` detail.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::BadState => "bad_state",
            Refusal::ProviderError(_) => "provider_error",
            Refusal::UnknownProvider => "unknown_provider",
            Refusal::Exchange => "code_refused",
            Refusal::NoIdToken => "no_id_token",
            Refusal::WrongAudience => "wrong_audience",
            Refusal::Expired => "expired",
            Refusal::Signature => "bad_signature",
            Refusal::Nonce => "bad_nonce",
            Refusal::Issuer => "wrong_issuer",
            Refusal::BadToken => "bad_id_token",
            Refusal::Assurance => "assurance",
            Refusal::NoPerson => "not_invited",
            Refusal::UnverifiedEmail => "unverified_email",
            Refusal::DomainNotVouched => "domain_not_vouched",
            Refusal::ProviderNotTrusted => "provider_not_trusted",
            Refusal::Ambiguous => "ambiguous",
            Refusal::BoundElsewhere => "bound_elsewhere",
            Refusal::RoleNotGranted => "role_not_granted",
            Refusal::Throttled => "throttled",
        }
    }

    /// What the person is told (the console says it in their language).
    pub fn message(&self) -> String {
        match self {
            Refusal::BadState => "this sign-in is unknown, was already used or has expired; start again".into(),
            Refusal::ProviderError(e) => format!("the identity provider did not sign you in ({})", wire::quote(e)),
            Refusal::UnknownProvider => "this identity provider is not configured".into(),
            Refusal::Exchange => "the identity provider refused to confirm this sign-in; start again".into(),
            Refusal::NoIdToken => "the identity provider sent no ID token".into(),
            Refusal::WrongAudience => "the identity provider's ID token was issued for another application".into(),
            Refusal::Expired => "the identity provider's ID token has expired".into(),
            Refusal::Signature => "the identity provider's ID token is not signed with one of its keys".into(),
            Refusal::Nonce => "the identity provider's ID token belongs to another sign-in".into(),
            Refusal::Issuer => "the identity provider's ID token names another issuer".into(),
            Refusal::BadToken => "the identity provider's ID token is not valid".into(),
            Refusal::Assurance => "this sign-in needs a stronger authentication (for instance a second factor) at the identity provider".into(),
            Refusal::NoPerson => "no one with this account or address is invited; ask an administrator to invite you".into(),
            Refusal::UnverifiedEmail => "the identity provider has not verified your e-mail address".into(),
            Refusal::DomainNotVouched => "this identity provider does not vouch for addresses of your e-mail domain".into(),
            Refusal::ProviderNotTrusted => "your organisation does not sign in through this identity provider".into(),
            Refusal::Ambiguous => "this address is invited by more than one organisation; ask an administrator".into(),
            Refusal::BoundElsewhere => "your invitation is already used by another account; ask an administrator".into(),
            Refusal::RoleNotGranted => "the identity provider no longer grants you access to Custodian".into(),
            Refusal::Throttled => "too many failed sign-ins from your address; wait a minute, then try again".into(),
        }
    }
}

/// The tenants that have a provider of their own.
pub fn tenants_with_own(providers: &[Provider]) -> BTreeSet<String> {
    providers.iter().filter_map(|p| p.tenant.clone()).collect()
}

/// Whether provider `p` signs in a person of `tenant` (`None`: the staff).
pub fn trusted_for(p: &Provider, tenant: Option<&str>, own: &BTreeSet<String>) -> bool {
    match (&p.tenant, tenant) {
        (Some(pt), Some(t)) => pt == t,
        // A customer's provider never signs in the processor's staff.
        (Some(_), None) => false,
        (None, None) => true,
        (None, Some(t)) => !own.contains(t),
    }
}

/// Whether provider `p` vouches for `email` (a processor's provider for
/// any; a customer's for its domains).
pub fn vouches(p: &Provider, email: &str) -> bool {
    if p.tenant.is_none() {
        return true;
    }
    let domain = email.rsplit_once('@').map(|(_, d)| d.to_lowercase());
    domain.is_some_and(|d| p.domains.contains(&d))
}

/// Checks the authentication the provider attests.
pub fn assurance(p: &Provider, v: &Verified) -> Result<(), Refusal> {
    if !p.require_acr.is_empty()
        && !v
            .acr
            .as_ref()
            .is_some_and(|a| p.require_acr.iter().any(|r| r == a))
    {
        return Err(Refusal::Assurance);
    }
    if !p.require_amr.iter().all(|r| v.amr.contains(r)) {
        return Err(Refusal::Assurance);
    }
    Ok(())
}

/// The roles provider `p`'s claim grants (`None`: it maps no roles).
pub fn granted(p: &Provider, v: &Verified) -> Option<BTreeSet<Role>> {
    p.roles_claim.as_ref()?;
    Some(
        v.claimed
            .iter()
            .flatten()
            .filter_map(|c| p.roles.get(c).copied())
            .collect(),
    )
}

/// Chooses the person a verified sign-in is for: `bound`, the person
/// already bound to this (issuer, subject); otherwise one of `invited`, the
/// live people of the token's address, of whom only one not yet bound to
/// any account may be taken.
pub fn choose(
    p: &Provider,
    v: &Verified,
    bound: Option<Candidate>,
    invited: Vec<Candidate>,
    own: &BTreeSet<String>,
) -> Result<Candidate, Refusal> {
    let person = match bound {
        Some(c) => {
            if !trusted_for(p, c.tenant.as_deref(), own) {
                return Err(Refusal::ProviderNotTrusted);
            }
            c
        }
        None => {
            let Some(email) = v.email.as_deref() else {
                return Err(Refusal::NoPerson);
            };
            if !(v.email_verified || p.trust_email) {
                return Err(Refusal::UnverifiedEmail);
            }
            if !vouches(p, email) {
                return Err(Refusal::DomainNotVouched);
            }
            let same: Vec<Candidate> = invited
                .into_iter()
                .filter(|c| c.email.eq_ignore_ascii_case(email))
                .collect();
            if same.is_empty() {
                return Err(Refusal::NoPerson);
            }
            let trusted: Vec<Candidate> = same
                .into_iter()
                .filter(|c| trusted_for(p, c.tenant.as_deref(), own))
                .collect();
            if trusted.is_empty() {
                return Err(Refusal::ProviderNotTrusted);
            }
            let mut free: Vec<Candidate> = trusted.into_iter().filter(|c| !c.bound).collect();
            match free.len() {
                0 => return Err(Refusal::BoundElsewhere),
                1 => free.remove(0),
                _ => return Err(Refusal::Ambiguous),
            }
        }
    };
    if let Some(roles) = granted(p, v)
        && !roles.contains(&person.role)
    {
        return Err(Refusal::RoleNotGranted);
    }
    Ok(person)
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "01a2507b-d623-7164-853d-ad3e5832b23f";
    const B: &str = "01a2507b-d623-7164-853d-000000000002";

    fn staff() -> Provider {
        Provider {
            id: "staff".into(),
            name: "Staff".into(),
            issuer: "https://login.example.nl".into(),
            client_id: "custodian".into(),
            client_secret: None,
            scopes: vec![],
            roles_claim: None,
            roles: BTreeMap::new(),
            require_acr: vec![],
            require_amr: vec![],
            tenant: None,
            domains: vec![],
            trust_email: false,
        }
    }

    fn customer() -> Provider {
        Provider {
            id: "klant".into(),
            tenant: Some(A.into()),
            domains: vec!["klant.nl".into()],
            issuer: "https://idp.klant.nl".into(),
            ..staff()
        }
    }

    fn verified(email: &str) -> Verified {
        Verified {
            issuer: "https://login.example.nl".into(),
            subject: "s1".into(),
            email: Some(email.into()),
            email_verified: true,
            ..Verified::default()
        }
    }

    fn person(role: Role, tenant: Option<&str>, email: &str) -> Candidate {
        Candidate {
            id: format!("p-{email}-{}", tenant.unwrap_or("staff")),
            role,
            tenant: tenant.map(str::to_owned),
            email: email.into(),
            bound: false,
        }
    }

    #[test]
    fn a_first_sign_in_is_matched_by_a_verified_invited_address() {
        let own = tenants_with_own(&[staff(), customer()]);
        let dana = person(Role::Admin, None, "dana@example.nl");
        let got = choose(
            &staff(),
            &verified("dana@example.nl"),
            None,
            vec![dana.clone()],
            &own,
        );
        assert_eq!(got, Ok(dana.clone()));
        let mut unverified = verified("dana@example.nl");
        unverified.email_verified = false;
        assert_eq!(
            choose(&staff(), &unverified, None, vec![dana.clone()], &own),
            Err(Refusal::UnverifiedEmail)
        );
        // Entra ID sends no `email_verified`; a provider configured to
        // trust its addresses is believed.
        let trusting = Provider {
            trust_email: true,
            ..staff()
        };
        assert_eq!(
            choose(&trusting, &unverified, None, vec![dana.clone()], &own),
            Ok(dana)
        );
        assert_eq!(
            choose(&staff(), &verified("eve@example.nl"), None, vec![], &own),
            Err(Refusal::NoPerson)
        );
    }

    #[test]
    fn a_customers_provider_signs_in_its_own_tenant_and_vouched_domains_only() {
        let own = tenants_with_own(&[staff(), customer()]);
        let kim = person(Role::Controller, Some(A), "kim@klant.nl");
        assert_eq!(
            choose(
                &customer(),
                &verified("kim@klant.nl"),
                None,
                vec![kim.clone()],
                &own
            ),
            Ok(kim.clone())
        );
        // An address of another domain, even invited for this tenant.
        let gmail = person(Role::Controller, Some(A), "kim@gmail.com");
        assert_eq!(
            choose(
                &customer(),
                &verified("kim@gmail.com"),
                None,
                vec![gmail],
                &own
            ),
            Err(Refusal::DomainNotVouched)
        );
        // A person of another tenant, or the staff, is never matched.
        let other = person(Role::Controller, Some(B), "kim@klant.nl");
        assert_eq!(
            choose(
                &customer(),
                &verified("kim@klant.nl"),
                None,
                vec![other.clone()],
                &own
            ),
            Err(Refusal::ProviderNotTrusted)
        );
        let admin = person(Role::Admin, None, "kim@klant.nl");
        assert_eq!(
            choose(
                &customer(),
                &verified("kim@klant.nl"),
                Some(admin),
                vec![],
                &own
            ),
            Err(Refusal::ProviderNotTrusted)
        );
        // A tenant with a provider of its own does not sign in through
        // the processor's; one without does.
        assert_eq!(
            choose(&staff(), &verified("kim@klant.nl"), None, vec![kim], &own),
            Err(Refusal::ProviderNotTrusted)
        );
        assert_eq!(
            choose(
                &staff(),
                &verified("kim@klant.nl"),
                None,
                vec![other.clone()],
                &own
            ),
            Ok(other)
        );
    }

    #[test]
    fn an_address_invited_twice_is_refused_not_guessed() {
        let own = BTreeSet::new();
        let a = person(Role::Controller, Some(A), "dpo@example.nl");
        let b = person(Role::Controller, Some(B), "dpo@example.nl");
        assert_eq!(
            choose(
                &staff(),
                &verified("dpo@example.nl"),
                None,
                vec![a.clone(), b.clone()],
                &own
            ),
            Err(Refusal::Ambiguous)
        );
        // One already bound to an account: the other is the one.
        let taken = Candidate { bound: true, ..a };
        assert_eq!(
            choose(
                &staff(),
                &verified("dpo@example.nl"),
                None,
                vec![taken.clone(), b.clone()],
                &own
            ),
            Ok(b)
        );
        // Only a bound one: another account cannot take it over.
        assert_eq!(
            choose(
                &staff(),
                &verified("dpo@example.nl"),
                None,
                vec![taken],
                &own
            ),
            Err(Refusal::BoundElsewhere)
        );
    }

    #[test]
    fn roles_claims_and_assurance_are_checked_at_every_sign_in() {
        let own = BTreeSet::new();
        let p = Provider {
            roles_claim: Some("groups".into()),
            roles: [("custodian-admins".to_owned(), Role::Admin)].into(),
            require_amr: vec!["mfa".into()],
            ..staff()
        };
        let dana = person(Role::Admin, None, "dana@example.nl");
        let mut v = verified("dana@example.nl");
        v.amr = vec!["pwd".into(), "mfa".into()];
        v.claimed = Some(vec!["custodian-admins".into(), "sales".into()]);
        assert_eq!(assurance(&p, &v), Ok(()));
        assert_eq!(
            choose(&p, &v, Some(dana.clone()), vec![], &own),
            Ok(dana.clone())
        );
        v.claimed = Some(vec!["sales".into()]);
        assert_eq!(
            choose(&p, &v, Some(dana.clone()), vec![], &own),
            Err(Refusal::RoleNotGranted)
        );
        v.claimed = None;
        assert_eq!(
            choose(&p, &v, Some(dana), vec![], &own),
            Err(Refusal::RoleNotGranted)
        );
        v.amr = vec!["pwd".into()];
        assert_eq!(assurance(&p, &v), Err(Refusal::Assurance));
        let acr = Provider {
            require_acr: vec!["urn:mace:incommon:iap:silver".into()],
            ..staff()
        };
        assert_eq!(assurance(&acr, &v), Err(Refusal::Assurance));
        v.acr = Some("urn:mace:incommon:iap:silver".into());
        assert_eq!(assurance(&acr, &v), Ok(()));
    }
}
