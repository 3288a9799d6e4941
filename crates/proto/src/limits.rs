//! The length limit of every string field of every request, checked on the
//! encoded message before any handler runs (the server's request gate calls
//! [`check`]), so an oversized value is `INVALID_ARGUMENT` naming the field,
//! never an `INTERNAL` from a database that choked on it.
//!
//! Limits are in bytes of UTF-8. Every string field has [`DEFAULT_MAX_BYTES`]
//! unless [`LIMITS`] names it; filter and token fields are much shorter. The
//! adapters keep their own, tighter rules for free text (in characters, named
//! in their errors); this is the outer bound that holds for every field, new
//! ones included. `docs/api-limits.md` lists the same table (a test compares).
//!
//! The walk reads the protobuf wire format against the descriptor set: no
//! message is decoded or copied, so a batch of CVs costs one pass over tags.
//! Malformed bytes are left to the real decoder, which reports them.

use std::collections::HashMap;
use std::sync::OnceLock;

use prost_reflect::{DescriptorPool, Kind, MessageDescriptor};

/// The bound of any string field that [`LIMITS`] does not name.
pub const DEFAULT_MAX_BYTES: usize = 32 * 1024;

/// Fields with their own bound: filters, tokens and ids of lists, and the one
/// longer free-text field (the candidate's notes).
pub const LIMITS: &[(&str, usize)] = &[
    // ListObligations' cursor holds one position per source (about 110
    // bytes each, six sources).
    ("custodian.v1.PageRequest.page_token", 1024),
    ("custodian.v1.ListEventsRequest.action_prefix", 200),
    ("custodian.v1.ListEventsRequest.object_id", 200),
    ("custodian.v1.ListEventsRequest.tenant_id", 64),
    ("custodian.v1.ListEventsRequest.from_day", 64),
    ("custodian.v1.ListEventsRequest.to_day", 64),
    ("custodian.v1.ListAgreementsRequest.status", 64),
    ("custodian.v1.ListIncidentsRequest.status", 64),
    ("custodian.v1.ListRequestsRequest.status", 64),
    ("custodian.v1.ListNotificationsRequest.status", 64),
    ("custodian.v1.ListNotificationsRequest.topic", 200),
    ("custodian.v1.ListObligationsRequest.service", 64),
    ("custodian.v1.ListObligationsRequest.due_before", 64),
    ("custodian.v1.ListObligationsRequest.due_from", 64),
    ("custodian.v1.ListCandidatesRequest.vacancy_ref", 200),
    ("custodian.v1.ListCandidatesRequest.ref_prefix", 200),
    ("custodian.v1.ListDeletionCertificatesRequest.tenant_id", 64),
    (
        "custodian.v1.ListDeletionCertificatesRequest.ref_prefix",
        200,
    ),
    (
        "custodian.v1.ListDeletionCertificatesRequest.erased_from",
        64,
    ),
    ("custodian.v1.ListDeletionCertificatesRequest.erased_to", 64),
    ("custodian.v1.ListRequestsRequest.subject_email", 320),
    ("custodian.v1.ListRequestsRequest.candidate_ref", 200),
    ("custodian.v1.FindCandidatesRequest.email", 320),
    ("custodian.v1.FindCandidatesRequest.phone", 64),
    ("custodian.v1.ExportProcessingRecordRequest.format", 64),
    ("custodian.v1.ExportRegisterRequest.format", 64),
    ("custodian.v1.CandidatePayload.notes", 64 * 1024),
    // The open sign-in calls: short values from a provider's redirect.
    ("custodian.v1.BeginSignInRequest.provider", 64),
    ("custodian.v1.BeginSignInRequest.redirect_uri", 2048),
    ("custodian.v1.CompleteSignInRequest.state", 512),
    ("custodian.v1.CompleteSignInRequest.code", 4096),
    ("custodian.v1.CompleteSignInRequest.binding", 512),
    ("custodian.v1.CompleteSignInRequest.error", 256),
    // A person's e-mail preferences, and the administrators' mail list.
    ("custodian.v1.SetPreferencesRequest.alerts", 64),
    ("custodian.v1.SetPreferencesRequest.digest_at", 16),
    ("custodian.v1.SetPreferencesRequest.language", 16),
    ("custodian.v1.ListEmailsRequest.status", 64),
    ("custodian.v1.RetryEmailRequest.reason", 2000),
];

/// A string field over its limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Oversized {
    /// The field's path in the request (`candidates[2].payload.name`).
    pub field: String,
    pub max: usize,
    pub len: usize,
}

impl std::fmt::Display for Oversized {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: must be at most {} bytes, got {} bytes",
            self.field, self.max, self.len
        )
    }
}

/// The most a request body may hold for an RPC whose request carries
/// documents (a `bytes` field anywhere in it: CVs, attachments, export
/// chunks), so also batches of them: the vault's batch limit of 64 MiB of
/// messages, and framing.
pub const LARGE_BODY_BYTES: usize = 65 * 1024 * 1024;
/// The most a request body may hold for every other RPC: ids, filters and
/// forms (each string field at most [`DEFAULT_MAX_BYTES`]) never need
/// megabytes.
pub const SMALL_BODY_BYTES: usize = 4 * 1024 * 1024;

