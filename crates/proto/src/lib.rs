//! The gRPC contract of Custodian: code generated from `proto/custodian/v1`
//! and the descriptor set that server reflection serves. Nothing else lives here.

#[allow(clippy::all, clippy::pedantic)]
pub mod v1 {
    tonic::include_proto!("custodian.v1");
}

/// The encoded `FileDescriptorSet` of every Custodian proto file.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/custodian_descriptor.bin"));

/// Fully qualified gRPC service names, as health and reflection report them.
pub mod service_names {
    pub const CONTROLLERS: &str = "custodian.v1.ControllerService";
    pub const AUDIT: &str = "custodian.v1.AuditService";
    pub const DEADLINES: &str = "custodian.v1.DeadlineService";
    pub const VAULT: &str = "custodian.v1.VaultService";
}
