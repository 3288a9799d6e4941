//! Evidence a third party can verify (docs/evidence.md): signed deletion
//! certificates, signed checkpoints of the shred ledger's Merkle tree, and
//! inclusion and consistency proofs, checked by `custodianctl verify`
//! (offline) and by an independent verifier in Python
//! (tests/evidence/verify.py), on what the real server produced.

use std::path::{Path, PathBuf};

use auth::Role;
use custodian_tests::*;
use evidence::tree::{self, Hash, Known, Op};
use proto::v1 as pb;
use tonic::Code;

use crate::vault_sweep::put_many;

/// The Python that runs the independent verifier: `CUSTODIAN_TEST_PYTHON`,
/// or the venv `make verifier-deps` creates. Fails (never skips) without it.
pub(crate) fn python() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let p = std::env::var_os("CUSTODIAN_TEST_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join(".ci/tools/pyverify/bin/python"));
    let ok = std::process::Command::new(&p)
        .args(["-c", "import cryptography"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "the independent verifier needs Python 3 with the `cryptography` package at {}: run `make verifier-deps` (it creates that venv from PyPI), or set CUSTODIAN_TEST_PYTHON to a python that has it",
        p.display()
    );
    p
}

/// Runs tests/evidence/verify.py; returns (exit code, stdout + stderr).
pub(crate) fn py(args: &[&str], keys: &[&str]) -> (i32, String) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("evidence/verify.py");
    let mut cmd = std::process::Command::new(python());
    cmd.arg(script).args(args);
    for k in keys {
        cmd.args(["--public-key", k]);
    }
    let o = cmd.output().expect("run the Python verifier");
    (
        o.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
    )
}

/// `custodianctl verify ...`: no server involved (the token and address are
/// not used).
pub(crate) async fn verify(args: &[&str]) -> Ran {
    let mut full = vec!["custodianctl", "--server", "http://127.0.0.1:9", "verify"];
    full.extend_from_slice(args);
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = custodianctl::run(full.iter().map(|s| s.to_string()), &mut out, &mut err).await;
    Ran {
        code,
        out: String::from_utf8(out).unwrap(),
        err: String::from_utf8(err).unwrap(),
    }
}

async fn erase(app: &TestApp, token: &str, id: &str) -> pb::DeletionCertificate {
    app.vault()
        .erase_candidate(req(
            token,
            pb::EraseCandidateRequest {
                id: id.into(),
                reason: "request".into(),
                reference: "DSR-7".into(),
            },
        ))
        .await
        .unwrap()
        .into_inner()
}

pub(crate) fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

/// Changes 25 bytes of `text` across its length, one at a time, and checks
/// that `custodianctl verify <what>` and the Python verifier refuse each
/// (every byte is changed in the evidence crate's unit tests).
async fn changed_bytes_fail(d: &Path, what: &str, text: &str, key: &str) {
    let bytes = text.as_bytes();
    for i in (0..bytes.len() - 1).step_by(bytes.len() / 25) {
        let mut t = bytes.to_vec();
        t[i] = if t[i] == b'7' { b'8' } else { b'7' };
        let Ok(t) = String::from_utf8(t) else {
            continue;
        };
        let f = write(d, "tampered.json", &t);
        let r = verify(&[what, &f, "--public-key", key]).await;
        assert_eq!(r.code, 1, "{what}: byte {i} changed: {}", r.out);
        assert!(r.err.contains("does not verify"), "{}", r.err);
        let (code, out) = py(&[what, &f], &[key]);
        assert_eq!(code, 1, "{what}: byte {i} changed, Python: {out}");
    }
}

/// Fetches with `custodianctl evidence <command> --old <old_size>` the
/// consistency proof and the newest checkpoint (as `token`), and checks
/// that it extends `old_file` with `custodianctl verify consistency` and
/// the Python verifier. Returns the new checkpoint's file and what
/// custodianctl said.
async fn fetched_consistency_verifies(
    app: &TestApp,
    token: &str,
    d: &Path,
    command: &str,
    old_size: u64,
    old_file: &str,
    key: &str,
) -> (String, String) {
    let proof_file = d.join(format!("{command}.txt")).display().to_string();
    let new_file = d.join(format!("{command}.cp")).display().to_string();
    let r = ctl(
        app,
        token,
        &[
            "evidence",
            command,
            "--old",
            &old_size.to_string(),
            "--out",
            &proof_file,
            "--checkpoint-out",
            &new_file,
        ],
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.err);
    let r = verify(&[
        "consistency",
        old_file,
        &new_file,
        "--proof",
        &proof_file,
        "--public-key",
        key,
    ])
    .await;
    assert_eq!(r.code, 0, "{}", r.err);
    let (code, out) = py(&["consistency", old_file, &new_file, &proof_file], &[key]);
    assert_eq!(code, 0, "{out}");
    (new_file, r.out)
}

