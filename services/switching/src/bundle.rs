//! The export bundle, built by streaming (pure: no IO). Files are written
//! record by record; each keeps a running SHA-256, byte and record count,
//! and a buffer of at most [`CHUNK`] bytes. What a file emits is a *piece*
//! (path, offset, bytes, last); pieces of all files are packed in bundle
//! order into chunks of about [`CHUNK`] bytes, so a tenant's 100,000 small
//! documents make a few hundred chunks, not 100,000. The caller drains the
//! finished chunks after every page (seals and stores them), so memory stays
//! bounded by the open files' buffers, one page and one manifest entry per
//! file (about 150 bytes), however large the tenant is. `manifest.json` is
//! written last, streamed like any file, with the schema, counts and SHA-256
//! of every other file.
//!
//! Chunk framing, repeated: path length (u32 BE), path (UTF-8), offset (u64
//! BE), last (u8), data length (u32 BE), data.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// Chunk size: what one stored row holds, and the largest piece.
pub const CHUNK: usize = 256 * 1024;
pub const SCHEMA: &str = "custodian.export.v1";
pub const MANIFEST: &str = "manifest.json";

/// A piece of one file, as stored in a chunk and streamed to the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    pub path: String,
    pub offset: u64,
    pub data: Vec<u8>,
    pub last: bool,
}

/// A finished file as the manifest lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    pub path: String,
    /// "jsonl", "csv", "json" or "original".
    pub format: String,
    pub bytes: u64,
    pub sha256: String,
    pub records: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileId(usize);

struct OpenFile {
    path: String,
    format: &'static str,
    hasher: Sha256,
    bytes: u64,
    records: u64,
    /// Where `buf` starts in the file.
    offset: u64,
    buf: Vec<u8>,
}

/// A closed file's manifest entry, kept compact: a tenant's million
/// documents keep a million of these until the manifest is written (about
/// 90 bytes each plus the path).
struct Closed {
    path: Box<str>,
    format: &'static str,
    bytes: u64,
    records: u64,
    sha256: [u8; 32],
}

impl Closed {
    fn entry(&self) -> FileEntry {
        FileEntry {
            path: self.path.to_string(),
            format: self.format.into(),
            bytes: self.bytes,
            sha256: hex::encode(self.sha256),
            records: self.records,
        }
    }
}

/// An open file, or, once closed, only its manifest entry. Both boxed, so
/// the list of a million files is 16 bytes a slot and growing it copies
/// little.
enum Slot {
    Open(Box<OpenFile>),
    Done(Box<Closed>),
}

/// The manifest being written by [`Bundle::manifest_entries`], a slice of
/// entries at a time, so its chunks can be drained like any file's.
pub struct Manifest {
    id: FileId,
    next: usize,
    documents: u64,
    files: Vec<FileEntry>,
}

#[derive(Default)]
pub struct Bundle {
    files: Vec<Slot>,
    /// The chunk being packed.
    chunk: Vec<u8>,
    /// Finished chunks (plaintext), not yet taken.
    out: Vec<Vec<u8>>,
}

/// What [`Bundle::finish`] leaves: the entries of every file but the
/// documents (the manifest last), the manifest's SHA-256, the last chunks.
pub struct Finished {
    pub files: Vec<FileEntry>,
    pub documents: u64,
    pub manifest_sha256: String,
    pub chunks: Vec<Vec<u8>>,
}

impl Bundle {
    pub fn new() -> Bundle {
        Bundle::default()
    }

    pub fn open(&mut self, path: impl Into<String>, format: &'static str) -> FileId {
        self.files.push(Slot::Open(Box::new(OpenFile {
            path: path.into(),
            format,
            hasher: Sha256::new(),
            bytes: 0,
            records: 0,
            offset: 0,
            buf: Vec::new(),
        })));
        FileId(self.files.len() - 1)
    }

