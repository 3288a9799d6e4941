//! The RFC 6962 Merkle tree of a log, kept as stored hashes.
//!
//! Every complete subtree's hash is stored once, at the dense index
//! [`stored_hash_index`]`(level, n)` (Crosby and Wallach's order, as Go's
//! sumdb/tlog stores them): leaf `n` adds `1 + trailing_ones(n)` hashes.
//! The root of any size, an inclusion proof and a consistency proof each
//! read at most about `2 log₂ n` of them, so they cost `O(log n)` reads
//! whatever the log's size.
//!
//! The stores are asynchronous and tlog's reader is not, so each operation
//! runs in two passes: [`needs`] names the stored hashes an operation will
//! read, the store fetches them, and the operation runs on a [`Known`] map.

use std::cell::RefCell;
use std::collections::HashMap;

use tlog_tiles::{Error, HashReader};
pub use tlog_tiles::{Hash, node_hash, record_hash, stored_hash_count, stored_hash_index};

use crate::EvidenceError;

/// An operation on the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Appending `count` leaves to a tree of `size`.
    Append { size: u64, count: u64 },
    /// The root of the tree of `size`.
    Root { size: u64 },
    /// The inclusion proof of leaf `index` in the tree of `size`.
    Inclusion { size: u64, index: u64 },
    /// The consistency proof of the tree of `old` with the tree of `new`.
    Consistency { old: u64, new: u64 },
}

/// Records the indexes asked for and answers zero hashes: the indexes an
/// operation reads do not depend on the hashes' values.
struct Recorder {
    asked: RefCell<Vec<u64>>,
    /// Indexes below this are in the store; the rest are made by the
    /// operation itself (an append's own new hashes).
    below: u64,
}

impl HashReader for Recorder {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, Error> {
        self.asked
            .borrow_mut()
            .extend(indexes.iter().copied().filter(|i| *i < self.below));
        Ok(vec![Hash([0; 32]); indexes.len()])
    }
}

/// Stored hashes fetched for one operation.
#[derive(Debug, Default, Clone)]
pub struct Known(pub HashMap<u64, Hash>);

impl HashReader for Known {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, Error> {
        indexes
            .iter()
            .map(|i| self.0.get(i).copied().ok_or(Error::IndexesNotInTree))
            .collect()
    }
}

/// The stored-hash indexes `op` reads, sorted, without repeats.
pub fn needs(op: Op) -> Vec<u64> {
    let rec = Recorder {
        asked: RefCell::new(Vec::new()),
        below: match op {
            Op::Append { size, .. } => stored_hash_count(size),
            _ => u64::MAX,
        },
    };
    // Errors here are bad sizes, which the real pass reports.
    match op {
        Op::Append { size, count } => {
            for n in size..size + count {
                let _ = tlog_tiles::stored_hashes_for_record_hash(n, Hash([0; 32]), &rec);
            }
        }
        Op::Root { size } => {
            let _ = tlog_tiles::tree_hash(size, &rec);
        }
        Op::Inclusion { size, index } => {
            let _ = tlog_tiles::prove_record(size, index, &rec);
        }
        Op::Consistency { old, new } => {
            let _ = tlog_tiles::prove_tree(new, old, &rec);
        }
    }
    let mut v = rec.asked.into_inner();
    v.sort_unstable();
    v.dedup();
    v
}

fn tree_err(e: Error) -> EvidenceError {
    EvidenceError::Proof(e.to_string())
}

/// The stored hashes (index, hash) that appending `leaves` (their leaf
/// hashes) to the tree of `size` adds. `known` holds [`needs`] of the
/// append.
pub fn append(
    size: u64,
    leaves: &[Hash],
    known: &Known,
) -> Result<Vec<(u64, Hash)>, EvidenceError> {
    let mut all = known.clone();
    let mut out = Vec::with_capacity(leaves.len() * 2);
    for (i, leaf) in leaves.iter().enumerate() {
        let n = size + i as u64;
        let start = stored_hash_index(0, n);
        let hashes = tlog_tiles::stored_hashes_for_record_hash(n, *leaf, &all).map_err(tree_err)?;
        for (k, h) in hashes.into_iter().enumerate() {
            let idx = start + k as u64;
            all.0.insert(idx, h);
            out.push((idx, h));
        }
    }
    Ok(out)
}

