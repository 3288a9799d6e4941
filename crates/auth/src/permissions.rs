//! The permission table: every RPC of Custodian, the roles that may call it.
//! A method missing from this table is denied to everyone (default deny), and
//! a test checks that the table and the proto contract list the same methods.
//!
//! Tenant scoping is not decided here: a tenant-bound role that passes this
//! table still only ever sees its own tenant (the handler filters by
//! [`crate::Principal::scope`]).

use crate::Role::{self, Admin, Auditor, Calendar, Controller, Peer, Service, Worker};

#[derive(Debug)]
pub struct MethodPermission {
    /// The gRPC path: `/package.Service/Method`.
    pub method: &'static str,
    pub roles: &'static [Role],
}

const fn p(method: &'static str, roles: &'static [Role]) -> MethodPermission {
    MethodPermission { method, roles }
}

pub const TABLE: &[MethodPermission] = &[
    // AgreementService: admins write; tenants read their own; auditors and
    // controllers take the record of processing.
    p("/custodian.v1.AgreementService/CreateAgreement", &[Admin]),
    p(
        "/custodian.v1.AgreementService/GetAgreement",
        &[Admin, Auditor, Controller, Service],
    ),
    p(
        "/custodian.v1.AgreementService/ListAgreements",
        &[Admin, Auditor, Controller, Service],
    ),
    p(
        "/custodian.v1.AgreementService/ListAgreementVersions",
        &[Admin, Auditor, Controller, Service],
    ),
    p("/custodian.v1.AgreementService/AmendAgreement", &[Admin]),
    p("/custodian.v1.AgreementService/ActivateAgreement", &[Admin]),
    p(
        "/custodian.v1.AgreementService/TerminateAgreement",
        &[Admin],
    ),
    p("/custodian.v1.AgreementService/EndAgreement", &[Admin]),
    p(
        "/custodian.v1.AgreementService/ExportProcessingRecord",
        &[Admin, Auditor, Controller],
    ),
    // SubprocessorService: admins keep the register and announce changes;
    // a controller objects, approves and reads its own notices and list.
    p(
        "/custodian.v1.SubprocessorService/RegisterSubprocessor",
        &[Admin],
    ),
    p(
        "/custodian.v1.SubprocessorService/GetSubprocessor",
        &[Admin, Auditor, Controller, Service],
    ),
    p(
        "/custodian.v1.SubprocessorService/ListSubprocessors",
        &[Admin, Auditor, Controller, Service],
    ),
    p(
        "/custodian.v1.SubprocessorService/UpdateSubprocessor",
        &[Admin],
    ),
    p(
        "/custodian.v1.SubprocessorService/ClassifyTransfer",
        &[Admin, Auditor, Controller, Service],
    ),
    p(
        "/custodian.v1.SubprocessorService/AuthoriseSubprocessor",
        &[Admin],
    ),
    p("/custodian.v1.SubprocessorService/ProposeChange", &[Admin]),
    p(
        "/custodian.v1.SubprocessorService/GetChange",
        &[Admin, Auditor, Controller, Service],
    ),
    p(
        "/custodian.v1.SubprocessorService/ListNotices",
        &[Admin, Auditor, Controller, Service],
    ),
    p(
        "/custodian.v1.SubprocessorService/GetNotice",
        &[Admin, Auditor, Controller, Service],
    ),
    p(
        "/custodian.v1.SubprocessorService/RecordObjection",
        &[Admin, Controller],
    ),
    p(
        "/custodian.v1.SubprocessorService/ResolveObjection",
        &[Admin],
    ),
    p(
        "/custodian.v1.SubprocessorService/RecordApproval",
        &[Admin, Controller],
    ),
    p(
        "/custodian.v1.SubprocessorService/CheckEngagement",
        &[Admin, Auditor, Controller, Service, Worker],
    ),
    p(
        "/custodian.v1.SubprocessorService/ListAuthorisedSubprocessors",
        &[Admin, Auditor, Controller, Service],
    ),
    // BreachService: admins take incidents, assess and send notices; a
    // controller reads its own notices, acknowledges them and records its
    // authority notification and art. 34 decision; auditors read everything.
    p("/custodian.v1.BreachService/ReportIncident", &[Admin]),
    p("/custodian.v1.BreachService/AssessIncident", &[Admin]),
    p("/custodian.v1.BreachService/GetIncident", &[Admin, Auditor]),
    p(
        "/custodian.v1.BreachService/ListIncidents",
        &[Admin, Auditor],
    ),
    p(
        "/custodian.v1.BreachService/GetBreachNotice",
        &[Admin, Auditor, Controller],
    ),
    p(
        "/custodian.v1.BreachService/ListBreachNotices",
        &[Admin, Auditor, Controller],
    ),
    p("/custodian.v1.BreachService/SendNotice", &[Admin]),
    p("/custodian.v1.BreachService/PreviewNotice", &[Admin]),
    p(
        "/custodian.v1.BreachService/AcknowledgeNotice",
        &[Controller],
    ),
    p(
        "/custodian.v1.BreachService/RecordAuthorityNotification",
        &[Admin, Controller],
    ),
    p(
        "/custodian.v1.BreachService/DecideSubjectCommunication",
        &[Admin, Controller],
    ),
    p(
        "/custodian.v1.BreachService/GetTimeline",
        &[Admin, Auditor, Controller],
    ),
    p(
        "/custodian.v1.BreachService/GetAuthorityDraft",
        &[Admin, Auditor, Controller],
    ),
    p(
        "/custodian.v1.BreachService/ExportRegister",
        &[Admin, Auditor, Controller],
    ),
    // RequestService: the controller (its own token), its services and
    // admins act on a tenant's requests; auditors read.
    p(
        "/custodian.v1.RequestService/CreateRequest",
        &[Admin, Controller, Service],
    ),
    p(
        "/custodian.v1.RequestService/GetRequest",
        &[Admin, Auditor, Controller, Service],
    ),
    p(
        "/custodian.v1.RequestService/ListRequests",
        &[Admin, Auditor, Controller, Service],
    ),
    p(
        "/custodian.v1.RequestService/RecordIdentityCheck",
        &[Admin, Controller, Service],
    ),
    p(
        "/custodian.v1.RequestService/ExtendRequest",
        &[Admin, Controller, Service],
    ),
    p(
        "/custodian.v1.RequestService/FulfilRequest",
        &[Admin, Controller, Service],
    ),
    p(
        "/custodian.v1.RequestService/RefuseRequest",
        &[Admin, Controller, Service],
    ),
    p(
        "/custodian.v1.RequestService/CloseRequest",
        &[Admin, Controller, Service],
    ),
    p(
        "/custodian.v1.RequestService/GetExtensionStats",
        &[Admin, Auditor, Controller, Service],
    ),
    p(
        "/custodian.v1.RequestService/GetRequestStats",
        &[Admin, Auditor, Controller, Service],
    ),
    // SwitchingService: the customer requests, extends, confirms and
    // downloads; the provider (admin) declares unfeasibility, records
    // charges and exits; auditors read.
    p(
        "/custodian.v1.SwitchingService/RequestSwitch",
        &[Admin, Controller],
    ),
    p("/custodian.v1.SwitchingService/DeclareUnfeasible", &[Admin]),
    p(
        "/custodian.v1.SwitchingService/ExtendTransition",
        &[Controller],
    ),
    p(
        "/custodian.v1.SwitchingService/StartExport",
        &[Admin, Controller],
    ),
    p(
        "/custodian.v1.SwitchingService/GetExport",
        &[Admin, Auditor, Controller],
    ),
    p(
        "/custodian.v1.SwitchingService/DownloadExport",
        &[Controller],
    ),
    p(
        "/custodian.v1.SwitchingService/ConfirmSwitchComplete",
        &[Controller],
    ),
    // The customer withdraws; an admin records a withdrawal received by letter.
    p(
        "/custodian.v1.SwitchingService/WithdrawSwitch",
        &[Admin, Controller],
    ),
    p(
        "/custodian.v1.SwitchingService/TerminateAgreement",
        &[Admin],
    ),
    p("/custodian.v1.SwitchingService/RecordCharge", &[Admin]),
    p(
        "/custodian.v1.SwitchingService/GetSwitch",
        &[Admin, Auditor, Controller],
    ),
    p(
        "/custodian.v1.SwitchingService/ListSwitches",
        &[Admin, Auditor, Controller],
    ),
    // NotificationService: the outbox with its attempts.
    p(
        "/custodian.v1.NotificationService/ListNotifications",
        &[Admin, Auditor, Controller, Worker],
    ),
    p(
        "/custodian.v1.NotificationService/GetNotification",
        &[Admin, Auditor, Controller, Worker],
    ),
    p(
        "/custodian.v1.NotificationService/RetryNotification",
        &[Admin],
    ),
    // E-mails to people: their addresses are the processor's to see.
    p("/custodian.v1.NotificationService/ListEmails", &[Admin]),
    p("/custodian.v1.NotificationService/RetryEmail", &[Admin]),
    // ControllerService: admins manage all; a controller (or its service
    // token) reads its own record; a controller updates its own record.
    p("/custodian.v1.ControllerService/CreateController", &[Admin]),
    p(
        "/custodian.v1.ControllerService/GetController",
        &[Admin, Auditor, Controller, Service, Calendar],
    ),
    p(
        "/custodian.v1.ControllerService/ListControllers",
        &[Admin, Auditor, Controller, Service, Calendar],
    ),
    p(
        "/custodian.v1.ControllerService/UpdateController",
        &[Admin, Controller],
    ),
    // IdentityService: every public role may ask who it is.
    p(
        "/custodian.v1.IdentityService/WhoAmI",
        &[Admin, Service, Worker, Controller, Auditor],
    ),
    // AuditService: controllers see their own tenant's events.
    p(
        "/custodian.v1.AuditService/ListEvents",
        &[Admin, Auditor, Controller],
    ),
    // Verifying walks every tenant's entries: processor-wide callers only.
    p("/custodian.v1.AuditService/VerifyChain", &[Admin, Auditor]),
    // The console's sign-in and sign-out, recorded as the person.
    p(
        "/custodian.v1.AuditService/RecordConsoleSession",
        &[Admin, Auditor, Controller],
    ),
    // TokenService: who holds access is the administrators' and auditors'
    // to see; only an administrator revokes. Never a tenant's.
    p("/custodian.v1.TokenService/ListTokens", &[Admin, Auditor]),
    p("/custodian.v1.TokenService/RevokeToken", &[Admin]),
    // PersonService: the people who use the console. An administrator
    // manages everyone; a customer's DPO the colleagues of its own tenant
    // (the service scopes it); an auditor reads.
    p(
        "/custodian.v1.PersonService/InvitePerson",
        &[Admin, Controller],
    ),
    p(
        "/custodian.v1.PersonService/ListPeople",
        &[Admin, Auditor, Controller],
    ),
    p(
        "/custodian.v1.PersonService/RemovePerson",
        &[Admin, Controller],
    ),
    // SignInService: the three sign-in calls are open (`SIGN_IN_OPEN`);
    // a person ends its own session.
    p(
        "/custodian.v1.SignInService/EndSession",
        &[Admin, Auditor, Controller],
    ),
    // A person's own calendar feed address (a new one revokes the old).
    p(
        "/custodian.v1.PersonService/ResetCalendarFeed",
        &[Admin, Auditor, Controller],
    ),
    // What a person's feed served, recorded by the feed's own token.
    p("/custodian.v1.PersonService/SyncCalendarFeed", &[Calendar]),
    // A person's own e-mail preferences; who receives what (an
    // administrator: every customer; a customer's DPO: its own).
    p(
        "/custodian.v1.PersonService/GetPreferences",
        &[Admin, Auditor, Controller],
    ),
    p(
        "/custodian.v1.PersonService/SetPreferences",
        &[Admin, Auditor, Controller],
    ),
    p(
        "/custodian.v1.PersonService/ListRecipients",
        &[Admin, Controller],
    ),
    // DeadlineService: computing a rule reveals nothing; obligations are scoped.
    p(
        "/custodian.v1.DeadlineService/Compute",
        &[Admin, Auditor, Controller, Service, Worker],
    ),
    p(
        "/custodian.v1.DeadlineService/ListRules",
        &[Admin, Auditor, Controller, Service, Worker],
    ),
    p(
        "/custodian.v1.DeadlineService/ListObligations",
        &[Admin, Auditor, Controller, Service, Worker, Calendar],
    ),
    // VaultService: decrypting reads are for admins and the tenant's own
    // services (auditors never decrypt); controllers see metadata, certificates
    // and their policy, place holds and instruct erasure.
    p("/custodian.v1.VaultService/PutCandidate", &[Admin, Service]),
    p(
        "/custodian.v1.VaultService/PutCandidates",
        &[Admin, Service],
    ),
    p("/custodian.v1.VaultService/GetCandidate", &[Admin, Service]),
    p(
        "/custodian.v1.VaultService/ListCandidates",
        &[Admin, Auditor, Controller, Service],
    ),
    p(
        "/custodian.v1.VaultService/UpdateCandidate",
        &[Admin, Service],
    ),
    p(
        "/custodian.v1.VaultService/FindCandidates",
        &[Admin, Service],
    ),
    p(
        "/custodian.v1.VaultService/CloseProcedure",
        &[Admin, Service],
    ),
    p(
        "/custodian.v1.VaultService/RecordConsent",
        &[Admin, Service],
    ),
    p(
        "/custodian.v1.VaultService/WithdrawConsent",
        &[Admin, Service],
    ),
    p(
        "/custodian.v1.VaultService/PlaceLegalHold",
        &[Admin, Controller, Service],
    ),
    p(
        "/custodian.v1.VaultService/ReleaseLegalHold",
        &[Admin, Controller, Service],
    ),
    p(
        "/custodian.v1.VaultService/EraseCandidate",
        &[Admin, Controller, Service],
    ),
    p(
        "/custodian.v1.VaultService/GetDeletionCertificate",
        &[Admin, Auditor, Controller, Service],
    ),
    p(
        "/custodian.v1.VaultService/ListDeletionCertificates",
        &[Admin, Auditor, Controller, Service],
    ),
    p(
        "/custodian.v1.VaultService/GetRetentionPolicy",
        &[Admin, Auditor, Controller, Service],
    ),
    p(
        "/custodian.v1.VaultService/GetErasureStats",
        &[Admin, Auditor, Controller, Service],
    ),
    p(
        "/custodian.v1.VaultService/SetRetentionPolicy",
        &[Admin, Controller],
    ),
    // Evidence: keys, checkpoints and consistency proofs hold hashes and no
    // tenant's data; an inclusion proof is of the caller's own tenant.
    p(
        "/custodian.v1.VaultService/GetSigningKeys",
        &[Admin, Auditor, Controller, Service, Worker],
    ),
    p(
        "/custodian.v1.VaultService/GetCheckpoint",
        &[Admin, Auditor, Controller, Service, Worker],
    ),
    p(
        "/custodian.v1.VaultService/GetInclusionProof",
        &[Admin, Auditor, Controller, Service],
    ),
    p(
        "/custodian.v1.VaultService/GetConsistencyProof",
        &[Admin, Auditor, Controller, Service, Worker],
    ),
    p(
        "/custodian.v1.VaultService/GetRequestCertificate",
        &[Admin, Auditor, Controller, Service],
    ),
    // The audit trees: as AuditService/ListEvents, a controller gets its
    // own tenant's tree, processor-wide callers any.
    p(
        "/custodian.v1.VaultService/GetAuditCheckpoint",
        &[Admin, Auditor, Controller],
    ),
    p(
        "/custodian.v1.VaultService/GetAuditProof",
        &[Admin, Auditor, Controller],
    ),
    p(
        "/custodian.v1.VaultService/GetAuditConsistencyProof",
        &[Admin, Auditor, Controller],
    ),
    // custodian.internal.v1: the peers of a split deployment only. No public
    // role may call an internal RPC, and a peer token may call no public RPC.
    p("/custodian.internal.v1.VaultPeer/SubjectHashes", &[Peer]),
    p("/custodian.internal.v1.VaultPeer/MatchSubject", &[Peer]),
    p("/custodian.internal.v1.VaultPeer/ReadForRequest", &[Peer]),
    p("/custodian.internal.v1.VaultPeer/EraseForRequest", &[Peer]),
    p("/custodian.internal.v1.VaultPeer/ErasedForRequest", &[Peer]),
    p(
        "/custodian.internal.v1.VaultPeer/RestrictForRequest",
        &[Peer],
    ),
    p("/custodian.internal.v1.VaultPeer/Rewrite", &[Peer]),
    p(
        "/custodian.internal.v1.ObligationsPeer/OpenObligations",
        &[Peer],
    ),
    p("/custodian.internal.v1.VaultPeer/ExportPage", &[Peer]),
    p(
        "/custodian.internal.v1.VaultPeer/RetentionSettings",
        &[Peer],
    ),
    p("/custodian.internal.v1.VaultPeer/CreateExportKey", &[Peer]),
    p("/custodian.internal.v1.VaultPeer/SealExportChunk", &[Peer]),
    p("/custodian.internal.v1.VaultPeer/OpenExportChunk", &[Peer]),
    p("/custodian.internal.v1.VaultPeer/EraseTenant", &[Peer]),
    p(
        "/custodian.internal.v1.ControllersPeer/GetController",
        &[Peer],
    ),
    p("/custodian.internal.v1.ControllersPeer/GetWebhook", &[Peer]),
    p(
        "/custodian.internal.v1.ControllersPeer/RevokeTokens",
        &[Peer],
    ),
    p(
        "/custodian.internal.v1.ControllersPeer/RemoveWebhook",
        &[Peer],
    ),
    p("/custodian.internal.v1.AgreementsPeer/InForceAt", &[Peer]),
    p("/custodian.internal.v1.AgreementsPeer/GoverningAt", &[Peer]),
    p("/custodian.internal.v1.AgreementsPeer/AllInForce", &[Peer]),
    p(
        "/custodian.internal.v1.AgreementsPeer/TenantVersions",
        &[Peer],
    ),
    p(
        "/custodian.internal.v1.AgreementsPeer/EndWithContract",
        &[Peer],
    ),
    p("/custodian.internal.v1.SubprocessorsPeer/Engaged", &[Peer]),
    p("/custodian.internal.v1.RequestsPeer/EraseTenant", &[Peer]),
];

