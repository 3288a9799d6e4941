//! Letters the controller sends the data subject about a request, in Dutch
//! or English (the subject's language, chosen per letter, not the
//! console's): the receipt, the extension with its reasons (art. 12(3)),
//! the refusal with the remedies (art. 12(4)) and the cover letter of the
//! answer. Filled from the request; plain text for the controller's own
//! letterhead or e-mail. The console never holds the subject's name or
//! address, so the letters greet without them. Pure: no IO.

use chrono::{DateTime, Utc};

use crate::i18n::{Lang, Tr};
use crate::when;

/// Which letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Letter {
    Receipt,
    Extension,
    Refusal,
    Answer,
}

impl Letter {
    pub const ALL: [Letter; 4] = [
        Letter::Receipt,
        Letter::Extension,
        Letter::Refusal,
        Letter::Answer,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Letter::Receipt => "receipt",
            Letter::Extension => "extension",
            Letter::Refusal => "refusal",
            Letter::Answer => "answer",
        }
    }

    pub fn parse(s: &str) -> Option<Letter> {
        Letter::ALL.into_iter().find(|l| l.code() == s)
    }

    /// Its name in the console's language.
    pub fn name(self, tr: Tr) -> &'static str {
        match self {
            Letter::Receipt => tr.t("Receipt"),
            Letter::Extension => tr.t("Extension, with the reasons"),
            Letter::Refusal => tr.t("Refusal, with the remedies"),
            Letter::Answer => tr.t("Cover letter of the answer"),
        }
    }
}

/// What a letter is filled from.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// The controller's legal name: the sender.
    pub controller: String,
    /// The request's type code (`access`, `erasure`, …).
    pub kind: String,
    pub received: Option<DateTime<Utc>>,
    /// The answer's deadline (one month), and once extended the new one.
    pub due: Option<DateTime<Utc>>,
    pub extended_due: Option<DateTime<Utc>>,
    pub extension_reasons: String,
    pub refusal_reasons: String,
    pub complaint_info: String,
    pub judicial_remedy_info: String,
}

fn what(lang: Lang, kind: &str) -> &'static str {
    match (lang, kind) {
        (Lang::Nl, "access") => "inzage in uw persoonsgegevens (artikel 15 AVG)",
        (Lang::Nl, "rectification") => "rectificatie van uw persoonsgegevens (artikel 16 AVG)",
        (Lang::Nl, "erasure") => "het wissen van uw persoonsgegevens (artikel 17 AVG)",
        (Lang::Nl, "restriction") => {
            "beperking van de verwerking van uw persoonsgegevens (artikel 18 AVG)"
        }
        (Lang::Nl, "portability") => "overdracht van uw persoonsgegevens (artikel 20 AVG)",
        (Lang::Nl, "objection") => {
            "bezwaar tegen de verwerking van uw persoonsgegevens (artikel 21 AVG)"
        }
        (Lang::Nl, _) => "de uitoefening van uw rechten onder de AVG",
        (Lang::En, "access") => "access to your personal data (Article 15 GDPR)",
        (Lang::En, "rectification") => "rectification of your personal data (Article 16 GDPR)",
        (Lang::En, "erasure") => "erasure of your personal data (Article 17 GDPR)",
        (Lang::En, "restriction") => {
            "restriction of the processing of your personal data (Article 18 GDPR)"
        }
        (Lang::En, "portability") => {
            "a copy of your personal data to take with you (Article 20 GDPR)"
        }
        (Lang::En, "objection") => {
            "your objection to the processing of your personal data (Article 21 GDPR)"
        }
        (Lang::En, _) => "the exercise of your rights under the GDPR",
    }
}

fn answer_line(lang: Lang, kind: &str) -> &'static str {
    match (lang, kind) {
        (Lang::Nl, "access") | (Lang::Nl, "portability") => {
            "Bijgaand vindt u een overzicht van de persoonsgegevens die wij van u verwerken, met de bestanden zoals wij ze bewaren."
        }
        (Lang::Nl, "erasure") => {
            "Wij hebben uw persoonsgegevens gewist. Van het wissen is een ondertekend verwijderingscertificaat opgemaakt, dat wij op verzoek kunnen laten zien."
        }
        (Lang::Nl, "rectification") => "Wij hebben uw persoonsgegevens verbeterd zoals u vroeg.",
        (Lang::Nl, "restriction") | (Lang::Nl, "objection") => {
            "Wij hebben de verwerking van uw persoonsgegevens beperkt: wij bewaren ze, maar gebruiken ze verder niet."
        }
        (Lang::Nl, _) => "Wij hebben uw verzoek uitgevoerd.",
        (Lang::En, "access") | (Lang::En, "portability") => {
            "Enclosed is an overview of the personal data we process about you, with the files as we keep them."
        }
        (Lang::En, "erasure") => {
            "We have erased your personal data. A signed deletion certificate records the erasure; we can show it on request."
        }
        (Lang::En, "rectification") => "We have corrected your personal data as you asked.",
        (Lang::En, "restriction") | (Lang::En, "objection") => {
            "We have restricted the processing of your personal data: we keep it, but no longer use it."
        }
        (Lang::En, _) => "We have carried out your request.",
    }
}