/// The RFC 6962 tree of `leaves` in memory, as a forger would build it.
fn forged(leaves: &[Hash]) -> std::collections::HashMap<u64, Hash> {
    let mut store = std::collections::HashMap::new();
    let k = Known::default();
    store.extend(tree::append(0, leaves, &k).unwrap());
    store
}

fn known(store: &std::collections::HashMap<u64, Hash>, op: Op) -> Known {
    Known(
        tree::needs(op)
            .into_iter()
            .map(|i| (i, store[&i]))
            .collect(),
    )
}

/// Ledger entry `seq`'s inclusion proof against the latest checkpoint, as
/// the administrator asks for it.
pub(crate) async fn inclusion_of(app: &TestApp, seq: u64) -> pb::InclusionProof {
    app.vault()
        .get_inclusion_proof(req(
            &app.admin,
            pb::GetInclusionProofRequest {
                leaf: Some(pb::get_inclusion_proof_request::Leaf::Seq(seq)),
                tree_size: 0,
            },
        ))
        .await
        .unwrap()
        .into_inner()
}

/// The leaf hash of ledger entry `seq`, as the server proves it.
async fn leaf_of(app: &TestApp, seq: u64) -> Hash {
    tree::record_hash(inclusion_of(app, seq).await.ledger_entry.as_bytes())
}

/// The latest signed checkpoint, as `token` sees it.
pub(crate) async fn latest_checkpoint(app: &TestApp, token: &str) -> pb::Checkpoint {
    app.vault()
        .get_checkpoint(req(token, pb::GetCheckpointRequest { tree_size: 0 }))
        .await
        .unwrap()
        .into_inner()
}

/// Every published signing key, the one in use first.
pub(crate) async fn published_keys(app: &TestApp, token: &str) -> Vec<evidence::PublicKey> {
    app.vault()
        .get_signing_keys(req(token, pb::GetSigningKeysRequest {}))
        .await
        .unwrap()
        .into_inner()
        .keys
        .iter()
        .map(|k| evidence::PublicKey::parse(&k.public_key).unwrap())
        .collect()
}

/// Two controllers, each with a service token and its DPO's token.
struct Two {
    a: pb::Controller,
    b: pb::Controller,
    a_svc: String,
    a_ctl: String,
    b_svc: String,
    b_ctl: String,
}

async fn two_controllers(app: &TestApp) -> Two {
    let a = app.create_controller("Alpha B.V.", "11111111").await;
    let b = app.create_controller("Beta B.V.", "22222222").await;
    Two {
        a_svc: app.token(Role::Service, Some(&a.id)).await,
        a_ctl: app.token(Role::Controller, Some(&a.id)).await,
        b_svc: app.token(Role::Service, Some(&b.id)).await,
        b_ctl: app.token(Role::Controller, Some(&b.id)).await,
        a,
        b,
    }
}

