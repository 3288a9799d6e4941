//! The agreement domain: validated terms, the lifecycle, the contract dates.
//! No IO, no tonic, no sea-orm. Calendar arithmetic is legal-time's.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub use domain_kit::{
    AuthorisationMode, DATA_CATEGORIES, FieldError, SUBJECT_CATEGORIES, date, err, instant,
    instant_in_range, optional_text, optional_uuid, text, uuid_field, vocab,
};

#[derive(Debug, thiserror::Error)]
pub enum AgreementError {
    #[error("{0}")]
    Invalid(FieldError),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Precondition(String),
    #[error("internal: {0}")]
    Internal(String),
    /// A peer's answer, kept by its kind (a peer that is down is UNAVAILABLE).
    #[error("{0}")]
    Port(domain_kit::PortError),
}

impl From<domain_kit::PortError> for AgreementError {
    fn from(e: domain_kit::PortError) -> Self {
        AgreementError::Port(e)
    }
}

impl domain_kit::Classified for AgreementError {
    fn kind(&self) -> domain_kit::ErrorKind {
        use domain_kit::ErrorKind;
        match self {
            AgreementError::Invalid(_) => ErrorKind::Invalid,
            AgreementError::NotFound(_) => ErrorKind::NotFound,
            AgreementError::Precondition(_) => ErrorKind::Precondition,
            AgreementError::Internal(_) => ErrorKind::Internal,
            AgreementError::Port(e) => domain_kit::Classified::kind(e),
        }
    }
}

impl From<FieldError> for AgreementError {
    fn from(e: FieldError) -> Self {
        AgreementError::Invalid(e)
    }
}

/// draft → active → terminating → ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgreementStatus {
    Draft,
    Active,
    Terminating,
    Ended,
}

impl AgreementStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AgreementStatus::Draft => "draft",
            AgreementStatus::Active => "active",
            AgreementStatus::Terminating => "terminating",
            AgreementStatus::Ended => "ended",
        }
    }
    pub fn parse(s: &str) -> Option<AgreementStatus> {
        match s {
            "draft" => Some(AgreementStatus::Draft),
            "active" => Some(AgreementStatus::Active),
            "terminating" => Some(AgreementStatus::Terminating),
            "ended" => Some(AgreementStatus::Ended),
            _ => None,
        }
    }
    /// In force: the processor acts under it.
    pub fn in_force(self) -> bool {
        matches!(self, AgreementStatus::Active | AgreementStatus::Terminating)
    }
}

/// A lifecycle step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    Amend,
    Activate,
    Terminate,
    End,
    /// The contract ended with a switch or an exit (the worker): from
    /// active or terminating straight to ended.
    EndWithContract,
}

