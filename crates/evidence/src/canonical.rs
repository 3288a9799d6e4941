//! The canonical JSON of signed documents: RFC 8785 (JCS) restricted to
//! what our documents hold (objects, arrays, strings, booleans and integers;
//! no floating-point numbers).
//!
//! - no whitespace between tokens;
//! - object members sorted by their names' UTF-16 code units (our names
//!   are ASCII, where that is byte order);
//! - strings as JSON strings with only `"`, `\` and the control characters
//!   escaped (`\b \f \n \r \t`, the rest as `\u00xx` in lower-case hex),
//!   everything else as UTF-8;
//! - integers in decimal without a sign for non-negative values and
//!   without leading zeros.
//!
//! Python's `json.dumps(v, sort_keys=True, separators=(",", ":"),
//! ensure_ascii=False)` gives the same bytes for such values.

use serde_json::Value;

use crate::EvidenceError;

/// The canonical bytes of `v`.
pub fn to_vec(v: &Value) -> Result<Vec<u8>, EvidenceError> {
    let mut out = String::new();
    write(v, &mut out)?;
    Ok(out.into_bytes())
}

fn write(v: &Value, out: &mut String) -> Result<(), EvidenceError> {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                out.push_str(&i.to_string());
            } else if let Some(u) = n.as_u64() {
                out.push_str(&u.to_string());
            } else {
                return Err(EvidenceError::Malformed(format!(
                    "a number that is not an integer ({n}) has no canonical form here"
                )));
            }
        }
        Value::String(s) => string(s, out),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(x, out)?;
            }
            out.push(']');
        }
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                string(k, out);
                out.push(':');
                write(&m[k], out)?;
            }
            out.push('}');
        }
    }
    Ok(())
}

fn string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sorts_members_escapes_and_has_no_whitespace() {
        let v = json!({
            "z": [1, -2, true, null],
            "a": "quote \" back \\ nl \n tab \t bell \u{07} é",
            "m": {"b": 1, "a": {}}
        });
        assert_eq!(
            String::from_utf8(to_vec(&v).unwrap()).unwrap(),
            "{\"a\":\"quote \\\" back \\\\ nl \\n tab \\t bell \\u0007 é\",\"m\":{\"a\":{},\"b\":1},\"z\":[1,-2,true,null]}"
        );
    }

    #[test]
    fn refuses_fractions() {
        let e = to_vec(&json!({"x": 1.5})).unwrap_err();
        assert!(e.to_string().contains("1.5"), "{e}");
    }
}
