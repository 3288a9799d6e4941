#!/usr/bin/env python3
"""An independent verifier of Custodian's evidence, written from
docs/evidence.md alone (no Custodian code): signed deletion certificates,
C2SP signed-note checkpoints, RFC 6962 / RFC 9162 inclusion and consistency
proofs. The e2e tests run it on what the server produced.

    verify.py certificate FILE --public-key KEY [--public-key KEY ...]
    verify.py consistency OLD NEW PROOF --public-key KEY [...]
    verify.py inclusion LEAF_JSON_FILE PROOF CHECKPOINT --public-key KEY [...]
    verify.py audit FILE --public-key KEY [...]

KEY is a signed-note verifier key, name+id+base64. PROOF is a file with one
base64 hash per line. Exit 0 with a statement; exit 1 naming what failed.

Needs the `cryptography` package (make verifier-deps installs it).
"""

import argparse
import base64
import hashlib
import json
import struct
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

SIGNING_CONTEXT = b"custodian.signed-document/v1\n"
FORMAT = "custodian.deletion-certificate/v1"


class Failed(Exception):
    pass


# --- keys (C2SP signed-note) -------------------------------------------------

class Key:
    def __init__(self, text):
        text = text.strip()
        parts = text.split("+", 2)
        if len(parts) != 3 or len(parts[1]) != 8:
            raise Failed(f"not a verifier key: {text[:40]!r}")
        self.name, id_hex, b64 = parts
        raw = base64.b64decode(b64, validate=True)
        if raw[:1] != b"\x01" or len(raw) != 33:
            raise Failed("only Ed25519 verifier keys (algorithm 1) are known")
        self.id = int(id_hex, 16)
        if self.id != key_id(self.name, raw):
            raise Failed(f"verifier key id {id_hex} does not match its name and key")
        self.raw = raw
        self.public = Ed25519PublicKey.from_public_bytes(raw[1:])

    def handle(self):
        return f"{self.name}+{self.id:08x}"

    def verify(self, msg, sig):
        try:
            self.public.verify(sig, msg)
            return True
        except InvalidSignature:
            return False


def key_id(name, raw):
    return struct.unpack(">I", hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4])[0]


def open_note(text, keys):
    """Checks a signed note; returns its text (the checkpoint body)."""
    if "\n\n" not in text:
        raise Failed("the checkpoint is not a signed note (no blank line)")
    body, sigs = text.rsplit("\n\n", 1)
    body += "\n"
    if not sigs.endswith("\n"):
        raise Failed("the checkpoint's signature lines do not end in a newline")
    verified = False
    for line in sigs[:-1].split("\n"):
        if not line.startswith("\u2014 "):
            raise Failed(f"not a signature line: {line[:40]!r}")
        name, b64 = line[2:].split(" ", 1)
        raw = base64.b64decode(b64, validate=True)
        sig_id = struct.unpack(">I", raw[:4])[0]
        for k in keys:
            if k.name == name and k.id == sig_id:
                if not k.verify(body.encode(), raw[4:]):
                    raise Failed(f"the checkpoint's signature by {k.handle()} does not check")
                verified = True
    if not verified:
        raise Failed("the checkpoint is not signed by any of the keys given")
    lines = body.split("\n")
    if len(lines) < 4 or not lines[1].isdigit() or (lines[1] != "0" and lines[1].startswith("0")):
        raise Failed("the signed note is not a checkpoint (origin, size, root)")
    root = base64.b64decode(lines[2], validate=True)
    if len(root) != 32:
        raise Failed("the checkpoint's root is not a 32-byte hash")
    return lines[0], int(lines[1]), root


# --- RFC 6962 hashing and RFC 9162 proof verification ------------------------