/// The root of the tree of `size`.
pub fn root(size: u64, known: &Known) -> Result<Hash, EvidenceError> {
    tlog_tiles::tree_hash(size, known).map_err(tree_err)
}

/// The inclusion proof (RFC 6962 audit path) of leaf `index` in `size`.
pub fn inclusion(size: u64, index: u64, known: &Known) -> Result<Vec<Hash>, EvidenceError> {
    tlog_tiles::prove_record(size, index, known).map_err(tree_err)
}

/// The consistency proof of the tree of `old` with the tree of `new`.
pub fn consistency(old: u64, new: u64, known: &Known) -> Result<Vec<Hash>, EvidenceError> {
    tlog_tiles::prove_tree(new, old, known).map_err(tree_err)
}

/// Checks that leaf `index` with hash `leaf` is in the tree of `size` with
/// root `root`.
pub fn check_inclusion(
    proof: &[Hash],
    size: u64,
    root: Hash,
    index: u64,
    leaf: Hash,
) -> Result<(), EvidenceError> {
    tlog_tiles::check_record(&proof.to_vec(), size, root, index, leaf).map_err(|_| {
        EvidenceError::Proof(format!(
            "leaf {index} is not in the tree of size {size} with root {}",
            b64(&root)
        ))
    })
}

/// Checks that the tree of `old_size` with `old_root` is a prefix of the tree
/// of `new_size` with `new_root`.
pub fn check_consistency(
    proof: &[Hash],
    old_size: u64,
    old_root: Hash,
    new_size: u64,
    new_root: Hash,
) -> Result<(), EvidenceError> {
    tlog_tiles::check_tree(&proof.to_vec(), new_size, new_root, old_size, old_root).map_err(|_| {
        EvidenceError::Proof(format!(
            "the tree of size {new_size} ({}) does not extend the tree of size {old_size} ({})",
            b64(&new_root),
            b64(&old_root)
        ))
    })
}

/// Base64 (standard, padded) of a hash: how the formats write hashes.
pub fn b64(h: &Hash) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(h.0)
}

/// Reads a base64 hash.
pub fn parse_b64(s: &str) -> Result<Hash, EvidenceError> {
    use base64::Engine;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(s)
        .map_err(|_| {
            EvidenceError::Malformed(format!("not a base64 hash: {:?}", crate::short(s)))
        })?;
    let a: [u8; 32] = raw.try_into().map_err(|_| {
        EvidenceError::Malformed(format!("not a 32-byte hash: {:?}", crate::short(s)))
    })?;
    Ok(Hash(a))
}

/// Trees in memory for the unit tests of this crate.
#[cfg(test)]
pub(crate) mod testing {
    use super::*;

    /// A store: what `append` returned, looked up by `needs`.
    pub fn fetch(store: &HashMap<u64, Hash>, op: Op) -> Known {
        Known(needs(op).into_iter().map(|i| (i, store[&i])).collect())
    }

    /// The stored hashes of the tree of `leaves`.
    pub fn stored(leaves: &[Hash]) -> HashMap<u64, Hash> {
        append(0, leaves, &Known::default())
            .expect("an append from empty reads nothing")
            .into_iter()
            .collect()
    }

    /// The root of the tree of `size` in `store`.
    pub fn root_of(store: &HashMap<u64, Hash>, size: u64) -> Hash {
        root(size, &fetch(store, Op::Root { size })).expect("a stored tree")
    }