struct Index {
    /// gRPC path (`/custodian.v1.AuditService/ListEvents`) → input message.
    methods: HashMap<String, MessageDescriptor>,
    limits: HashMap<&'static str, usize>,
    /// The RPCs whose requests may carry documents.
    large: std::collections::HashSet<String>,
}

/// Whether a message of this type can hold a `bytes` field at any depth.
fn carries_bytes(desc: &MessageDescriptor, depth: usize) -> bool {
    depth < MAX_DEPTH
        && desc.fields().any(|f| match f.kind() {
            Kind::Bytes => true,
            Kind::Message(m) => carries_bytes(&m, depth + 1),
            _ => false,
        })
}

fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| {
        let pool = DescriptorPool::decode(crate::FILE_DESCRIPTOR_SET)
            .expect("the embedded descriptor set decodes");
        let mut methods = HashMap::new();
        let mut large = std::collections::HashSet::new();
        for s in pool.services() {
            for m in s.methods() {
                let path = format!("/{}/{}", s.full_name(), m.name());
                if carries_bytes(&m.input(), 0) {
                    large.insert(path.clone());
                }
                methods.insert(path, m.input());
            }
        }
        Index {
            methods,
            limits: LIMITS.iter().copied().collect(),
            large,
        }
    })
}

/// The limit of a string field by its full name (`custodian.v1.X.field`).
/// The most a request body of the RPC at `path` may hold:
/// [`LARGE_BODY_BYTES`] where its request carries documents,
/// [`SMALL_BODY_BYTES`] for every other (and an unknown) path.
pub fn body_cap(path: &str) -> usize {
    if index().large.contains(path) {
        LARGE_BODY_BYTES
    } else {
        SMALL_BODY_BYTES
    }
}

pub fn max_bytes(full_name: &str) -> usize {
    index()
        .limits
        .get(full_name)
        .copied()
        .unwrap_or(DEFAULT_MAX_BYTES)
}

/// Checks one encoded request message of the RPC at `path`. Unknown paths
/// (health, reflection) and malformed bytes pass: they are not ours to judge.
pub fn check(path: &str, message: &[u8]) -> Result<(), Oversized> {
    match index().methods.get(path) {
        Some(desc) => walk(desc, message, 0),
        None => Ok(()),
    }
}

/// Nesting deeper than this is not walked (the contract nests three levels).
const MAX_DEPTH: usize = 16;

/// Walks one message. Nothing is allocated on the way through: the path of
/// an oversized field is built only when one is found, while returning.
fn walk(desc: &MessageDescriptor, mut buf: &[u8], depth: usize) -> Result<(), Oversized> {
    // Occurrences of repeated fields so far, to name `candidates[2]`.
    let mut seen: Vec<(u32, usize)> = Vec::new();
    while !buf.is_empty() {
        let Some(key) = varint(&mut buf) else {
            return Ok(());
        };
        let (number, wire) = ((key >> 3) as u32, key & 7);
        match wire {
            0 => {
                if varint(&mut buf).is_none() {
                    return Ok(());
                }
            }
            1 | 5 => {
                let n = if wire == 1 { 8 } else { 4 };
                if buf.len() < n {
                    return Ok(());
                }
                buf = &buf[n..];
            }
            2 => {
                let Some(len) = varint(&mut buf) else {
                    return Ok(());
                };
                let Ok(len) = usize::try_from(len) else {
                    return Ok(());
                };
                if buf.len() < len {
                    return Ok(());
                }
                let (data, rest) = buf.split_at(len);
                buf = rest;
                let Some(field) = desc.get_field(number) else {
                    continue;
                };
                let nth = if field.is_list() && !field.is_map() {
                    match seen.iter_mut().find(|(n, _)| *n == number) {
                        Some((_, c)) => {
                            *c += 1;
                            Some(*c - 1)
                        }
                        None => {
                            seen.push((number, 1));
                            Some(0)
                        }
                    }
                } else {
                    None
                };
                let name = || match nth {
                    Some(i) => format!("{}[{i}]", field.name()),
                    None => field.name().to_owned(),
                };
                match field.kind() {
                    Kind::String => {
                        let max = max_bytes(field.full_name());
                        if data.len() > max {
                            return Err(Oversized {
                                field: name(),
                                max,
                                len: data.len(),
                            });
                        }
                    }
                    Kind::Message(m) if depth < MAX_DEPTH => {
                        walk(&m, data, depth + 1).map_err(|mut e| {
                            // A map entry names the map (`params.value`).
                            let parent = if field.is_map() {
                                field.name().to_owned()
                            } else {
                                name()
                            };
                            e.field = format!("{parent}.{}", e.field);
                            e
                        })?;
                    }
                    _ => {}
                }
            }
            _ => return Ok(()),
        }
    }
    Ok(())
}