/// The sign-in calls a person makes before it has a credential: what
/// authenticates them is the provider's code, bound to a `state` and a
/// browser binding value the service checks (see `SignInService`).
pub const SIGN_IN_OPEN: [&str; 3] = [
    "/custodian.v1.SignInService/ListProviders",
    "/custodian.v1.SignInService/BeginSignIn",
    "/custodian.v1.SignInService/CompleteSignIn",
];

/// Health checks and reflection stay open, as DESIGN.md requires, and so
/// do the sign-in calls of [`SIGN_IN_OPEN`].
pub fn is_open(path: &str) -> bool {
    SIGN_IN_OPEN.contains(&path)
        || path.starts_with("/grpc.health.v1.Health/")
        || path.starts_with("/grpc.reflection.v1.ServerReflection/")
        || path.starts_with("/grpc.reflection.v1alpha.ServerReflection/")
}

pub fn lookup(path: &str) -> Option<&'static MethodPermission> {
    TABLE.iter().find(|m| m.method == path)
}

/// Every method `role` may call, in table order.
pub fn allowed_methods(role: Role) -> Vec<&'static str> {
    TABLE
        .iter()
        .filter(|m| m.roles.contains(&role))
        .map(|m| m.method)
        .collect()
}

/// Whether `role` may call `path`.
pub fn allows(path: &str, role: Role) -> bool {
    lookup(path).is_some_and(|m| m.roles.contains(&role))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_duplicates() {
        for (i, a) in TABLE.iter().enumerate() {
            assert!(
                !TABLE[i + 1..].iter().any(|b| b.method == a.method),
                "duplicate {}",
                a.method
            );
            assert!(!a.roles.is_empty(), "{} has no roles", a.method);
        }
    }

    #[test]
    fn defaults_deny() {
        assert!(!allows("/custodian.v1.Nope/Nope", Admin));
        assert!(allows(
            "/custodian.v1.ControllerService/CreateController",
            Admin
        ));
        assert!(!allows(
            "/custodian.v1.ControllerService/CreateController",
            Controller
        ));
        assert!(is_open("/grpc.health.v1.Health/Check"));
    }

    #[test]
    fn peers_call_internal_rpcs_only_and_no_one_else_does() {
        for m in TABLE {
            let internal = m.method.starts_with("/custodian.internal.");
            assert_eq!(
                m.roles.contains(&Peer),
                internal,
                "{}: the peer role is for internal RPCs, and only for them",
                m.method
            );
            if internal {
                assert_eq!(
                    m.roles,
                    &[Peer],
                    "{}: internal RPCs are the peers' alone",
                    m.method
                );
            }
        }
    }
}