impl Transition {
    fn allowed_from(self) -> &'static [AgreementStatus] {
        match self {
            Transition::Amend => &[AgreementStatus::Draft, AgreementStatus::Active],
            Transition::Activate => &[AgreementStatus::Draft],
            Transition::Terminate => &[AgreementStatus::Active],
            Transition::End => &[AgreementStatus::Terminating],
            Transition::EndWithContract => &[AgreementStatus::Active, AgreementStatus::Terminating],
        }
    }
    fn verb(self) -> &'static str {
        match self {
            Transition::Amend => "amended",
            Transition::Activate => "activated",
            Transition::Terminate => "terminated",
            Transition::End | Transition::EndWithContract => "ended",
        }
    }

    /// Whether the step may be taken from `from`; the error says why not.
    pub fn check(self, from: AgreementStatus) -> Result<(), AgreementError> {
        let ok = self.allowed_from();
        if ok.contains(&from) {
            return Ok(());
        }
        let names: Vec<&str> = ok.iter().map(|s| s.as_str()).collect();
        Err(AgreementError::Precondition(format!(
            "the agreement is {}; only an agreement that is {} can be {}",
            from.as_str(),
            names.join(" or "),
            self.verb()
        )))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndOfContract {
    ReturnThenDelete,
    Delete,
}

impl EndOfContract {
    pub fn as_str(self) -> &'static str {
        match self {
            EndOfContract::ReturnThenDelete => "return_then_delete",
            EndOfContract::Delete => "delete",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeUnit {
    Days,
    Weeks,
    Months,
}

impl NoticeUnit {
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeUnit::Days => "days",
            NoticeUnit::Weeks => "weeks",
            NoticeUnit::Months => "months",
        }
    }
}

fn text_list(
    field: &'static str,
    values: &[String],
    max: usize,
) -> Result<Vec<String>, FieldError> {
    if values.is_empty() {
        return Err(err(field, "must hold at least one entry"));
    }
    values.iter().map(|v| text(field, v, max)).collect()
}

fn bounded(
    field: &'static str,
    v: Option<i32>,
    default: u32,
    min: u32,
    max: u32,
) -> Result<u32, FieldError> {
    match v {
        None => Ok(default),
        Some(n) if n >= min as i32 && n <= max as i32 => Ok(n as u32),
        Some(n) => Err(err(field, format!("must be {min} to {max}, got {n}"))),
    }
}

/// Terms as they arrive, before validation.
#[derive(Debug, Clone, Default)]
pub struct TermsInput {
    pub reference: String,
    pub purposes: Vec<String>,
    pub data_categories: Vec<String>,
    pub data_subject_categories: Vec<String>,
    pub special_categories: bool,
    pub processing_locations: Vec<String>,
    pub subprocessor_authorisation: String,
    pub objection_period_days: Option<i32>,
    pub breach_notice_sla_hours: Option<i32>,
    pub end_of_contract: String,
    pub deletion_term_days: Option<i32>,
    pub contract_start: String,
    pub term_months: Option<i32>,
    pub auto_renew: bool,
    pub renewal_months: Option<i32>,
    pub notice_period: Option<i32>,
    pub notice_period_unit: String,
    pub audits_per_year: Option<i32>,
    pub security_measures: Vec<String>,
    pub controller_representative: String,
    pub processor_may_notify_authority: bool,
    pub dsr_identity_suspension: String,
}

/// Valid terms, with every default applied. Stored as JSON per version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Terms {
    pub reference: String,
    pub purposes: Vec<String>,
    pub data_categories: Vec<String>,
    pub data_subject_categories: Vec<String>,
    pub special_categories: bool,
    pub processing_locations: Vec<String>,
    pub subprocessor_authorisation: AuthorisationMode,
    pub objection_period_days: u32,
    pub breach_notice_sla_hours: u32,
    pub end_of_contract: EndOfContract,
    pub deletion_term_days: u32,
    pub contract_start: NaiveDate,
    pub term_months: u32,
    pub auto_renew: bool,
    pub renewal_months: u32,
    pub notice_period: u32,
    pub notice_period_unit: NoticeUnit,
    pub audits_per_year: u32,
    pub security_measures: Vec<String>,
    pub controller_representative: Option<String>,
    /// Seed 002 art. 17.17: the processor may notify the authority itself.
    /// Absent in versions stored before this term existed: false.
    #[serde(default)]
    pub processor_may_notify_authority: bool,
    /// `none`, `suspend` or `restart` (legal-rules.md B6); absent in
    /// versions stored before this term existed: `none`.
    #[serde(default = "suspension_none")]
    pub dsr_identity_suspension: String,
}

fn suspension_none() -> String {
    "none".into()
}