fn varint(buf: &mut &[u8]) -> Option<u64> {
    let mut v: u64 = 0;
    for i in 0..10 {
        let (&b, rest) = buf.split_first()?;
        *buf = rest;
        v |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Some(v);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::v1 as pb;
    use prost::Message;

    #[test]
    fn every_limit_names_a_string_field_of_the_contract() {
        let pool = DescriptorPool::decode(crate::FILE_DESCRIPTOR_SET).unwrap();
        for (name, _) in LIMITS {
            let (msg, field) = name.rsplit_once('.').unwrap();
            let m = pool
                .get_message_by_name(msg)
                .unwrap_or_else(|| panic!("{name}"));
            let f = m
                .get_field_by_name(field)
                .unwrap_or_else(|| panic!("{name}"));
            assert!(matches!(f.kind(), Kind::String), "{name}");
        }
    }

    #[test]
    fn names_the_oversized_field_with_its_path() {
        let r = pb::ListEventsRequest {
            action_prefix: "x".repeat(201),
            ..Default::default()
        };
        let e = check("/custodian.v1.AuditService/ListEvents", &r.encode_to_vec()).unwrap_err();
        assert_eq!(e.field, "action_prefix");
        assert_eq!(
            e.to_string(),
            "action_prefix: must be at most 200 bytes, got 201 bytes"
        );
        let ok = pb::ListEventsRequest {
            action_prefix: "x".repeat(200),
            ..Default::default()
        };
        assert!(check("/custodian.v1.AuditService/ListEvents", &ok.encode_to_vec()).is_ok());
    }

    #[test]
    fn walks_repeated_nested_messages_and_skips_bytes() {
        let good = pb::PutCandidateRequest {
            payload: Some(pb::CandidatePayload {
                name: "A".into(),
                cv: vec![0u8; 200_000],
                notes: "n".repeat(60_000),
                ..Default::default()
            }),
            ..Default::default()
        };
        let mut bad = good.clone();
        bad.payload.as_mut().unwrap().name = "x".repeat(DEFAULT_MAX_BYTES + 1);
        let batch = pb::PutCandidatesRequest {
            tenant_id: String::new(),
            candidates: vec![good.clone(), good, bad],
        };
        let e = check(
            "/custodian.v1.VaultService/PutCandidates",
            &batch.encode_to_vec(),
        )
        .unwrap_err();
        assert_eq!(e.field, "candidates[2].payload.name");
        let mut p = std::collections::HashMap::new();
        p.insert("k".to_owned(), "v".repeat(DEFAULT_MAX_BYTES + 1));
        let c = pb::ComputeRequest {
            params: p,
            ..Default::default()
        };
        let e = check("/custodian.v1.DeadlineService/Compute", &c.encode_to_vec()).unwrap_err();
        assert_eq!(e.field, "params.value");
    }

    #[test]
    fn unknown_paths_and_garbage_pass_to_the_decoder() {
        assert!(check("/grpc.health.v1.Health/Check", &[0xff; 10]).is_ok());
        assert!(check("/custodian.v1.AuditService/ListEvents", &[0xff; 10]).is_ok());
        assert!(check("/custodian.v1.AuditService/ListEvents", &[0x1a, 0x05, b'a']).is_ok());
    }
}

#[cfg(test)]
mod doc_tests {
    #[test]
    fn docs_api_limits_lists_the_same_bounds() {
        let doc = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../docs/api-limits.md"
        ))
        .expect("docs/api-limits.md");
        let mut listed: Vec<(String, usize)> = doc
            .lines()
            .filter_map(|l| {
                let l = l.strip_prefix("| `custodian.v1.")?;
                let (name, rest) = l.split_once("` | ")?;
                let n = rest.trim_end_matches(" |").trim().parse().ok()?;
                Some((format!("custodian.v1.{name}"), n))
            })
            .collect();
        let mut code: Vec<(String, usize)> = super::LIMITS
            .iter()
            .map(|(n, v)| ((*n).to_owned(), *v))
            .collect();
        listed.sort();
        code.sort();
        assert_eq!(
            listed, code,
            "docs/api-limits.md and proto::limits::LIMITS differ"
        );
        assert!(doc.contains(&format!("{} bytes of UTF-8", "32,768")));
        assert_eq!(super::DEFAULT_MAX_BYTES, 32_768);
    }

    #[test]
    fn only_rpcs_that_carry_documents_may_send_megabytes() {
        assert_eq!(
            super::body_cap("/custodian.v1.VaultService/PutCandidates"),
            super::LARGE_BODY_BYTES
        );
        assert_eq!(
            super::body_cap("/custodian.v1.VaultService/PutCandidate"),
            super::LARGE_BODY_BYTES
        );
        for small in [
            "/custodian.v1.VaultService/GetCandidate",
            "/custodian.v1.ControllerService/CreateController",
            "/custodian.v1.AuditService/ListEvents",
            "/no.such.Service/Method",
        ] {
            assert_eq!(super::body_cap(small), super::SMALL_BODY_BYTES, "{small}");
        }
    }
}
