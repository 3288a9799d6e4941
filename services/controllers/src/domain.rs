//! The controller domain: validated values and commands. No IO, no tonic, no
//! sea-orm. Parse, don't validate: a `NewController` can only exist with every
//! field valid.

use std::fmt;

pub use domain_kit::FieldError;
use domain_kit::{err, text};

macro_rules! newtype {
    ($name:ident) => {
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name(String);
        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
            pub fn into_inner(self) -> String {
                self.0
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

newtype!(LegalName);
newtype!(KvkNumber);
newtype!(CountryCode);
newtype!(Email);
newtype!(PersonName);
newtype!(WebhookUrl);

/// The webhook secret: never printed by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(String);
impl WebhookSecret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}
impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret(***)")
    }
}

impl LegalName {
    pub fn parse(field: &'static str, s: &str) -> Result<Self, FieldError> {
        text(field, s, 200).map(Self)
    }
}

impl PersonName {
    pub fn parse(field: &'static str, s: &str) -> Result<Self, FieldError> {
        text(field, s, 200).map(Self)
    }
}

impl KvkNumber {
    /// A Dutch Chamber of Commerce number: exactly eight digits.
    pub fn parse(field: &'static str, s: &str) -> Result<Self, FieldError> {
        let t = s.trim();
        if t.len() == 8 && t.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(t.to_owned()))
        } else {
            Err(err(
                field,
                format!("must be exactly 8 digits, got {}", proto::wire::quote(t)),
            ))
        }
    }
}

impl CountryCode {
    pub fn parse(field: &'static str, s: &str) -> Result<Self, FieldError> {
        let t = s.trim();
        if transfers::is_country(t) {
            Ok(Self(t.to_owned()))
        } else {
            Err(err(
                field,
                format!(
                    "must be an ISO 3166-1 alpha-2 code in upper case, got {}",
                    proto::wire::quote(t)
                ),
            ))
        }
    }
}

impl Email {
    /// A pragmatic address check: one `@`, a non-empty local part, a domain
    /// with a dot and no empty labels, no spaces, at most 254 characters.
    pub fn parse(field: &'static str, s: &str) -> Result<Self, FieldError> {
        let t = s.trim();
        let bad = || {
            err(
                field,
                format!("must be an e-mail address, got {}", proto::wire::quote(t)),
            )
        };
        if t.len() > 254 || t.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad());
        }
        let (local, domain) = t.split_once('@').ok_or_else(bad)?;
        if local.is_empty() || local.len() > 64 || domain.contains('@') {
            return Err(bad());
        }
        let labels: Vec<&str> = domain.split('.').collect();
        if labels.len() < 2
            || labels.iter().any(|l| {
                l.is_empty()
                    || l.starts_with('-')
                    || l.ends_with('-')
                    || !l.chars().all(|c| c.is_alphanumeric() || c == '-')
            })
        {
            return Err(bad());
        }
        Ok(Self(t.to_owned()))
    }
}

impl WebhookUrl {
    /// An absolute `https://` URL with a host; notices carry personal data
    /// about breaches and requests, so plain HTTP is refused.
    pub fn parse(field: &'static str, s: &str) -> Result<Self, FieldError> {
        let t = s.trim();
        let Some(rest) = t.strip_prefix("https://") else {
            return Err(err(field, "must be an https:// URL"));
        };
        let host = rest.split(['/', '?', '#']).next().unwrap_or("");
        let host = host.rsplit('@').next().unwrap_or("");
        if host.is_empty()
            || host.starts_with(':')
            || t.len() > 2048
            || t.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(err(field, "must be an https:// URL with a host"));
        }
        Ok(Self(t.to_owned()))
    }
}

impl WebhookSecret {
    pub fn parse(field: &'static str, s: &str) -> Result<Self, FieldError> {
        let n = s.chars().count();
        if !(32..=256).contains(&n) || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(err(
                field,
                "must be 32 to 256 printable characters without spaces",
            ));
        }
        Ok(Self(s.to_owned()))
    }
}

