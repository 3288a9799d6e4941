//! The vault's domain: validated commands, the retention policy and how it
//! sets `delete_after`. No IO, no tonic, no sea-orm.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

pub use domain_kit::FieldError;

/// A refused field: a fixed name or one built for a list's item.
pub fn field_err(field: impl Into<String>, reason: impl Into<String>) -> FieldError {
    domain_kit::err(field.into(), reason)
}

#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("{0}")]
    Invalid(FieldError),
    #[error("candidate not found")]
    NotFound,
    #[error("{0}")]
    Precondition(String),
    #[error("{0}")]
    AlreadyExists(String),
    #[error("internal: {0}")]
    Internal(String),
    /// A peer's answer, kept by its kind (a peer that is down is UNAVAILABLE).
    #[error("{0}")]
    Port(domain_kit::PortError),
    /// The vault will not sign a tree whose stored history changed.
    #[error("{0}")]
    Refused(TreeRefusal),
}

/// A tree whose stored hashes no longer extend its last signed checkpoint:
/// the vault refuses to sign over it (`FAILED_PRECONDITION`), naming both
/// trees, so an operator can compare them with the checkpoints that DPOs
/// and verifiers keep. Roots are RFC 6962 hashes in base64, as in a
/// checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeRefusal {
    /// The tree, in words (`the ledger's tree`, `the audit tree global`).
    pub tree: String,
    /// The size and root of the last checkpoint signed.
    pub signed_size: u64,
    pub signed_root: String,
    /// The size and root the stored hashes give now.
    pub size: u64,
    pub root: String,
}

impl fmt::Display for TreeRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "refusing to sign: {} of size {} (root {}) does not extend its last signed checkpoint of size {} (root {}); its stored hashes were changed",
            self.tree, self.size, self.root, self.signed_size, self.signed_root
        )
    }
}

impl From<domain_kit::PortError> for VaultError {
    fn from(e: domain_kit::PortError) -> Self {
        VaultError::Port(e)
    }
}

impl domain_kit::Classified for VaultError {
    fn kind(&self) -> domain_kit::ErrorKind {
        use domain_kit::ErrorKind;
        match self {
            VaultError::Invalid(_) => ErrorKind::Invalid,
            VaultError::NotFound => ErrorKind::NotFound,
            VaultError::Precondition(_) => ErrorKind::Precondition,
            VaultError::AlreadyExists(_) => ErrorKind::AlreadyExists,
            VaultError::Internal(_) => ErrorKind::Internal,
            VaultError::Port(e) => domain_kit::Classified::kind(e),
            VaultError::Refused(_) => ErrorKind::Precondition,
        }
    }
}

impl From<FieldError> for VaultError {
    fn from(e: FieldError) -> Self {
        VaultError::Invalid(e)
    }
}

/// What a candidate's erasure destroyed, as its certificate states it.
pub const DESTROYED: [&str; 4] = [
    "the candidate's data encryption key (every copy of the payload, in every backup, is now unreadable)",
    "the encrypted profile: name, e-mail, phone, notes, custom fields",
    "the encrypted CV document",
    "the blind-index entries",
];

pub fn internal(e: impl fmt::Display) -> VaultError {
    VaultError::Internal(e.to_string())
}

/// Data categories a candidate record may be tagged with (GDPR art. 30(1)(c)).
pub const CATEGORIES: &[&str] = &[
    "identity",
    "contact",
    "cv",
    "education",
    "employment_history",
    "skills",
    "assessment",
    "correspondence",
    "references",
    "compensation",
    "certificate_of_conduct",
    "special_category",
];

/// The payload's schema version, bound into every ciphertext's associated data.
pub const SCHEMA_VERSION: u32 = 1;

fn reference(field: &str, s: &str) -> Result<String, FieldError> {
    let t = s.trim();
    if t.is_empty() || t.len() > 100 {
        return Err(field_err(field, "must be 1 to 100 characters"));
    }
    // An id, not personal data: no '@', no spaces.
    if !t
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "._:/-".contains(c))
    {
        return Err(field_err(
            field,
            "may contain only letters, digits and . _ : / - (an id, not personal data)",
        ));
    }
    Ok(t.to_owned())
}

