//! Where personal data may go: ISO 3166-1 country codes, the EEA
//! (legal-rules.md C-7), the EU adequacy decisions with their validity dates
//! (C-8), and the classification of a transfer to a country on a date under
//! GDPR chapter V. Pure: no IO, no clock; the caller passes the date.
//!
//! The adequacy table must be re-checked quarterly (legal-rules.md C-8):
//! reviews and court challenges (the EU-US Data Privacy Framework) can change
//! it. A change is a code change here, with its test.

use chrono::NaiveDate;

/// Officially assigned ISO 3166-1 alpha-2 codes.
const ISO_3166_ALPHA2: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

/// Whether `code` is an officially assigned ISO 3166-1 alpha-2 code (upper case).
pub fn is_country(code: &str) -> bool {
    code.len() == 2 && ISO_3166_ALPHA2.split(' ').any(|c| c == code)
}

/// EU-27 plus Iceland, Liechtenstein and Norway (legal-rules.md C-7).
pub const EEA: &[&str] = &[
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV",
    "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO",
];

pub fn is_eea(code: &str) -> bool {
    EEA.contains(&code)
}

/// One adequacy decision (GDPR art. 45).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Adequacy {
    pub country: &'static str,
    pub name: &'static str,
    pub decision: &'static str,
    /// The recipients the decision covers, when it does not cover every one
    /// in the country. A transfer relies on it only when the recipient is
    /// attested to be within this scope.
    pub scope: Option<&'static str>,
    pub valid_from: NaiveDate,
    /// The last day the decision applies, when it expires.
    pub valid_to: Option<NaiveDate>,
}

const fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(y, m, d) {
        Some(x) => x,
        None => panic!("invalid date in the adequacy table"),
    }
}

const fn whole(
    country: &'static str,
    name: &'static str,
    decision: &'static str,
    from: NaiveDate,
) -> Adequacy {
    Adequacy {
        country,
        name,
        decision,
        scope: None,
        valid_from: from,
        valid_to: None,
    }
}

/// The adequacy decisions of legal-rules.md C-8. Decision dates marked [K]
/// there are from general knowledge and must be checked against EUR-Lex
/// before a release relies on them. The European Patent Organisation's
/// decision (15 July 2025) concerns an international organisation, not a
/// country, and so is not a destination a sub-processor can be located in.
pub const ADEQUACY: &[Adequacy] = &[
    whole("AD", "Andorra", "2010/625/EU", ymd(2010, 10, 19)),
    whole("AR", "Argentina", "2003/490/EC", ymd(2003, 6, 30)),
    whole(
        "BR",
        "Brazil",
        "Implementing Decision (EU) 2026/179",
        ymd(2026, 1, 26),
    ),
    Adequacy {
        country: "CA",
        name: "Canada",
        decision: "2002/2/EC",
        scope: Some("commercial organisations subject to PIPEDA"),
        valid_from: ymd(2001, 12, 20),
        valid_to: None,
    },
    whole("FO", "Faroe Islands", "2010/146/EU", ymd(2010, 3, 5)),
    whole("GG", "Guernsey", "2003/821/EC", ymd(2003, 11, 21)),
    whole("IM", "Isle of Man", "2004/411/EC", ymd(2004, 4, 28)),
    whole("IL", "Israel", "2011/61/EU", ymd(2011, 1, 31)),
    Adequacy {
        country: "JP",
        name: "Japan",
        decision: "(EU) 2019/419",
        scope: Some("private-sector recipients under the APPI"),
        valid_from: ymd(2019, 1, 23),
        valid_to: None,
    },
    whole("JE", "Jersey", "2008/393/EC", ymd(2008, 5, 8)),
    whole("NZ", "New Zealand", "2013/65/EU", ymd(2012, 12, 19)),
    whole(
        "KR",
        "Republic of Korea",
        "(EU) 2022/254",
        ymd(2021, 12, 17),
    ),
    whole("CH", "Switzerland", "2000/518/EC", ymd(2000, 7, 26)),
    Adequacy {
        country: "GB",
        name: "United Kingdom",
        decision: "(EU) 2021/1772, renewed 19 December 2025",
        scope: None,
        valid_from: ymd(2021, 6, 28),
        valid_to: Some(ymd(2031, 12, 27)),
    },
    Adequacy {
        country: "US",
        name: "United States",
        decision: "(EU) 2023/1795 (EU-US Data Privacy Framework; upheld in T-553/23 Latombe, appeal C-703/25 P pending)",
        scope: Some(
            "organisations with an active Data Privacy Framework certification that covers HR data",
        ),
        valid_from: ymd(2023, 7, 10),
        valid_to: None,
    },
    whole("UY", "Uruguay", "2012/484/EU", ymd(2012, 8, 21)),
];

