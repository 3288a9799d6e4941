//! The export bundle, built by streaming (pure: no IO). Files are written
//! record by record; each keeps a running SHA-256, byte and record count,
//! and a buffer of at most [`CHUNK`] bytes that is cut into a [`Chunk`] when
//! full. The caller drains the chunks after every page (seals and stores
//! them), so memory stays bounded by the open files' buffers and one page,
//! however large the tenant is. `manifest.json` is written last, with the
//! schema, counts and SHA-256 of every other file.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// Chunk size: what one stored row and one streamed message hold.
pub const CHUNK: usize = 256 * 1024;
pub const SCHEMA: &str = "custodian.export.v1";
pub const MANIFEST: &str = "manifest.json";

/// One piece of one file, in plaintext (the service seals it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    pub file_no: i32,
    pub seq: i32,
    pub path: String,
    pub data: Vec<u8>,
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
    no: i32,
    path: String,
    format: &'static str,
    hasher: Sha256,
    bytes: u64,
    records: u64,
    seq: i32,
    buf: Vec<u8>,
}

/// An open file, or, once closed, only its manifest entry (about 150
/// bytes per document: the manifest must list them all).
enum Slot {
    Open(OpenFile),
    Done(FileEntry),
}

#[derive(Default)]
pub struct Bundle {
    files: Vec<Slot>,
    out: Vec<Chunk>,
}

impl Bundle {
    pub fn new() -> Bundle {
        Bundle::default()
    }

    pub fn open(&mut self, path: impl Into<String>, format: &'static str) -> FileId {
        self.files.push(Slot::Open(OpenFile {
            no: self.files.len() as i32,
            path: path.into(),
            format,
            hasher: Sha256::new(),
            bytes: 0,
            records: 0,
            seq: 0,
            buf: Vec::new(),
        }));
        FileId(self.files.len() - 1)
    }

    fn cut(f: &mut OpenFile, out: &mut Vec<Chunk>) {
        let data = std::mem::take(&mut f.buf);
        out.push(Chunk {
            file_no: f.no,
            seq: f.seq,
            path: f.path.clone(),
            data,
        });
        f.seq += 1;
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
            let room = CHUNK - f.buf.len();
            let n = room.min(bytes.len());
            f.buf.extend_from_slice(&bytes[..n]);
            bytes = &bytes[n..];
            if f.buf.len() == CHUNK {
                Self::cut(f, &mut self.out);
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

    /// Ends a file: its last chunk (an empty file has one empty chunk).
    pub fn close(&mut self, id: FileId) {
        let Slot::Open(f) = &mut self.files[id.0] else {
            return;
        };
        if !f.buf.is_empty() || f.seq == 0 {
            Self::cut(f, &mut self.out);
        }
        let entry = FileEntry {
            path: std::mem::take(&mut f.path),
            format: f.format.into(),
            bytes: f.bytes,
            sha256: hex::encode(f.hasher.clone().finalize()),
            records: f.records,
        };
        self.files[id.0] = Slot::Done(entry);
    }

    /// A whole file at once (a document, a JSON file).
    pub fn whole(&mut self, path: impl Into<String>, format: &'static str, bytes: &[u8]) -> FileId {
        let id = self.open(path, format);
        self.write(id, bytes, false);
        self.close(id);
        id
    }

    /// The chunks cut since the last call.
    pub fn take_chunks(&mut self) -> Vec<Chunk> {
        std::mem::take(&mut self.out)
    }

    /// The manifest entry of a closed file.
    pub fn entry(&self, id: FileId) -> FileEntry {
        match &self.files[id.0] {
            Slot::Done(e) => e.clone(),
            Slot::Open(f) => panic!("file {} is still open", f.path),
        }
    }

    /// Closes every file and writes `manifest.json` (itself not listed).
    /// Returns the entries (the manifest last) and the manifest's text.
    pub fn finish(mut self, header: Value) -> (Vec<FileEntry>, String, Vec<Chunk>) {
        for i in 0..self.files.len() {
            self.close(FileId(i));
        }
        let entries: Vec<FileEntry> = (0..self.files.len())
            .map(|i| self.entry(FileId(i)))
            .collect();
        let mut manifest = header;
        manifest["schema"] = json!(SCHEMA);
        manifest["files"] = serde_json::to_value(&entries).expect("entries serialize");
        let text = serde_json::to_string_pretty(&manifest).expect("manifest serializes");
        let m = self.whole(MANIFEST, "json", text.as_bytes());
        let mut all = entries;
        all.push(self.entry(m));
        let chunks = self.take_chunks();
        (all, text, chunks)
    }
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

    fn reassemble(chunks: &[Chunk], file_no: i32) -> Vec<u8> {
        let mut out = Vec::new();
        for c in chunks.iter().filter(|c| c.file_no == file_no) {
            out.extend_from_slice(&c.data);
        }
        out
    }

    #[test]
    fn files_are_cut_into_chunks_and_hashed_whole() {
        let mut b = Bundle::new();
        let a = b.open("a.jsonl", "jsonl");
        let big = vec![b'x'; CHUNK * 2 + 10];
        b.write(a, &big, true);
        let mut chunks = b.take_chunks();
        assert_eq!(chunks.len(), 2, "two full chunks are cut while writing");
        assert!(chunks.iter().all(|c| c.data.len() == CHUNK));
        let e = b.whole("empty.json", "json", b"");
        assert_eq!(b.entry(e).bytes, 0);
        let (entries, manifest, rest) = b.finish(json!({ "controller_id": "t" }));
        chunks.extend(rest);
        assert_eq!(reassemble(&chunks, 0), big);
        assert_eq!(entries[0].sha256, hex::encode(Sha256::digest(&big)));
        assert_eq!(entries[0].records, 1);
        // The empty file still has one (empty) chunk; the manifest is last.
        assert_eq!(chunks.iter().filter(|c| c.file_no == 1).count(), 1);
        assert_eq!(entries.last().unwrap().path, MANIFEST);
        let m: Value = serde_json::from_str(&manifest).unwrap();
        assert_eq!(m["schema"], SCHEMA);
        assert_eq!(m["files"].as_array().unwrap().len(), 2);
        assert_eq!(reassemble(&chunks, 2), manifest.as_bytes());
    }

    #[test]
    fn csv_rows_quote_but_never_alter_values() {
        let mut b = Bundle::new();
        let f = b.open("x.csv", "csv");
        b.row(f, &["+31612345678", "a,b", "say \"hi\"", "=1"], true);
        b.close(f);
        let chunks = b.take_chunks();
        assert_eq!(
            String::from_utf8(reassemble(&chunks, 0)).unwrap(),
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