pub fn parse_date(field: &str, s: &str) -> Result<NaiveDate, FieldError> {
    let d = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
        field_err(
            field,
            format!("expected YYYY-MM-DD, got {}", proto::wire::quote(s)),
        )
    })?;
    if chrono::Datelike::year(&d) < 2000 {
        return Err(field_err(field, "must be in 2000 or later"));
    }
    Ok(d)
}

fn not_future(field: &str, d: NaiveDate, today: NaiveDate) -> Result<NaiveDate, FieldError> {
    if d > today {
        return Err(field_err(field, format!("{d} is in the future")));
    }
    Ok(d)
}

/// The personal data of a candidate, validated. Serialized (JSON) only to be
/// sealed under the candidate's DEK; the CV travels separately.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Profile {
    pub name: String,
    pub email: String,
    pub phone: String,
    pub notes: String,
    pub custom_fields: BTreeMap<String, String>,
    pub cv_filename: String,
    pub cv_content_type: String,
}

impl fmt::Debug for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Profile(<personal data>)")
    }
}

#[derive(Clone, PartialEq, Eq, Default)]
pub struct Payload {
    pub profile: Profile,
    pub cv: Vec<u8>,
}

impl fmt::Debug for Payload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Payload(<personal data>, cv {} bytes)", self.cv.len())
    }
}

/// Limits the vault enforces on a payload.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_document_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_document_bytes: 10 * 1024 * 1024,
        }
    }
}

/// A candidate's payload as a caller sent it, before the vault's checks
/// ([`Payload::parse`]). Personal data: it has no `Debug`.
#[derive(Clone, Default)]
pub struct PayloadInput {
    pub name: String,
    pub email: String,
    pub phone: String,
    pub cv: Vec<u8>,
    pub cv_filename: String,
    pub cv_content_type: String,
    pub notes: String,
    pub custom_fields: BTreeMap<String, String>,
}

impl Payload {
    /// The vault's checks of a payload, each refusal naming its field after
    /// `prefix` (`payload.`, `candidates[3].payload.`, `corrections.`).
    pub fn parse(input: PayloadInput, prefix: &str, limits: Limits) -> Result<Payload, FieldError> {
        parse_payload(input, prefix, limits)
    }
}

fn parse_payload(input: PayloadInput, prefix: &str, limits: Limits) -> Result<Payload, FieldError> {
    let PayloadInput {
        name,
        email,
        phone,
        cv,
        cv_filename,
        cv_content_type,
        notes,
        custom_fields: custom,
    } = input;
    let (name, email, phone) = (name.as_str(), email.as_str(), phone.as_str());
    let (cv_filename, cv_content_type, notes) = (
        cv_filename.as_str(),
        cv_content_type.as_str(),
        notes.as_str(),
    );
    let f = |n: &str| format!("{prefix}{n}");
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(field_err(f("name"), "must be 1 to 200 characters"));
    }
    let email = email.trim();
    if !email.is_empty()
        && (email.len() > 254
            || vault_crypto::normalize_email(email).is_none()
            || email.contains(char::is_whitespace))
    {
        return Err(field_err(f("email"), "must be an e-mail address"));
    }
    let phone = phone.trim();
    if !phone.is_empty() && vault_crypto::normalize_phone(phone).is_none() {
        return Err(field_err(
            f("phone"),
            "must be a phone number (8 to 15 digits)",
        ));
    }
    if cv.len() > limits.max_document_bytes {
        return Err(field_err(
            f("cv"),
            format!(
                "is {} bytes; the limit is {} bytes",
                cv.len(),
                limits.max_document_bytes
            ),
        ));
    }
    if cv_filename.chars().count() > 255 || cv_content_type.len() > 100 {
        return Err(field_err(
            f("cv_filename"),
            "file name at most 255 characters, content type at most 100",
        ));
    }
    if !cv.is_empty() && cv_filename.trim().is_empty() {
        return Err(field_err(f("cv_filename"), "required with a cv"));
    }
    if notes.len() > 64 * 1024 {
        return Err(field_err(f("notes"), "must be at most 64 KiB"));
    }
    if custom.len() > 50 {
        return Err(field_err(f("custom_fields"), "at most 50 fields"));
    }
    for (k, v) in &custom {
        if k.is_empty()
            || k.len() > 64
            || !k
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return Err(field_err(
                f("custom_fields"),
                format!("key {}: 1 to 64 of a-z, 0-9, _", proto::wire::quote(k)),
            ));
        }
        if v.len() > 4096 {
            return Err(field_err(
                f("custom_fields"),
                format!("value of {} is over 4 KiB", proto::wire::quote(k)),
            ));
        }
    }
    Ok(Payload {
        profile: Profile {
            name: name.to_owned(),
            email: email.to_owned(),
            phone: phone.to_owned(),
            notes: notes.to_owned(),
            custom_fields: custom,
            cv_filename: cv_filename.trim().to_owned(),
            cv_content_type: cv_content_type.trim().to_owned(),
        },
        cv,
    })
}

