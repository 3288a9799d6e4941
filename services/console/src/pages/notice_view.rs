//! A breach notice's content as a person reads it: the JSON body a send
//! carries to the controller (`NoticeSend.content`, the webhook's `data`),
//! item by item in words, in the reader's language. The same rendering
//! serves the preview before a send, the notice a customer's DPO received,
//! and what changed from one send to the next (art. 33(4): information in
//! phases).

use serde_json::Value;

use crate::i18n::Tr;
use crate::view::{Cell, Tone};

/// The art. 33(3) items of a notice body, in the order the body has them.
pub const ITEMS: [(&str, &str); 9] = [
    ("nature", "The nature of the breach"),
    ("consequences", "The likely consequences"),
    ("data_categories", "The categories of personal data"),
    ("protection", "Whether and how the data was protected"),
    ("measures", "The measures taken and proposed"),
    ("subject_categories", "The categories of people concerned"),
    ("subjects_approx", "Approximately how many people"),
    ("records_approx", "Approximately how many records"),
    ("contact", "The contact point for follow-up"),
];

const SEND_PHASES: [(&str, &str); 2] = [
    ("initial", "the first notice"),
    ("supplement", "a supplement (new information)"),
];

fn words(tr: Tr, vocab: &[(&'static str, &'static str)], v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(|c| super::vocab_word(tr, vocab, c))
                .collect()
        })
        .unwrap_or_default()
}

fn text(v: &Value) -> Option<String> {
    v.as_str()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn yes_no(tr: Tr, v: &Value) -> &'static str {
    match v.as_bool() {
        Some(true) => tr.t("yes"),
        Some(false) => tr.t("no"),
        None => tr.t("not known yet"),
    }
}

/// One item's value in words; `None` while it is not known (null).
fn item(tr: Tr, key: &str, v: &Value) -> Option<Cell> {
    if v.is_null() {
        return None;
    }
    let cell = match key {
        "nature" => {
            let mut lines = words(tr, &super::assessment::NATURE, &v["properties"]);
            lines.extend(text(&v["summary"]));
            Cell::Lines(lines)
        }
        "data_categories" => Cell::Lines(words(tr, proto::wire::DATA_CATEGORIES, v)),
        "subject_categories" => Cell::Lines(words(tr, proto::wire::SUBJECT_CATEGORIES, v)),
        "protection" => {
            let mut lines = vec![
                format!("{}: {}", tr.t("Encrypted"), yes_no(tr, &v["encrypted"])),
                format!(
                    "{}: {}",
                    tr.t("The key stayed safe"),
                    yes_no(tr, &v["key_safe"])
                ),
            ];
            lines.extend(text(&v["description"]));
            Cell::Lines(lines)
        }
        "measures" => {
            let mut lines = Vec::new();
            if let Some(t) = text(&v["taken"]) {
                lines.push(format!("{}: {t}", tr.t("Taken")));
            }
            if let Some(p) = text(&v["proposed"]) {
                lines.push(format!("{}: {p}", tr.t("Proposed")));
            }
            Cell::Lines(lines)
        }
        "subjects_approx" | "records_approx" => Cell::text(v.as_u64()?.to_string()),
        _ => Cell::text(text(v).unwrap_or_else(|| v.to_string())),
    };
    Some(cell)
}