impl Terms {
    pub fn parse(i: TermsInput) -> Result<Terms, FieldError> {
        let reference = text("terms.reference", &i.reference, 100)?;
        let purposes = text_list("terms.purposes", &i.purposes, 500)?;
        let data_categories = vocab("terms.data_categories", &i.data_categories, DATA_CATEGORIES)?;
        let data_subject_categories = vocab(
            "terms.data_subject_categories",
            &i.data_subject_categories,
            SUBJECT_CATEGORIES,
        )?;
        if data_categories.iter().any(|c| c == "special_category") && !i.special_categories {
            return Err(err(
                "terms.special_categories",
                "must be true when data_categories names special_category",
            ));
        }
        if i.processing_locations.is_empty() {
            return Err(err(
                "terms.processing_locations",
                "must name at least one country",
            ));
        }
        let mut processing_locations = Vec::new();
        for c in &i.processing_locations {
            let t = c.trim();
            if !transfers::is_country(t) {
                return Err(err(
                    "terms.processing_locations",
                    format!(
                        "must be ISO 3166-1 alpha-2 codes in upper case, got {}",
                        proto::wire::quote(t)
                    ),
                ));
            }
            if !processing_locations.iter().any(|x| x == t) {
                processing_locations.push(t.to_owned());
            }
        }
        let subprocessor_authorisation = match i.subprocessor_authorisation.trim() {
            "" | "general" => AuthorisationMode::General,
            "specific" => AuthorisationMode::Specific,
            x => {
                return Err(err(
                    "terms.subprocessor_authorisation",
                    format!(
                        "expected general or specific, got {}",
                        proto::wire::quote(x)
                    ),
                ));
            }
        };
        let objection_period_days = bounded(
            "terms.objection_period_days",
            i.objection_period_days,
            14,
            1,
            90,
        )?;
        let breach_notice_sla_hours = bounded(
            "terms.breach_notice_sla_hours",
            i.breach_notice_sla_hours,
            24,
            1,
            720,
        )?;
        let end_of_contract = match i.end_of_contract.trim() {
            "" | "return_then_delete" => EndOfContract::ReturnThenDelete,
            "delete" => EndOfContract::Delete,
            x => {
                return Err(err(
                    "terms.end_of_contract",
                    format!(
                        "expected return_then_delete or delete, got {}",
                        proto::wire::quote(x)
                    ),
                ));
            }
        };
        let deletion_term_days =
            bounded("terms.deletion_term_days", i.deletion_term_days, 30, 0, 365)?;
        if i.contract_start.trim().is_empty() {
            return Err(err("terms.contract_start", "must not be empty"));
        }
        let contract_start = date("terms.contract_start", &i.contract_start)?;
        let year = chrono::Datelike::year(&contract_start);
        // The calendar covers 2000-2099; a start up to 2089 leaves room
        // for every renewal date the schedule computes.
        if !(2000..=2089).contains(&year) {
            return Err(err(
                "terms.contract_start",
                format!("must be in the years 2000 to 2089, got {contract_start}"),
            ));
        }
        let term_months = bounded("terms.term_months", i.term_months, 12, 1, 120)?;
        let renewal_months = bounded(
            "terms.renewal_months",
            i.renewal_months,
            term_months,
            1,
            120,
        )?;
        let notice_period = match i.notice_period {
            None => 3,
            Some(n) if n < 0 => {
                return Err(err(
                    "terms.notice_period",
                    format!("must not be negative, got {n}"),
                ));
            }
            Some(n) if n > 3650 => {
                return Err(err(
                    "terms.notice_period",
                    format!("must be at most 3650, got {n}"),
                ));
            }
            Some(n) => n as u32,
        };
        let notice_period_unit = match i.notice_period_unit.trim() {
            "" | "months" => NoticeUnit::Months,
            "weeks" => NoticeUnit::Weeks,
            "days" => NoticeUnit::Days,
            x => {
                return Err(err(
                    "terms.notice_period_unit",
                    format!(
                        "expected days, weeks or months, got {}",
                        proto::wire::quote(x)
                    ),
                ));
            }
        };
        let audits_per_year = bounded("terms.audits_per_year", i.audits_per_year, 1, 0, 12)?;
        let dsr_identity_suspension = match i.dsr_identity_suspension.trim() {
            "" | "none" => "none",
            "suspend" => "suspend",
            "restart" => "restart",
            x => {
                return Err(err(
                    "terms.dsr_identity_suspension",
                    format!(
                        "expected none, suspend or restart, got {}",
                        proto::wire::quote(x)
                    ),
                ));
            }
        }
        .to_owned();
        let security_measures = text_list("terms.security_measures", &i.security_measures, 1000)?;
        let controller_representative = optional_text(
            "terms.controller_representative",
            &i.controller_representative,
            300,
        )?;
        let t = Terms {
            reference,
            purposes,
            data_categories,
            data_subject_categories,
            special_categories: i.special_categories,
            processing_locations,
            subprocessor_authorisation,
            objection_period_days,
            breach_notice_sla_hours,
            end_of_contract,
            deletion_term_days,
            contract_start,
            term_months,
            auto_renew: i.auto_renew,
            renewal_months,
            notice_period,
            notice_period_unit,
            audits_per_year,
            security_measures,
            controller_representative,
            processor_may_notify_authority: i.processor_may_notify_authority,
            dsr_identity_suspension,
        };
        // The notice period must fit in a period: the rule says why if not.
        t.schedule(contract_start)
            .map_err(|reason| err("terms.notice_period", reason))?;
        Ok(t)
    }

    pub fn notice_text(&self) -> String {
        format!(
            "{} {}",
            self.notice_period,
            self.notice_period_unit.as_str()
        )
    }