/// The letter, as plain text, in `lang`.
pub fn render(letter: Letter, lang: Lang, f: &Facts) -> String {
    let tr = Tr(lang);
    let day = |t: Option<DateTime<Utc>>| {
        t.map(|t| {
            let d = t.with_timezone(&chrono_tz::Europe::Amsterdam).date_naive();
            when::day_long(tr, d)
        })
        .unwrap_or_else(|| "…".into())
    };
    // A deadline is the day it ends (the exclusive midnight after it).
    let due_day = |t: Option<DateTime<Utc>>| {
        t.map(|t| {
            let l = t.with_timezone(&chrono_tz::Europe::Amsterdam);
            let d = l.date_naive();
            let d = if l.time() == chrono::NaiveTime::MIN {
                d.pred_opt().unwrap_or(d)
            } else {
                d
            };
            when::day_long(tr, d)
        })
        .unwrap_or_else(|| "…".into())
    };
    let what = what(lang, &f.kind);
    let sender = if f.controller.is_empty() {
        "…".to_owned()
    } else {
        f.controller.clone()
    };
    let body = match (lang, letter) {
        (Lang::Nl, Letter::Receipt) => format!(
            "Onderwerp: ontvangst van uw verzoek\n\nGeachte heer, mevrouw,\n\nOp {} hebben wij uw verzoek ontvangen om {what}.\n\nWij beantwoorden uw verzoek zo snel mogelijk en uiterlijk op {}. Als wij meer tijd nodig hebben, omdat uw verzoek ingewikkeld is of wij veel verzoeken ontvangen, laten wij u dat vóór die datum weten, met de redenen. De termijn kan dan met ten hoogste twee maanden worden verlengd (artikel 12, derde lid, AVG).\n\nHet kan zijn dat wij u vragen om uw identiteit aan te tonen voordat wij uw verzoek uitvoeren.",
            day(f.received),
            due_day(f.due)
        ),
        (Lang::En, Letter::Receipt) => format!(
            "Subject: we received your request\n\nDear Sir or Madam,\n\nOn {} we received your request for {what}.\n\nWe will answer as soon as we can and by {} at the latest. If we need more time, because your request is complex or we receive many requests, we will tell you before that date, with the reasons. The period can then be extended by at most two months (Article 12(3) GDPR).\n\nWe may ask you to prove your identity before we carry out your request.",
            day(f.received),
            due_day(f.due)
        ),
        (Lang::Nl, Letter::Extension) => format!(
            "Onderwerp: meer tijd voor uw verzoek\n\nGeachte heer, mevrouw,\n\nOp {} ontvingen wij uw verzoek om {what}. Wij hebben meer tijd nodig om het zorgvuldig te beantwoorden, en verlengen de termijn daarom met twee maanden (artikel 12, derde lid, AVG).\n\nDe reden: {}\n\nU ontvangt ons antwoord uiterlijk op {}.",
            day(f.received),
            if f.extension_reasons.is_empty() {
                "…"
            } else {
                &f.extension_reasons
            },
            due_day(f.extended_due)
        ),
        (Lang::En, Letter::Extension) => format!(
            "Subject: more time for your request\n\nDear Sir or Madam,\n\nOn {} we received your request for {what}. We need more time to answer it with care, and therefore extend the period by two months (Article 12(3) GDPR).\n\nThe reason: {}\n\nYou will receive our answer by {} at the latest.",
            day(f.received),
            if f.extension_reasons.is_empty() {
                "…"
            } else {
                &f.extension_reasons
            },
            due_day(f.extended_due)
        ),
        (Lang::Nl, Letter::Refusal) => format!(
            "Onderwerp: ons besluit over uw verzoek\n\nGeachte heer, mevrouw,\n\nOp {} ontvingen wij uw verzoek om {what}. Wij geven geen gevolg aan uw verzoek.\n\nDe redenen: {}\n\nU kunt een klacht indienen bij de Autoriteit Persoonsgegevens (autoriteitpersoonsgegevens.nl). {}\n\nU kunt zich ook tot de rechter wenden. {}\n\n(artikel 12, vierde lid, AVG)",
            day(f.received),
            if f.refusal_reasons.is_empty() {
                "…"
            } else {
                &f.refusal_reasons
            },
            f.complaint_info,
            f.judicial_remedy_info
        ),
        (Lang::En, Letter::Refusal) => format!(
            "Subject: our decision on your request\n\nDear Sir or Madam,\n\nOn {} we received your request for {what}. We will not act on your request.\n\nThe reasons: {}\n\nYou may lodge a complaint with the Dutch supervisory authority, the Autoriteit Persoonsgegevens (autoriteitpersoonsgegevens.nl). {}\n\nYou may also seek a judicial remedy. {}\n\n(Article 12(4) GDPR)",
            day(f.received),
            if f.refusal_reasons.is_empty() {
                "…"
            } else {
                &f.refusal_reasons
            },
            f.complaint_info,
            f.judicial_remedy_info
        ),
        (Lang::Nl, Letter::Answer) => format!(
            "Onderwerp: ons antwoord op uw verzoek\n\nGeachte heer, mevrouw,\n\nOp {} ontvingen wij uw verzoek om {what}.\n\n{}\n\nHeeft u vragen over dit antwoord, neem dan contact met ons op. Bent u het er niet mee eens, dan kunt u een klacht indienen bij de Autoriteit Persoonsgegevens (autoriteitpersoonsgegevens.nl).",
            day(f.received),
            answer_line(lang, &f.kind)
        ),
        (Lang::En, Letter::Answer) => format!(
            "Subject: our answer to your request\n\nDear Sir or Madam,\n\nOn {} we received your request for {what}.\n\n{}\n\nIf you have questions about this answer, please contact us. If you disagree with it, you may lodge a complaint with the Autoriteit Persoonsgegevens (autoriteitpersoonsgegevens.nl).",
            day(f.received),
            answer_line(lang, &f.kind)
        ),
    };
    let closing = match lang {
        Lang::Nl => "Met vriendelijke groet,",
        Lang::En => "Kind regards,",
    };
    format!("{body}\n\n{closing}\n\n{sender}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Option<DateTime<Utc>> {
        Some(DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc))
    }

    fn facts() -> Facts {
        Facts {
            controller: "Acme B.V.".into(),
            kind: "erasure".into(),
            received: t("2026-10-28T10:05:00Z"),
            // The end of Friday 28 November in Amsterdam.
            due: t("2026-11-28T23:00:00Z"),
            extended_due: t("2027-01-28T23:00:00Z"),
            extension_reasons: "uw gegevens staan in veel sollicitaties".into(),
            refusal_reasons: "het verzoek is kennelijk ongegrond".into(),
            complaint_info: String::new(),
            judicial_remedy_info: String::new(),
        }
    }

    #[test]
    fn the_receipt_names_the_request_and_the_day_it_is_due_in_the_subjects_language() {
        let nl = render(Letter::Receipt, Lang::Nl, &facts());
        assert!(nl.contains("Op woensdag 28 oktober 2026 hebben wij uw verzoek ontvangen om het wissen van uw persoonsgegevens (artikel 17 AVG)."), "{nl}");
        assert!(
            nl.contains("uiterlijk op zaterdag 28 november 2026"),
            "{nl}"
        );
        assert!(nl.ends_with("Met vriendelijke groet,\n\nAcme B.V.\n"));
        let en = render(Letter::Receipt, Lang::En, &facts());
        assert!(
            en.contains("by Saturday 28 November 2026 at the latest"),
            "{en}"
        );
        for l in [&nl, &en] {
            assert!(!l.contains("UTC") && !l.contains("T23:00"), "{l}");
        }
    }

    #[test]
    fn the_extension_gives_its_reasons_and_the_refusal_its_remedies() {
        let ext = render(Letter::Extension, Lang::Nl, &facts());
        assert!(ext.contains("De reden: uw gegevens staan in veel sollicitaties"));
        assert!(
            ext.contains("uiterlijk op donderdag 28 januari 2027"),
            "{ext}"
        );
        let refusal = render(Letter::Refusal, Lang::En, &facts());
        assert!(refusal.contains("Autoriteit Persoonsgegevens"));
        assert!(refusal.contains("judicial remedy"));
        assert!(refusal.contains("Article 12(4) GDPR"));
        assert_eq!(Letter::parse("refusal"), Some(Letter::Refusal));
        assert_eq!(Letter::parse("x"), None);
    }
}