    /// Changes every byte of `text` but its final newline, one at a time
    /// (to another printable byte), and asserts `verifies` refuses each.
    pub fn every_changed_byte_fails(text: &str, verifies: impl Fn(&str) -> bool) {
        let bytes = text.as_bytes();
        for i in 0..bytes.len() - 1 {
            let mut t = bytes.to_vec();
            t[i] = if t[i] == b'A' { b'B' } else { b'A' };
            let Ok(s) = String::from_utf8(t) else {
                continue;
            };
            assert!(
                !verifies(&s),
                "byte {i} ({:?}) changed and still verified",
                bytes[i] as char
            );
        }
    }

    /// The inclusion proof of leaf `index` in the tree of `size`.
    pub fn proof_of(store: &HashMap<u64, Hash>, size: u64, index: u64) -> Vec<Hash> {
        inclusion(size, index, &fetch(store, Op::Inclusion { size, index })).expect("a stored tree")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tree held in memory the plain RFC 6962 way, to check against.
    fn mth(leaves: &[Hash]) -> Hash {
        match leaves.len() {
            0 => tlog_tiles::EMPTY_HASH,
            1 => leaves[0],
            n => {
                let k = 1usize << (usize::BITS - 1 - (n - 1).leading_zeros());
                node_hash(mth(&leaves[..k]), mth(&leaves[k..]))
            }
        }
    }

    fn leaf(i: u64) -> Hash {
        record_hash(format!("entry {i}").as_bytes())
    }

    use super::testing::fetch;

    #[test]
    fn appended_in_batches_the_roots_and_proofs_are_rfc_6962() {
        let mut store = HashMap::new();
        let mut leaves = Vec::new();
        let mut size = 0u64;
        for batch in [1u64, 2, 3, 5, 8, 13, 1, 30] {
            let new: Vec<Hash> = (size..size + batch).map(leaf).collect();
            let k = fetch(&store, Op::Append { size, count: batch });
            for (i, h) in append(size, &new, &k).unwrap() {
                assert!(store.insert(i, h).is_none(), "index {i} written twice");
            }
            leaves.extend(new);
            size += batch;
            assert_eq!(store.len() as u64, stored_hash_count(size));
            let r = root(size, &fetch(&store, Op::Root { size })).unwrap();
            assert_eq!(r, mth(&leaves), "root at {size}");
        }
        let roots: Vec<Hash> = (1..=size)
            .map(|s| root(s, &fetch(&store, Op::Root { size: s })).unwrap())
            .collect();
        for t in 1..=size {
            let rt = roots[t as usize - 1];
            for n in 0..t {
                let p =
                    inclusion(t, n, &fetch(&store, Op::Inclusion { size: t, index: n })).unwrap();
                assert!(p.len() <= 7);
                check_inclusion(&p, t, rt, n, leaves[n as usize]).unwrap();
                assert!(check_inclusion(&p, t, rt, n, leaf(9999)).is_err());
            }
            for o in 1..=t {
                let ro = roots[o as usize - 1];
                let p =
                    consistency(o, t, &fetch(&store, Op::Consistency { old: o, new: t })).unwrap();
                check_consistency(&p, o, ro, t, rt).unwrap();
                if o < t {
                    assert!(check_consistency(&p, o, leaf(1), t, rt).is_err());
                }
            }
        }
    }

    #[test]
    fn a_rebuilt_tree_without_one_entry_is_not_an_extension() {
        let all: Vec<Hash> = (0..20).map(leaf).collect();
        let old = mth(&all[..10]);
        let mut rewritten = all.clone();
        rewritten.remove(4);
        let mut store = HashMap::new();
        let k = fetch(&store, Op::Append { size: 0, count: 19 });
        store.extend(append(0, &rewritten, &k).unwrap());
        let new = root(19, &fetch(&store, Op::Root { size: 19 })).unwrap();
        let p = consistency(10, 19, &fetch(&store, Op::Consistency { old: 10, new: 19 })).unwrap();
        assert!(check_consistency(&p, 10, old, 19, new).is_err());
    }
}
