//! The JSON shape of a rule result, exactly as legal-rules.md specifies for
//! `custodian deadlines compute`; the gRPC `Compute` returns the same text.

use crate::zone::Amsterdam;
use chrono::SecondsFormat;
use serde::Serialize;

use crate::rules::{Outcome, Reading, Readings, RuleSpec};

#[derive(Serialize)]
struct JsonReading {
    #[serde(skip_serializing_if = "Option::is_none")]
    date: Option<String>,
    instant: String,
}

#[derive(Serialize)]
struct JsonMilestone {
    name: &'static str,
    kind: &'static str,
    strict: JsonReading,
    lenient: JsonReading,
}

#[derive(Serialize)]
struct JsonOutcome<'a> {
    rule: &'static str,
    kind: &'static str,
    citation: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    strict: Option<JsonReading>,
    #[serde(skip_serializing_if = "Option::is_none")]
    lenient: Option<JsonReading>,
    #[serde(skip_serializing_if = "Option::is_none")]
    milestones: Option<Vec<JsonMilestone>>,
    notes: &'a [String],
}

/// An instant with the Europe/Amsterdam offset in force at that instant.
pub fn format_instant(t: chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&Amsterdam)
        .to_rfc3339_opts(SecondsFormat::AutoSi, false)
}

fn reading(r: &Reading) -> JsonReading {
    JsonReading {
        date: r.date.map(|d| d.to_string()),
        instant: format_instant(r.instant),
    }
}

fn outcome(o: &Outcome) -> JsonOutcome<'_> {
    let (strict, lenient, milestones) = match &o.readings {
        Readings::Single { strict, lenient } => {
            (Some(reading(strict)), Some(reading(lenient)), None)
        }
        Readings::Milestones(ms) => {
            let ms = ms
                .iter()
                .map(|m| JsonMilestone {
                    name: m.name,
                    kind: m.kind.as_str(),
                    strict: reading(&m.strict),
                    lenient: reading(&m.lenient),
                })
                .collect();
            (None, None, Some(ms))
        }
    };
    JsonOutcome {
        rule: o.rule,
        kind: o.kind.as_str(),
        citation: o.citation,
        strict,
        lenient,
        milestones,
        notes: &o.notes,
    }
}

/// The result as a JSON value (key order is not significant in JSON).
pub fn to_value(o: &Outcome) -> serde_json::Value {
    serde_json::to_value(outcome(o)).expect("plain data serializes")
}

/// The exact text `custodian deadlines compute` prints: one pretty object,
/// keys in the order of legal-rules.md.
pub fn to_string(o: &Outcome) -> String {
    serde_json::to_string_pretty(&outcome(o)).expect("plain data serializes")
}

/// The catalogue as JSON, for `custodian deadlines rules --output json`.
pub fn catalogue_value(specs: &[RuleSpec]) -> serde_json::Value {
    serde_json::Value::Array(
        specs
            .iter()
            .map(|r| {
                serde_json::json!({
                    "rule": r.id,
                    "kind": r.kind.as_str(),
                    "citation": r.citation,
                    "starts_at": r.start_description,
                    "summary": r.summary,
                    "params": r.params.iter().map(|p| serde_json::json!({
                        "name": p.name, "default": p.default, "description": p.description,
                    })).collect::<Vec<_>>(),
                })
            })
            .collect(),
    )
}