#[tokio::test]
async fn certificates_and_proofs_verify_offline_and_any_rewrite_is_caught() {
    python();
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let Two {
            a: _,
            b: _,
            a_svc,
            a_ctl,
            b_svc,
            b_ctl,
        } = two_controllers(&app).await;
        let ca = put_many(&app, &a_svc, "ev-a", 4).await;
        let cb = put_many(&app, &b_svc, "ev-b", 2).await;
        let mut v = app.vault();
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();

        // No checkpoint before anything was erased.
        let e = v
            .get_checkpoint(req(&a_ctl, pb::GetCheckpointRequest { tree_size: 0 }))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::FailedPrecondition, "{e:?}");

        let first = erase(&app, &a_ctl, &ca[0].id).await;
        assert!(first.signed.ends_with('\n'), "{}", first.signed);
        let cp1 = latest_checkpoint(&app, &a_ctl).await;
        assert_eq!(cp1.tree_size, 1);
        erase(&app, &a_ctl, &ca[1].id).await;
        erase(&app, &b_ctl, &cb[0].id).await;

        // The published key; the one in use, named as configured.
        let keys = v
            .get_signing_keys(req(&b_ctl, pb::GetSigningKeysRequest {}))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(keys.keys.len(), 1);
        assert!(keys.keys[0].retired_at.is_empty());
        assert_eq!(keys.ledger_origin, "custodian.local/shred-ledger");
        let key = keys.keys[0].public_key.clone();
        let key_file = write(d, "processor.pub", &format!("{key}\n"));

        // The certificate, offline, by both verifiers.
        let cert = write(d, "cert.json", &first.signed);
        let r = verify(&["certificate", &cert, "--public-key", &key_file]).await;
        assert_eq!(r.code, 0, "{}", r.err);
        assert!(
            r.out.contains(&ca[0].id) && r.out.contains("verified"),
            "{}",
            r.out
        );
        let (code, out) = py(&["certificate", &cert], &[&key]);
        assert_eq!(code, 0, "{out}");
        assert!(out.contains(&ca[0].id), "{out}");
        // The same certificate fetched later proves against the later
        // checkpoint; GetDeletionCertificate gives it.
        let later = v
            .get_deletion_certificate(req(
                &a_ctl,
                pb::GetDeletionCertificateRequest {
                    candidate_id: ca[0].id.clone(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        let (code, out) = py(
            &["certificate", &write(d, "later.json", &later.signed)],
            &[&key],
        );
        assert_eq!(code, 0, "{out}");
        assert!(out.contains("size 3"), "{out}");

        // Any changed byte of the certificate fails both verifiers.
        changed_bytes_fail(d, "certificate", &first.signed, &key).await;
        // Another key does not verify it.
        let other = evidence::ProcessorKey::from_seed("custodian.local", [5; 32]).unwrap();
        let r = verify(&["certificate", &cert, "--public-key", other.public().text()]).await;
        assert_eq!(r.code, 1, "{}", r.out);
        assert_eq!(py(&["certificate", &cert], &[other.public().text()]).0, 1);

        // Consistency: the checkpoint of size 1 is a prefix of the latest.
        let old = write(d, "old.cp", &cp1.note);
        let (new_file, said) =
            fetched_consistency_verifies(&app, &a_ctl, d, "consistency", 1, &old, &key).await;
        assert!(said.contains("size 3 extends size 1"), "{said}");
        // The checkpoint fetched by custodianctl is the RPC's, byte for byte.
        let r = ctl(&app, &a_ctl, &["evidence", "checkpoint", "--size", "1"]).await;
        assert_eq!(r.out, cp1.note);

        // An inclusion proof by seq (admin) checks against its checkpoint.
        let p = inclusion_of(&app, 3).await;
        assert_eq!(p.leaf_index, 2);
        assert!(p.ledger_entry.contains(&cb[0].id));
        let cp = p.checkpoint.clone().unwrap();
        let opened =
            evidence::open_checkpoint(&cp.note, &[evidence::PublicKey::parse(&key).unwrap()])
                .unwrap();
        let hashes: Vec<Hash> = p
            .hashes
            .iter()
            .map(|h| tree::parse_b64(h).unwrap())
            .collect();
        tree::check_inclusion(
            &hashes,
            opened.size,
            opened.root,
            2,
            tree::record_hash(p.ledger_entry.as_bytes()),
        )
        .unwrap();
        let (code, out) = py(
            &[
                "inclusion",
                &write(d, "leaf.json", &p.ledger_entry),
                &write(d, "incl.txt", &p.hashes.join("\n")),
                &write(d, "incl.cp", &cp.note),
            ],
            &[&key],
        );
        assert_eq!(code, 0, "{out}");

        // Another tenant's entry is not found; bad input is named.
        for (token, leaf) in [
            (
                &b_ctl,
                pb::get_inclusion_proof_request::Leaf::CandidateId(ca[0].id.clone()),
            ),
            (&a_svc, pb::get_inclusion_proof_request::Leaf::Seq(3)),
        ] {
            let e = v
                .get_inclusion_proof(req(
                    token,
                    pb::GetInclusionProofRequest {
                        leaf: Some(leaf),
                        tree_size: 0,
                    },
                ))
                .await
                .unwrap_err();
            assert_eq!(e.code(), Code::NotFound, "{e:?}");
        }
        let e = v
            .get_deletion_certificate(req(
                &b_ctl,
                pb::GetDeletionCertificateRequest {
                    candidate_id: ca[0].id.clone(),
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::NotFound);
        for (leaf, field) in [
            (Some(pb::get_inclusion_proof_request::Leaf::Seq(0)), "seq"),
            (None, "leaf"),
            (
                Some(pb::get_inclusion_proof_request::Leaf::CandidateId(
                    "x".repeat(300),
                )),
                "candidate_id",
            ),
        ] {
            let e = v
                .get_inclusion_proof(req(
                    &a_ctl,
                    pb::GetInclusionProofRequest { leaf, tree_size: 0 },
                ))
                .await
                .unwrap_err();
            assert_eq!(e.code(), Code::InvalidArgument, "{e:?}");
            assert!(e.message().contains(field), "{}", e.message());
            assert!(e.message().len() < 200, "{}", e.message());
        }
        for (old, code) in [(0, Code::InvalidArgument), (99, Code::InvalidArgument)] {
            let e = v
                .get_consistency_proof(req(
                    &a_ctl,
                    pb::GetConsistencyProofRequest {
                        old_size: old,
                        new_size: 0,
                    },
                ))
                .await
                .unwrap_err();
            assert_eq!(e.code(), code, "{e:?}");
            assert!(e.message().contains("old_size"), "{}", e.message());
        }
        let e = v
            .get_checkpoint(req(&a_ctl, pb::GetCheckpointRequest { tree_size: 99 }))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::FailedPrecondition, "{e:?}");
        assert!(e.message().contains("99"), "{}", e.message());

        // The processor rewrites history: it removes entry 2, rebuilds the
        // tree with its own key, and serves a checkpoint of a larger tree.
        // Neither verifier accepts it as an extension of the checkpoint of
        // size 3 that a DPO kept.
        let signing = evidence::ProcessorKey::parse(
            &std::fs::read_to_string(app.config.data_dir.join("signing.key")).unwrap(),
        )
        .unwrap();
        let mut leaves = vec![leaf_of(&app, 1).await, leaf_of(&app, 3).await];
        leaves.extend((0..3).map(|i| tree::record_hash(format!("later {i}").as_bytes())));
        let store = forged(&leaves);
        let size = leaves.len() as u64;
        let root = tree::root(size, &known(&store, Op::Root { size })).unwrap();
        let forged_cp =
            evidence::sign_checkpoint(&signing, "custodian.local/shred-ledger", size, root)
                .unwrap();
        let proof = tree::consistency(
            3,
            size,
            &known(&store, Op::Consistency { old: 3, new: size }),
        )
        .unwrap();
        let proof_text: String = proof
            .iter()
            .map(|h| format!("{}\n", tree::b64(h)))
            .collect();
        let old3 = new_file.clone();
        let f_cp = write(d, "forged.cp", &forged_cp);
        let f_proof = write(d, "forged-proof.txt", &proof_text);
        let r = verify(&[
            "consistency",
            &old3,
            &f_cp,
            "--proof",
            &f_proof,
            "--public-key",
            &key,
        ])
        .await;
        assert_eq!(r.code, 1, "{}", r.out);
        assert!(r.err.contains("does not extend"), "{}", r.err);
        let (code, out) = py(&["consistency", &old3, &f_cp, &f_proof], &[&key]);
        assert_eq!(code, 1, "{out}");
        // A smaller tree (entries dropped at the end) is refused too.
        let small =
            evidence::sign_checkpoint(&signing, "custodian.local/shred-ledger", 1, leaves[0])
                .unwrap();
        let f_small = write(d, "small.cp", &small);
        let empty = write(d, "empty.txt", "");
        let r = verify(&[
            "consistency",
            &old3,
            &f_small,
            "--proof",
            &empty,
            "--public-key",
            &key,
        ])
        .await;
        assert_eq!(r.code, 1);
        assert_eq!(py(&["consistency", &old3, &f_small, &empty], &[&key]).0, 1);
        app.stop().await;
    }
}

#[tokio::test]
async fn a_restored_key_store_rebuilds_the_same_tree() {
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let t = app.create_controller("Alpha B.V.", "11111111").await;
        let svc = app.token(Role::Service, Some(&t.id)).await;
        let cs = put_many(&app, &svc, "rs", 5).await;
        erase(&app, &svc, &cs[0].id).await;
        // The audit log as a DPO kept it before the backup.
        let audit_kept = first_event_proof(&app).await;
        app.stop().await;
        let backup_dir = db.dir.path().join("backup");
        crate::vault_sweep::backup(&db, &backup_dir).await;

        let app = spawn_app(&db).await;
        for c in &cs[1..4] {
            erase(&app, &svc, &c.id).await;
        }
        let before = latest_checkpoint(&app, &svc).await;
        assert_eq!(before.tree_size, 4);
        let cert = erase(&app, &svc, &cs[4].id).await;
        app.stop().await;
        crate::vault_sweep::restore(&db, &backup_dir).await;

        // At start the ledger's entries come back into the key store and
        // into the tree: the same leaves, the same roots.
        let app = spawn_app(&db).await;
        let key = published_keys(&app, &svc).await.remove(0);
        let at4 = latest_checkpoint(&app, &svc).await;
        assert_eq!(at4.tree_size, 5);
        extends(
            &before,
            ledger_consistency(&app, &svc, 4).await,
            std::slice::from_ref(&key),
        )
        .expect("the checkpoint from before the restore is a prefix of the rebuilt tree");
        evidence::certificate::verify_deletion_certificate(
            &cert.signed,
            std::slice::from_ref(&key),
        )
        .unwrap();
        // The audit trees were restored with the log they cover: what was
        // proven before the backup still is, and the trees go on from it.
        evidence::audit::verify_audit_proof(&audit_kept.proof_file, std::slice::from_ref(&key))
            .unwrap();
        audit_extends(&app, audit_kept.checkpoint.as_ref().unwrap(), &[key]).await;
        app.stop().await;
    }
}

#[tokio::test]
async fn evidence_signed_before_a_key_rotation_stays_verifiable() {
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let t = app.create_controller("Alpha B.V.", "11111111").await;
        let svc = app.token(Role::Service, Some(&t.id)).await;
        let cs = put_many(&app, &svc, "rot", 4).await;
        let old_cert = erase(&app, &svc, &cs[0].id).await;
        let old_cp = latest_checkpoint(&app, &svc).await;
        let old_audit = first_event_proof(&app).await;
        let config = app.config.clone();
        app.stop().await;

        // The KEKs are rotated (every DEK rewrapped) and the signing key is
        // replaced: the old file moved away, a new key created at start.
        custodian::ops::rotate_keys(&config, None).await.unwrap();
        let key_file = config.data_dir.join("signing.key");
        std::fs::rename(&key_file, config.data_dir.join("signing.key.old")).unwrap();
        let app = spawn_app(&db).await;
        erase(&app, &svc, &cs[1].id).await;
        let mut v = app.vault();
        let keys = v
            .get_signing_keys(req(&svc, pb::GetSigningKeysRequest {}))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(keys.keys.len(), 2, "{keys:?}");
        assert!(keys.keys[0].retired_at.is_empty(), "the key in use first");
        assert!(!keys.keys[1].retired_at.is_empty(), "the old key retired");
        let (new_key, old_key) = (
            evidence::PublicKey::parse(&keys.keys[0].public_key).unwrap(),
            evidence::PublicKey::parse(&keys.keys[1].public_key).unwrap(),
        );
        assert_ne!(new_key, old_key);
        // The old certificate verifies with the old key, not the new one.
        evidence::certificate::verify_deletion_certificate(
            &old_cert.signed,
            std::slice::from_ref(&old_key),
        )
        .unwrap();
        assert!(
            evidence::certificate::verify_deletion_certificate(
                &old_cert.signed,
                std::slice::from_ref(&new_key)
            )
            .is_err()
        );
        // The new checkpoint, signed by the new key, extends the old one.
        let new_cp = extends(
            &old_cp,
            ledger_consistency(&app, &svc, old_cp.tree_size).await,
            &[new_key.clone(), old_key.clone()],
        )
        .unwrap();
        assert_eq!(new_cp.signed_by, new_key.handle());
        // A certificate issued now proves against the new checkpoint.
        let now = v
            .get_deletion_certificate(req(
                &svc,
                pb::GetDeletionCertificateRequest {
                    candidate_id: cs[0].id.clone(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        evidence::certificate::verify_deletion_certificate(
            &now.signed,
            std::slice::from_ref(&new_key),
        )
        .unwrap();
        // The audit proof signed before the rotation verifies with the old
        // key, and the audit tree signed by the new one extends it.
        evidence::audit::verify_audit_proof(&old_audit.proof_file, std::slice::from_ref(&old_key))
            .unwrap();
        audit_extends(
            &app,
            old_audit.checkpoint.as_ref().unwrap(),
            &[new_key, old_key],
        )
        .await;
        app.stop().await;
    }
}

/// The shred ledger's consistency proof from `old_size` to the latest
/// checkpoint, as `token` asks for it.
pub(crate) async fn ledger_consistency(
    app: &TestApp,
    token: &str,
    old_size: u64,
) -> pb::ConsistencyProof {
    app.vault()
        .get_consistency_proof(req(
            token,
            pb::GetConsistencyProofRequest {
                old_size,
                new_size: 0,
            },
        ))
        .await
        .unwrap()
        .into_inner()
}

/// An audit tree's consistency proof (the global one for an empty
/// `tenant`) from `old_size` to the latest checkpoint, as the
/// administrator asks for it.
pub(crate) async fn audit_consistency(
    app: &TestApp,
    tenant: &str,
    old_size: u64,
) -> pb::ConsistencyProof {
    app.vault()
        .get_audit_consistency_proof(req(
            &app.admin,
            pb::GetAuditConsistencyProofRequest {
                tenant_id: tenant.into(),
                old_size,
                new_size: 0,
            },
        ))
        .await
        .unwrap()
        .into_inner()
}

/// Checks, as a verifier does, that the checkpoint `p` carries extends
/// `old` by `p`'s hashes; returns that checkpoint.
pub(crate) fn extends(
    old: &pb::Checkpoint,
    p: pb::ConsistencyProof,
    keys: &[evidence::PublicKey],
) -> Result<pb::Checkpoint, evidence::EvidenceError> {
    let hashes: Vec<Hash> = p
        .hashes
        .iter()
        .map(|h| tree::parse_b64(h).unwrap())
        .collect();
    let new = p
        .checkpoint
        .expect("a consistency proof names its checkpoint");
    evidence::certificate::verify_consistency(&old.note, &new.note, &hashes, keys)?;
    Ok(new)
}

/// Checks that the latest checkpoint of the global audit tree extends
/// `old`, with the consistency proof the vault gives.
async fn audit_extends(app: &TestApp, old: &pb::Checkpoint, keys: &[evidence::PublicKey]) {
    extends(old, audit_consistency(app, "", old.tree_size).await, keys)
        .expect("the audit tree extends the checkpoint kept");
}

/// The global audit tree's proof file of event 1, as the administrator
/// fetches it.
async fn first_event_proof(app: &TestApp) -> pb::AuditProof {
    app.vault()
        .get_audit_proof(req(
            &app.admin,
            pb::GetAuditProofRequest {
                tenant_id: String::new(),
                seqs: vec![1],
                tree_size: 0,
            },
        ))
        .await
        .unwrap()
        .into_inner()
}

/// The audit events `token` sees (a controller: its own), of `tenant` when
/// one is named.
pub(crate) async fn audit_events(app: &TestApp, token: &str, tenant: &str) -> Vec<pb::AuditEvent> {
    app.audit()
        .list_events(req(
            token,
            pb::ListEventsRequest {
                tenant_id: tenant.into(),
                page: Some(pb::PageRequest {
                    page_size: 1000,
                    page_token: String::new(),
                }),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .events
}

async fn audit_checkpoint(app: &TestApp, token: &str, tenant: &str) -> pb::Checkpoint {
    app.vault()
        .get_audit_checkpoint(req(
            token,
            pb::GetAuditCheckpointRequest {
                tenant_id: tenant.into(),
                tree_size: 0,
            },
        ))
        .await
        .unwrap()
        .into_inner()
}

#[tokio::test]
async fn audit_events_are_proven_per_tenant_and_globally_and_a_rewrite_is_caught() {
    python();
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let Two {
            a,
            b,
            a_svc,
            a_ctl,
            b_svc,
            b_ctl,
        } = two_controllers(&app).await;
        let auditor = app.token(Role::Auditor, None).await;
        put_many(&app, &a_svc, "au-a", 3).await;
        put_many(&app, &b_svc, "au-b", 2).await;
        let mut v = app.vault();
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let keys = v
            .get_signing_keys(req(&a_ctl, pb::GetSigningKeysRequest {}))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(keys.audit_origin, "custodian.local/audit");
        let key = keys.keys[0].public_key.clone();

        // A's DPO: the events it is shown, and its tree's checkpoint
        // covering exactly them.
        let shown = audit_events(&app, &a_ctl, "").await;
        assert!(shown.len() >= 2, "{shown:?}");
        assert!(shown.iter().all(|e| e.tenant_id == a.id));
        let cp_old = audit_checkpoint(&app, &a_ctl, "").await;
        assert_eq!(cp_old.tree_size, shown.len() as u64);
        assert!(
            cp_old
                .note
                .starts_with(&format!("custodian.local/audit/{}\n", a.id)),
            "{}",
            cp_old.note
        );
        // Naming its own tenant is the same tree; the latest checkpoint
        // is not signed again when nothing happened.
        assert_eq!(audit_checkpoint(&app, &a_ctl, &a.id).await, cp_old);

        // The proof file of two of the events, offline, by both verifiers.
        let seqs: Vec<String> = [&shown[0], shown.last().unwrap()]
            .iter()
            .map(|e| e.seq.to_string())
            .collect();
        let file = d.join("audit.json").display().to_string();
        let r = ctl(
            &app,
            &a_ctl,
            &[
                "evidence",
                "audit-proof",
                &seqs[0],
                &seqs[1],
                "--out",
                &file,
            ],
        )
        .await;
        assert_eq!(r.code, 0, "{}", r.err);
        let text = std::fs::read_to_string(&file).unwrap();
        let r = verify(&["audit", &file, "--public-key", &key]).await;
        assert_eq!(r.code, 0, "{}", r.err);
        assert!(
            r.out.contains(&format!("controller {}", a.id)) && r.out.contains("verified"),
            "{}",
            r.out
        );
        let (code, out) = py(&["audit", &file], &[&key]);
        assert_eq!(code, 0, "{out}");
        // The events proven are the events shown.
        let f: serde_json::Value = serde_json::from_str(&text).unwrap();
        for (i, e) in [&shown[0], shown.last().unwrap()].iter().enumerate() {
            let leaf = &f["events"][i]["event"];
            assert_eq!(leaf["seq"], e.seq);
            assert_eq!(leaf["tenant_seq"], e.tenant_seq);
            assert_eq!(leaf["action"], e.action.as_str());
            assert_eq!(leaf["object_id"], e.object_id.as_str());
            assert_eq!(leaf["details"], e.details_json.as_str());
        }
        // Any changed byte fails both verifiers.
        changed_bytes_fail(d, "audit", &text, &key).await;

        // The global tree: the auditor proves one event of each tenant.
        let all = audit_events(&app, &auditor, "").await;
        let of_b = all.iter().find(|e| e.tenant_id == b.id).unwrap();
        let p = v
            .get_audit_proof(req(
                &auditor,
                pb::GetAuditProofRequest {
                    tenant_id: String::new(),
                    seqs: vec![shown[0].seq, of_b.seq],
                    tree_size: 0,
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(p.events[1].leaf_index, of_b.seq - 1);
        let gf = write(d, "global.json", &p.proof_file);
        let r = verify(&["audit", &gf, "--public-key", &key]).await;
        assert_eq!(r.code, 0, "{}", r.err);
        assert!(r.out.contains("the processor's audit log"), "{}", r.out);
        assert_eq!(py(&["audit", &gf], &[&key]).0, 0);

        // Another tenant's events and trees do not exist for a controller.
        for (tenant, seq) in [(String::new(), shown[0].seq), (a.id.clone(), shown[0].seq)] {
            let e = v
                .get_audit_proof(req(
                    &b_ctl,
                    pb::GetAuditProofRequest {
                        tenant_id: tenant,
                        seqs: vec![seq],
                        tree_size: 0,
                    },
                ))
                .await
                .unwrap_err();
            assert_eq!(e.code(), Code::NotFound, "{e:?}");
        }
        let e = v
            .get_audit_checkpoint(req(
                &b_ctl,
                pb::GetAuditCheckpointRequest {
                    tenant_id: a.id.clone(),
                    tree_size: 0,
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::NotFound, "{e:?}");
        // Bad input is named, quoted short.
        for (seqs, tenant, field) in [
            (vec![], "", "seqs"),
            (vec![0], "", "seqs"),
            ((1..=101).collect(), "", "seqs"),
            (
                vec![1],
                "not-a-tenant-id-but-a-very-long-string-indeed",
                "tenant_id",
            ),
        ] {
            let e = v
                .get_audit_proof(req(
                    &app.admin,
                    pb::GetAuditProofRequest {
                        tenant_id: tenant.into(),
                        seqs,
                        tree_size: 0,
                    },
                ))
                .await
                .unwrap_err();
            assert_eq!(e.code(), Code::InvalidArgument, "{e:?}");
            assert!(e.message().contains(field), "{}", e.message());
            assert!(e.message().len() < 200, "{}", e.message());
        }
        let e = v
            .get_audit_consistency_proof(req(
                &a_ctl,
                pb::GetAuditConsistencyProofRequest {
                    tenant_id: String::new(),
                    old_size: 0,
                    new_size: 0,
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::InvalidArgument, "{e:?}");
        assert!(e.message().contains("old_size"), "{}", e.message());
        // A checkpoint: a tenant id that is none is named, a size never
        // signed is refused by its number, and another controller's tree's
        // consistency does not exist for B.
        let e = v
            .get_audit_checkpoint(req(
                &app.admin,
                pb::GetAuditCheckpointRequest {
                    tenant_id: "x".repeat(300),
                    tree_size: 0,
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::InvalidArgument, "{e:?}");
        assert!(
            e.message().contains("tenant_id") && e.message().len() < 200,
            "{}",
            e.message()
        );
        let e = v
            .get_audit_checkpoint(req(
                &a_ctl,
                pb::GetAuditCheckpointRequest {
                    tenant_id: String::new(),
                    tree_size: 99_999,
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::FailedPrecondition, "{e:?}");
        assert!(e.message().contains("99999"), "{}", e.message());
        let e = v
            .get_audit_consistency_proof(req(
                &b_ctl,
                pb::GetAuditConsistencyProofRequest {
                    tenant_id: a.id.clone(),
                    old_size: 1,
                    new_size: 0,
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::NotFound, "{e:?}");

        // More happens for A (an erasure); the newer checkpoint extends
        // the one A's DPO kept.
        let more = put_many(&app, &a_svc, "au-a2", 1).await;
        erase(&app, &a_ctl, &more[0].id).await;
        let old_file = write(d, "audit-old.cp", &cp_old.note);
        fetched_consistency_verifies(
            &app,
            &a_ctl,
            d,
            "audit-consistency",
            cp_old.tree_size,
            &old_file,
            &key,
        )
        .await;
        // The proof file issued before still verifies (its checkpoint is
        // kept), and the same events prove against the newer checkpoint.
        assert_eq!(
            verify(&["audit", &file, "--public-key", &key]).await.code,
            0
        );

        // The processor rewrites A's history: its tree rebuilt without
        // A's first event and signed with its own key is no extension of
        // the checkpoint A's DPO kept.
        let signing = evidence::ProcessorKey::parse(
            &std::fs::read_to_string(app.config.data_dir.join("signing.key")).unwrap(),
        )
        .unwrap();
        let f: serde_json::Value = serde_json::from_str(
            &v.get_audit_proof(req(
                &a_ctl,
                pb::GetAuditProofRequest {
                    tenant_id: String::new(),
                    seqs: shown.iter().map(|e| e.seq).collect(),
                    tree_size: cp_old.tree_size,
                },
            ))
            .await
            .unwrap()
            .into_inner()
            .proof_file,
        )
        .unwrap();
        let mut leaves: Vec<Hash> = f["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| tree::record_hash(&evidence::canonical::to_vec(&e["event"]).unwrap()))
            .collect();
        leaves.remove(0);
        leaves.push(tree::record_hash(b"a later event"));
        let store = forged(&leaves);
        let size = leaves.len() as u64;
        let old = cp_old.tree_size;
        let root = tree::root(size, &known(&store, Op::Root { size })).unwrap();
        let forged_cp = evidence::sign_checkpoint(
            &signing,
            &format!("custodian.local/audit/{}", a.id),
            size,
            root,
        )
        .unwrap();
        let fp = tree::consistency(
            old,
            size,
            &known(&store, Op::Consistency { old, new: size }),
        )
        .unwrap();
        let f_cp = write(d, "audit-forged.cp", &forged_cp);
        let f_proof = write(
            d,
            "audit-forged.txt",
            &fp.iter()
                .map(|h| format!("{}\n", tree::b64(h)))
                .collect::<String>(),
        );
        let r = verify(&[
            "consistency",
            &old_file,
            &f_cp,
            "--proof",
            &f_proof,
            "--public-key",
            &key,
        ])
        .await;
        assert_eq!(r.code, 1, "{}", r.out);
        assert_eq!(
            py(&["consistency", &old_file, &f_cp, &f_proof], &[&key]).0,
            1
        );

        // A stored event changed in the database: the vault will not prove
        // it (its leaf is no longer the one the tree holds).
        let conn = app.db().await;
        use store::sea_orm::ConnectionTrait;
        conn.execute_raw(store::sea_orm::Statement::from_string(
            conn.get_database_backend(),
            format!(
                "UPDATE audit_events SET actor_id = 'token:someone-else' WHERE seq = {}",
                shown[0].seq
            ),
        ))
        .await
        .unwrap();
        let e = v
            .get_audit_proof(req(
                &a_ctl,
                pb::GetAuditProofRequest {
                    tenant_id: String::new(),
                    seqs: vec![shown[0].seq],
                    tree_size: 0,
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::FailedPrecondition, "{e:?}");
        assert!(e.message().contains("no longer matches"), "{}", e.message());
        app.stop().await;
    }
}

#[tokio::test]
async fn a_pass_extends_the_audit_trees_by_at_most_its_limit() {
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let t = app.create_controller("Alpha B.V.", "11111111").await;
        let svc = app.token(Role::Service, Some(&t.id)).await;
        for i in 0..4 {
            put_many(&app, &svc, &format!("lim{i}"), 1).await;
        }
        let config = app.config.clone();
        app.stop().await;
        // What a reconcile at start or after a sweep batch does over a log
        // the trees lag behind: a bounded step, each step signed.
        let v = custodian::ops::open_vault(&config).await.unwrap();
        let conn = store::connect(&config.database_url()).await.unwrap();
        let (head, _) = audit::global_head(&conn).await.unwrap();
        let before = v.extend_audit_by(Some(1)).await.unwrap();
        assert!(
            before + 3 <= head as u64,
            "the trees lag by more than a step: {before} of {head}"
        );
        let step = v.extend_audit_by(Some(2)).await.unwrap();
        assert_eq!(step, before + 2, "a step of two events");
        let cp = v
            .audit_checkpoint(&evidence::audit::AuditTree::Global, Some(step))
            .await
            .expect("the bounded step signed its checkpoint");
        assert_eq!(cp.tree_size as u64, step);
        // Unbounded (what a DPO's request for the latest does): up to the head.
        assert_eq!(v.extend_audit().await.unwrap(), head as u64);
    }
}

/// A ledger tree whose stored hashes were changed in the key store is not
/// signed over: the erasure's caller is told FAILED_PRECONDITION with the
/// tree, the size and root of the last signed checkpoint and those the
/// stored hashes give now, which an operator compares with the checkpoints
/// DPOs kept.
#[tokio::test]
async fn a_tree_whose_stored_history_changed_is_refused_with_both_sizes_and_roots() {
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        let t = app.create_controller("Alpha B.V.", "11111111").await;
        let svc = app.token(Role::Service, Some(&t.id)).await;
        let cs = put_many(&app, &svc, "tamper", 2).await;
        erase(&app, &svc, &cs[0].id).await;
        let signed = latest_checkpoint(&app, &svc).await;
        assert_eq!(signed.tree_size, 1);

        // Someone with the key store's password rewrites its tree.
        use sea_orm::{ConnectionTrait, Statement};
        let keys = store::connect(&db.keystore_url).await.unwrap();
        let zeros = match keys.get_database_backend() {
            sea_orm::DbBackend::Postgres => "decode(repeat('00', 32), 'hex')",
            _ => "zeroblob(32)",
        };
        keys.execute_raw(Statement::from_string(
            keys.get_database_backend(),
            format!("UPDATE ledger_tree_hashes SET hash = {zeros}"),
        ))
        .await
        .unwrap();
        keys.close().await.ok();

        let e = app
            .vault()
            .erase_candidate(req(
                &svc,
                pb::EraseCandidateRequest {
                    id: cs[1].id.clone(),
                    reason: "request".into(),
                    reference: "DSR-8".into(),
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::FailedPrecondition, "{e:?}");
        let m = e.message();
        assert!(
            m.starts_with("refusing to sign: the ledger's tree of size 2"),
            "{m}"
        );
        assert!(
            m.contains(&format!(
                "its last signed checkpoint of size 1 (root {})",
                signed.root_hash
            )),
            "{m}"
        );
        // Nothing was signed over the changed tree.
        assert_eq!(latest_checkpoint(&app, &svc).await.tree_size, 1);
        app.stop().await;
    }
}
