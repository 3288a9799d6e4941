//! The export of an access or portability request, pure: every candidate
//! the vault holds on the subject, decrypted, as JSON and CSV, the original
//! documents, and `manifest.json` with counts and the SHA-256 of every
//! other file. Document paths use the candidate id, never a file name the
//! subject chose (it may hold a name); the original name is in the JSON.

use crate::ports::{SubjectCandidate, SubjectPayload};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    pub name: String,
    pub content_type: &'static str,
    pub content: Vec<u8>,
    pub sha256: String,
}

fn file(name: String, content_type: &'static str, content: Vec<u8>) -> File {
    File {
        sha256: hex::encode(Sha256::digest(&content)),
        name,
        content_type,
        content,
    }
}

/// One CSV field (RFC 4180), formula characters defused.
fn cell(s: &str) -> String {
    domain_kit::cell(s)
}

fn extension(filename: &str) -> String {
    std::path::Path::new(filename)
        .extension()
        .and_then(|e| e.to_str())
        .filter(|e| e.len() <= 8 && e.chars().all(|c| c.is_ascii_alphanumeric()))
        .map(|e| format!(".{}", e.to_ascii_lowercase()))
        .unwrap_or_default()
}

fn document_path(c: &SubjectCandidate, p: &SubjectPayload) -> String {
    format!("documents/{}/cv{}", c.id, extension(&p.cv_filename))
}

const CSV_COLUMNS: &[&str] = &[
    "candidate_id",
    "external_ref",
    "vacancy_ref",
    "applied_on",
    "status",
    "categories",
    "consent",
    "name",
    "email",
    "phone",
    "notes",
    "custom_fields",
    "cv_filename",
    "cv_file",
    "cv_sha256",
];

/// The bundle; `manifest.json` is last.
pub fn bundle(
    request_id: &str,
    controller_id: &str,
    kind: &str,
    generated_at: &str,
    subjects: &[(SubjectCandidate, SubjectPayload)],
) -> Vec<File> {
    let mut docs = Vec::new();
    let mut records = Vec::new();
    let mut csv = CSV_COLUMNS.join(",");
    csv.push_str("\r\n");
    for (c, p) in subjects {
        let doc = (!p.cv.is_empty()).then(|| {
            file(
                document_path(c, p),
                "application/octet-stream",
                p.cv.clone(),
            )
        });
        let custom = serde_json::to_string(&p.custom_fields).unwrap_or_default();
        let day = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        let applied_on = c.applied_on.to_string();
        records.push(json!({
            "candidate": {
                "id": c.id,
                "external_ref": c.external_ref,
                "vacancy_ref": c.vacancy_ref,
                "applied_on": applied_on,
                "status": c.status,
                "closed_on": day(c.closed_on),
                "categories": c.categories,
                "consent": c.consent,
                "consent_withdrawn_on": day(c.consent_withdrawn_on),
                "delete_after": c.delete_after.map(proto::wire::timestamp).unwrap_or_default(),
                "retention_basis": c.retention_basis,
                "restricted": c.restricted,
                "created_at": proto::wire::timestamp(c.created_at),
                "updated_at": proto::wire::timestamp(c.updated_at),
            },
            "profile": {
                "name": p.name,
                "email": p.email,
                "phone": p.phone,
                "notes": p.notes,
                "custom_fields": p.custom_fields,
            },
            "document": doc.as_ref().map(|d| json!({
                "original_filename": p.cv_filename,
                "content_type": p.cv_content_type,
                "bytes": d.content.len(),
                "file": d.name,
                "sha256": d.sha256,
            })),
        }));
        let row = [
            c.id.clone(),
            c.external_ref.clone(),
            c.vacancy_ref.clone(),
            applied_on,
            c.status.clone(),
            c.categories.join("; "),
            c.consent.clone(),
            p.name.clone(),
            p.email.clone(),
            p.phone.clone(),
            p.notes.clone(),
            custom,
            p.cv_filename.clone(),
            doc.as_ref().map(|d| d.name.clone()).unwrap_or_default(),
            doc.as_ref().map(|d| d.sha256.clone()).unwrap_or_default(),
        ];
        csv.push_str(&row.iter().map(|s| cell(s)).collect::<Vec<_>>().join(","));
        csv.push_str("\r\n");
        docs.extend(doc);
    }
    let mut files = vec![
        file(
            "candidates.json".into(),
            "application/json",
            serde_json::to_vec_pretty(&json!({
                "schema_version": SCHEMA_VERSION,
                "candidates": records,
            }))
            .unwrap_or_default(),
        ),
        file(
            "candidates.csv".into(),
            "text/csv; charset=utf-8",
            csv.into_bytes(),
        ),
    ];
    files.extend(docs);
    let manifest = json!({
        "schema_version": SCHEMA_VERSION,
        "request_id": request_id,
        "controller_id": controller_id,
        "type": kind,
        "generated_at": generated_at,
        "counts": {
            "candidates": subjects.len(),
            "documents": files.len() - 2,
        },
        "files": files.iter().map(|f| json!({
            "name": f.name,
            "bytes": f.content.len(),
            "sha256": f.sha256,
        })).collect::<Vec<_>>(),
    });
    files.push(file(
        "manifest.json".into(),
        "application/json",
        serde_json::to_vec_pretty(&manifest).unwrap_or_default(),
    ));
    files
}