pub fn validate_categories(field: &str, cats: &[String]) -> Result<Vec<String>, FieldError> {
    if cats.is_empty() {
        return Err(field_err(
            field,
            format!("at least one of: {}", CATEGORIES.join(", ")),
        ));
    }
    let mut out: Vec<String> = Vec::new();
    for c in cats {
        let c = c.trim();
        if !CATEGORIES.contains(&c) {
            return Err(field_err(
                field,
                format!(
                    "unknown category {}; known: {}",
                    proto::wire::quote(c),
                    CATEGORIES.join(", ")
                ),
            ));
        }
        if !out.iter().any(|x| x == c) {
            out.push(c.to_owned());
        }
    }
    Ok(out)
}

/// A batch of new candidates for one tenant (`PutCandidates`), checked as
/// a whole: 1 to [`PutBatch::MAX`] items, each naming no tenant or the
/// batch's, each external reference once.
#[derive(Debug, Clone)]
pub struct PutBatch {
    pub items: Vec<NewCandidate>,
}

impl PutBatch {
    /// The most candidates one call may add.
    pub const MAX: usize = 1000;

    /// Checks `items` (each with the tenant it named, empty for none) in
    /// order: an item's tenant, then the item itself (`parse_item`, given
    /// the item's field prefix `candidates[i].`), then its reference, so
    /// the first refusal is the first bad field of the first bad item.
    pub fn parse<T>(
        tenant: &str,
        items: Vec<(String, T)>,
        mut parse_item: impl FnMut(&str, T) -> Result<NewCandidate, VaultError>,
    ) -> Result<PutBatch, VaultError> {
        if items.is_empty() || items.len() > Self::MAX {
            return Err(field_err("candidates", format!("1 to {} per call", Self::MAX)).into());
        }
        let mut out = Vec::with_capacity(items.len());
        let mut refs = std::collections::HashSet::new();
        for (i, (named, item)) in items.into_iter().enumerate() {
            let prefix = format!("candidates[{i}].");
            if !named.is_empty() && named != tenant {
                return Err(field_err(
                    format!("{prefix}tenant_id"),
                    "must be empty or the batch's tenant",
                )
                .into());
            }
            let n = parse_item(&prefix, item)?;
            if !refs.insert(n.external_ref.clone()) {
                return Err(field_err(
                    format!("{prefix}external_ref"),
                    "appears twice in the batch",
                )
                .into());
            }
            out.push(n);
        }
        Ok(PutBatch { items: out })
    }
}

/// A change of one candidate (`UpdateCandidate`): a new payload, vacancy
/// or categories, at least one of them.
#[derive(Debug, Clone)]
pub struct CandidateChange {
    pub payload: Option<Payload>,
    pub vacancy_ref: Option<String>,
    pub categories: Option<Vec<String>>,
}