def leaf_hash(data):
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def verify_inclusion(index, size, leaf, proof, root):
    """RFC 9162, 2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while True:
                    fn >>= 1
                    sn >>= 1
                    if fn & 1 or fn == 0:
                        break
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(size1, size2, root1, root2, proof):
    """RFC 9162, 2.1.4.2."""
    if size1 > size2:
        return False
    if size1 == size2:
        return not proof and root1 == root2
    if size1 == 0:
        return not proof
    if not proof:
        return False
    if size1 & (size1 - 1) == 0:  # a power of two
        proof = [root1] + list(proof)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while True:
                    fn >>= 1
                    sn >>= 1
                    if fn & 1 or fn == 0:
                        break
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == root1 and sr == root2 and sn == 0


# --- the ledger entry and the certificate -------------------------------------

def canonical(v):
    return json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def chain_hash(e):
    h = hashlib.sha256()
    for part in ["custodian.shred.v1", e["prev_hash"], str(e["seq"]), e["candidate_id"],
                 e["tenant_id"], e["reason"], e["basis"], e["shredded_at"]]:
        b = part.encode()
        h.update(struct.pack(">Q", len(b)))
        h.update(b)
    return h.hexdigest()


ENTRY_FIELDS = {"seq", "candidate_id", "tenant_id", "reason", "basis", "shredded_at",
                "prev_hash", "hash"}


def check_entry(e):
    if set(e) != ENTRY_FIELDS:
        raise Failed("the ledger entry does not have exactly the documented fields")
    if chain_hash(e) != e["hash"]:
        raise Failed(f"ledger entry {e['seq']}'s hash does not match its fields")


TENANT_FORMAT = "custodian.tenant-erasure-certificate/v1"
REQUEST_FORMAT = "custodian.request-erasure-certificate/v1"


def proven_entry(part, size, root):
    """A ledger entry with its inclusion proof against the tree (size, root)."""
    e = part["ledger_entry"]
    check_entry(e)
    p = part["inclusion_proof"]
    if p["leaf_index"] != e["seq"] - 1 or p["tree_size"] != size:
        raise Failed("the inclusion proof is for another leaf or another tree")
    proof = [base64.b64decode(h, validate=True) for h in p["hashes"]]
    if not verify_inclusion(p["leaf_index"], size, leaf_hash(canonical(e)), proof, root):
        raise Failed(f"ledger entry {e['seq']} is not in the checkpoint's tree of size {size}")
    return e


def states(c, e):
    for k in ("candidate_id", "tenant_id", "reason", "basis", "shredded_at"):
        if c[k] != e[k]:
            raise Failed(f"the certificate's {k} is not the ledger entry's")


def verify_certificate(text, keys):
    try:
        f = json.loads(text)
    except ValueError as e:
        raise Failed(f"not JSON: {e}")
    doc, sig = f.get("document"), f.get("signature")
    if not isinstance(doc, dict) or not isinstance(sig, dict):
        raise Failed("no document or no signature")
    if sig.get("algorithm") != "ed25519":
        raise Failed("the signature's algorithm is not ed25519")
    key = next((k for k in keys if k.handle() == sig.get("key")), None)
    if key is None:
        raise Failed(f"signed by {str(sig.get('key'))[:40]!r}, not by a key given")
    if not key.verify(SIGNING_CONTEXT + canonical(doc), base64.b64decode(sig["value"], validate=True)):
        raise Failed(f"the signature by {key.handle()} does not match the document")
    fmt = doc.get("format")
    origin, size, root = open_note(doc["checkpoint"], keys)
    if fmt == FORMAT:
        e = proven_entry(doc, size, root)
        states(doc["certificate"], e)
        return (f"candidate {e['candidate_id']} erased at {e['shredded_at']}: entry {e['seq']} "
                f"of {origin}, in the checkpoint of size {size}, signed by {key.handle()}")
    if fmt == TENANT_FORMAT:
        e = proven_entry(doc, size, root)
        t = doc["erasure"]["tenant_id"]
        if e["candidate_id"] != "tenant:" + t or e["tenant_id"] != t:
            raise Failed("the ledger entry is not the erasure of the certificate's controller")
        if doc["erasure"]["keys_destroyed_at"] != e["shredded_at"]:
            raise Failed("keys_destroyed_at is not the ledger entry's time")
        return (f"every key of controller {t} destroyed at {e['shredded_at']}: entry {e['seq']} "
                f"of {origin}, in the checkpoint of size {size}, signed by {key.handle()}")
    if fmt == REQUEST_FORMAT:
        rid, t = doc["request"]["request_id"], doc["request"]["tenant_id"]
        erased = doc["erased"]
        if not isinstance(erased, list) or not erased:
            raise Failed("no erased candidates")
        seen = set()
        for item in erased:
            e = proven_entry(item, size, root)
            states(item["certificate"], e)
            if (e["tenant_id"] != t or e["reason"] != "request"
                    or not e["basis"].endswith(": data-subject request " + rid)):
                raise Failed(f"ledger entry {e['seq']} is not an erasure for this request")
            if e["candidate_id"] in seen:
                raise Failed("a candidate is listed twice")
            seen.add(e["candidate_id"])
        return (f"request {rid} of controller {t}: {len(erased)} candidate(s) erased, "
                f"in {origin} at size {size}, signed by {key.handle()}")
    raise Failed("not a certificate of a known format")


AUDIT_FORMAT = "custodian.audit-proof/v1"
AUDIT_FIELDS = {"seq", "at", "tenant_id", "tenant_seq", "actor_id", "actor_role", "action",
                "object_type", "object_id", "reason", "details"}
# Who wrote the event: a member of events written since writers are recorded.
AUDIT_OPTIONAL = {"writer"}


def verify_audit(text, keys):
    try:
        f = json.loads(text)
    except ValueError as e:
        raise Failed(f"not JSON: {e}")
    if f.get("format") != AUDIT_FORMAT:
        raise Failed("not an audit proof of the known format")
    origin, size, root = open_note(f["checkpoint"], keys)
    tenant = None
    for k in keys:
        if origin == k.name + "/audit":
            break
        if origin.startswith(k.name + "/audit/") and len(origin) > len(k.name) + 7:
            tenant = origin[len(k.name) + 7:]
            break
    else:
        raise Failed(f"the checkpoint is of {origin[:40]!r}, not of an audit log")
    events = f["events"]
    if not isinstance(events, list) or not events:
        raise Failed("no events")
    for item in events:
        e = item["event"]
        if not AUDIT_FIELDS <= set(e) <= AUDIT_FIELDS | AUDIT_OPTIONAL:
            raise Failed("an event does not have exactly the documented fields")
        if "writer" in e and (not isinstance(e["writer"], str) or not e["writer"]):
            raise Failed(f"event {e['seq']}: the writer is not a name")
        if tenant is None:
            index = e["seq"] - 1
        else:
            if e["tenant_id"] != tenant:
                raise Failed(f"event {e['seq']} is of another controller than the tree's")
            index = e["tenant_seq"] - 1
        if item["leaf_index"] != index:
            raise Failed(f"the proof of event {e['seq']} is for another leaf")
        proof = [base64.b64decode(h, validate=True) for h in item["hashes"]]
        if not verify_inclusion(index, size, leaf_hash(canonical(e)), proof, root):
            raise Failed(f"event {e['seq']} is not in the tree of size {size}")
    writers = sorted({e["event"]["writer"] for e in events if "writer" in e["event"]})
    by = f"; written by {', '.join(writers)}" if writers else ""
    return f"{len(events)} event(s) are in {origin} at size {size}{by}"


def read_proof(path):
    with open(path) as f:
        return [base64.b64decode(line.strip(), validate=True) for line in f if line.strip()]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["certificate", "consistency", "inclusion", "audit"])
    ap.add_argument("files", nargs="+")
    ap.add_argument("--public-key", action="append", required=True)
    a = ap.parse_args()
    try:
        keys = [Key(k) for k in a.public_key]
        if a.what == "certificate":
            with open(a.files[0], encoding="utf-8") as f:
                print("OK: " + verify_certificate(f.read(), keys))
        elif a.what == "audit":
            with open(a.files[0], encoding="utf-8") as f:
                print("OK: " + verify_audit(f.read(), keys))
        elif a.what == "consistency":
            old, new, proof = a.files
            with open(old, encoding="utf-8") as f:
                o = open_note(f.read(), keys)
            with open(new, encoding="utf-8") as f:
                n = open_note(f.read(), keys)
            if o[0] != n[0]:
                raise Failed("the checkpoints are of two logs")
            if not verify_consistency(o[1], n[1], o[2], n[2], read_proof(proof)):
                raise Failed(f"the tree of size {n[1]} does not extend the tree of size {o[1]}")
            print(f"OK: {n[0]} at size {n[1]} extends size {o[1]}")
        else:
            leaf, proof, cp = a.files
            with open(leaf, encoding="utf-8") as f:
                e = json.loads(f.read())
            check_entry(e)
            with open(cp, encoding="utf-8") as f:
                origin, size, root = open_note(f.read(), keys)
            if not verify_inclusion(e["seq"] - 1, size, leaf_hash(canonical(e)), read_proof(proof), root):
                raise Failed(f"ledger entry {e['seq']} is not in the tree of size {size}")
            print(f"OK: entry {e['seq']} is in {origin} at size {size}")
    except (Failed, KeyError, TypeError, ValueError) as e:
        print(f"FAILED: {e}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