/// The adequacy decision for `country`, if there is one (valid or not).
pub fn adequacy(country: &str) -> Option<&'static Adequacy> {
    ADEQUACY.iter().find(|a| a.country == country)
}

/// What a recipient in a country needs for personal data to go there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mechanism {
    /// Within the EEA: no chapter V transfer.
    Eea,
    /// An adequacy decision valid on the date, whose scope the recipient meets (art. 45).
    Adequacy(&'static Adequacy),
    /// Standard contractual clauses (2021/914, module 3 processor to
    /// sub-processor) with a transfer impact assessment (art. 46).
    /// `tia_reference` is `None` when no assessment is on record.
    Scc { tia_reference: Option<String> },
}

impl Mechanism {
    pub fn as_str(&self) -> &'static str {
        match self {
            Mechanism::Eea => "eea",
            Mechanism::Adequacy(_) => "adequacy",
            Mechanism::Scc { .. } => "scc",
        }
    }
}

/// The facts about a recipient that the classification needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recipient<'a> {
    pub country: &'a str,
    /// The recipient is attested to fall within a scope-limited adequacy
    /// decision (for the US: an active DPF certification covering HR data).
    pub adequacy_scope_met: bool,
    /// The reference of the transfer impact assessment on file, if any.
    pub tia_reference: Option<&'a str>,
}

/// The chapter V classification of a transfer to a recipient on a date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classification {
    pub country: String,
    pub mechanism: Mechanism,
    /// Why, in words.
    pub explanation: String,
}

impl Classification {
    /// Whether this is a transfer to a third country (outside the EEA).
    pub fn is_transfer(&self) -> bool {
        self.mechanism != Mechanism::Eea
    }

    /// Whether data may go there on this basis: the EEA, a valid adequacy
    /// decision, or SCCs with an assessment on record.
    pub fn permitted(&self) -> bool {
        !matches!(
            self.mechanism,
            Mechanism::Scc {
                tia_reference: None
            }
        )
    }
}

