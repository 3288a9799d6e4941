//! Rendering: human tables by default, JSON with `--output json`.

use std::io::Write;

use proto::v1 as pb;
use serde_json::{Value, json};

use crate::CtlError;

pub struct Out<'a> {
    w: &'a mut dyn Write,
    json: bool,
}

/// How a list of `T` (a protobuf message, as the server answered it) is
/// shown as a table: its headers and one row of cells per item, read from
/// the message's own fields.
pub struct Table<T> {
    headers: &'static [&'static str],
    row: fn(&T) -> Vec<String>,
}

impl<T> Table<T> {
    pub fn new(headers: &'static [&'static str], row: fn(&T) -> Vec<String>) -> Table<T> {
        Table { headers, row }
    }
}

impl<'a> Out<'a> {
    pub fn new(w: &'a mut dyn Write, json: bool) -> Out<'a> {
        Out { w, json }
    }

    /// One object: pretty JSON, or `key: value` lines.
    pub fn object(self, v: Value) -> Result<(), CtlError> {
        if self.json {
            writeln!(
                self.w,
                "{}",
                serde_json::to_string_pretty(&v).unwrap_or_default()
            )?;
        } else if let Value::Object(m) = &v {
            let width = m.keys().map(String::len).max().unwrap_or(0);
            for (k, val) in m {
                let s = match val {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                writeln!(self.w, "{k:<width$}  {s}")?;
            }
        }
        Ok(())
    }

    /// Text that is already the output (the server's own JSON).
    pub fn raw(self, text: &str) -> Result<(), CtlError> {
        writeln!(self.w, "{text}")?;
        Ok(())
    }

    /// Text written byte for byte (a signed note, a signed document).
    pub fn exact(self, text: &str) -> Result<(), CtlError> {
        self.w.write_all(text.as_bytes())?;
        Ok(())
    }

    /// A list: `{"<key>": [...], "next_page_token": ...}` (each item as
    /// `json` writes it) or a table.
    pub fn list<T>(
        self,
        key: &str,
        rows: &[T],
        json: impl Fn(&T) -> Value,
        next: &str,
        table: Table<T>,
    ) -> Result<(), CtlError> {
        if self.json {
            let mut m = serde_json::Map::new();
            m.insert(
                key.to_owned(),
                Value::Array(rows.iter().map(json).collect()),
            );
            if !next.is_empty() {
                m.insert("next_page_token".into(), Value::String(next.to_owned()));
            }
            writeln!(
                self.w,
                "{}",
                serde_json::to_string_pretty(&Value::Object(m)).unwrap_or_default()
            )?;
            return Ok(());
        }
        let cells: Vec<Vec<String>> = rows.iter().map(|r| (table.row)(r)).collect();
        let mut widths: Vec<usize> = table.headers.iter().map(|h| h.len()).collect();
        for r in &cells {
            for (i, c) in r.iter().enumerate() {
                widths[i] = widths[i].max(c.chars().count());
            }
        }
        let line = |cols: Vec<String>| {
            cols.iter()
                .enumerate()
                .map(|(i, c)| format!("{c:<w$}", w = widths[i]))
                .collect::<Vec<_>>()
                .join("  ")
                .trim_end()
                .to_owned()
        };
        writeln!(
            self.w,
            "{}",
            line(table.headers.iter().map(|h| h.to_string()).collect())
        )?;
        for r in cells {
            writeln!(self.w, "{}", line(r))?;
        }
        if !next.is_empty() {
            writeln!(self.w, "(more: --page-token {next})")?;
        }
        Ok(())
    }
}

pub fn controller(c: &pb::Controller) -> Value {
    json!({
        "id": c.id,
        "legal_name": c.legal_name,
        "kvk_number": c.kvk_number,
        "country": c.country,
        "privacy_email": c.privacy_email,
        "dpo_name": c.dpo_name,
        "dpo_email": c.dpo_email,
        "webhook_url": c.webhook_url,
        "webhook_secret_set": c.webhook_secret_set,
        "created_at": c.created_at,
        "updated_at": c.updated_at,
    })
}

pub fn audit_event(e: &pb::AuditEvent) -> Value {
    json!({
        "seq": e.seq,
        "at": e.at,
        "tenant_id": e.tenant_id,
        "tenant_seq": e.tenant_seq,
        "actor_id": e.actor_id,
        "actor_role": e.actor_role,
        "action": e.action,
        "object_type": e.object_type,
        "object_id": e.object_id,
        "reason": e.reason,
        "details": serde_json::from_str::<Value>(&e.details_json).unwrap_or(Value::Null),
        "hash": e.hash,
    })
}

pub fn rule(r: &pb::RuleInfo) -> Value {
    json!({
        "id": r.id,
        "kind": r.kind,
        "citation": r.citation,
        "starts_at": r.starts_at,
        "summary": r.summary,
        "params": r.params.iter().map(|p| json!({"name": p.name, "default": p.default_value, "description": p.description})).collect::<Vec<_>>(),
    })
}

pub fn obligation(o: &pb::Obligation) -> Value {
    json!({
        "service": o.service,
        "tenant_id": o.tenant_id,
        "object_type": o.object_type,
        "object_id": o.object_id,
        "description": o.description,
        "rule": o.rule,
        "citation": o.citation,
        "due_strict": o.due_strict,
        "due_lenient": o.due_lenient,
        "overdue": o.overdue,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows() -> Vec<pb::Controller> {
        vec![
            pb::Controller {
                id: "c1".into(),
                legal_name: "Acme B.V.".into(),
                ..Default::default()
            },
            pb::Controller {
                id: "c2".into(),
                legal_name: "Klant N.V.".into(),
                ..Default::default()
            },
        ]
    }

    fn table() -> Table<pb::Controller> {
        Table::new(&["ID", "LEGAL NAME"], |c| {
            vec![c.id.clone(), c.legal_name.clone()]
        })
    }

    #[test]
    fn a_list_is_a_table_of_the_messages_own_fields_or_json() {
        let mut text = Vec::new();
        Out::new(&mut text, false)
            .list("controllers", &rows(), controller, "next", table())
            .unwrap();
        assert_eq!(
            String::from_utf8(text).unwrap(),
            "ID  LEGAL NAME\nc1  Acme B.V.\nc2  Klant N.V.\n(more: --page-token next)\n"
        );
        let mut text = Vec::new();
        Out::new(&mut text, true)
            .list("controllers", &rows(), controller, "", table())
            .unwrap();
        let v: Value = serde_json::from_slice(&text).unwrap();
        assert_eq!(v["controllers"][1]["legal_name"], "Klant N.V.");
        assert!(v.get("next_page_token").is_none());
    }
}
