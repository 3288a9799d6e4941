//! DeadlineService: computes any rule of the legal-time catalogue, and lists
//! the open obligations of the whole system.
//!
//! Obligations are *pulled*, not copied: each service that owns objects with
//! deadlines implements [`ObligationSource`] over its own tables, and this
//! service merges their answers. An obligation can therefore never disagree
//! with the object it belongs to, and no service reads another's tables. In a
//! split deployment a source is a gRPC client of the peer (same trait).

pub mod grpc;
pub mod obligations;
pub mod peer;

pub use grpc::DeadlineGrpc;
pub use obligations::{Obligation, ObligationQuery, ObligationSource, Obligations, SourceError};

/// Builds the tonic service over the given obligation sources.
pub fn service(
    sources: Vec<std::sync::Arc<dyn ObligationSource>>,
) -> proto::v1::deadline_service_server::DeadlineServiceServer<DeadlineGrpc> {
    proto::v1::deadline_service_server::DeadlineServiceServer::new(DeadlineGrpc::new(
        Obligations::new(sources),
    ))
}
