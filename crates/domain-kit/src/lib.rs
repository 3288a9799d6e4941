//! The pure building blocks every service's domain shares, so that no service
//! depends on another service's crate for them. No IO, no tonic, no sea-orm.
//!
//! - [`FieldError`] and the field parsers ([`text`], [`uuid_field`],
//!   [`instant`], [`date`], ...), with [`quote`]: how a bad value may appear
//!   in an error (at most 24 characters).
//! - [`vocabulary!`]: a closed vocabulary as an enum with `parse`/`as_str`.
//! - [`categories`]: the personal-data and data-subject categories.
//! - [`render`]: export formats, CSV and Markdown escaping.
//! - [`ProcessorIdentity`]: the processor as the records and notices name it.
//! - [`ErrorKind`]: what kind of failure a service error is; one function in
//!   `proto::status` maps kinds to gRPC codes.

pub mod categories;
pub mod field;
pub mod net;
pub mod render;

pub use categories::{DATA_CATEGORIES, SUBJECT_CATEGORIES, vocab};
pub use field::*;
pub use render::{Format, cell, md};

/// The processor's own identity, for the record of processing and breach
/// notices (from configuration).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProcessorIdentity {
    pub name: String,
    pub address: String,
    pub contact_email: String,
    pub dpo_name: String,
    pub dpo_email: String,
    pub representative: String,
}

/// A customer (a controller, Custodian's tenant) as the other services see
/// it: who it is and how to reach it, never its secrets. The one record
/// every port that asks the controllers service for a customer answers
/// (agreements' record of processing, breach notices, switching's export).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ControllerRecord {
    pub id: String,
    pub legal_name: String,
    pub kvk_number: String,
    pub country: String,
    pub privacy_email: String,
    pub dpo_name: String,
    pub dpo_email: String,
    /// Where its notices are delivered, when it set one.
    pub webhook_url: Option<String>,
}

/// How a controller authorised sub-processors in its agreement (GDPR art.
/// 28(2)): the agreement's term, and the sub-processor decision's input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthorisationMode {
    General,
    Specific,
}

impl AuthorisationMode {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthorisationMode::General => "general",
            AuthorisationMode::Specific => "specific",
        }
    }
}

/// The kind of a service error: the only thing the gRPC mapping looks at
/// (`proto::status::of`). Internal errors are logged there and never shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    Invalid,
    NotFound,
    AlreadyExists,
    Forbidden,
    Precondition,
    Unavailable,
    Internal,
}

/// A service error that knows its kind; its `Display` is the message the
/// caller sees (except for `Internal`).
pub trait Classified: std::fmt::Display {
    fn kind(&self) -> ErrorKind;
}

impl Classified for FieldError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Invalid
    }
}

/// Adapters turn a field error into `INVALID_ARGUMENT` with `?` (feature
/// `grpc`; the same code `proto::status::of` gives it).
#[cfg(feature = "grpc")]
impl From<FieldError> for tonic::Status {
    fn from(e: FieldError) -> tonic::Status {
        tonic::Status::invalid_argument(e.to_string())
    }
}

/// A closed vocabulary: an enum with `ALL`, `as_str` and a `parse` whose
/// error names the field and every known value. The caller needs `serde`.
#[macro_export]
macro_rules! vocabulary {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $s),+ }
            }
            pub fn parse(
                field: &'static str,
                s: &str,
            ) -> Result<$name, $crate::FieldError> {
                match s.trim() {
                    $($s => Ok($name::$variant),)+
                    x => Err($crate::err(field, format!(
                        "expected {}, got {}",
                        [$($s),+].join(", "),
                        $crate::quote(x)
                    ))),
                }
            }
        }
    };
}

/// The one error of every port between services, in-process or over gRPC:
/// a small set of kinds, each with words for the caller. A service turns it
/// into its own error keeping the kind, so a peer that is down is
/// `UNAVAILABLE` to the caller, never `INTERNAL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortError {
    /// The peer could not be reached, or did not answer in time.
    Unavailable(String),
    /// The peer has no such object (in the caller's tenant scope).
    NotFound(String),
    /// The peer refused a value, naming its field.
    Invalid { field: String, reason: String },
    /// The peer refused the step in the state it is in (a legal hold, a
    /// destroyed key).
    Refused(String),
    /// Anything else; logged, shown as "internal error".
    Internal(String),
}

impl std::fmt::Display for PortError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PortError::Unavailable(m) => write!(f, "unavailable: {m}"),
            PortError::NotFound(m) => write!(f, "{m} not found"),
            PortError::Invalid { field, reason } => write!(f, "{field}: {reason}"),
            PortError::Refused(m) => f.write_str(m),
            PortError::Internal(m) => write!(f, "internal: {m}"),
        }
    }
}

impl std::error::Error for PortError {}

impl Classified for PortError {
    fn kind(&self) -> ErrorKind {
        match self {
            PortError::Unavailable(_) => ErrorKind::Unavailable,
            PortError::NotFound(_) => ErrorKind::NotFound,
            PortError::Invalid { .. } => ErrorKind::Invalid,
            PortError::Refused(_) => ErrorKind::Precondition,
            PortError::Internal(_) => ErrorKind::Internal,
        }
    }
}

impl PortError {
    /// An internal failure from anything displayable (a database error).
    pub fn internal(e: impl std::fmt::Display) -> PortError {
        PortError::Internal(e.to_string())
    }
    /// A service error of another crate, kept by its kind.
    pub fn from_classified(e: &impl Classified) -> PortError {
        let m = e.to_string();
        match e.kind() {
            ErrorKind::Unavailable => PortError::Unavailable(m),
            ErrorKind::NotFound => PortError::NotFound(m.trim_end_matches(" not found").to_owned()),
            ErrorKind::Invalid => match m.split_once(": ") {
                Some((f, r)) => PortError::Invalid {
                    field: f.to_owned(),
                    reason: r.to_owned(),
                },
                None => PortError::Invalid {
                    field: String::new(),
                    reason: m,
                },
            },
            ErrorKind::Precondition | ErrorKind::AlreadyExists | ErrorKind::Forbidden => {
                PortError::Refused(m)
            }
            ErrorKind::Internal => PortError::Internal(m),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct E(ErrorKind, &'static str);
    impl std::fmt::Display for E {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.1)
        }
    }
    impl Classified for E {
        fn kind(&self) -> ErrorKind {
            self.0
        }
    }

    #[test]
    fn a_port_error_keeps_the_kind_of_the_service_error() {
        let p =
            PortError::from_classified(&E(ErrorKind::Invalid, "email: must be an e-mail address"));
        assert_eq!(
            p,
            PortError::Invalid {
                field: "email".into(),
                reason: "must be an e-mail address".into()
            }
        );
        assert_eq!(p.to_string(), "email: must be an e-mail address");
        let p = PortError::from_classified(&E(ErrorKind::NotFound, "candidate not found"));
        assert_eq!(p.to_string(), "candidate not found");
        assert_eq!(p.kind(), ErrorKind::NotFound);
        let p = PortError::from_classified(&E(ErrorKind::Precondition, "a legal hold is in place"));
        assert_eq!(p, PortError::Refused("a legal hold is in place".into()));
        assert_eq!(p.kind(), ErrorKind::Precondition);
        assert_eq!(
            PortError::Unavailable("vault".into()).kind(),
            ErrorKind::Unavailable
        );
        assert_eq!(PortError::internal("boom").kind(), ErrorKind::Internal);
    }
}