impl CandidateChange {
    /// Checks each part given (no categories given is none to change).
    pub fn parse(
        payload: Option<PayloadInput>,
        vacancy_ref: Option<&str>,
        categories: &[String],
        limits: Limits,
    ) -> Result<CandidateChange, FieldError> {
        let payload = payload
            .map(|p| Payload::parse(p, "payload.", limits))
            .transpose()?;
        let vacancy_ref = vacancy_ref.map(validate_vacancy_ref).transpose()?;
        let categories = if categories.is_empty() {
            None
        } else {
            Some(validate_categories("categories", categories)?)
        };
        if payload.is_none() && vacancy_ref.is_none() && categories.is_none() {
            return Err(field_err("update", "no field to change was given"));
        }
        Ok(CandidateChange {
            payload,
            vacancy_ref,
            categories,
        })
    }
}

/// An erasure asked for now (`EraseCandidate`): why, and the caller's
/// reference (a request or ticket number, at most 200 characters).
#[derive(Debug, Clone)]
pub struct ErasureRequest {
    pub reason: EraseReason,
    pub reference: String,
}

impl ErasureRequest {
    pub fn parse(reason: &str, reference: &str) -> Result<ErasureRequest, VaultError> {
        let reason = EraseReason::parse_requested(reason)?;
        if reference.chars().count() > 200 {
            return Err(field_err("reference", "must be at most 200 characters").into());
        }
        Ok(ErasureRequest {
            reason,
            reference: reference.trim().to_owned(),
        })
    }
}

/// A new candidate, validated.
#[derive(Debug, Clone)]
pub struct NewCandidate {
    pub external_ref: String,
    pub vacancy_ref: String,
    pub applied_on: NaiveDate,
    pub categories: Vec<String>,
    pub payload: Payload,
}

impl NewCandidate {
    pub fn validate(
        prefix: &str,
        external_ref: &str,
        vacancy_ref: &str,
        applied_on: &str,
        categories: &[String],
        payload: Payload,
        today: NaiveDate,
    ) -> Result<NewCandidate, FieldError> {
        Ok(NewCandidate {
            external_ref: reference(&format!("{prefix}external_ref"), external_ref)?,
            vacancy_ref: reference(&format!("{prefix}vacancy_ref"), vacancy_ref)?,
            applied_on: not_future(
                &format!("{prefix}applied_on"),
                parse_date(&format!("{prefix}applied_on"), applied_on)?,
                today,
            )?,
            categories: validate_categories(&format!("{prefix}categories"), categories)?,
            payload,
        })
    }
}

pub fn validate_vacancy_ref(s: &str) -> Result<String, FieldError> {
    reference("vacancy_ref", s)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CandidateStatus {
    Open,
    Rejected,
    Withdrawn,
    Hired,
}

impl CandidateStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CandidateStatus::Open => "open",
            CandidateStatus::Rejected => "rejected",
            CandidateStatus::Withdrawn => "withdrawn",
            CandidateStatus::Hired => "hired",
        }
    }
    pub fn parse(s: &str) -> Option<CandidateStatus> {
        [
            CandidateStatus::Open,
            CandidateStatus::Rejected,
            CandidateStatus::Withdrawn,
            CandidateStatus::Hired,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
    /// The outcomes CloseProcedure accepts.
    pub fn parse_outcome(s: &str) -> Result<CandidateStatus, FieldError> {
        match CandidateStatus::parse(s.trim()) {
            Some(CandidateStatus::Open) | None => Err(field_err(
                "outcome",
                "expected rejected, withdrawn or hired",
            )),
            Some(x) => Ok(x),
        }
    }
}

/// Whether the candidate agreed to stay in the talent pool after the
/// procedure (a withdrawal keeps `TalentPool` and sets its date).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Consent {
    None,
    TalentPool,
}

impl Consent {
    pub fn as_str(self) -> &'static str {
        match self {
            Consent::None => "none",
            Consent::TalentPool => "talent_pool",
        }
    }
    pub fn parse(s: &str) -> Option<Consent> {
        [Consent::None, Consent::TalentPool]
            .into_iter()
            .find(|c| c.as_str() == s)
    }
}