    /// Appends one piece to the chunk being packed; cuts it when full.
    fn pack(
        chunk: &mut Vec<u8>,
        out: &mut Vec<Vec<u8>>,
        path: &str,
        offset: u64,
        data: &[u8],
        last: bool,
    ) {
        chunk.extend_from_slice(&(path.len() as u32).to_be_bytes());
        chunk.extend_from_slice(path.as_bytes());
        chunk.extend_from_slice(&offset.to_be_bytes());
        chunk.push(u8::from(last));
        chunk.extend_from_slice(&(data.len() as u32).to_be_bytes());
        chunk.extend_from_slice(data);
        if chunk.len() >= CHUNK {
            out.push(std::mem::take(chunk));
        }
    }

    /// Appends bytes; `record` counts one record (a line, a row).
    pub fn write(&mut self, id: FileId, mut bytes: &[u8], record: bool) {
        let Slot::Open(f) = &mut self.files[id.0] else {
            panic!("write to a closed bundle file");
        };
        f.hasher.update(bytes);
        f.bytes += bytes.len() as u64;
        if record {
            f.records += 1;
        }
        while !bytes.is_empty() {
            let n = (CHUNK - f.buf.len()).min(bytes.len());
            f.buf.extend_from_slice(&bytes[..n]);
            bytes = &bytes[n..];
            if f.buf.len() == CHUNK {
                Self::pack(
                    &mut self.chunk,
                    &mut self.out,
                    &f.path,
                    f.offset,
                    &f.buf,
                    false,
                );
                f.offset += f.buf.len() as u64;
                f.buf.clear();
            }
        }
    }

    /// One JSON Lines record.
    pub fn line(&mut self, id: FileId, v: &Value) {
        let mut s = serde_json::to_vec(v).expect("a JSON value serializes");
        s.push(b'\n');
        self.write(id, &s, true);
    }

    /// One CSV row (RFC 4180; values exactly as stored, never altered).
    pub fn row(&mut self, id: FileId, cells: &[&str], record: bool) {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            if c.contains([',', '"', '\n', '\r']) {
                s.push('"');
                s.push_str(&c.replace('"', "\"\""));
                s.push('"');
            } else {
                s.push_str(c);
            }
        }
        s.push_str("\r\n");
        self.write(id, s.as_bytes(), record);
    }

    /// Ends a file with its last piece (an empty file has one empty piece).
    pub fn close(&mut self, id: FileId) {
        let Slot::Open(f) = &mut self.files[id.0] else {
            return;
        };
        Self::pack(
            &mut self.chunk,
            &mut self.out,
            &f.path,
            f.offset,
            &f.buf,
            true,
        );
        let entry = Box::new(Closed {
            path: std::mem::take(&mut f.path).into_boxed_str(),
            format: f.format,
            bytes: f.bytes,
            records: f.records,
            sha256: f.hasher.clone().finalize().into(),
        });
        self.files[id.0] = Slot::Done(entry);
    }

    /// A whole file at once (a document, a JSON file).
    pub fn whole(&mut self, path: impl Into<String>, format: &'static str, bytes: &[u8]) -> FileId {
        let id = self.open(path, format);
        self.write(id, bytes, false);
        self.close(id);
        id
    }

    /// The chunks finished since the last call.
    pub fn take_chunks(&mut self) -> Vec<Vec<u8>> {
        std::mem::take(&mut self.out)
    }

    /// The manifest entry of a closed file.
    pub fn entry(&self, id: FileId) -> FileEntry {
        match &self.files[id.0] {
            Slot::Done(e) => e.entry(),
            Slot::Open(f) => panic!("file {} is still open", f.path),
        }
    }

    /// Closes every file and starts `manifest.json` with `header` (plus the
    /// schema); then [`Self::manifest_entries`] until it returns false, and
    /// [`Self::finish_manifest`].
    pub fn start_manifest(&mut self, header: Value) -> Manifest {
        for i in 0..self.files.len() {
            self.close(FileId(i));
        }
        let mut head = header;
        head["schema"] = json!(SCHEMA);
        let head = serde_json::to_string_pretty(&head).expect("manifest serializes");
        let head = head.trim_end().trim_end_matches('}').trim_end();
        let id = self.open(MANIFEST, "json");
        self.write(id, head.as_bytes(), false);
        self.write(id, b",\n  \"files\": [", false);
        Manifest {
            id,
            next: 0,
            documents: 0,
            files: Vec::new(),
        }
    }

    /// Writes up to `n` more entries of the manifest; false once all are
    /// written. The caller drains [`Self::take_chunks`] in between.
    pub fn manifest_entries(&mut self, m: &mut Manifest, n: usize) -> bool {
        let end = m.next.saturating_add(n).min(m.id.0);
        for i in m.next..end {
            let Slot::Done(c) = &self.files[i] else {
                continue;
            };
            let e = c.entry();
            let line = serde_json::to_string(&e).expect("entry serializes");
            let sep: &[u8] = if i == 0 { b"\n    " } else { b",\n    " };
            self.write(m.id, sep, false);
            self.write(m.id, line.as_bytes(), false);
            if e.format == "original" {
                m.documents += 1;
            } else {
                m.files.push(e);
            }
        }
        m.next = end;
        m.next < m.id.0
    }

    /// Ends the manifest and the bundle.
    pub fn finish_manifest(mut self, mut m: Manifest) -> Finished {
        while self.manifest_entries(&mut m, usize::MAX) {}
        self.write(m.id, b"\n  ]\n}\n", false);
        self.close(m.id);
        let manifest = self.entry(m.id);
        let manifest_sha256 = manifest.sha256.clone();
        m.files.push(manifest);
        if !self.chunk.is_empty() {
            let last = std::mem::take(&mut self.chunk);
            self.out.push(last);
        }
        Finished {
            files: m.files,
            documents: m.documents,
            manifest_sha256,
            chunks: self.take_chunks(),
        }
    }

    /// The whole manifest at once (small bundles, tests).
    pub fn finish(mut self, header: Value) -> Finished {
        let m = self.start_manifest(header);
        self.finish_manifest(m)
    }
}