    /// The contract dates as of `as_of` (rule agreement.renewal).
    pub fn schedule(&self, as_of: NaiveDate) -> Result<Schedule, String> {
        let mut p = BTreeMap::new();
        p.insert("term_months".to_owned(), self.term_months.to_string());
        p.insert("renewal_months".to_owned(), self.renewal_months.to_string());
        p.insert("auto_renew".to_owned(), self.auto_renew.to_string());
        p.insert("notice".to_owned(), self.notice_text());
        p.insert(
            "as_of".to_owned(),
            as_of.max(self.contract_start).to_string(),
        );
        let o = legal_time::compute("agreement.renewal", &self.contract_start.to_string(), &p)
            .map_err(|e| match e {
                legal_time::RuleError::BadParam { reason, .. } => reason,
                e => e.to_string(),
            })?;
        let period_end = o
            .reading(Some("period_end"))
            .and_then(|(s, _)| s.date)
            .ok_or("rule agreement.renewal gave no period_end")?;
        let notice_by = o.reading(Some("notice_by")).and_then(|(s, _)| s.date);
        Ok(Schedule {
            period_end,
            notice_by,
            notes: o.notes,
        })
    }
}

/// The contract dates as of a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    /// The last day of the current period (or of a fixed term).
    pub period_end: NaiveDate,
    /// The last day notice stops the renewal after `period_end`.
    pub notice_by: Option<NaiveDate>,
    pub notes: Vec<String>,
}

/// The last day of an agreement given notice on `notice_on`: the end of the
/// period that notice is in time for.
pub fn end_after_notice(terms: &Terms, notice_on: NaiveDate) -> Result<NaiveDate, String> {
    terms.schedule(notice_on).map(|s| s.period_end)
}

#[cfg(test)]
mod tests {
    use super::*;

    pub fn input() -> TermsInput {
        TermsInput {
            reference: "DPA-2026-001".into(),
            purposes: vec!["hosting the recruitment platform".into()],
            data_categories: vec!["identification".into(), "contact".into()],
            data_subject_categories: vec!["candidates".into()],
            processing_locations: vec!["NL".into()],
            contract_start: "2026-01-15".into(),
            auto_renew: true,
            notice_period: Some(2),
            security_measures: vec!["encryption at rest".into()],
            ..Default::default()
        }
    }

    fn field(i: TermsInput) -> String {
        Terms::parse(i).unwrap_err().field.into_owned()
    }

    #[test]
    fn defaults() {
        let t = Terms::parse(input()).unwrap();
        assert_eq!(t.objection_period_days, 14);
        assert_eq!(t.breach_notice_sla_hours, 24);
        assert_eq!(t.deletion_term_days, 30);
        assert_eq!(t.term_months, 12);
        assert_eq!(t.renewal_months, 12);
        assert_eq!(t.audits_per_year, 1);
        assert_eq!(t.subprocessor_authorisation, AuthorisationMode::General);
        assert_eq!(t.end_of_contract, EndOfContract::ReturnThenDelete);
        let s = t.schedule("2026-06-01".parse().unwrap()).unwrap();
        assert_eq!(s.period_end.to_string(), "2027-01-14");
        assert_eq!(s.notice_by.unwrap().to_string(), "2026-11-14");
    }

    #[test]
    fn versions_stored_before_the_breach_and_request_terms_read_as_their_defaults() {
        let t = Terms::parse(input()).unwrap();
        assert!(!t.processor_may_notify_authority);
        let mut v = serde_json::to_value(&t).unwrap();
        let o = v.as_object_mut().unwrap();
        o.remove("processor_may_notify_authority");
        o.remove("dsr_identity_suspension");
        let old: Terms = serde_json::from_value(v).unwrap();
        assert_eq!(old, t, "absent terms read as their defaults");
        assert_eq!(old.dsr_identity_suspension, "none");
        assert_eq!(
            Terms::parse(TermsInput {
                dsr_identity_suspension: "pause".into(),
                ..input()
            })
            .unwrap_err()
            .field,
            "terms.dsr_identity_suspension"
        );
        let granted = Terms::parse(TermsInput {
            processor_may_notify_authority: true,
            ..input()
        })
        .unwrap();
        assert!(granted.processor_may_notify_authority);
    }