/// A candidate as the vault answers it: the application's facts, consent,
/// hold, restriction and retention. Never the sealed payload (that is
/// [`Payload`], opened for a stated purpose) nor the sweep's claim: a stored
/// row does not leave the service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub id: String,
    pub tenant_id: String,
    pub external_ref: String,
    pub vacancy_ref: String,
    pub applied_on: NaiveDate,
    pub categories: Vec<String>,
    pub status: CandidateStatus,
    pub closed_on: Option<NaiveDate>,
    pub consent: Consent,
    pub consent_given_on: Option<NaiveDate>,
    pub consent_withdrawn_on: Option<NaiveDate>,
    /// The legal hold's reason while one is in place.
    pub hold: Option<String>,
    /// Processing restricted (GDPR art. 18): ordinary reads are refused.
    pub restricted: bool,
    pub delete_after: Option<DateTime<Utc>>,
    pub retention_basis: Option<String>,
    /// The stored CV's size in bytes (0: none).
    pub cv_size: u64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A candidate's deletion certificate as the vault answers it: what was
/// erased, why, when, and its shred-ledger entry. What it destroyed is
/// [`DESTROYED`]; the signed document is separate (docs/evidence.md).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeletionCertificate {
    pub candidate_id: String,
    pub tenant_id: String,
    pub external_ref: String,
    pub reason: String,
    pub basis: String,
    pub shredded_at: DateTime<Utc>,
    pub ledger_seq: u64,
    pub ledger_hash: String,
}

/// A signed checkpoint of one of the vault's trees (the shred ledger's, or
/// an audit tree's): its size, root and C2SP signed note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub tree_size: u64,
    /// Base64, as in the note.
    pub root_hash: String,
    pub note: String,
    /// `name+id` of the key that signed it.
    pub signed_by: String,
    pub signed_at: DateTime<Utc>,
}

/// A key that signs (or signed) the vault's checkpoints and certificates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningKey {
    /// `name+id` (eight hex digits).
    pub handle: String,
    /// The signed-note verifier key `name+id+base64`.
    pub public_key: String,
    pub first_used_at: DateTime<Utc>,
    /// When another key took over; none for the key in use.
    pub retired_at: Option<DateTime<Utc>>,
}

pub fn validate_close(
    closed_on: &str,
    applied_on: NaiveDate,
    today: NaiveDate,
) -> Result<NaiveDate, FieldError> {
    let d = not_future("closed_on", parse_date("closed_on", closed_on)?, today)?;
    if d < applied_on {
        return Err(field_err(
            "closed_on",
            format!("{d} is before the applied date {applied_on}"),
        ));
    }
    Ok(d)
}

pub fn validate_reason(field: &str, s: &str, max: usize) -> Result<String, FieldError> {
    let t = s.trim();
    if t.is_empty() || t.chars().count() > max {
        return Err(field_err(field, format!("must be 1 to {max} characters")));
    }
    Ok(t.to_owned())
}

/// Why a candidate was erased.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EraseReason {
    Retention,
    Request,
    ContractEnd,
    ControllerInstruction,
}

impl EraseReason {
    pub fn as_str(self) -> &'static str {
        match self {
            EraseReason::Retention => "retention",
            EraseReason::Request => "request",
            EraseReason::ContractEnd => "contract_end",
            EraseReason::ControllerInstruction => "controller_instruction",
        }
    }
    /// The reasons a caller may give (retention is the worker's).
    pub fn parse_requested(s: &str) -> Result<EraseReason, FieldError> {
        match s.trim() {
            "request" => Ok(EraseReason::Request),
            "contract_end" => Ok(EraseReason::ContractEnd),
            "controller_instruction" => Ok(EraseReason::ControllerInstruction),
            _ => Err(field_err(
                "reason",
                "expected request, contract_end or controller_instruction",
            )),
        }
    }
}

/// A tenant's retention policy (defaults: legal-rules.md E1, E2; hired: a
/// product decision, see docs/vault.md).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub rejected_weeks: u32,
    pub talent_pool_months: u32,
    pub hired_months: u32,
    pub anchor: Anchor,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            rejected_weeks: 4,
            talent_pool_months: 12,
            hired_months: 3,
            anchor: Anchor::RejectionCommunicated,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    RejectionCommunicated,
    VacancyClosed,
}