/// The body of a send as facts: what the controller reads, item by item,
/// "not known yet" where the processor does not know it.
pub fn facts(tr: Tr, body: &Value) -> Vec<(String, Cell)> {
    let mut out = vec![(
        tr.t("Which notice").to_owned(),
        Cell::text(format!(
            "{} ({} {})",
            super::vocab_word(tr, &SEND_PHASES, body["phase"].as_str().unwrap_or("")),
            tr.t("number"),
            body["sequence"]
        )),
    )];
    if let Some(p) = text(&body["processor"]) {
        out.push((tr.t("From").to_owned(), Cell::text(p)));
    }
    let at = |key: &str| match body[key].as_str() {
        Some(s) if !s.is_empty() => Cell::time(tr, s),
        _ => Cell::state(tr.t("not known yet"), Tone::Warn),
    };
    out.push((
        tr.t("Discovered by the processor").to_owned(),
        at("discovered_at"),
    ));
    out.push((tr.t("Began").to_owned(), at("occurred_from")));
    out.push((tr.t("Ended").to_owned(), at("occurred_until")));
    out.push((
        tr.t("Risk").to_owned(),
        Cell::text(super::vocab_word(
            tr,
            &super::assessment::RISK,
            body["risk"].as_str().unwrap_or(""),
        )),
    ));
    if let Some(r) = text(&body["risk_reasoning"]) {
        out.push((tr.t("Why").to_owned(), Cell::text(r)));
    }
    for (key, label) in ITEMS {
        let cell = item(tr, key, &body["items"][key])
            .unwrap_or_else(|| Cell::state(tr.t("not known yet"), Tone::Warn));
        out.push((tr.t(label).to_owned(), cell));
    }
    if let Some(m) = text(&body["message"]) {
        out.push((tr.t("Message").to_owned(), Cell::text(m)));
    }
    if let Some(s) = body["controller_notice_due"].as_str() {
        out.push((
            tr.t("Due to the controller by").to_owned(),
            Cell::time(tr, s),
        ));
    }
    let auth = &body["authority_notice"];
    if auth["required"].as_bool() == Some(true)
        && let Some(s) = auth["strict"].as_str()
    {
        out.push((
            tr.t("The supervisory authority to be notified by (72 hours)")
                .to_owned(),
            Cell::time(tr, s),
        ));
    }
    out
}

/// The items whose content differs between two sends, in words: what a
/// supplement added or corrected.
pub fn changes(tr: Tr, before: &Value, after: &Value) -> Vec<String> {
    let mut out: Vec<String> = ITEMS
        .iter()
        .filter(|(k, _)| before["items"][*k] != after["items"][*k])
        .map(|(_, label)| tr.t(label).to_owned())
        .collect();
    for (key, label) in [
        ("occurred_from", "Began"),
        ("occurred_until", "Ended"),
        ("risk", "Risk"),
    ] {
        if before[key] != after[key] {
            out.push(tr.t(label).to_owned());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{Lang, NL};

    #[test]
    fn every_word_has_its_dutch() {
        for (_, en) in ITEMS.iter().chain(SEND_PHASES.iter()) {
            assert!(NL.iter().any(|(e, _)| e == en), "no Dutch for {en:?}");
        }
    }

    #[test]
    fn a_body_reads_in_words_and_its_changes_are_named() {
        let first = serde_json::json!({
            "phase": "initial", "sequence": 1, "processor": "Custodian B.V.",
            "discovered_at": "2026-12-01T09:00:00.000000Z", "occurred_from": null,
            "risk": "high",
            "items": {"nature": {"properties": ["confidentiality"], "summary": "a lost laptop"},
                      "data_categories": ["contact"], "subjects_approx": 120, "protection": null,
                      "measures": null, "consequences": null, "subject_categories": null,
                      "records_approx": null, "contact": "dpo@custodian.example"},
            "authority_notice": {"required": true, "strict": "2026-12-04T09:00:00.000000Z"}
        });
        let tr = Tr(Lang::Nl);
        let f = facts(tr, &first);
        let shown = format!("{f:?}");
        assert!(
            shown.contains("a lost laptop") && shown.contains("120"),
            "{shown}"
        );
        assert!(shown.contains("nog niet bekend"), "{shown}");
        assert!(!shown.contains("confidentiality\""), "{shown}");
        let mut second = first.clone();
        second["items"]["measures"] = serde_json::json!({"taken": "wiped", "proposed": ""});
        second["occurred_from"] = serde_json::json!("2026-11-30T20:00:00.000000Z");
        let c = changes(Tr(Lang::En), &first, &second);
        assert_eq!(c, ["The measures taken and proposed", "Began"]);
    }
}
