//! The content items of a notice to a controller (art. 33(3) (a)-(d) and the
//! processor's contact point): what an assessment says, and what is missing.

use super::*;

/// The content a notice to the controller must carry: seed 001 annex 1
/// art. 6.3 (a)-(h) and GDPR art. 33(3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Item {
    Nature,
    Consequences,
    DataCategories,
    Protection,
    Measures,
    SubjectCategories,
    SubjectsApprox,
    RecordsApprox,
    Contact,
}

impl Item {
    pub const ALL: [Item; 9] = [
        Item::Nature,
        Item::Consequences,
        Item::DataCategories,
        Item::Protection,
        Item::Measures,
        Item::SubjectCategories,
        Item::SubjectsApprox,
        Item::RecordsApprox,
        Item::Contact,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Item::Nature => "nature",
            Item::Consequences => "consequences",
            Item::DataCategories => "data_categories",
            Item::Protection => "protection",
            Item::Measures => "measures",
            Item::SubjectCategories => "subject_categories",
            Item::SubjectsApprox => "subjects_approx",
            Item::RecordsApprox => "records_approx",
            Item::Contact => "contact",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Item::Nature => "the nature of the breach",
            Item::Consequences => "the likely consequences",
            Item::DataCategories => "the categories of personal data concerned",
            Item::Protection => "whether and how the data was protected",
            Item::Measures => "the measures taken or proposed",
            Item::SubjectCategories => "the categories of data subjects",
            Item::SubjectsApprox => "the approximate number of data subjects",
            Item::RecordsApprox => "the approximate number of personal-data records",
            Item::Contact => "the contact point for follow-up",
        }
    }

    pub fn citation(self) -> &'static str {
        match self {
            Item::Nature => {
                "GDPR art. 33(3)(a); the processing agreement's breach clause (model agreement annex 1 art. 6.3(a))"
            }
            Item::Consequences => {
                "GDPR art. 33(3)(c); the processing agreement's breach clause (model agreement annex 1 art. 6.3(b))"
            }
            Item::DataCategories => {
                "GDPR art. 33(3)(a); the processing agreement's breach clause (model agreement annex 1 art. 6.3(c))"
            }
            Item::Protection => {
                "GDPR art. 34(3)(a); the processing agreement's breach clause (model agreement annex 1 art. 6.3(d))"
            }
            Item::Measures => {
                "GDPR art. 33(3)(d); the processing agreement's breach clause (model agreement annex 1 art. 6.3(e))"
            }
            Item::SubjectCategories => {
                "GDPR art. 33(3)(a); the processing agreement's breach clause (model agreement annex 1 art. 6.3(f))"
            }
            Item::SubjectsApprox => {
                "GDPR art. 33(3)(a); the processing agreement's breach clause (model agreement annex 1 art. 6.3(g))"
            }
            Item::RecordsApprox => "GDPR art. 33(3)(a)",
            Item::Contact => {
                "GDPR art. 33(3)(b); the processing agreement's breach clause (model agreement annex 1 art. 6.3(h))"
            }
        }
    }

    /// Whether the assessment answers this item for one controller.
    /// `contact` is the contact point in effect (the assessment's, else
    /// the processor's configured DPO or contact).
    pub fn known(self, a: &Assessment, aff: Option<&Affected>, contact: Option<&str>) -> bool {
        match self {
            Item::Nature => !a.nature.is_empty() && a.summary.is_some(),
            Item::Consequences => a.likely_consequences.is_some(),
            Item::DataCategories => !a.data_categories.is_empty(),
            Item::Protection => a.protection.is_some(),
            Item::Measures => a.measures_taken.is_some() || a.measures_proposed.is_some(),
            Item::SubjectCategories => !a.subject_categories.is_empty(),
            Item::SubjectsApprox => aff.and_then(|x| x.subjects_approx).is_some(),
            Item::RecordsApprox => aff.and_then(|x| x.records_approx).is_some(),
            Item::Contact => contact.is_some(),
        }
    }
}

/// Every item with whether it is known, in the order of art. 6.3.
/// `processor_contact` is item (h) when the assessment names no other.
pub fn content(
    a: &Assessment,
    controller: &str,
    processor_contact: Option<&str>,
) -> Vec<(Item, bool)> {
    let aff = a.affected(controller);
    let contact = contact_point(a, processor_contact);
    Item::ALL
        .iter()
        .map(|i| (*i, i.known(a, aff, contact)))
        .collect()
}

pub fn missing(a: &Assessment, controller: &str, processor_contact: Option<&str>) -> Vec<Item> {
    content(a, controller, processor_contact)
        .into_iter()
        .filter(|(_, k)| !k)
        .map(|(i, _)| i)
        .collect()
}

/// The contact point in effect: the assessment's, else the processor's.
pub fn contact_point<'a>(a: &'a Assessment, processor: Option<&'a str>) -> Option<&'a str> {
    a.contact.as_deref().or(processor)
}