/// The pieces of one chunk, in order.
pub fn pieces(chunk: &[u8]) -> Result<Vec<Piece>, String> {
    let mut out = Vec::new();
    let mut at = 0usize;
    let take = |at: &mut usize, n: usize| -> Result<&[u8], String> {
        let s = chunk
            .get(*at..*at + n)
            .ok_or_else(|| format!("chunk truncated at byte {at}"))?;
        *at += n;
        Ok(s)
    };
    while at < chunk.len() {
        let n = u32::from_be_bytes(take(&mut at, 4)?.try_into().expect("4 bytes")) as usize;
        let path = String::from_utf8(take(&mut at, n)?.to_vec()).map_err(|e| e.to_string())?;
        let offset = u64::from_be_bytes(take(&mut at, 8)?.try_into().expect("8 bytes"));
        let last = take(&mut at, 1)?[0] == 1;
        let n = u32::from_be_bytes(take(&mut at, 4)?.try_into().expect("4 bytes")) as usize;
        let data = take(&mut at, n)?.to_vec();
        out.push(Piece {
            path,
            offset,
            data,
            last,
        });
    }
    Ok(out)
}

/// A file name safe inside the bundle: no separators, no leading dots, no
/// control characters; empty becomes "document".
pub fn safe_name(s: &str) -> String {
    let cleaned: String = s
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') {
                '_'
            } else {
                c
            }
        })
        .collect();
    let t = cleaned.trim().trim_start_matches('.');
    if t.is_empty() {
        "document".into()
    } else {
        t.chars().take(120).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn files(chunks: &[Vec<u8>]) -> BTreeMap<String, Vec<u8>> {
        let mut out: BTreeMap<String, Vec<u8>> = BTreeMap::new();
        for c in chunks {
            for p in pieces(c).unwrap() {
                let f = out.entry(p.path).or_default();
                assert_eq!(f.len() as u64, p.offset, "pieces arrive in order");
                f.extend_from_slice(&p.data);
            }
        }
        out
    }

    #[test]
    fn files_are_packed_into_chunks_and_hashed_whole() {
        let mut b = Bundle::new();
        let a = b.open("a.jsonl", "jsonl");
        let big = vec![b'x'; CHUNK * 2 + 10];
        b.write(a, &big, true);
        let mut chunks = b.take_chunks();
        assert_eq!(chunks.len(), 2, "two full pieces are cut while writing");
        for i in 0..1000 {
            b.whole(format!("files/{i}/cv.pdf"), "original", &[b'd'; 100]);
        }
        b.whole("empty.json", "json", b"");
        let done = b.finish(json!({ "controller_id": "t" }));
        chunks.extend(done.chunks);
        assert!(
            chunks.len() <= 4,
            "1000 small documents share chunks: {}",
            chunks.len()
        );
        let got = files(&chunks);
        assert_eq!(got["a.jsonl"], big);
        assert_eq!(got["files/999/cv.pdf"], vec![b'd'; 100]);
        assert_eq!(got["empty.json"], b"");
        assert_eq!(done.documents, 1000);
        assert_eq!(done.files[0].sha256, hex::encode(Sha256::digest(&big)));
        assert_eq!(done.files[0].records, 1);
        assert_eq!(done.files.last().unwrap().path, MANIFEST);
        let m: Value = serde_json::from_slice(&got[MANIFEST]).unwrap();
        assert_eq!(m["schema"], SCHEMA);
        assert_eq!(m["controller_id"], "t");
        assert_eq!(m["files"].as_array().unwrap().len(), 1002);
        assert_eq!(
            done.manifest_sha256,
            hex::encode(Sha256::digest(&got[MANIFEST]))
        );
    }

    /// The build drains the manifest's chunks between slices of entries:
    /// the bundle is the same as one written at once.
    #[test]
    fn a_manifest_written_in_slices_is_the_same_bundle() {
        let build = |slice: Option<usize>| {
            let mut b = Bundle::new();
            for i in 0..2500 {
                b.whole(format!("files/{i}/cv.pdf"), "original", &[b'd'; 10]);
            }
            let j = b.open("a.jsonl", "jsonl");
            b.line(j, &json!({ "a": 1 }));
            let mut chunks = b.take_chunks();
            let done = match slice {
                None => b.finish(json!({ "t": 1 })),
                Some(n) => {
                    let mut m = b.start_manifest(json!({ "t": 1 }));
                    let mut drains = 0;
                    while b.manifest_entries(&mut m, n) {
                        chunks.extend(b.take_chunks());
                        drains += 1;
                    }
                    assert_eq!(drains, 2501_usize.div_ceil(n) - 1);
                    b.finish_manifest(m)
                }
            };
            chunks.extend(done.chunks);
            (
                files(&chunks),
                done.manifest_sha256,
                done.documents,
                done.files,
            )
        };
        let whole = build(None);
        assert_eq!(whole.2, 2500);
        assert_eq!(build(Some(300)), whole);
        assert_eq!(build(Some(1)), whole);
    }

    #[test]
    fn a_truncated_chunk_is_an_error() {
        let mut b = Bundle::new();
        b.whole("x.json", "json", b"{}");
        let done = b.finish(json!({}));
        let c = &done.chunks[0];
        assert!(pieces(&c[..c.len() - 1]).is_err());
    }

    #[test]
    fn csv_rows_quote_but_never_alter_values() {
        let mut b = Bundle::new();
        let f = b.open("x.csv", "csv");
        b.row(f, &["+31612345678", "a,b", "say \"hi\"", "=1"], true);
        b.close(f);
        let done = b.finish(json!({}));
        assert_eq!(
            String::from_utf8(files(&done.chunks)["x.csv"].clone()).unwrap(),
            "+31612345678,\"a,b\",\"say \"\"hi\"\"\",=1\r\n"
        );
    }

    #[test]
    fn names_cannot_escape_the_bundle() {
        assert_eq!(safe_name("../../etc/passwd"), "_.._etc_passwd");
        assert_eq!(safe_name("cv.pdf"), "cv.pdf");
        assert_eq!(safe_name(" "), "document");
        assert_eq!(safe_name("..\\x"), "_x");
    }
}
