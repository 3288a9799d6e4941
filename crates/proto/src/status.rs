//! The one mapping from a service error to a gRPC status: each service's
//! error says its kind (`domain_kit::Classified`), this says the code. An
//! internal error is logged with the service's name and shown only as
//! "internal error"; every other kind shows the error's own message.

use domain_kit::{Classified, ErrorKind};
use tonic::{Code, Status};

/// The gRPC code of an error kind.
pub fn code(kind: ErrorKind) -> Code {
    match kind {
        ErrorKind::Invalid => Code::InvalidArgument,
        ErrorKind::NotFound => Code::NotFound,
        ErrorKind::AlreadyExists => Code::AlreadyExists,
        ErrorKind::Forbidden => Code::PermissionDenied,
        ErrorKind::Precondition => Code::FailedPrecondition,
        ErrorKind::Unavailable => Code::Unavailable,
        ErrorKind::Internal => Code::Internal,
    }
}

/// The status a caller sees for `e`, raised in `service`.
pub fn of(service: &str, e: &impl Classified) -> Status {
    match e.kind() {
        ErrorKind::Internal => {
            tracing::error!(service, error = %e, "internal error");
            Status::internal("internal error")
        }
        k => Status::new(code(k), e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_map_to_codes_and_internal_errors_are_hidden() {
        let f = domain_kit::err("id", "must be a UUID");
        let s = of("test", &f);
        assert_eq!(
            (s.code(), s.message()),
            (Code::InvalidArgument, "id: must be a UUID")
        );
        struct Boom;
        impl std::fmt::Display for Boom {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("db password in a message")
            }
        }
        impl Classified for Boom {
            fn kind(&self) -> ErrorKind {
                ErrorKind::Internal
            }
        }
        let s = of("test", &Boom);
        assert_eq!((s.code(), s.message()), (Code::Internal, "internal error"));
    }
}
