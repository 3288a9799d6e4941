//! The vocabularies of personal-data and data-subject categories that
//! agreements, breach assessments and the record of processing name.

use crate::field::{FieldError, err, quote};

/// The vocabulary of personal-data categories an agreement may name.
pub const DATA_CATEGORIES: &[(&str, &str)] = &[
    ("identification", "name, date of birth, nationality"),
    ("contact", "address, e-mail, telephone"),
    ("cv_and_work_history", "CV, employment history, references"),
    ("education", "diplomas, certificates, courses"),
    ("assessment", "test and assessment results, interview notes"),
    ("correspondence", "messages between candidate and employer"),
    ("identity_documents", "copies of identity documents, BSN"),
    ("financial", "salary expectations, bank details"),
    (
        "online_identifiers",
        "IP addresses, cookie ids, account ids",
    ),
    ("usage", "logs of the use of the service"),
    ("media", "photos, video interviews"),
    (
        "special_category",
        "data under GDPR art. 9 or criminal data under art. 10",
    ),
];

/// The vocabulary of data-subject categories an agreement may name.
pub const SUBJECT_CATEGORIES: &[(&str, &str)] = &[
    ("candidates", "job applicants"),
    ("employees", "the controller's staff"),
    ("contractors", "freelancers and temporary workers"),
    ("customer_contacts", "the controller's business contacts"),
    ("referees", "people giving references"),
    ("website_visitors", "visitors of vacancy pages"),
    ("users", "the controller's users of the service"),
];

/// The values of a vocabulary field, deduplicated; an unknown one names the known ones.
pub fn vocab(
    field: &'static str,
    values: &[String],
    known: &[(&str, &str)],
) -> Result<Vec<String>, FieldError> {
    if values.is_empty() {
        return Err(err(field, "must name at least one category"));
    }
    let mut out: Vec<String> = Vec::new();
    for v in values {
        let t = v.trim();
        if !known.iter().any(|(k, _)| *k == t) {
            let names: Vec<&str> = known.iter().map(|(k, _)| *k).collect();
            return Err(err(
                field,
                format!("unknown category {}; known: {}", quote(t), names.join(", ")),
            ));
        }
        if !out.iter().any(|o| o == t) {
            out.push(t.to_owned());
        }
    }
    Ok(out)
}