    #[test]
    fn every_rule() {
        type Edit = Box<dyn Fn(&mut TermsInput)>;
        let cases: Vec<(Edit, &str)> = vec![
            (
                Box::new(|i| i.objection_period_days = Some(0)),
                "terms.objection_period_days",
            ),
            (
                Box::new(|i| i.objection_period_days = Some(91)),
                "terms.objection_period_days",
            ),
            (
                Box::new(|i| i.notice_period = Some(-1)),
                "terms.notice_period",
            ),
            (
                Box::new(|i| i.notice_period = Some(13)),
                "terms.notice_period",
            ),
            (
                Box::new(|i| i.notice_period_unit = "years".into()),
                "terms.notice_period_unit",
            ),
            (
                Box::new(|i| i.data_categories = vec!["dna".into()]),
                "terms.data_categories",
            ),
            (
                Box::new(|i| i.data_categories.clear()),
                "terms.data_categories",
            ),
            (
                Box::new(|i| i.data_subject_categories = vec!["pets".into()]),
                "terms.data_subject_categories",
            ),
            (
                Box::new(|i| i.processing_locations = vec!["XX".into()]),
                "terms.processing_locations",
            ),
            (
                Box::new(|i| i.processing_locations = vec!["nl".into()]),
                "terms.processing_locations",
            ),
            (
                Box::new(|i| i.processing_locations.clear()),
                "terms.processing_locations",
            ),
            (
                Box::new(|i| i.subprocessor_authorisation = "none".into()),
                "terms.subprocessor_authorisation",
            ),
            (
                Box::new(|i| i.breach_notice_sla_hours = Some(0)),
                "terms.breach_notice_sla_hours",
            ),
            (
                Box::new(|i| i.end_of_contract = "keep".into()),
                "terms.end_of_contract",
            ),
            (
                Box::new(|i| i.deletion_term_days = Some(-5)),
                "terms.deletion_term_days",
            ),
            (
                Box::new(|i| i.contract_start = "15-01-2026".into()),
                "terms.contract_start",
            ),
            (
                Box::new(|i| i.contract_start = String::new()),
                "terms.contract_start",
            ),
            (
                Box::new(|i| i.contract_start = "2095-01-01".into()),
                "terms.contract_start",
            ),
            (Box::new(|i| i.term_months = Some(0)), "terms.term_months"),
            (
                Box::new(|i| i.audits_per_year = Some(13)),
                "terms.audits_per_year",
            ),
            (
                Box::new(|i| i.security_measures.clear()),
                "terms.security_measures",
            ),
            (
                Box::new(|i| i.purposes = vec!["  ".into()]),
                "terms.purposes",
            ),
            (Box::new(|i| i.reference = String::new()), "terms.reference"),
            (
                Box::new(|i| i.data_categories = vec!["special_category".into()]),
                "terms.special_categories",
            ),
        ];
        for (f, want) in cases {
            let mut i = input();
            f(&mut i);
            assert_eq!(field(i), want);
        }
        // Zero notice is allowed; bounds are inclusive.
        let mut i = input();
        i.notice_period = Some(0);
        i.objection_period_days = Some(90);
        assert!(Terms::parse(i).is_ok());
        let mut i = input();
        i.objection_period_days = Some(1);
        assert!(Terms::parse(i).is_ok());
    }

    #[test]
    fn lifecycle() {
        use AgreementStatus::*;
        use Transition::*;
        let table = [
            (Amend, Draft, true),
            (Amend, Active, true),
            (Amend, Terminating, false),
            (Amend, Ended, false),
            (Activate, Draft, true),
            (Activate, Active, false),
            (Activate, Ended, false),
            (Terminate, Draft, false),
            (Terminate, Active, true),
            (Terminate, Terminating, false),
            (End, Active, false),
            (End, Terminating, true),
            (End, Ended, false),
        ];
        for (t, from, ok) in table {
            assert_eq!(t.check(from).is_ok(), ok, "{t:?} from {from:?}");
        }
        let e = Activate.check(Ended).unwrap_err().to_string();
        assert!(
            e.contains("the agreement is ended; only an agreement that is draft can be activated"),
            "{e}"
        );
    }

    #[test]
    fn end_after_notice_follows_the_term() {
        let t = Terms::parse(input()).unwrap();
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(
            end_after_notice(&t, d("2026-11-14")).unwrap(),
            d("2027-01-14")
        );
        assert_eq!(
            end_after_notice(&t, d("2026-11-15")).unwrap(),
            d("2028-01-14")
        );
    }
}