impl Anchor {
    pub fn as_str(self) -> &'static str {
        match self {
            Anchor::RejectionCommunicated => "rejection_communicated",
            Anchor::VacancyClosed => "vacancy_closed",
        }
    }
    pub fn parse(s: &str) -> Option<Anchor> {
        match s {
            "rejection_communicated" | "" => Some(Anchor::RejectionCommunicated),
            "vacancy_closed" => Some(Anchor::VacancyClosed),
            _ => None,
        }
    }
}

impl Policy {
    pub fn validate(
        rejected_weeks: u32,
        talent_pool_months: u32,
        hired_months: u32,
        anchor: &str,
    ) -> Result<Policy, FieldError> {
        if !(1..=52).contains(&rejected_weeks) {
            return Err(field_err("rejected_weeks", "must be 1 to 52"));
        }
        if !(1..=24).contains(&talent_pool_months) {
            return Err(field_err("talent_pool_months", "must be 1 to 24"));
        }
        if !(1..=120).contains(&hired_months) {
            return Err(field_err("hired_months", "must be 1 to 120"));
        }
        let anchor = Anchor::parse(anchor.trim()).ok_or_else(|| {
            field_err(
                "anchor",
                "expected rejection_communicated or vacancy_closed",
            )
        })?;
        Ok(Policy {
            rejected_weeks,
            talent_pool_months,
            hired_months,
            anchor,
        })
    }
}

/// The retention inputs of one candidate.
#[derive(Debug, Clone, Copy)]
pub struct RetentionInputs {
    pub status: CandidateStatus,
    pub closed_on: Option<NaiveDate>,
    pub talent_pool: bool,
    pub consent_withdrawn_on: Option<NaiveDate>,
}

/// When the candidate's data must be gone, and why. `None` while the
/// procedure is open: no retention period runs yet. The instant is the first
/// moment after the last permitted day (the strict reading; retention is
/// never rolled, legal-rules.md C9).
pub fn delete_after(
    inputs: &RetentionInputs,
    policy: &Policy,
) -> Result<Option<(DateTime<Utc>, String)>, VaultError> {
    let Some(closed) = inputs.closed_on else {
        return Ok(None);
    };
    if inputs.status == CandidateStatus::Open {
        return Ok(None);
    }
    if inputs.status == CandidateStatus::Hired {
        let end = legal_time::period::add_months(closed, policy.hired_months).date;
        return Ok(Some((
            legal_time::period::end_of_day_exclusive(end),
            format!(
                "hired on {closed}: handed off to the employer's records, removed {} month(s) later, after {end} (tenant policy)",
                policy.hired_months
            ),
        )));
    }
    let mut params = BTreeMap::new();
    params.insert("weeks".to_owned(), policy.rejected_weeks.to_string());
    params.insert("months".to_owned(), policy.talent_pool_months.to_string());
    if inputs.talent_pool || inputs.consent_withdrawn_on.is_some() {
        params.insert("consent".to_owned(), "talent_pool".to_owned());
    }
    if let Some(w) = inputs.consent_withdrawn_on {
        params.insert("withdrawn_at".to_owned(), w.to_string());
    }
    let o = legal_time::compute("retention.applicant", &closed.to_string(), &params)
        .map_err(internal)?;
    let (strict, _) = o
        .reading(None)
        .ok_or_else(|| internal("retention rule has one reading"))?;
    let basis = format!(
        "{} ({}): {} ({}, closed {closed}; delete after {})",
        o.rule,
        o.citation,
        inputs.status.as_str(),
        if inputs.consent_withdrawn_on.is_some() {
            "talent-pool consent withdrawn"
        } else if inputs.talent_pool {
            "talent-pool consent"
        } else {
            "no consent"
        },
        strict.date.map(|d| d.to_string()).unwrap_or_default()
    );
    Ok(Some((strict.instant, basis)))
}

/// What the erasure figures are, sent with every answer.
pub const ERASURE_NOTE: &str = "Per Europe/Amsterdam day: erased, the candidates crypto-shredded that day (one deletion certificate each); due, the candidates whose retention ends that day and who are still held (not on legal hold). A past day with candidates still due is an erasure overdue.";