/// Classifies a transfer to `r` on `on` (legal-rules.md C-7, C-8).
pub fn classify(r: &Recipient<'_>, on: NaiveDate) -> Classification {
    let country = r.country.to_owned();
    if is_eea(r.country) {
        return Classification {
            country,
            mechanism: Mechanism::Eea,
            explanation: format!("{} is in the EEA: no chapter V transfer", r.country),
        };
    }
    let scc = |why: String| {
        let tia = r.tia_reference.map(str::to_owned);
        let tail = match &tia {
            Some(t) => format!("SCCs 2021/914 module 3 with transfer impact assessment {t}"),
            None => "SCCs 2021/914 module 3 and a transfer impact assessment are required; no assessment is on record".to_owned(),
        };
        Classification {
            country: country.clone(),
            mechanism: Mechanism::Scc { tia_reference: tia },
            explanation: format!("{why}: {tail} (GDPR art. 46)"),
        }
    };
    let Some(a) = adequacy(r.country) else {
        return scc(format!("{} has no EU adequacy decision", r.country));
    };
    if on < a.valid_from {
        return scc(format!(
            "the adequacy decision for {} ({}) applies from {}",
            a.name, a.decision, a.valid_from
        ));
    }
    if let Some(to) = a.valid_to
        && on > to
    {
        return scc(format!(
            "the adequacy decision for {} ({}) expired after {to}",
            a.name, a.decision
        ));
    }
    if let Some(scope) = a.scope
        && !r.adequacy_scope_met
    {
        return scc(format!(
            "the adequacy decision for {} ({}) covers only {scope}, and the recipient is not attested to be one",
            a.name, a.decision
        ));
    }
    let scope = a.scope.map(|s| format!(", for {s}")).unwrap_or_default();
    Classification {
        country,
        mechanism: Mechanism::Adequacy(a),
        explanation: format!(
            "adequacy decision {} for {}{scope} (GDPR art. 45)",
            a.decision, a.name
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn at(country: &str, on: &str, scope: bool, tia: Option<&str>) -> Classification {
        classify(
            &Recipient {
                country,
                adequacy_scope_met: scope,
                tia_reference: tia,
            },
            d(on),
        )
    }

    #[test]
    fn eea_is_no_transfer() {
        assert_eq!(EEA.len(), 30);
        for c in ["NL", "DE", "IE", "NO", "IS", "LI"] {
            let x = at(c, "2026-11-21", false, None);
            assert_eq!(x.mechanism, Mechanism::Eea, "{c}");
            assert!(!x.is_transfer() && x.permitted());
        }
        assert!(EEA.iter().all(|c| is_country(c)));
    }

    #[test]
    fn adequate_countries() {
        let x = at("CH", "2026-11-21", false, None);
        assert_eq!(x.mechanism.as_str(), "adequacy");
        assert!(x.is_transfer() && x.permitted());
        // The UK renewal runs until 27 December 2031 inclusive.
        assert_eq!(
            at("GB", "2031-12-27", false, None).mechanism.as_str(),
            "adequacy"
        );
        let after = at("GB", "2031-12-28", false, None);
        assert_eq!(after.mechanism.as_str(), "scc");
        assert!(
            after.explanation.contains("expired"),
            "{}",
            after.explanation
        );
        // Brazil's decision of 26 January 2026 does not reach back.
        assert_eq!(
            at("BR", "2025-12-31", false, None).mechanism.as_str(),
            "scc"
        );
        assert_eq!(
            at("BR", "2026-02-01", false, None).mechanism.as_str(),
            "adequacy"
        );
    }

    #[test]
    fn united_states_needs_dpf_with_hr_scope() {
        let x = at("US", "2026-11-21", true, None);
        assert_eq!(x.mechanism.as_str(), "adequacy");
        assert!(x.explanation.contains("2023/1795"), "{}", x.explanation);
        let x = at("US", "2026-11-21", false, None);
        assert_eq!(
            x.mechanism,
            Mechanism::Scc {
                tia_reference: None
            }
        );
        assert!(!x.permitted());
        assert!(x.explanation.contains("HR data"), "{}", x.explanation);
        let x = at("US", "2026-11-21", false, Some("TIA-2026-07"));
        assert!(x.permitted());
        // Before the DPF decision, even a certified recipient needed SCCs.
        assert_eq!(at("US", "2023-07-09", true, None).mechanism.as_str(), "scc");
    }

    #[test]
    fn inadequate_countries_need_sccs_and_an_assessment() {
        let x = at("IN", "2026-11-21", true, None);
        assert_eq!(x.mechanism.as_str(), "scc");
        assert!(!x.permitted());
        assert!(
            x.explanation.contains("no EU adequacy decision"),
            "{}",
            x.explanation
        );
        assert!(at("IN", "2026-11-21", false, Some("TIA-1")).permitted());
    }

    #[test]
    fn table_is_well_formed() {
        for a in ADEQUACY {
            assert!(is_country(a.country), "{}", a.country);
            assert!(!is_eea(a.country), "{}", a.country);
            if let Some(to) = a.valid_to {
                assert!(to > a.valid_from, "{}", a.country);
            }
        }
        assert!(is_country("NL") && !is_country("XX") && !is_country("nl"));
    }
}