/// What the request keeps of an export: the manifest (ids, counts and
/// checksums; no personal data).
pub fn outcome(files: &[File]) -> Value {
    files
        .iter()
        .find(|f| f.name == "manifest.json")
        .and_then(|m| serde_json::from_slice(&m.content).ok())
        .map(|mut m: Value| {
            m["manifest_sha256"] = json!(files.last().map(|f| f.sha256.clone()));
            m
        })
        .unwrap_or(Value::Null)
}

/// Applies corrections to a payload: a non-empty field replaces the old
/// one, a custom field given replaces that field, an empty cv keeps the
/// document. Returns the fields changed.
pub fn rectify(current: &SubjectPayload, c: &SubjectPayload) -> (SubjectPayload, Vec<String>) {
    let mut next = current.clone();
    let mut changed = Vec::new();
    let mut set = |name: &str, target: &mut String, v: &str| {
        if !v.trim().is_empty() && target != v {
            *target = v.to_owned();
            changed.push(name.to_owned());
        }
    };
    set("name", &mut next.name, &c.name);
    set("email", &mut next.email, &c.email);
    set("phone", &mut next.phone, &c.phone);
    set("notes", &mut next.notes, &c.notes);
    for (k, v) in &c.custom_fields {
        if next.custom_fields.get(k) != Some(v) {
            next.custom_fields.insert(k.clone(), v.clone());
            changed.push(format!("custom_fields.{k}"));
        }
    }
    if !c.cv.is_empty() {
        next.cv = c.cv.clone();
        next.cv_filename = c.cv_filename.clone();
        next.cv_content_type = c.cv_content_type.clone();
        changed.push("cv".into());
    }
    (next, changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject(id: &str, cv: &[u8]) -> (SubjectCandidate, SubjectPayload) {
        let t = chrono::DateTime::parse_from_rfc3339("2026-06-01T10:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        (
            SubjectCandidate {
                id: id.into(),
                external_ref: format!("ref-{id}"),
                vacancy_ref: String::new(),
                applied_on: chrono::NaiveDate::from_ymd_opt(2026, 5, 1).unwrap(),
                status: "open".into(),
                closed_on: None,
                categories: Vec::new(),
                consent: "none".into(),
                consent_withdrawn_on: None,
                delete_after: None,
                retention_basis: String::new(),
                restricted: false,
                created_at: t,
                updated_at: t,
            },
            SubjectPayload {
                name: "Jan, \"de\" Vries".into(),
                email: "jan@example.nl".into(),
                cv: cv.to_vec(),
                cv_filename: "Jan de Vries CV.PDF".into(),
                ..Default::default()
            },
        )
    }

    #[test]
    fn the_manifest_counts_and_checks_every_file() {
        let files = bundle(
            "r",
            "c",
            "access",
            "now",
            &[subject("a", b"%PDF-1"), subject("b", b"")],
        );
        let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "candidates.json",
                "candidates.csv",
                "documents/a/cv.pdf",
                "manifest.json"
            ]
        );
        let m: Value = serde_json::from_slice(&files[3].content).unwrap();
        assert_eq!(m["counts"]["candidates"], 2);
        assert_eq!(m["counts"]["documents"], 1);
        for (f, listed) in files.iter().zip(m["files"].as_array().unwrap()) {
            assert_eq!(listed["sha256"], hex::encode(Sha256::digest(&f.content)));
            assert_eq!(listed["name"], f.name.as_str());
        }
        let csv = String::from_utf8(files[1].content.clone()).unwrap();
        assert!(csv.contains("\"Jan, \"\"de\"\" Vries\""), "{csv}");
        assert_eq!(csv.trim_end().split("\r\n").count(), 3);
        let o = outcome(&files);
        assert_eq!(o["counts"]["candidates"], 2);
        assert!(!o.to_string().contains("jan@example.nl"));
    }

    #[test]
    fn rectification_changes_only_what_is_given() {
        let (_, cur) = subject("a", b"x");
        let (next, changed) = rectify(
            &cur,
            &SubjectPayload {
                email: "jan@vries.nl".into(),
                ..Default::default()
            },
        );
        assert_eq!(changed, ["email"]);
        assert_eq!(next.email, "jan@vries.nl");
        assert_eq!(next.name, cur.name);
        assert_eq!(next.cv, cur.cv);
        let (_, none) = rectify(&cur, &SubjectPayload::default());
        assert!(none.is_empty());
    }
}