/// The days asked for: both given, or the 30 days up to today and the 14
/// after it; at most 366 days, never backwards.
pub fn erasure_range(
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<(NaiveDate, NaiveDate), FieldError> {
    let to = to.unwrap_or(today + chrono::Duration::days(14));
    let from = from.unwrap_or(to - chrono::Duration::days(43));
    if from > to {
        return Err(field_err(
            "from_day",
            format!("must not be after to_day ({to}), got {from}"),
        ));
    }
    if (to - from).num_days() > 365 {
        return Err(field_err(
            "from_day",
            format!(
                "at most 366 days at once: from {} for to_day {to}",
                to - chrono::Duration::days(365)
            ),
        ));
    }
    Ok((from, to))
}

/// A day of the range parsed from `YYYY-MM-DD`.
pub fn parse_day(field: &'static str, s: &str) -> Result<Option<NaiveDate>, FieldError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| {
            field_err(
                field,
                format!(
                    "must be a date such as 2026-11-30, got {}",
                    domain_kit::quote(s)
                ),
            )
        })
}

/// Every day of `[from, to]` with its erased and due counts, from the
/// instants of the certificates and the due candidates' `delete_after`.
pub fn erasure_days(
    erased: impl IntoIterator<Item = DateTime<Utc>>,
    due: impl IntoIterator<Item = DateTime<Utc>>,
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<(NaiveDate, u64, u64)> {
    let mut m: BTreeMap<NaiveDate, (u64, u64)> = from
        .iter_days()
        .take_while(|d| *d <= to)
        .map(|d| (d, (0, 0)))
        .collect();
    for at in erased {
        if let Some(e) = m.get_mut(&legal_time::period::local_date(at)) {
            e.0 += 1;
        }
    }
    for at in due {
        if let Some(e) = m.get_mut(&legal_time::period::local_date(at)) {
            e.1 += 1;
        }
    }
    m.into_iter().map(|(d, (e, u))| (d, e, u)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erasure_days_fill_the_range_and_count_by_amsterdam_date() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let days = erasure_days(
            // 23:30 UTC on the 1st is the 2nd in Amsterdam
            [
                t("2026-11-01T23:30:00Z"),
                t("2026-11-02T08:00:00Z"),
                t("2026-12-09T08:00:00Z"),
            ],
            [t("2026-11-03T08:00:00Z")],
            d("2026-11-01"),
            d("2026-11-03"),
        );
        assert_eq!(
            days,
            vec![
                (d("2026-11-01"), 0, 0),
                (d("2026-11-02"), 2, 0),
                (d("2026-11-03"), 0, 1)
            ]
        );
        let today = d("2026-12-01");
        assert_eq!(
            erasure_range(None, None, today).unwrap(),
            (d("2026-11-02"), d("2026-12-15"))
        );
        assert!(erasure_range(Some(d("2026-12-02")), Some(d("2026-12-01")), today).is_err());
        assert!(erasure_range(Some(d("2025-11-30")), Some(d("2026-12-01")), today).is_err());
        assert!(erasure_range(Some(d("2025-12-01")), Some(d("2026-12-01")), today).is_ok());
        assert_eq!(
            parse_day("from_day", "2026-13-01").unwrap_err().field,
            "from_day"
        );
        assert_eq!(parse_day("from_day", "").unwrap(), None);
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn retention_by_outcome() {
        let p = Policy::default();
        let open = RetentionInputs {
            status: CandidateStatus::Open,
            closed_on: None,
            talent_pool: false,
            consent_withdrawn_on: None,
        };
        assert!(delete_after(&open, &p).unwrap().is_none());
        let rejected = RetentionInputs {
            status: CandidateStatus::Rejected,
            closed_on: Some(d("2026-06-10")),
            ..open
        };
        let (t, basis) = delete_after(&rejected, &p).unwrap().unwrap();
        assert_eq!(
            t.to_rfc3339(),
            "2026-07-08T22:00:00+00:00",
            "after 2026-07-08, Amsterdam midnight"
        );
        assert!(basis.starts_with("retention.applicant"), "{basis}");
        let pool = RetentionInputs {
            talent_pool: true,
            ..rejected
        };
        assert_eq!(
            delete_after(&pool, &p).unwrap().unwrap().0.to_rfc3339(),
            "2027-06-10T22:00:00+00:00"
        );
        let withdrawn = RetentionInputs {
            consent_withdrawn_on: Some(d("2026-09-01")),
            ..pool
        };
        assert_eq!(
            delete_after(&withdrawn, &p)
                .unwrap()
                .unwrap()
                .0
                .to_rfc3339(),
            "2026-09-01T22:00:00+00:00"
        );
        let hired = RetentionInputs {
            status: CandidateStatus::Hired,
            ..rejected
        };
        assert_eq!(
            delete_after(&hired, &p).unwrap().unwrap().0.to_rfc3339(),
            "2026-09-10T22:00:00+00:00"
        );
        let custom = Policy {
            rejected_weeks: 2,
            ..p
        };
        assert_eq!(
            delete_after(&rejected, &custom)
                .unwrap()
                .unwrap()
                .0
                .to_rfc3339(),
            "2026-06-24T22:00:00+00:00"
        );
    }

    #[test]
    fn validation() {
        let today = d("2026-11-21");
        let ok = |r: &str| {
            NewCandidate::validate(
                "",
                r,
                "vac-1",
                "2026-01-01",
                &["cv".into()],
                Payload::default(),
                today,
            )
        };
        assert!(ok("ats:123").is_ok());
        assert_eq!(ok("jan@example.nl").unwrap_err().field, "external_ref");
        assert_eq!(ok("").unwrap_err().field, "external_ref");
        let e = NewCandidate::validate(
            "",
            "r",
            "v",
            "2030-01-01",
            &["cv".into()],
            Payload::default(),
            today,
        )
        .unwrap_err();
        assert!(e.reason.contains("future"));
        let e = NewCandidate::validate(
            "",
            "r",
            "v",
            "2026-01-01",
            &["hobbies".into()],
            Payload::default(),
            today,
        )
        .unwrap_err();
        assert!(e.reason.contains("unknown category"), "{e}");
        let e = validate_close("2025-12-31", d("2026-01-01"), today).unwrap_err();
        assert!(e.reason.contains("before the applied date"));
        let big = vec![0u8; 11];
        let e = Payload::parse(
            PayloadInput {
                name: "Jan".into(),
                email: "".into(),
                phone: "".into(),
                cv: big,
                cv_filename: "cv.pdf".into(),
                cv_content_type: "".into(),
                notes: "".into(),
                ..Default::default()
            },
            "payload.",
            Limits {
                max_document_bytes: 10,
            },
        )
        .unwrap_err();
        assert_eq!(e.field, "payload.cv");
        assert!(
            Payload::parse(
                PayloadInput {
                    name: "".into(),
                    email: "".into(),
                    phone: "".into(),
                    cv: vec![],
                    cv_filename: "".into(),
                    cv_content_type: "".into(),
                    notes: "".into(),
                    ..Default::default()
                },
                "",
                Limits::default()
            )
            .is_err()
        );
        assert!(
            Payload::parse(
                PayloadInput {
                    name: "Jan".into(),
                    email: "not-an-email".into(),
                    phone: "".into(),
                    cv: vec![],
                    cv_filename: "".into(),
                    cv_content_type: "".into(),
                    notes: "".into(),
                    ..Default::default()
                },
                "",
                Limits::default()
            )
            .is_err()
        );
        assert!(
            Payload::parse(
                PayloadInput {
                    name: "Jan".into(),
                    email: "".into(),
                    phone: "123".into(),
                    cv: vec![],
                    cv_filename: "".into(),
                    cv_content_type: "".into(),
                    notes: "".into(),
                    ..Default::default()
                },
                "",
                Limits::default()
            )
            .is_err()
        );
        assert_eq!(
            format!(
                "{:?}",
                Profile {
                    name: "Jan".into(),
                    ..Default::default()
                }
            ),
            "Profile(<personal data>)"
        );
    }
}