/// A controller id: a UUID in its canonical text form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControllerId(String);
impl ControllerId {
    pub fn parse(field: &'static str, s: &str) -> Result<Self, FieldError> {
        let id = uuid::Uuid::parse_str(s.trim()).map_err(|_| {
            err(
                field,
                format!("must be a UUID, got {}", proto::wire::quote(s)),
            )
        })?;
        Ok(Self(id.hyphenated().to_string()))
    }
    pub fn new() -> Self {
        Self(uuid::Uuid::now_v7().hyphenated().to_string())
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
impl Default for ControllerId {
    fn default() -> Self {
        Self::new()
    }
}

/// Webhook target: a URL and its signing secret always travel together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    pub url: WebhookUrl,
    pub secret: WebhookSecret,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewController {
    pub legal_name: LegalName,
    pub kvk_number: KvkNumber,
    pub country: CountryCode,
    pub privacy_email: Email,
    pub dpo_name: PersonName,
    pub dpo_email: Email,
    pub webhook: Option<Webhook>,
}

/// A partial update: `None` leaves a field unchanged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ControllerPatch {
    pub legal_name: Option<LegalName>,
    pub kvk_number: Option<KvkNumber>,
    pub country: Option<CountryCode>,
    pub privacy_email: Option<Email>,
    pub dpo_name: Option<PersonName>,
    pub dpo_email: Option<Email>,
    pub webhook_url: Option<WebhookUrl>,
    pub webhook_secret: Option<WebhookSecret>,
}

impl ControllerPatch {
    /// The names of the fields this patch changes, for the audit log.
    pub fn fields(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        macro_rules! f {
            ($($n:ident),*) => { $( if self.$n.is_some() { v.push(stringify!($n)); } )* };
        }
        f!(
            legal_name,
            kvk_number,
            country,
            privacy_email,
            dpo_name,
            dpo_email,
            webhook_url,
            webhook_secret
        );
        v
    }
}

/// A stored controller as the domain sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Controller {
    pub id: String,
    pub legal_name: String,
    pub kvk_number: String,
    pub country: String,
    pub privacy_email: String,
    pub dpo_name: String,
    pub dpo_email: String,
    pub webhook_url: Option<String>,
    pub webhook_secret_set: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, thiserror::Error)]
pub enum ControllerError {
    #[error("{0}")]
    Invalid(FieldError),
    #[error("controller not found")]
    NotFound,
    #[error("a controller with KvK number {0} already exists")]
    KvkTaken(String),
    /// Something of that name exists already (the message names the field).
    #[error("{0}")]
    Duplicate(String),
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("{0}")]
    Precondition(String),
    #[error("internal: {0}")]
    Internal(String),
    /// The database cannot serve now; the words name no SQL.
    #[error("{0}")]
    Unavailable(String),
}

impl domain_kit::Classified for ControllerError {
    fn kind(&self) -> domain_kit::ErrorKind {
        use domain_kit::ErrorKind;
        match self {
            ControllerError::Invalid(_) => ErrorKind::Invalid,
            ControllerError::NotFound => ErrorKind::NotFound,
            ControllerError::KvkTaken(_) | ControllerError::Duplicate(_) => {
                ErrorKind::AlreadyExists
            }
            ControllerError::Forbidden(_) => ErrorKind::Forbidden,
            ControllerError::Precondition(_) => ErrorKind::Precondition,
            ControllerError::Internal(_) => ErrorKind::Internal,
            ControllerError::Unavailable(_) => ErrorKind::Unavailable,
        }
    }
}

impl From<FieldError> for ControllerError {
    fn from(e: FieldError) -> Self {
        ControllerError::Invalid(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kvk_needs_eight_digits() {
        assert!(KvkNumber::parse("kvk_number", "12345678").is_ok());
        assert!(KvkNumber::parse("kvk_number", "1234567").is_err());
        assert!(KvkNumber::parse("kvk_number", "123456789").is_err());
        assert!(KvkNumber::parse("kvk_number", "1234567a").is_err());
    }

    #[test]
    fn countries() {
        assert!(CountryCode::parse("country", "NL").is_ok());
        assert!(CountryCode::parse("country", "XX").is_err());
        assert!(CountryCode::parse("country", "nl").is_err());
        assert!(CountryCode::parse("country", "NLD").is_err());
    }

    #[test]
    fn emails() {
        for ok in ["dpo@example.nl", "a.b+c@sub.example.com"] {
            assert!(Email::parse("e", ok).is_ok(), "{ok}");
        }
        for bad in [
            "", "x", "x@", "@x.nl", "x@nl", "x y@a.nl", "x@a..nl", "x@@a.nl", "x@-a.nl",
        ] {
            assert!(Email::parse("e", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn webhooks() {
        assert!(WebhookUrl::parse("w", "https://hooks.example.nl/custodian").is_ok());
        assert!(WebhookUrl::parse("w", "http://hooks.example.nl").is_err());
        assert!(WebhookUrl::parse("w", "https://").is_err());
        assert!(WebhookUrl::parse("w", "https:///path").is_err());
        assert!(WebhookSecret::parse("s", &"x".repeat(31)).is_err());
        assert!(WebhookSecret::parse("s", &"x".repeat(32)).is_ok());
        assert_eq!(
            format!("{:?}", WebhookSecret::parse("s", &"y".repeat(40)).unwrap()),
            "WebhookSecret(***)"
        );
    }

    #[test]
    fn names_are_trimmed_and_required() {
        assert_eq!(
            LegalName::parse("legal_name", "  Acme B.V. ")
                .unwrap()
                .as_str(),
            "Acme B.V."
        );
        assert!(LegalName::parse("legal_name", "   ").is_err());
    }
}
