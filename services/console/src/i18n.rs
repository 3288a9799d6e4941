//! English and Dutch. The English text is the key: `tr.t("Overdue")` is
//! "Overdue" in English and its Dutch translation in Dutch. A test reads
//! every `t("…")` in the console's sources and templates and fails on one
//! without a Dutch entry. What the services write (descriptions, notes,
//! citations) is shown as they wrote it.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    #[default]
    En,
    Nl,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Nl => "nl",
        }
    }

    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "en" => Some(Lang::En),
            "nl" => Some(Lang::Nl),
            _ => None,
        }
    }

    /// From an `Accept-Language` header: Dutch if it is preferred over English.
    pub fn from_accept(h: &str) -> Lang {
        for part in h.split(',') {
            let tag = part
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            if tag.starts_with("nl") {
                return Lang::Nl;
            }
            if tag.starts_with("en") {
                return Lang::En;
            }
        }
        Lang::En
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Tr(pub Lang);

impl Tr {
    pub fn t(&self, en: &'static str) -> &'static str {
        match self.0 {
            Lang::En => en,
            Lang::Nl => dutch(en).unwrap_or(en),
        }
    }

    pub fn lang(&self) -> &'static str {
        self.0.code()
    }

    /// "3 d 4 h left" / "overdue by 2 h 5 min".
    pub fn remaining(&self, seconds: i64) -> String {
        let s = seconds.unsigned_abs();
        let (d, h, m) = (s / 86_400, (s % 86_400) / 3600, (s % 3600) / 60);
        let span = if d > 0 {
            format!("{d} {} {h} {}", self.t("d"), self.t("h"))
        } else if h > 0 {
            format!("{h} {} {m} {}", self.t("h"), self.t("min"))
        } else {
            format!("{m} {}", self.t("min"))
        };
        if seconds < 0 {
            format!("{} {span}", self.t("overdue by"))
        } else {
            format!("{span} {}", self.t("left"))
        }
    }
}

fn dutch(en: &str) -> Option<&'static str> {
    NL.iter().find(|(e, _)| *e == en).map(|(_, n)| *n)
}

/// English → Dutch.
pub const NL: &[(&str, &str)] = &[
    // chrome
    ("Skip to the content", "Naar de inhoud"),
    ("Signed in as", "Aangemeld als"),
    ("role", "rol"),
    ("tenant", "klant"),
    ("every tenant", "alle klanten"),
    ("administrator", "beheerder"),
    ("auditor", "auditor"),
    (
        "customer's privacy officer",
        "functionaris gegevensbescherming van de klant",
    ),
    ("an API token", "een API-token"),
    ("the operator", "de beheerder van de server"),
    ("the system", "het systeem"),
    ("via", "via"),
    ("a service", "een dienst"),
    ("a worker", "een achtergrondproces"),
    ("another Custodian process", "een ander Custodian-proces"),
    ("Sign out", "Afmelden"),
    ("Sign in", "Aanmelden"),
    ("Main", "Hoofdmenu"),
    ("Language", "Taal"),
    ("Obligations", "Verplichtingen"),
    ("Breaches", "Datalekken"),
    ("Requests", "Verzoeken"),
    ("Audit log", "Auditlog"),
    ("Sub-processors", "Subverwerkers"),
    ("Agreements", "Overeenkomsten"),
    ("Retention", "Bewaartermijnen"),
    ("Switching", "Overstappen"),
    ("Alerts per customer", "Meldingen per klant"),
    ("e-mails to people", "e-mails aan mensen"),
    ("e-mail", "e-mail"),
    (
        "e-mail alerts and digest chosen",
        "meldingen per e-mail en dagoverzicht gekozen",
    ),
    ("e-mail given up", "e-mail opgegeven"),
    ("e-mail sent again", "e-mail opnieuw verstuurd"),
    // ---- e-mail pages (pages/notifications.rs) ----
    ("No daily digest", "Geen dagoverzicht"),
    (
        "E-mail alerts and daily digest",
        "Meldingen per e-mail en dagoverzicht",
    ),
    (
        "This installation sends no e-mail yet: its operator has not set up a mail relay. Your choices are kept for when it does.",
        "Deze installatie verstuurt nog geen e-mail: de beheerder heeft nog geen mailserver ingesteld. Uw keuzes worden bewaard tot dat wel zo is.",
    ),
    ("Sent to", "Verstuurd naar"),
    (
        "An alert comes when a deadline you may see is near: 7 days and 1 day before a deadline in days, 24, 6 and 1 hour before a breach's clock; and when something happens that needs you now, such as an incident reported or a customer's objection.",
        "Een melding komt als een termijn die u mag zien nadert: 7 dagen en 1 dag voor een termijn in dagen, 24, 6 en 1 uur voor de klok van een datalek; en als er iets gebeurt dat u nu nodig heeft, zoals een gemeld incident of een bezwaar van een klant.",
    ),
    (
        "The daily digest lists what is overdue, what is due within 72 hours and what is due later this week; it comes only when there is something in it.",
        "Het dagoverzicht noemt wat te laat is, wat binnen 72 uur afloopt en wat later deze week afloopt; het komt alleen als er iets in staat.",
    ),
    (
        "A mail names the obligation, the customer, the rule and its citation, and links to the page here; never a candidate's or a data subject's details.",
        "Een e-mail noemt de verplichting, de klant, de regel en de grondslag, en verwijst naar de pagina hier; nooit gegevens van een kandidaat of een betrokkene.",
    ),
    ("Alert me about", "Stuur mij meldingen over"),
    (
        "Daily digest at (Amsterdam time)",
        "Dagoverzicht om (Nederlandse tijd)",
    ),
    (
        "Language of the console and the e-mails",
        "Taal van de console en de e-mails",
    ),
    ("Everyone's alerts", "Meldingen van iedereen"),
    (
        "Who receives what, per customer",
        "Wie ontvangt wat, per klant",
    ),
    ("My notifications", "Mijn meldingen"),
    (
        "E-mail alerts are a person's own: sign in through your organisation's identity provider to choose yours.",
        "Meldingen per e-mail zijn persoonlijk: meld u aan via de identiteitsprovider van uw organisatie om de uwe te kiezen.",
    ),
    ("Your choices were saved.", "Uw keuzes zijn opgeslagen."),
    ("no one", "niemand"),
    ("Who receives what", "Wie ontvangt wat"),
    (
        "This installation sends no e-mail yet: its operator has not set up a mail relay. The table shows what people chose.",
        "Deze installatie verstuurt nog geen e-mail: de beheerder heeft nog geen mailserver ingesteld. De tabel toont wat mensen kozen.",
    ),
    (
        "Every customer has someone alerted about each of its topics.",
        "Voor elke klant krijgt iemand meldingen over elk onderwerp.",
    ),
    (
        "No one is alerted about these customers' topics; invite a person or ask one to turn the alert on:",
        "Niemand krijgt meldingen over deze onderwerpen van deze klanten; nodig iemand uit of vraag iemand de melding aan te zetten:",
    ),
    ("Daily digest", "Dagoverzicht"),
    (
        "Per customer: who is alerted about each topic",
        "Per klant: wie meldingen krijgt over elk onderwerp",
    ),
    ("No customers yet.", "Nog geen klanten."),
    (
        "Incidents before their assessment",
        "Incidenten voor hun beoordeling",
    ),
    ("The processor's own", "Van de verwerker zelf"),
    (
        "What concerns no customer yet",
        "Wat nog geen klant betreft",
    ),
    ("Alerted", "Krijgen een melding"),
    ("daily digest", "dagoverzicht"),
    ("event", "gebeurtenis"),
    ("deadline alert", "termijnmelding"),
    ("E-mails to people", "E-mails aan mensen"),
    ("All", "Alle"),
    (
        "Some e-mails were given up after every attempt failed. Mend the cause (the relay's answer is in the table), then send them again below.",
        "Sommige e-mails zijn opgegeven nadat elke poging mislukte. Herstel de oorzaak (het antwoord van de mailserver staat in de tabel) en verstuur ze hieronder opnieuw.",
    ),
    ("Newest first", "Nieuwste eerst"),
    ("Planned", "Gepland"),
    ("Kind", "Soort"),
    ("Subject", "Onderwerp"),
    ("Sent, or next attempt", "Verstuurd, of volgende poging"),
    ("Relay's answer", "Antwoord van de mailserver"),
    ("No e-mails.", "Geen e-mails."),
    ("E-mail", "E-mail"),
    (
        "Why it can be sent now",
        "Waarom het nu verstuurd kan worden",
    ),
    (
        "Send a given-up e-mail again",
        "Een opgegeven e-mail opnieuw versturen",
    ),
    ("Send again", "Opnieuw versturen"),
    ("E-mails", "E-mails"),
    (
        "The e-mail will be sent again.",
        "De e-mail wordt opnieuw verstuurd.",
    ),
    ("given up", "opgegeven"),
    (
        "withdrawn: done before it was sent",
        "ingetrokken: afgehandeld voordat hij werd verstuurd",
    ),
    // ---- e-mail (mail.rs) ----
    ("Customer", "Klant"),
    ("Dear", "Beste"),
    ("Open in the console", "Openen in de console"),
    ("coming up", "binnenkort"),
    ("Deadlines of", "Termijnen van"),
    ("Later this week", "Later deze week"),
    ("data breaches", "datalekken"),
    ("switching and exit", "overstappen en vertrek"),
    ("processing agreements", "verwerkersovereenkomsten"),
    ("webhook messages given up", "opgegeven webhookberichten"),
    ("7 days left", "nog 7 dagen"),
    ("1 day left", "nog 1 dag"),
    ("24 hours left", "nog 24 uur"),
    ("6 hours left", "nog 6 uur"),
    ("1 hour left", "nog 1 uur"),
    (
        "You receive this because your alerts about this topic are on:",
        "U ontvangt dit omdat uw meldingen over dit onderwerp aan staan:",
    ),
    (
        "You receive this daily digest at the time you chose.",
        "U ontvangt dit dagoverzicht op het tijdstip dat u koos.",
    ),
    ("Change what you receive", "Wijzig wat u ontvangt"),
    (
        "An incident was reported and awaits assessment",
        "Er is een incident gemeld dat op beoordeling wacht",
    ),
    (
        "An incident was reported. Assess it and notify the controllers it affects without undue delay.",
        "Er is een incident gemeld. Beoordeel het en informeer de verwerkingsverantwoordelijken die het raakt zonder onredelijke vertraging.",
    ),
    (
        "You received a breach notice from the processor",
        "U hebt een melding van een datalek van de verwerker ontvangen",
    ),
    (
        "The processor sent you a notice of a personal data breach. Your 72 hours to notify the supervisory authority run from when you became aware of it.",
        "De verwerker heeft u een inbreuk in verband met persoonsgegevens (datalek) gemeld. Uw 72 uur om de Autoriteit Persoonsgegevens te informeren lopen vanaf het moment dat u ervan op de hoogte raakte.",
    ),
    (
        "A customer objected to a sub-processor change",
        "Een klant heeft bezwaar gemaakt tegen een wijziging van subverwerkers",
    ),
    (
        "A customer objected to a sub-processor change. The change may not take effect for that customer until the objection is resolved.",
        "Een klant heeft bezwaar gemaakt tegen een wijziging van subverwerkers. De wijziging mag voor die klant pas ingaan als het bezwaar is afgehandeld.",
    ),
    (
        "A customer asked to switch or leave",
        "Een klant wil overstappen of vertrekken",
    ),
    (
        "A customer asked to switch to another provider or to leave. The Data Act's periods run from the request.",
        "Een klant heeft gevraagd over te stappen naar een andere aanbieder of te vertrekken. De termijnen van de Dataverordening lopen vanaf het verzoek.",
    ),
    (
        "A customer withdrew its switch",
        "Een klant heeft zijn overstap ingetrokken",
    ),
    (
        "A customer withdrew its request to switch or leave; the contract continues.",
        "Een klant heeft zijn verzoek om over te stappen of te vertrekken ingetrokken; het contract loopt door.",
    ),
    (
        "A message to a customer's webhook was given up",
        "Een bericht aan de webhook van een klant is opgegeven",
    ),
    (
        "Every attempt to deliver a message to a customer's webhook failed. Mend the webhook with the customer and send the message again.",
        "Elke poging om een bericht aan de webhook van een klant af te leveren is mislukt. Herstel de webhook met de klant en verstuur het bericht opnieuw.",
    ),
    ("My calendar", "Mijn agenda"),
    ("Done.", "Gedaan."),
    ("a customer", "een klant"),
    ("Make a new calendar address", "Maak een nieuw agenda-adres"),
    (
        "A calendar feed is a person's own: sign in through your organisation's identity provider to make one.",
        "Een agenda-abonnement is persoonlijk: meld u aan via de identiteitsprovider van uw organisatie om er een te maken.",
    ),
    (
        "Every deadline you may see in this console, in your calendar program: an all-day event on the last day of a day deadline, with reminders a week and a day before; a timed event for a breach's hour clock, with reminders 24, 6 and 1 hour before.",
        "Elke termijn die u in deze console mag zien, in uw agendaprogramma: een afspraak van een hele dag op de laatste dag van een termijn in dagen, met herinneringen een week en een dag vooraf; een afspraak op het uur voor de klok van een datalek, met herinneringen 24, 6 en 1 uur vooraf.",
    ),
    (
        "The feed names the obligation, the customer and the rule, and links here; it holds no candidate's or data subject's details.",
        "Het abonnement noemt de verplichting, de klant en de regel, en linkt hierheen; het bevat geen gegevens van kandidaten of betrokkenen.",
    ),
    (
        "The address is private: whoever has it reads your deadlines. Making a new one stops the old one.",
        "Het adres is privé: wie het heeft, leest uw termijnen. Een nieuw adres maakt het oude ongeldig.",
    ),
    (
        "Your new calendar address. Add it to your calendar program as a subscription; it is shown only now.",
        "Uw nieuwe agenda-adres. Voeg het als abonnement toe aan uw agendaprogramma; het wordt alleen nu getoond.",
    ),
    ("calendar address renewed", "agenda-adres vernieuwd"),
    ("a person", "een persoon"),
    (
        "signed in through an identity provider",
        "aangemeld via een identiteitsprovider",
    ),
    ("signed out", "afgemeld"),
    ("sign-in refused", "aanmelding geweigerd"),
    ("Sign in with {}", "Aanmelden met {}"),
    ("Sign in with a token", "Aanmelden met een token"),
    (
        "For administrators when the identity provider cannot be reached. Every use is recorded.",
        "Voor beheerders als de identiteitsprovider onbereikbaar is. Elk gebruik wordt vastgelegd.",
    ),
    (
        "No way to sign in is configured. Ask the processor's administrator.",
        "Er is geen manier van aanmelden ingesteld. Vraag het de beheerder van de verwerker.",
    ),
    (
        "Signing in with a token is switched off. Sign in with your organisation's account.",
        "Aanmelden met een token staat uit. Meld u aan met het account van uw organisatie.",
    ),
    ("People", "Personen"),
    (
        "administrator (the processor's privacy office)",
        "beheerder (het privacyteam van de verwerker)",
    ),
    (
        "auditor (reads everything, changes nothing)",
        "auditor (leest alles, wijzigt niets)",
    ),
    (
        "a customer's DPO (its own company only)",
        "FG van een klant (alleen het eigen bedrijf)",
    ),
    ("Dutch", "Nederlands"),
    ("English", "Engels"),
    ("removed", "verwijderd"),
    (
        "invited, not signed in yet",
        "uitgenodigd, nog niet aangemeld",
    ),
    ("Company", "Bedrijf"),
    ("Invited", "Uitgenodigd"),
    ("Invited by", "Uitgenodigd door"),
    (
        "Nobody has been invited yet.",
        "Er is nog niemand uitgenodigd.",
    ),
    ("Person", "Persoon"),
    (
        "I understand: the person can no longer sign in and its sessions end; the audit log keeps its name.",
        "Ik begrijp het: de persoon kan niet meer aanmelden en zijn sessies eindigen; het auditlog bewaart de naam.",
    ),
    ("Remove a person", "Een persoon verwijderen"),
    ("Remove", "Verwijderen"),
    (
        "The people who use the console, each signing in as themselves. An invitation names the e-mail address the person's sign-in must prove.",
        "De mensen die de console gebruiken, elk aangemeld als zichzelf. Een uitnodiging noemt het e-mailadres dat de aanmelding van de persoon moet bewijzen.",
    ),
    (
        "The address the person signs in with at its organisation's identity provider.",
        "Het adres waarmee de persoon zich aanmeldt bij de identiteitsprovider van de eigen organisatie.",
    ),
    ("Role", "Rol"),
    (
        "Company (for a customer's DPO)",
        "Bedrijf (voor een FG van een klant)",
    ),
    ("Invite a person", "Een persoon uitnodigen"),
    ("Invite", "Uitnodigen"),
    (
        "The person was invited: they sign in with that e-mail address at their identity provider.",
        "De persoon is uitgenodigd: die meldt zich aan met dat e-mailadres bij de eigen identiteitsprovider.",
    ),
    (
        "The person was removed: they can no longer sign in.",
        "De persoon is verwijderd: die kan niet meer aanmelden.",
    ),
    (
        "person invited to the console",
        "persoon uitgenodigd voor de console",
    ),
    (
        "person removed from the console",
        "persoon verwijderd uit de console",
    ),
    ("people", "personen"),
    ("person", "persoon"),
    ("What was done", "Wat er is gedaan"),
    ("breaches", "datalekken"),
    ("data-subject requests", "verzoeken van betrokkenen"),
    ("candidates", "kandidaten"),
    ("agreements", "overeenkomsten"),
    ("sub-processors", "subverwerkers"),
    ("switching", "overstappen"),
    ("retention policies", "bewaarbeleid"),
    ("customers", "klanten"),
    ("tokens", "tokens"),
    ("sign-ins to the console", "aanmeldingen bij de console"),
    ("webhook messages", "webhookberichten"),
    ("erasure of a customer", "wissen van een klant"),
    ("Previous page", "Vorige pagina"),
    (
        "within the EEA: no transfer",
        "binnen de EER: geen doorgifte",
    ),
    (
        "an EU adequacy decision (art. 45)",
        "een adequaatheidsbesluit van de EU (art. 45)",
    ),
    (
        "standard contractual clauses (art. 46)",
        "standaardcontractbepalingen (art. 46)",
    ),
    ("not on record", "niet vastgelegd"),
    ("Gaps in the record", "Hiaten in het register"),
    (
        "The processor (art. 30(2)(a))",
        "De verwerker (art. 30 lid 2 onder a)",
    ),
    ("Address", "Adres"),
    ("Contact", "Contact"),
    ("Representative", "Vertegenwoordiger"),
    (
        "Data protection officer",
        "Functionaris gegevensbescherming",
    ),
    ("Controllers", "Verwerkingsverantwoordelijken"),
    (
        "No agreement is in force: the record lists no controller.",
        "Er is geen overeenkomst van kracht: het register noemt geen verwerkingsverantwoordelijke.",
    ),
    (
        "The processor's record of the processing it carries out for each controller, as the agreements in force, the controllers and the engaged sub-processors say it today.",
        "Het register van de verwerker van wat hij voor elke verwerkingsverantwoordelijke verwerkt, zoals de geldende overeenkomsten, de verwerkingsverantwoordelijken en de ingeschakelde subverwerkers het vandaag zeggen.",
    ),
    ("KvK number", "KvK-nummer"),
    ("version", "versie"),
    (
        "Categories of processing (art. 30(2)(b))",
        "Categorieën van verwerkingen (art. 30 lid 2 onder b)",
    ),
    ("Personal data", "Persoonsgegevens"),
    ("Data subjects", "Betrokkenen"),
    (
        "Special categories (art. 9) or criminal data (art. 10)",
        "Bijzondere persoonsgegevens (art. 9) of strafrechtelijke gegevens (art. 10)",
    ),
    ("Processing locations", "Verwerkingslocaties"),
    (
        "Security measures (art. 30(2)(d))",
        "Beveiligingsmaatregelen (art. 30 lid 2 onder d)",
    ),
    (
        "No sub-processor is engaged for this controller.",
        "Voor deze verwerkingsverantwoordelijke is geen subverwerker ingeschakeld.",
    ),
    (
        "Transfers outside the EEA (art. 30(2)(c))",
        "Doorgiften buiten de EER (art. 30 lid 2 onder c)",
    ),
    ("Recipient", "Ontvanger"),
    ("Ground", "Grondslag"),
    ("Explanation", "Toelichting"),
    ("Transfer impact assessment", "Doorgiftetoetsing"),
    (
        "No transfer outside the EEA.",
        "Geen doorgifte buiten de EER.",
    ),
    (
        "The record of processing on screen (to print)",
        "Het register van verwerkingsactiviteiten op het scherm (om af te drukken)",
    ),
    ("About this notification", "Over deze melding"),
    (
        "Contact details and general information",
        "Contactgegevens en algemene informatie",
    ),
    ("About the breach", "Over het datalek"),
    ("Personal data involved", "Betrokken persoonsgegevens"),
    (
        "The people whose data is involved",
        "De personen van wie gegevens betrokken zijn",
    ),
    (
        "Measures taken before the breach",
        "Maatregelen die vóór het datalek waren genomen",
    ),
    ("Consequences of the breach", "Gevolgen van het datalek"),
    ("Follow-up", "Vervolgacties"),
    ("Other", "Overig"),
    (
        "Is this a new notification or a supplement to an earlier one?",
        "Gaat het om een nieuwe melding of om een aanvulling op een eerdere melding?",
    ),
    (
        "The reference of the earlier notification",
        "Het meldingsnummer van de eerdere melding",
    ),
    (
        "Which organisation notifies the breach (the controller)?",
        "Welke organisatie meldt het datalek (de verwerkingsverantwoordelijke)?",
    ),
    ("Chamber of Commerce (KvK) number", "KvK-nummer"),
    (
        "Contact person for the notification (name, function, telephone)",
        "Contactpersoon voor de melding (naam, functie, telefoonnummer)",
    ),
    ("Contact e-mail", "E-mailadres van de contactpersoon"),
    (
        "Processor involved in the breach",
        "Bij het datalek betrokken verwerker",
    ),
    (
        "When did the breach begin?",
        "Wanneer is het datalek ontstaan?",
    ),
    (
        "When did the breach end (or is it ongoing)?",
        "Wanneer is het datalek beëindigd (of duurt het nog voort)?",
    ),
    (
        "When did the processor discover the breach?",
        "Wanneer heeft de verwerker het datalek ontdekt?",
    ),
    (
        "When did you (the controller) become aware of the breach?",
        "Wanneer bent u (de verwerkingsverantwoordelijke) op de hoogte geraakt van het datalek?",
    ),
    (
        "The 72-hour deadline (strict reading / lenient reading)",
        "De termijn van 72 uur (strikte lezing / ruime lezing)",
    ),
    (
        "If notified later than 72 hours: the reasons for the delay",
        "Als u later meldt dan 72 uur: de redenen voor de vertraging",
    ),
    (
        "Summarise the incident in which the breach occurred",
        "Geef een samenvatting van het incident waarbij het datalek zich heeft voorgedaan",
    ),
    (
        "What is the nature of the breach (reading or copying: confidentiality; changing: integrity; deleting or destroying: availability)?",
        "Wat is de aard van het datalek (lezen of kopiëren: vertrouwelijkheid; veranderen: integriteit; verwijderen of vernietigen: beschikbaarheid)?",
    ),
    (
        "Which types of personal data are involved?",
        "Om welke soorten persoonsgegevens gaat het?",
    ),
    (
        "Are special categories of personal data or criminal data involved?",
        "Gaat het om bijzondere persoonsgegevens of strafrechtelijke gegevens?",
    ),
    (
        "Approximately how many personal-data records are affected?",
        "Om hoeveel gegevensrecords gaat het ongeveer?",
    ),
    (
        "Approximately how many people are affected?",
        "Van hoeveel personen zijn persoonsgegevens betrokken (ongeveer)?",
    ),
    (
        "Which groups of people are affected?",
        "Om welke groepen personen gaat het?",
    ),
    (
        "How was the data protected (for instance encryption, hashing)?",
        "Hoe waren de gegevens beveiligd (bijvoorbeeld versleuteling, hashing)?",
    ),
    (
        "Was the data made unintelligible to unauthorised persons (encrypted with the key safe)?",
        "Waren de gegevens onbegrijpelijk of ontoegankelijk voor onbevoegden (versleuteld, met de sleutel veilig)?",
    ),
    (
        "What are the likely consequences for the people concerned?",
        "Wat zijn de mogelijke gevolgen voor de betrokken personen?",
    ),
    (
        "The assessed risk to the people concerned",
        "Het ingeschatte risico voor de betrokken personen",
    ),
    (
        "Have you informed, or will you inform, the people concerned (art. 34)? Explain your choice.",
        "Heeft u de betrokken personen geïnformeerd of gaat u dat doen (art. 34)? Licht uw keuze toe.",
    ),
    (
        "Which measures have you taken or proposed to address the breach and limit its consequences?",
        "Welke maatregelen heeft u genomen of voorgesteld om het datalek aan te pakken en de gevolgen te beperken?",
    ),
    (
        "Are people in other EU member states affected (a cross-border breach goes to the lead authority)?",
        "Zijn er betrokkenen in andere EU-lidstaten (een grensoverschrijdend datalek gaat naar de leidende toezichthouder)?",
    ),
    (
        "Contact point at the processor for follow-up",
        "Contactpunt bij de verwerker voor vervolgvragen",
    ),
    ("How to use this draft", "Zo gebruikt u dit concept"),
    (
        "Every question has an answer on record. The controller copies them into the AP's online breach notification form and submits it; this page prints as the draft.",
        "Elke vraag heeft een vastgelegd antwoord. De verwerkingsverantwoordelijke neemt ze over in het online meldformulier datalekken van de AP en dient het in; deze pagina drukt af als het concept.",
    ),
    (
        "Questions still without an answer on record:",
        "Vragen nog zonder vastgelegd antwoord:",
    ),
    ("not yet known", "nog niet bekend"),
    ("Question", "Vraag"),
    ("Answer", "Antwoord"),
    ("Back to the notice", "Terug naar de melding"),
    (
        "Draft notification to the Autoriteit Persoonsgegevens",
        "Concept van de melding aan de Autoriteit Persoonsgegevens",
    ),
    (
        "In the order and wording of the AP's breach notification form. The controller notifies the authority (GDPR art. 33(1)); the processor prepares the answers it has on record.",
        "In de volgorde en bewoording van het meldformulier datalekken van de AP. De verwerkingsverantwoordelijke meldt aan de toezichthouder (AVG art. 33 lid 1); de verwerker bereidt de antwoorden voor die hij heeft vastgelegd.",
    ),
    (
        "a supplement to an earlier notification",
        "een aanvulling op een eerdere melding",
    ),
    ("a new notification", "een nieuwe melding"),
    ("not applicable", "niet van toepassing"),
    (
        "not applicable (within 72 hours)",
        "niet van toepassing (binnen 72 uur)",
    ),
    ("told on", "ingelicht op"),
    ("unknown", "onbekend"),
    ("taken", "genomen"),
    ("proposed", "voorgesteld"),
    (
        "The draft on screen, in the order of the AP's form (to print)",
        "Het concept op het scherm, in de volgorde van het formulier van de AP (om af te drukken)",
    ),
    ("Reasons", "Redenen"),
    ("E-mail address", "E-mailadres"),
    ("Phone number", "Telefoonnummer"),
    ("The new provider", "De nieuwe aanbieder"),
    ("Assessment", "Beoordeling"),
    ("webhook message delivered", "webhookbericht afgeleverd"),
    (
        "webhook delivery attempt failed",
        "afleverpoging van webhookbericht mislukt",
    ),
    ("webhook message given up", "webhookbericht opgegeven"),
    (
        "webhook message sent again",
        "webhookbericht opnieuw verstuurd",
    ),
    (
        "data-subject request forwarded",
        "verzoek van betrokkene doorgestuurd",
    ),
    (
        "sub-processor change notice",
        "wijzigingsbericht subverwerker",
    ),
    (
        "the day the rejection was communicated",
        "de dag waarop de afwijzing is meegedeeld",
    ),
    (
        "the day the vacancy closed",
        "de dag waarop de vacature sloot",
    ),
    // audited actions (pages/audit.rs)
    ("agreement recorded", "overeenkomst vastgelegd"),
    ("agreement amended", "overeenkomst gewijzigd"),
    (
        "agreement signed and in force",
        "overeenkomst getekend en van kracht",
    ),
    ("agreement terminated", "overeenkomst opgezegd"),
    ("incident reported", "incident gemeld"),
    ("incident assessed", "incident beoordeeld"),
    (
        "incident closed: not a breach",
        "incident afgesloten: geen datalek",
    ),
    ("breach notice prepared", "datalekmelding voorbereid"),
    ("breach notice sent", "datalekmelding verzonden"),
    ("breach notice cancelled", "datalekmelding geannuleerd"),
    (
        "breach notice acknowledged",
        "ontvangst van datalekmelding bevestigd",
    ),
    (
        "notification to the authority recorded",
        "melding aan de toezichthouder vastgelegd",
    ),
    (
        "art. 34 decision recorded",
        "besluit over art. 34 vastgelegd",
    ),
    ("candidate stored", "kandidaat opgeslagen"),
    ("candidate updated", "kandidaat bijgewerkt"),
    ("candidate's data read", "gegevens van kandidaat ingezien"),
    (
        "application procedure ended",
        "sollicitatieprocedure beëindigd",
    ),
    (
        "talent-pool consent recorded",
        "toestemming voor de talentenpool vastgelegd",
    ),
    (
        "talent-pool consent withdrawn",
        "toestemming voor de talentenpool ingetrokken",
    ),
    ("processing restricted", "verwerking beperkt"),
    ("legal hold placed", "bewaarplicht (legal hold) geplaatst"),
    ("legal hold released", "bewaarplicht (legal hold) opgeheven"),
    ("erasure requested", "verwijdering aangevraagd"),
    (
        "candidate's data destroyed",
        "gegevens van kandidaat vernietigd",
    ),
    ("signed in to the console", "aangemeld bij de console"),
    ("signed out of the console", "afgemeld bij de console"),
    (
        "failed sign-in to the console",
        "mislukte aanmelding bij de console",
    ),
    ("customer added", "klant toegevoegd"),
    ("customer's details changed", "gegevens van klant gewijzigd"),
    ("customer's tokens revoked", "tokens van klant ingetrokken"),
    ("customer's webhook removed", "webhook van klant verwijderd"),
    (
        "data-subject request filed",
        "verzoek van betrokkene ingediend",
    ),
    (
        "proof of identity asked for",
        "om bewijs van identiteit gevraagd",
    ),
    (
        "proof of identity received",
        "bewijs van identiteit ontvangen",
    ),
    ("request extended", "verzoek verlengd"),
    ("request fulfilled", "verzoek uitgevoerd"),
    ("request answered", "verzoek beantwoord"),
    ("request refused", "verzoek geweigerd"),
    ("request closed", "verzoek gesloten"),
    (
        "request forwarded to the controller",
        "verzoek doorgestuurd naar de verwerkingsverantwoordelijke",
    ),
    (
        "requests erased with the customer",
        "verzoeken gewist met de klant",
    ),
    ("retention policy set", "bewaarbeleid ingesteld"),
    ("sub-processor registered", "subverwerker geregistreerd"),
    ("sub-processor updated", "subverwerker bijgewerkt"),
    (
        "sub-processor authorised in writing",
        "subverwerker schriftelijk toegestaan",
    ),
    (
        "sub-processor change proposed",
        "wijziging van subverwerker voorgesteld",
    ),
    ("change notice sent", "wijzigingsbericht verzonden"),
    ("objection to a change", "bezwaar tegen een wijziging"),
    ("objection resolved", "bezwaar afgehandeld"),
    ("change approved", "wijziging goedgekeurd"),
    ("change refused", "wijziging geweigerd"),
    (
        "switch or exit requested",
        "overstap of vertrek aangevraagd",
    ),
    ("switch withdrawn", "overstap ingetrokken"),
    (
        "switch confirmed complete",
        "overstap als voltooid bevestigd",
    ),
    ("transition extended", "overgangsperiode verlengd"),
    (
        "transition declared unfeasible",
        "overgangsperiode onhaalbaar verklaard",
    ),
    (
        "contract ended by the switch",
        "overeenkomst beëindigd door de overstap",
    ),
    ("switching charge recorded", "overstapkosten vastgelegd"),
    ("export started", "export gestart"),
    ("export ready", "export klaar"),
    ("export failed", "export mislukt"),
    ("export downloaded", "export gedownload"),
    (
        "retrieval reminder sent",
        "herinnering om op te halen verzonden",
    ),
    ("agreement ended", "overeenkomst beëindigd"),
    (
        "switches erased with the customer",
        "overstappen gewist met de klant",
    ),
    ("token created", "token aangemaakt"),
    ("token revoked", "token ingetrokken"),
    (
        "customer's candidates erased",
        "kandidaten van klant gewist",
    ),
    ("One month (art. 12(3))", "Eén maand (art. 12 lid 3)"),
    (
        "Three months, once extended (art. 12(3))",
        "Drie maanden, na verlenging (art. 12 lid 3)",
    ),
    ("this controller", "deze verwerkingsverantwoordelijke"),
    ("Authorisation", "Toestemming"),
    (
        "general written authorisation: objection window",
        "algemene schriftelijke toestemming: met bezwaartermijn",
    ),
    (
        "specific authorisation: each change needs approval",
        "specifieke toestemming: elke wijziging moet worden goedgekeurd",
    ),
    // rules, services and timeline events in words (phrases.rs)
    (
        "The processor notifies the controller",
        "De verwerker meldt het aan de verwerkingsverantwoordelijke",
    ),
    (
        "Notification to the supervisory authority (72 hours)",
        "Melding aan de toezichthouder (72 uur)",
    ),
    ("Response within office hours", "Reactie binnen kantooruren"),
    (
        "Answer to a data-subject request",
        "Antwoord op een verzoek van een betrokkene",
    ),
    (
        "Announcing an extension to the subject",
        "Een verlenging aan de betrokkene melden",
    ),
    ("Answer after an extension", "Antwoord na een verlenging"),
    (
        "Objection window for a sub-processor change",
        "Bezwaartermijn bij een wijziging van subverwerker",
    ),
    ("Renewal and notice", "Verlenging en opzegging"),
    ("End of the agreement", "Einde van de overeenkomst"),
    (
        "Return and deletion at the end of the agreement",
        "Teruggeven en verwijderen aan het einde van de overeenkomst",
    ),
    (
        "Retention of applicant data",
        "Bewaartermijn van sollicitantgegevens",
    ),
    (
        "Hand-off of a hired candidate's data",
        "Overdracht van de gegevens van een aangenomen kandidaat",
    ),
    (
        "Data Act switch or exit",
        "Overstap of vertrek (Dataverordening)",
    ),
    ("Reported", "Gemeld"),
    ("Assessed", "Beoordeeld"),
    (
        "Closed: no personal-data breach",
        "Afgesloten: geen datalek",
    ),
    ("Attention", "Let op"),
    ("Notice prepared", "Melding voorbereid"),
    ("Notice cancelled", "Melding geannuleerd"),
    (
        "Deadline: notify the controller",
        "Termijn: de verwerkingsverantwoordelijke informeren",
    ),
    ("Notice sent", "Melding verzonden"),
    ("Delivery failed", "Aflevering mislukt"),
    ("Notice delivered", "Melding afgeleverd"),
    (
        "Acknowledged by the controller",
        "Ontvangst bevestigd door de verwerkingsverantwoordelijke",
    ),
    (
        "Deadline: the authority (strict reading)",
        "Termijn: de toezichthouder (strikte lezing)",
    ),
    (
        "Deadline: the authority (lenient reading)",
        "Termijn: de toezichthouder (ruime lezing)",
    ),
    ("Authority notified", "Toezichthouder ingelicht"),
    ("Art. 34 decision", "Besluit over art. 34"),
    ("Data subjects told", "Betrokkenen ingelicht"),
    ("Reports", "Rapportages"),
    ("Webhooks", "Webhooks"),
    ("Tenants", "Klanten"),
    // sign-in
    (
        "Paste the token you were given once. The console keeps it on the server for this session only; your browser holds a session cookie and nothing else.",
        "Plak het token dat u hebt gekregen. De console bewaart het alleen voor deze sessie op de server; uw browser krijgt alleen een sessiecookie.",
    ),
    (
        "The token was not accepted.",
        "Het token is niet geaccepteerd.",
    ),
    (
        "Too many failed sign-ins from your address. Wait a minute, then try again.",
        "Te veel mislukte aanmeldpogingen vanaf uw adres. Wacht een minuut en probeer het dan opnieuw.",
    ),
    (
        "This token's role cannot use the console.",
        "Met de rol van dit token kunt u de console niet gebruiken.",
    ),
    (
        "Your session has ended. Sign in again.",
        "Uw sessie is beëindigd. Meld u opnieuw aan.",
    ),
    // errors
    ("Not found", "Niet gevonden"),
    (
        "There is no such page, or it is not yours to see.",
        "Deze pagina bestaat niet of is niet voor u zichtbaar.",
    ),
    ("Not allowed", "Niet toegestaan"),
    ("Your role may not do this.", "Uw rol mag dit niet doen."),
    (
        "The form has expired. Go back, reload the page and try again.",
        "Het formulier is verlopen. Ga terug, laad de pagina opnieuw en probeer het nog eens.",
    ),
    ("Not done", "Niet uitgevoerd"),
    (
        "The address to return to is not a page of this console.",
        "Het adres om naar terug te keren is geen pagina van deze console.",
    ),
    ("Nothing was changed:", "Er is niets gewijzigd:"),
    ("Service unavailable", "Dienst niet beschikbaar"),
    ("Something went wrong", "Er ging iets mis"),
    ("Back", "Terug"),
    // a notice's authority notification and art. 34 decision
    ("the first notification", "de eerste melding"),
    (
        "a supplement (new information)",
        "een aanvulling (nieuwe informatie)",
    ),
    ("a withdrawal", "een intrekking"),
    (
        "the people are told (art. 34(1))",
        "de betrokkenen worden ingelicht (art. 34(1))",
    ),
    (
        "not told: the data was unintelligible to others, such as encrypted with the key safe (art. 34(3)(a))",
        "niet ingelicht: de gegevens waren onbegrijpelijk voor anderen, zoals versleuteld met een veilige sleutel (art. 34(3)(a))",
    ),
    (
        "not told: later measures keep the high risk from materialising (art. 34(3)(b))",
        "niet ingelicht: latere maatregelen voorkomen dat het hoge risico zich voordoet (art. 34(3)(b))",
    ),
    (
        "not told one by one: a public communication instead (art. 34(3)(c))",
        "niet ieder afzonderlijk ingelicht: in plaats daarvan een openbare mededeling (art. 34(3)(c))",
    ),
    (
        "not required: the risk to people is not high",
        "niet nodig: het risico voor de betrokkenen is niet hoog",
    ),
    ("the processor", "de verwerker"),
    ("the controller", "de verwerkingsverantwoordelijke"),
    ("late", "te laat"),
    ("in time", "op tijd"),
    (
        "Notification to the authority (art. 33)",
        "Melding aan de toezichthouder (art. 33)",
    ),
    ("Notified", "Gemeld"),
    ("By", "Door"),
    ("The authority's reference", "Kenmerk van de toezichthouder"),
    ("In time", "Op tijd"),
    ("Reasons for the delay", "Redenen voor de vertraging"),
    (
        "The number the Autoriteit Persoonsgegevens gave the notification.",
        "Het nummer dat de Autoriteit Persoonsgegevens aan de melding gaf.",
    ),
    (
        "Required when the first notification comes after the 72 hours (art. 33(1)).",
        "Verplicht als de eerste melding na de 72 uur komt (art. 33(1)).",
    ),
    (
        "I understand: this records that the authority was notified, and it cannot be taken back.",
        "Ik begrijp het: dit legt vast dat de toezichthouder is ingelicht, en dat kan niet worden teruggedraaid.",
    ),
    ("Record the notification", "Melding vastleggen"),
    (
        "Telling the people (art. 34)",
        "De betrokkenen inlichten (art. 34)",
    ),
    ("Why", "Waarom"),
    ("Told", "Ingelicht"),
    ("Decided", "Besloten"),
    ("Why, in words", "Waarom, in woorden"),
    (
        "When the people were told, if they were. Amsterdam time.",
        "Wanneer de betrokkenen zijn ingelicht, als dat is gebeurd. Tijd in Amsterdam.",
    ),
    (
        "I understand: the decision is recorded in the register of breaches.",
        "Ik begrijp het: het besluit wordt vastgelegd in het register van datalekken.",
    ),
    ("Record the decision", "Besluit vastleggen"),
    (
        "The notification to the authority was recorded.",
        "De melding aan de toezichthouder is vastgelegd.",
    ),
    (
        "The decision about telling the people was recorded.",
        "Het besluit over het inlichten van de betrokkenen is vastgelegd.",
    ),
    // data-subject requests
    ("by e-mail address", "via e-mailadres"),
    ("by phone number", "via telefoonnummer"),
    (
        "by the candidate's reference",
        "via het kenmerk van de kandidaat",
    ),
    (
        "You may lodge a complaint with the Autoriteit Persoonsgegevens (autoriteitpersoonsgegevens.nl).",
        "U kunt een klacht indienen bij de Autoriteit Persoonsgegevens (autoriteitpersoonsgegevens.nl).",
    ),
    (
        "You may seek a judicial remedy before the competent Dutch court.",
        "U kunt zich wenden tot de bevoegde Nederlandse rechter.",
    ),
    ("the first notice", "de eerste melding"),
    ("Receipt", "Ontvangstbevestiging"),
    ("Extension, with the reasons", "Verlenging, met de redenen"),
    (
        "Refusal, with the remedies",
        "Weigering, met de rechtsmiddelen",
    ),
    (
        "Cover letter of the answer",
        "Begeleidende brief bij het antwoord",
    ),
    ("Letters to the subject", "Brieven aan de betrokkene"),
    (
        "Filled from the request, to send from the controller's own letterhead or e-mail; the console never holds the subject's name or address.",
        "Ingevuld vanuit het verzoek, om te versturen op het eigen briefpapier of per e-mail van de verwerkingsverantwoordelijke; de console kent de naam en het adres van de betrokkene nooit.",
    ),
    (
        "waiting for proof of identity",
        "wacht op bewijs van identiteit",
    ),
    ("answered", "beantwoord"),
    ("refused", "geweigerd"),
    ("closed", "gesloten"),
    ("open", "open"),
    ("access (art. 15)", "inzage (art. 15)"),
    ("rectification (art. 16)", "rectificatie (art. 16)"),
    ("erasure (art. 17)", "wissen (art. 17)"),
    ("restriction (art. 18)", "beperking (art. 18)"),
    ("portability (art. 20)", "overdraagbaarheid (art. 20)"),
    ("objection (art. 21)", "bezwaar (art. 21)"),
    ("overdue", "te laat"),
    ("answered late", "te laat beantwoord"),
    ("File a request", "Verzoek indienen"),
    ("How it arrived", "Hoe het binnenkwam"),
    (
        "the controller asks us to carry it out",
        "de verwerkingsverantwoordelijke vraagt ons het uit te voeren",
    ),
    (
        "the subject wrote to us (it is forwarded to the controller)",
        "de betrokkene schreef ons (het wordt doorgestuurd naar de verwerkingsverantwoordelijke)",
    ),
    ("What the subject asks", "Wat de betrokkene vraagt"),
    (
        "Amsterdam time. The deadline runs from here.",
        "Tijd in Amsterdam. De termijn loopt vanaf hier.",
    ),
    (
        "The subject's e-mail address",
        "E-mailadres van de betrokkene",
    ),
    (
        "The subject's phone number",
        "Telefoonnummer van de betrokkene",
    ),
    (
        "Your reference of the candidate",
        "Uw kenmerk van de kandidaat",
    ),
    (
        "At least one of e-mail, phone and reference: they find the subject's data. They are kept only as keyed hashes.",
        "Minstens één van e-mail, telefoon en kenmerk: daarmee worden de gegevens van de betrokkene gevonden. Ze worden alleen als versleutelde hashes bewaard.",
    ),
    ("What was asked, in words", "Wat er gevraagd is, in woorden"),
    ("File the request", "Verzoek indienen"),
    (
        "The request was filed. Its deadline is shown below.",
        "Het verzoek is ingediend. De termijn staat hieronder.",
    ),
    // the breach assessment
    (
        "confidentiality: the data was seen or taken by someone who should not have it",
        "vertrouwelijkheid: de gegevens zijn gezien of meegenomen door iemand die ze niet mocht hebben",
    ),
    (
        "integrity: the data was changed or is no longer correct",
        "integriteit: de gegevens zijn gewijzigd of kloppen niet meer",
    ),
    (
        "availability: the data was lost or could not be reached",
        "beschikbaarheid: de gegevens zijn verloren gegaan of waren niet bereikbaar",
    ),
    (
        "unlikely to result in a risk to people",
        "leidt waarschijnlijk niet tot een risico voor personen",
    ),
    ("a risk to people", "een risico voor personen"),
    (
        "a high risk to people (art. 34)",
        "een hoog risico voor personen (art. 34)",
    ),
    (
        "no personal data was involved",
        "er waren geen persoonsgegevens bij betrokken",
    ),
    (
        "a vulnerability that was not exploited",
        "een kwetsbaarheid die niet is misbruikt",
    ),
    ("not a security incident", "geen beveiligingsincident"),
    (
        "name, date of birth, nationality",
        "naam, geboortedatum, nationaliteit",
    ),
    ("address, e-mail, telephone", "adres, e-mail, telefoon"),
    (
        "CV, employment history, references",
        "cv, arbeidsverleden, referenties",
    ),
    (
        "diplomas, certificates, courses",
        "diploma's, certificaten, cursussen",
    ),
    (
        "test and assessment results, interview notes",
        "test- en assessmentuitslagen, gespreksnotities",
    ),
    (
        "messages between candidate and employer",
        "berichten tussen kandidaat en werkgever",
    ),
    (
        "copies of identity documents, BSN",
        "kopieën van identiteitsbewijzen, BSN",
    ),
    (
        "salary expectations, bank details",
        "salarisverwachting, bankgegevens",
    ),
    (
        "IP addresses, cookie ids, account ids",
        "IP-adressen, cookie-id's, account-id's",
    ),
    (
        "logs of the use of the service",
        "logbestanden van het gebruik van de dienst",
    ),
    ("photos, video interviews", "foto's, video-interviews"),
    (
        "data under GDPR art. 9 or criminal data under art. 10",
        "bijzondere persoonsgegevens (AVG art. 9) of strafrechtelijke gegevens (art. 10)",
    ),
    ("job applicants", "sollicitanten"),
    (
        "the controller's staff",
        "personeel van de verwerkingsverantwoordelijke",
    ),
    (
        "freelancers and temporary workers",
        "zzp'ers en uitzendkrachten",
    ),
    (
        "the controller's business contacts",
        "zakelijke contacten van de verwerkingsverantwoordelijke",
    ),
    ("people giving references", "referenten"),
    (
        "visitors of vacancy pages",
        "bezoekers van vacaturepagina's",
    ),
    (
        "the controller's users of the service",
        "gebruikers van de dienst bij de verwerkingsverantwoordelijke",
    ),
    (
        "Assess again (new facts: art. 33(4))",
        "Opnieuw beoordelen (nieuwe feiten: art. 33(4))",
    ),
    (
        "The form holds the assessment in force. Change what is new or was wrong; a notice already sent is followed by a supplement that says what changed.",
        "Het formulier bevat de geldende beoordeling. Wijzig wat nieuw is of niet klopte; op een al verstuurde melding volgt een aanvulling die zegt wat er is veranderd.",
    ),
    ("What happened", "Wat er is gebeurd"),
    (
        "In words a controller can pass on: it is sent in the notice.",
        "In woorden die een verwerkingsverantwoordelijke kan doorgeven: dit gaat mee in de melding.",
    ),
    (
        "Affected controllers",
        "Getroffen verwerkingsverantwoordelijken",
    ),
    ("People affected (about)", "Getroffen personen (ongeveer)"),
    ("Records affected (about)", "Getroffen records (ongeveer)"),
    ("What the breach did", "Wat het lek heeft aangetast"),
    ("Kinds of personal data", "Soorten persoonsgegevens"),
    ("Kinds of people", "Soorten betrokkenen"),
    ("Began", "Begonnen"),
    ("Ended", "Geëindigd"),
    (
        "Amsterdam time; empty while not known.",
        "Tijd in Amsterdam; leeg zolang onbekend.",
    ),
    (
        "Amsterdam time; empty while it goes on or is not known.",
        "Tijd in Amsterdam; leeg zolang het voortduurt of onbekend is.",
    ),
    ("The data was encrypted", "De gegevens waren versleuteld"),
    ("The key stayed safe", "De sleutel is veilig gebleven"),
    (
        "How the data was protected",
        "Hoe de gegevens beveiligd waren",
    ),
    (
        "Likely consequences for the people",
        "Waarschijnlijke gevolgen voor de betrokkenen",
    ),
    ("Measures proposed", "Voorgestelde maatregelen"),
    ("Why this risk", "Waarom dit risico"),
    ("Record the new assessment", "Nieuwe beoordeling vastleggen"),
    (
        "give a whole number, or leave it empty while it is not known",
        "geef een geheel getal, of laat het leeg zolang het onbekend is",
    ),
    // what an action did, and what it will do
    (
        "The request was carried out and marked answered. Download the files of the answer below now: they are kept only while you are signed in.",
        "Het verzoek is uitgevoerd en als beantwoord gemarkeerd. Download de bestanden van het antwoord hieronder nu: ze worden alleen bewaard zolang u bent aangemeld.",
    ),
    (
        "No candidate matched the subject's e-mail address, phone number or reference: the answer says that no data is held. Check the identifiers before it is sent.",
        "Geen kandidaat past bij het e-mailadres, telefoonnummer of kenmerk van de betrokkene: het antwoord zegt dat er geen gegevens zijn. Controleer de gegevens voordat het wordt verstuurd.",
    ),
    (
        "Not confirmed: tick the box that says what will happen, then send the form again.",
        "Niet bevestigd: vink het vakje aan dat zegt wat er gebeurt en verstuur het formulier opnieuw.",
    ),
    (
        "The delivery was queued again.",
        "De bezorging staat opnieuw in de wachtrij.",
    ),
    (
        "I understand: the token stops working at once, everyone signed in with it is signed out, and it cannot be restored.",
        "Ik begrijp het: het token werkt direct niet meer, iedereen die ermee is aangemeld wordt afgemeld, en het kan niet worden hersteld.",
    ),
    (
        "The token was revoked; everyone signed in with it is signed out.",
        "Het token is ingetrokken; iedereen die ermee was aangemeld is afgemeld.",
    ),
    (
        "The assessment was recorded.",
        "De beoordeling is vastgelegd.",
    ),
    (
        "I understand: the notice goes to the controller now and cannot be called back.",
        "Ik begrijp het: de melding gaat nu naar de verwerkingsverantwoordelijke en kan niet worden teruggehaald.",
    ),
    (
        "The notice was sent to the controller.",
        "De melding is verstuurd naar de verwerkingsverantwoordelijke.",
    ),
    (
        "The notice was acknowledged.",
        "De ontvangst van de melding is bevestigd.",
    ),
    (
        "The incident was reported. Assess it next.",
        "Het incident is gemeld. Beoordeel het nu.",
    ),
    (
        "I understand: the answer is then due two months later, and a request can be extended only once.",
        "Ik begrijp het: het antwoord is dan twee maanden later verschuldigd, en een verzoek kan maar één keer worden verlengd.",
    ),
    (
        "I understand: the request is carried out now (for an erasure, the data is destroyed and cannot be restored) and marked answered.",
        "Ik begrijp het: het verzoek wordt nu uitgevoerd (bij wissen worden de gegevens vernietigd en kunnen ze niet worden hersteld) en als beantwoord gemarkeerd.",
    ),
    (
        "I understand: the request is closed as refused; the subject must be sent these reasons and remedies.",
        "Ik begrijp het: het verzoek wordt gesloten als geweigerd; de betrokkene moet deze redenen en rechtsmiddelen ontvangen.",
    ),
    (
        "The request was extended by two months. Tell the subject, with the reasons, before the date shown.",
        "Het verzoek is met twee maanden verlengd. Laat het de betrokkene, met de redenen, weten vóór de getoonde datum.",
    ),
    (
        "The request was refused. Send the subject the reasons and the remedies shown.",
        "Het verzoek is geweigerd. Stuur de betrokkene de redenen en de getoonde rechtsmiddelen.",
    ),
    ("The request was closed.", "Het verzoek is gesloten."),
    (
        "I understand: the objection is recorded against this change and the processor is told.",
        "Ik begrijp het: het bezwaar wordt tegen deze wijziging vastgelegd en de verwerker wordt ingelicht.",
    ),
    ("Your objection was recorded.", "Uw bezwaar is vastgelegd."),
    (
        "Your approval was recorded.",
        "Uw goedkeuring is vastgelegd.",
    ),
    (
        "The legal hold was placed: the candidate is kept until it is released.",
        "De bewaarplicht is ingesteld: de kandidaat wordt bewaard tot die wordt opgeheven.",
    ),
    (
        "The legal hold was released.",
        "De bewaarplicht is opgeheven.",
    ),
    (
        "The candidate's data was erased. This is its deletion certificate.",
        "De gegevens van de kandidaat zijn gewist. Dit is het verwijderingscertificaat.",
    ),
    ("a data-subject request", "een verzoek van een betrokkene"),
    (
        "the controller's instruction",
        "de instructie van de verwerkingsverantwoordelijke",
    ),
    ("the end of the contract", "het einde van de overeenkomst"),
    ("Reference", "Kenmerk"),
    (
        "I understand: the candidate's keys are destroyed now, and the data can never be read again.",
        "Ik begrijp het: de sleutels van de kandidaat worden nu vernietigd en de gegevens kunnen nooit meer worden gelezen.",
    ),
    // time
    ("end of", "einde van"),
    (
        "Give a date and a time, for example 09-12-2026 14:20.",
        "Geef een datum en een tijd, bijvoorbeeld 09-12-2026 14:20.",
    ),
    (
        "That time does not exist in Amsterdam: the clocks go forward from 02:00 to 03:00 that night. Give a time after 03:00 or before 02:00.",
        "Die tijd bestaat niet in Amsterdam: de klok gaat die nacht van 02:00 naar 03:00. Geef een tijd na 03:00 of voor 02:00.",
    ),
    (
        "Amsterdam time. In the hour that happens twice when the clocks go back in October, the first (summer time) is meant.",
        "Tijd in Amsterdam. In het uur dat twee keer voorkomt als de klok in oktober terug gaat, geldt het eerste (zomertijd).",
    ),
    (
        "Aware at (empty for now)",
        "Op de hoogte sinds (leeg voor nu)",
    ),
    ("Aware at", "Op de hoogte sinds"),
    ("d", "d"),
    ("h", "u"),
    ("min", "min"),
    ("left", "over"),
    ("overdue by", "te laat met"),
    // obligations
    ("What is due", "Wat moet er gebeuren"),
    ("Overdue", "Te laat"),
    ("Due within 72 hours", "Binnen 72 uur"),
    ("Due this week", "Deze week"),
    ("Due within 14 days", "Binnen 14 dagen"),
    ("Later", "Later"),
    ("Service", "Dienst"),
    ("Tenant", "Klant"),
    ("Object", "Object"),
    ("What must happen", "Wat moet er gebeuren"),
    ("Rule", "Regel"),
    ("Citation", "Grondslag"),
    ("Due (strict reading)", "Uiterlijk (strikte lezing)"),
    ("Due (lenient reading)", "Uiterlijk (ruime lezing)"),
    ("Time left", "Resterende tijd"),
    ("How the date is computed", "Hoe de datum wordt berekend"),
    ("Nothing in this group.", "Niets in deze groep."),
    ("Filter", "Filteren"),
    ("Show", "Tonen"),
    ("all", "alle"),
    ("Overdue only", "Alleen te late"),
    ("Download CSV", "CSV downloaden"),
    ("Downloads", "Downloads"),
    (
        "Every open obligation of every service, by the strict reading (the one Custodian schedules on). The lenient reading is the latest date a court could still accept.",
        "Alle openstaande verplichtingen van alle diensten, volgens de strikte lezing (waarop Custodian plant). De ruime lezing is de uiterste datum die een rechter nog zou kunnen aanvaarden.",
    ),
    ("The rules", "De regels"),
    ("Summary", "Samenvatting"),
    // breaches
    ("Incidents", "Incidenten"),
    ("Incident", "Incident"),
    ("Status", "Status"),
    ("Discovered", "Ontdekt"),
    ("Discovered by", "Ontdekt door"),
    ("Description", "Omschrijving"),
    ("Systems", "Systemen"),
    ("Report an incident", "Een incident melden"),
    ("Systems (comma separated)", "Systemen (kommagescheiden)"),
    ("Internal notes", "Interne notities"),
    ("Report", "Melden"),
    ("Assess the incident", "Het incident beoordelen"),
    ("Decision", "Besluit"),
    (
        "confirm: a personal data breach",
        "bevestigen: een inbreuk in verband met persoonsgegevens",
    ),
    (
        "dismiss: not a personal data breach",
        "afwijzen: geen inbreuk in verband met persoonsgegevens",
    ),
    ("Risk", "Risico"),
    (
        "Affected controllers (comma separated ids)",
        "Getroffen verwerkingsverantwoordelijken (id's, kommagescheiden)",
    ),
    ("Reason for a dismissal", "Reden van afwijzing"),
    ("Assess", "Beoordelen"),
    ("Clocks", "Klokken"),
    ("Controller", "Verwerkingsverantwoordelijke"),
    ("Clock", "Klok"),
    ("State", "Staat"),
    ("Notes", "Toelichting"),
    (
        "Processor → controller (agreed SLA)",
        "Verwerker → verwerkingsverantwoordelijke (afgesproken termijn)",
    ),
    (
        "Authority, 72 hours (art. 33(1))",
        "Toezichthouder, 72 uur (art. 33 lid 1)",
    ),
    ("Data subjects (art. 34)", "Betrokkenen (art. 34)"),
    (
        "Notices to controllers",
        "Meldingen aan verwerkingsverantwoordelijken",
    ),
    ("Notice", "Melding"),
    (
        "Content of the notice (art. 33(3))",
        "Inhoud van de melding (art. 33 lid 3)",
    ),
    ("Item", "Onderdeel"),
    ("known", "bekend"),
    ("still missing", "ontbreekt nog"),
    ("Sent", "Verzonden"),
    ("Phase", "Fase"),
    ("Delivery", "Aflevering"),
    ("Timeline", "Tijdlijn"),
    ("When", "Wanneer"),
    ("What", "Wat"),
    ("Authority draft", "Concept voor de toezichthouder"),
    (
        "Register of breaches (art. 33(5))",
        "Register van inbreuken (art. 33 lid 5)",
    ),
    ("Send the notice", "De melding verzenden"),
    ("Message", "Bericht"),
    ("Send", "Verzenden"),
    ("Acknowledge the notice", "De melding bevestigen"),
    ("Acknowledge", "Bevestigen"),
    ("Not yet assessed.", "Nog niet beoordeeld."),
    // requests
    ("Data-subject requests", "Verzoeken van betrokkenen"),
    ("Request", "Verzoek"),
    ("Type", "Soort"),
    ("Received", "Ontvangen"),
    ("Due in force", "Geldende termijn"),
    ("Late", "Te laat"),
    ("yes", "ja"),
    ("no", "nee"),
    ("Identity", "Identiteit"),
    ("Identity requested", "Identiteit gevraagd"),
    ("Identity received", "Identiteit ontvangen"),
    ("Extension", "Verlenging"),
    ("Extended", "Verlengd"),
    ("Extension reasons", "Redenen voor verlenging"),
    (
        "Still allowed: the subject must be told, with the reasons, before",
        "Nog toegestaan: de betrokkene moet vóór deze datum met redenen worden geïnformeerd:",
    ),
    (
        "No longer allowed: the first month has passed.",
        "Niet meer toegestaan: de eerste maand is voorbij.",
    ),
    (
        "Extend by two months (art. 12(3))",
        "Met twee maanden verlengen (art. 12 lid 3)",
    ),
    (
        "Reasons, as told to the subject",
        "Redenen, zoals aan de betrokkene meegedeeld",
    ),
    ("Extend", "Verlengen"),
    ("Refuse (art. 12(4))", "Weigeren (art. 12 lid 4)"),
    ("Reasons for the refusal", "Redenen voor de weigering"),
    (
        "The right to complain to a supervisory authority",
        "Het recht een klacht in te dienen bij een toezichthouder",
    ),
    (
        "The right to a judicial remedy",
        "Het recht op een voorziening in rechte",
    ),
    ("Refuse", "Weigeren"),
    ("Fulfil", "Uitvoeren"),
    ("Fulfil the request", "Het verzoek uitvoeren"),
    ("Note", "Notitie"),
    ("Outcome", "Uitkomst"),
    ("Answered", "Beantwoord"),
    ("Deadline", "Termijn"),
    ("Files of the answer", "Bestanden van het antwoord"),
    ("File", "Bestand"),
    ("Size (bytes)", "Grootte (bytes)"),
    ("SHA-256", "SHA-256"),
    ("Overdue only (filter)", "Alleen te late"),
    ("Apply", "Toepassen"),
    // audit
    ("Verify the chain", "De keten controleren"),
    ("Verify", "Controleren"),
    ("The chain is intact.", "De keten is intact."),
    ("The chain is BROKEN.", "De keten is VERBROKEN."),
    ("Entries", "Regels"),
    ("Head", "Laatste hash"),
    ("Verified at", "Gecontroleerd op"),
    ("First broken entry", "Eerste verbroken regel"),
    ("Reason", "Reden"),
    ("Events", "Gebeurtenissen"),
    ("Actor", "Actor"),
    ("Action", "Handeling"),
    ("Action starts with", "Handeling begint met"),
    ("Next page", "Volgende pagina"),
    // sub-processors
    ("Register", "Register"),
    ("Name", "Naam"),
    ("Country", "Land"),
    ("Purpose", "Doel"),
    ("Transfer", "Doorgifte"),
    ("Change notices", "Wijzigingsmeldingen"),
    ("Change", "Wijziging"),
    ("Objection window ends", "Bezwaartermijn eindigt"),
    (
        "Object to this change",
        "Bezwaar maken tegen deze wijziging",
    ),
    ("Grounds", "Gronden"),
    ("Lodge the objection", "Bezwaar indienen"),
    ("Approve", "Goedkeuren"),
    ("Approve this change", "Deze wijziging goedkeuren"),
    ("Objections", "Bezwaren"),
    ("Authorised sub-processors", "Toegestane subverwerkers"),
    // agreements
    ("Agreement", "Overeenkomst"),
    ("Version", "Versie"),
    ("Effective", "Van kracht"),
    ("Ends", "Eindigt"),
    ("Versions", "Versies"),
    ("Terms", "Voorwaarden"),
    (
        "Record of processing (art. 30(2))",
        "Register van verwerkingsactiviteiten (art. 30 lid 2)",
    ),
    // retention
    ("Candidates", "Kandidaten"),
    ("Delete after", "Verwijderen na"),
    ("Legal hold", "Bewaarplicht (legal hold)"),
    ("Erasures due", "Te verwijderen"),
    ("Certificate", "Certificaat"),
    ("Deletion certificate", "Verwijderingscertificaat"),
    ("Signed certificate", "Ondertekend certificaat"),
    (
        "Processor's public key",
        "Publieke sleutel van de verwerker",
    ),
    ("retired", "buiten gebruik"),
    ("Check it", "Controleren"),
    ("Proof of these events", "Bewijs van deze gebeurtenissen"),
    ("Audit proof", "Auditbewijs"),
    ("Place a legal hold", "Een legal hold plaatsen"),
    ("Release the legal hold", "De legal hold opheffen"),
    ("Place", "Plaatsen"),
    ("Release", "Opheffen"),
    ("Erase now", "Nu verwijderen"),
    (
        "Erase the candidate's data",
        "De gegevens van de kandidaat verwijderen",
    ),
    ("Erase", "Verwijderen"),
    ("Retention policy", "Bewaarbeleid"),
    // switching
    ("Switches", "Overstappen"),
    ("Milestones", "Mijlpalen"),
    ("Export", "Export"),
    ("Manifest", "Manifest"),
    // reports
    (
        "Requests per month by type",
        "Verzoeken per maand naar soort",
    ),
    ("Month", "Maand"),
    ("On time", "Op tijd"),
    ("On-time share", "Aandeel op tijd"),
    (
        "Extension share per controller",
        "Aandeel verlengingen per verwerkingsverantwoordelijke",
    ),
    ("Share", "Aandeel"),
    ("Breach time to notify", "Tijd tot melding van datalekken"),
    ("Hours to notify", "Uren tot melding"),
    ("SLA (hours)", "Termijn (uren)"),
    (
        "Erasures per day against erasures due",
        "Verwijderingen per dag tegenover te verwijderen",
    ),
    ("Day", "Dag"),
    ("Erased", "Verwijderd"),
    ("Due", "Te verwijderen"),
    // admin
    ("Deliveries", "Afleveringen"),
    ("Topic", "Onderwerp"),
    ("Attempts", "Pogingen"),
    ("Last error", "Laatste fout"),
    ("Retry", "Opnieuw proberen"),
    ("Retry this delivery", "Deze aflevering opnieuw proberen"),
    ("Legal name", "Statutaire naam"),
    ("Privacy e-mail", "Privacy-e-mail"),
    ("DPO", "FG"),
    ("Webhook", "Webhook"),
    ("Created", "Aangemaakt"),
    ("Next attempt", "Volgende poging"),
    (
        "Nature (confidentiality, integrity, availability)",
        "Aard (vertrouwelijkheid, integriteit, beschikbaarheid)",
    ),
    (
        "Data categories (comma separated)",
        "Categorieën persoonsgegevens (kommagescheiden)",
    ),
    (
        "Subject categories (comma separated)",
        "Categorieën betrokkenen (kommagescheiden)",
    ),
    ("Likely consequences", "Waarschijnlijke gevolgen"),
    ("Measures taken", "Genomen maatregelen"),
    ("Contact point", "Contactpunt"),
    ("passed", "verstreken"),
    ("ahead", "nog te gaan"),
    ("From (month)", "Van (maand)"),
    ("To (month)", "Tot en met (maand)"),
    ("Open", "Open"),
    ("Within the SLA", "Binnen de afgesproken termijn"),
    ("Within 72 hours", "Binnen 72 uur"),
    (
        "No erasures and none due in this period.",
        "Geen verwijderingen en niets te verwijderen in deze periode.",
    ),
    ("Closed", "Gesloten"),
    ("reference", "referentie"),
    ("purposes", "doeleinden"),
    ("data categories", "categorieën persoonsgegevens"),
    ("data subject categories", "categorieën betrokkenen"),
    ("special categories", "bijzondere categorieën"),
    ("processing locations", "verwerkingslocaties"),
    ("sub-processor authorisation", "toestemming subverwerkers"),
    ("objection period (days)", "bezwaartermijn (dagen)"),
    ("breach notice SLA (hours)", "meldtermijn datalek (uren)"),
    ("end of contract", "einde overeenkomst"),
    ("deletion term (days)", "verwijdertermijn (dagen)"),
    ("contract start", "ingangsdatum"),
    ("term (months)", "looptijd (maanden)"),
    ("auto renew", "stilzwijgende verlenging"),
    ("renewal (months)", "verlenging (maanden)"),
    ("notice period", "opzegtermijn"),
    ("audits per year", "audits per jaar"),
    ("security measures", "beveiligingsmaatregelen"),
    (
        "processor may notify the authority",
        "verwerker mag de toezichthouder melden",
    ),
    ("period end", "einde periode"),
    ("notice by", "opzeggen vóór"),
    ("notice given on", "opgezegd op"),
    ("quarter", "kwartaal"),
    ("basis", "grondslag"),
    ("anchor", "ankerdatum"),
    ("rejected (weeks)", "afgewezen (weken)"),
    ("talent pool (months)", "talentpool (maanden)"),
    ("hired (months)", "aangenomen (maanden)"),
    ("consent", "toestemming"),
    ("ref", "kenmerk"),
    ("ledger", "grootboek"),
    ("destroyed", "vernietigd"),
    ("ledger seq", "grootboek-volgnummer"),
    ("ledger hash", "grootboek-hash"),
    ("election", "keuze"),
    ("retrieval open", "ophalen mogelijk"),
    ("destination", "bestemming"),
    ("contract end", "einde contract"),
    ("erasure due from", "verwijderen vanaf"),
    ("started", "gestart"),
    ("ready", "gereed"),
    ("available until", "beschikbaar tot"),
    ("manifest SHA-256", "SHA-256 van het manifest"),
    ("downloads", "downloads"),
    ("records", "records"),
    ("KEK destroyed", "KEK vernietigd"),
    ("KEK versions", "KEK-versies"),
    ("keys destroyed", "sleutels vernietigd"),
    ("rows deleted", "rijen verwijderd"),
    ("retained", "bewaard"),
    ("completed", "voltooid"),
    ("authorisation", "toestemming"),
    ("candidate id", "kandidaat-id"),
    ("Tokens", "Tokens"),
    ("Token", "Token"),
    ("revoked", "ingetrokken"),
    ("Revoke", "Intrekken"),
    ("Revoke a token", "Een token intrekken"),
    ("New tokens", "Nieuwe tokens"),
    (
        "A token is created by an operator with `custodian tokens create`: its secret is shown once, on the operator's terminal, and never in a web page.",
        "Een token wordt aangemaakt door een beheerder met `custodian tokens create`: het geheim wordt eenmalig getoond in de terminal van de beheerder, nooit op een webpagina.",
    ),
    // Paging, search and lists (issue 30, items 1, 7 and 8).
    (
        "{title}: {first} to {last} of {total}",
        "{title}: {first} tot en met {last} van {total}",
    ),
    (
        "Show all {total} in this group",
        "Toon alle {total} in deze groep",
    ),
    ("First page", "Eerste pagina"),
    ("Back to every group", "Terug naar alle groepen"),
    ("Download for Excel", "Downloaden voor Excel"),
    ("Search candidates", "Kandidaten zoeken"),
    (
        "the candidate's reference, or the start of it; or the subject's e-mail address",
        "de referentie van de kandidaat, of het begin ervan; of het e-mailadres van de betrokkene",
    ),
    ("Erased from", "Gewist vanaf"),
    ("Erased until", "Gewist tot en met"),
    ("Candidate", "Kandidaat"),
    (
        "The search was not understood:",
        "De zoekopdracht werd niet begrepen:",
    ),
    (
        "No candidate matches the search.",
        "Geen kandidaat voldoet aan de zoekopdracht.",
    ),
    ("Candidate reference", "Referentie van de kandidaat"),
    ("Deletion certificates", "Verwijderingscertificaten"),
    (
        "The dates were not understood:",
        "De datums werden niet begrepen:",
    ),
    (
        "No deletion certificate matches.",
        "Geen verwijderingscertificaat voldoet.",
    ),
    (
        "pick the controller and type the candidate's reference.",
        "kies de verwerkingsverantwoordelijke en typ de referentie van de kandidaat.",
    ),
    (
        "no candidate of this controller has the reference",
        "geen kandidaat van deze verwerkingsverantwoordelijke heeft de referentie",
    ),
    ("incident", "incident"),
    ("breach notice", "datalekmelding"),
    ("data-subject request", "verzoek van een betrokkene"),
    ("sub-processor change", "wijziging van subverwerker"),
    ("agreement", "overeenkomst"),
    ("switch or exit", "overstap of exit"),
    ("candidate", "kandidaat"),
    ("object", "object"),
    (
        "the retention period ended",
        "de bewaartermijn is verstreken",
    ),
    // A breach notice in words, its preview and the send to every
    // controller (issue 30, item 3).
    ("breach notified on", "datalek gemeld op"),
    (
        "the processing agreement in force",
        "de geldende verwerkersovereenkomst",
    ),
    (
        "What the controller received",
        "Wat de verwerkingsverantwoordelijke ontving",
    ),
    ("nothing new", "niets nieuws"),
    ("What changed", "Wat er veranderde"),
    ("Notice to", "Melding aan"),
    ("Preview before sending", "Eerst bekijken, dan verzenden"),
    (
        "As the controller will receive it",
        "Zoals de verwerkingsverantwoordelijke haar ontvangt",
    ),
    (
        "Still missing from this notice",
        "Ontbreekt nog in deze melding",
    ),
    (
        "What changed since the last send",
        "Wat er veranderde sinds de vorige verzending",
    ),
    (
        "Back to the notice, without sending",
        "Terug naar de melding, zonder te verzenden",
    ),
    ("Preview of the notice to", "Voorbeeld van de melding aan"),
    ("Nothing has been sent yet.", "Er is nog niets verzonden."),
    (
        "Notify every affected controller",
        "Alle getroffen verwerkingsverantwoordelijken melden",
    ),
    (
        "Each controller receives its own notice: the first one, or a supplement when it was notified before. Preview them before sending.",
        "Elke verwerkingsverantwoordelijke krijgt een eigen melding: de eerste, of een aanvulling als zij al eerder werd gemeld. Bekijk ze voordat u verzendt.",
    ),
    (
        "Preview every notice ({count})",
        "Alle meldingen bekijken ({count})",
    ),
    ("To", "Aan"),
    (
        "A message with every notice",
        "Een bericht bij elke melding",
    ),
    ("Preview again", "Opnieuw bekijken"),
    (
        "I understand: every notice above goes to its controller now and cannot be called back.",
        "Ik begrijp het: elke melding hierboven gaat nu naar haar verwerkingsverantwoordelijke en kan niet worden teruggeroepen.",
    ),
    (
        "Send to every affected controller",
        "Aan alle getroffen verwerkingsverantwoordelijken verzenden",
    ),
    ("Preview of every notice", "Voorbeeld van alle meldingen"),
    ("a controller", "een verwerkingsverantwoordelijke"),
    ("The notice was sent to:", "De melding is verzonden aan:"),
    ("Not sent", "Niet verzonden"),
    ("Back to the incident", "Terug naar het incident"),
    (
        "Not every notice was sent",
        "Niet elke melding is verzonden",
    ),
    ("not known yet", "nog niet bekend"),
    ("Encrypted", "Versleuteld"),
    ("Taken", "Genomen"),
    ("Proposed", "Voorgesteld"),
    ("Which notice", "Welke melding"),
    ("number", "nummer"),
    ("From", "Van"),
    ("Discovered by the processor", "Ontdekt door de verwerker"),
    (
        "Due to the controller by",
        "Uiterlijk bij de verwerkingsverantwoordelijke op",
    ),
    (
        "The supervisory authority to be notified by (72 hours)",
        "De toezichthouder te melden uiterlijk op (72 uur)",
    ),
    ("The nature of the breach", "De aard van het datalek"),
    ("The likely consequences", "De waarschijnlijke gevolgen"),
    (
        "The categories of personal data",
        "De categorieën persoonsgegevens",
    ),
    (
        "Whether and how the data was protected",
        "Of en hoe de gegevens beveiligd waren",
    ),
    (
        "The measures taken and proposed",
        "De genomen en voorgestelde maatregelen",
    ),
    (
        "The categories of people concerned",
        "De categorieën betrokkenen",
    ),
    ("Approximately how many people", "Ongeveer hoeveel personen"),
    (
        "Approximately how many records",
        "Ongeveer hoeveel gegevensrecords",
    ),
    (
        "The contact point for follow-up",
        "Het contactpunt voor nadere informatie",
    ),
    ("a record", "een dossier"),
    ("the agreement", "de overeenkomst"),
    ("without a reference", "zonder referentie"),
    ("Change notice", "Wijzigingsmelding"),
    ("Delivery to", "Aflevering aan"),
    ("adds", "voegt toe:"),
    ("replaces with", "vervangt door"),
    ("removes", "verwijdert"),
    (
        "part of the legal name, the Chamber of Commerce number or an e-mail address",
        "een deel van de statutaire naam, het KvK-nummer of een e-mailadres",
    ),
    (
        "No controller matches the search.",
        "Geen verwerkingsverantwoordelijke voldoet aan de zoekopdracht.",
    ),
    // What an obligation asks, in the console's words (issue 30, item 6).
    (
        "Answer the data-subject request (extended)",
        "Het verzoek van de betrokkene beantwoorden (verlengd)",
    ),
    (
        "Answer the data-subject request",
        "Het verzoek van de betrokkene beantwoorden",
    ),
    (
        "Erase the hired candidate's application data (the controller's policy)",
        "De sollicitatiegegevens van de aangenomen kandidaat wissen (beleid van de verwerkingsverantwoordelijke)",
    ),
    (
        "Erase the candidate's data: the retention period ends",
        "De gegevens van de kandidaat wissen: de bewaartermijn eindigt",
    ),
    (
        "Assess the incident and notify the affected controllers",
        "Het incident beoordelen en de getroffen verwerkingsverantwoordelijken informeren",
    ),
    (
        "The controller notifies the supervisory authority (72 hours)",
        "De verwerkingsverantwoordelijke meldt het datalek bij de toezichthouder (72 uur)",
    ),
    (
        "Notify the controller of the breach",
        "De verwerkingsverantwoordelijke over het datalek informeren",
    ),
    (
        "Last day to give notice so that the agreement does not renew",
        "Laatste dag om op te zeggen, zodat de overeenkomst niet wordt verlengd",
    ),
    (
        "The agreement renews unless notice was given",
        "De overeenkomst wordt verlengd, tenzij is opgezegd",
    ),
    (
        "The agreement's fixed term ends",
        "De vaste looptijd van de overeenkomst eindigt",
    ),
    (
        "The agreement ends; then the data is returned or deleted within the agreed term",
        "De overeenkomst eindigt; daarna worden de gegevens binnen de afgesproken termijn teruggegeven of verwijderd",
    ),
    (
        "The objection window for the sub-processor change closes",
        "De bezwaartermijn voor de wijziging van subverwerker sluit",
    ),
    (
        "Declare now if a transition of 30 days is technically unfeasible (Data Act art. 25(4))",
        "Verklaar nu als een overgang van 30 dagen technisch onhaalbaar is (Dataverordening art. 25(4))",
    ),
    (
        "Complete the transition: hand over the exportable data (Data Act art. 25(2)(a))",
        "De overgang voltooien: de exporteerbare gegevens overdragen (Dataverordening art. 25(2)(a))",
    ),
    (
        "Keep the data retrievable until the retrieval period ends (Data Act art. 25(2)(g))",
        "De gegevens ophaalbaar houden tot de ophaaltermijn eindigt (Dataverordening art. 25(2)(g))",
    ),
    (
        "Erase the customer's exportable data after the retrieval period (Data Act art. 25(2)(h))",
        "De exporteerbare gegevens van de klant na de ophaaltermijn wissen (Dataverordening art. 25(2)(h))",
    ),
    (
        "Delete every personal data item of the ended agreement (GDPR art. 28(3)(g))",
        "Alle persoonsgegevens van de beëindigde overeenkomst verwijderen (AVG art. 28(3)(g))",
    ),
    // The audit log, newest first (issue 30, item 8).
    ("From (day)", "Vanaf (dag)"),
    ("Until (day)", "Tot en met (dag)"),
    ("Events, newest first", "Gebeurtenissen, nieuwste eerst"),
    ("Older events", "Oudere gebeurtenissen"),
    ("Newest events", "Nieuwste gebeurtenissen"),
    ("controller", "verwerkingsverantwoordelijke"),
    ("console session", "consolesessie"),
    ("API token", "API-token"),
    // The request queue's search (issue 30, item 1).
    ("Search", "Zoeken"),
    (
        "the subject's e-mail address (pick the controller), or the start of the candidate reference",
        "het e-mailadres van de betrokkene (kies de verwerkingsverantwoordelijke), of het begin van de kandidaatreferentie",
    ),
    (
        "pick the controller first: each controller's addresses are matched with its own key.",
        "kies eerst de verwerkingsverantwoordelijke: de adressen van elke verwerkingsverantwoordelijke worden met een eigen sleutel vergeleken.",
    ),
    (
        "No request matches the search.",
        "Geen verzoek voldoet aan de zoekopdracht.",
    ),
    (
        "Not every request is shown",
        "Niet elk verzoek wordt getoond",
    ),
    (
        "The queue shows the first 20,000 requests the filter admits. Narrow the filter (a controller, a status) to see the rest.",
        "De wachtrij toont de eerste 20.000 verzoeken die aan het filter voldoen. Verfijn het filter (een verwerkingsverantwoordelijke, een status) om de rest te zien.",
    ),
    // The customer's own company page (issue 30, item 7).
    ("Chamber of Commerce number", "KvK-nummer"),
    ("Webhook secret", "Webhookgeheim"),
    ("set (never shown)", "ingesteld (nooit getoond)"),
    ("not set", "niet ingesteld"),
    ("Last changed", "Laatst gewijzigd"),
    ("Our company", "Ons bedrijf"),
    ("Privacy e-mail address", "E-mailadres voor privacyzaken"),
    ("Name of our DPO", "Naam van onze FG"),
    ("E-mail address of our DPO", "E-mailadres van onze FG"),
    ("Webhook address (https)", "Webhookadres (https)"),
    (
        "Breach notices and other messages for us are delivered here.",
        "Datalekmeldingen en andere berichten voor ons worden hier afgeleverd.",
    ),
    ("New webhook secret", "Nieuw webhookgeheim"),
    (
        "Leave empty to keep the current one. At least 32 characters; it signs every delivery.",
        "Laat leeg om het huidige te houden. Minstens 32 tekens; het ondertekent elke aflevering.",
    ),
    ("Contacts and webhook", "Contactgegevens en webhook"),
    ("Save", "Opslaan"),
    (
        "Your company's contacts were saved.",
        "De contactgegevens van uw bedrijf zijn opgeslagen.",
    ),
    // Switching and exit (issue 30, item 7).
    ("asked", "gevraagd op"),
    ("What the customer wants", "Wat de klant wil"),
    ("Notice period", "Opzegtermijn"),
    (
        "The new provider (for a switch)",
        "De nieuwe aanbieder (bij een overstap)",
    ),
    (
        "I understand: the notice period starts now; the transition and the export follow, and the request can be withdrawn until the transition ends.",
        "Ik begrijp het: de opzegtermijn begint nu; de overgang en de export volgen, en het verzoek kan worden ingetrokken tot de overgang eindigt.",
    ),
    (
        "Request a switch or exit (Data Act art. 25)",
        "Een overstap of exit aanvragen (Dataverordening art. 25)",
    ),
    (
        "the notice period is one or two months.",
        "de opzegtermijn is één of twee maanden.",
    ),
    (
        "The request was recorded; its milestones are below.",
        "Het verzoek is vastgelegd; de mijlpalen staan hieronder.",
    ),
    ("Make the export", "De export maken"),
    ("Make the export now", "Maak de export nu"),
    (
        "Extend the transition (once, art. 25(5))",
        "De overgang verlengen (eenmaal, art. 25(5))",
    ),
    (
        "The new last day of the transition",
        "De nieuwe laatste dag van de overgang",
    ),
    (
        "I understand: the transition can be extended only once.",
        "Ik begrijp het: de overgang kan maar één keer worden verlengd.",
    ),
    (
        "Confirm that the switch succeeded",
        "Bevestigen dat de overstap is gelukt",
    ),
    (
        "I understand: the agreement ends now, and our data is erased after the retrieval period.",
        "Ik begrijp het: de overeenkomst eindigt nu, en onze gegevens worden na de ophaaltermijn gewist.",
    ),
    ("Confirm", "Bevestigen"),
    ("Withdraw the request", "Het verzoek intrekken"),
    (
        "I understand: the milestones stop, nothing is erased and the agreement goes on.",
        "Ik begrijp het: de mijlpalen stoppen, er wordt niets gewist en de overeenkomst loopt door.",
    ),
    ("Withdraw", "Intrekken"),
    ("Export of", "Export van"),
    (
        "the signed certificate (JSON)",
        "het ondertekende certificaat (JSON)",
    ),
    ("the downloaded file", "het gedownloade bestand"),
    (
        "The request was withdrawn: nothing is erased and the agreement goes on.",
        "Het verzoek is ingetrokken: er wordt niets gewist en de overeenkomst loopt door.",
    ),
    (
        "The switch was confirmed complete: the agreement ends.",
        "De overstap is als voltooid bevestigd: de overeenkomst eindigt.",
    ),
    ("The transition was extended.", "De overgang is verlengd."),
    (
        "The export is being made; reload this page to see when it is ready.",
        "De export wordt gemaakt; laad deze pagina opnieuw om te zien wanneer hij klaar is.",
    ),
    (
        "switch to another provider",
        "overstappen naar een andere aanbieder",
    ),
    (
        "move the data to our own systems",
        "de gegevens naar onze eigen systemen overbrengen",
    ),
    (
        "erase our exportable data",
        "onze exporteerbare gegevens wissen",
    ),
    (
        "a switch under the Data Act",
        "een overstap onder de Dataverordening",
    ),
    ("the end of the agreement", "het einde van de overeenkomst"),
    (
        "the agreement's notice period",
        "de opzegtermijn van de overeenkomst",
    ),
    ("one month", "één maand"),
    ("two months", "twee maanden"),
    ("the notice period ends", "de opzegtermijn eindigt"),
    (
        "the transition ends: the data handed over",
        "de overgang eindigt: de gegevens overgedragen",
    ),
    ("the retrieval period ends", "de ophaaltermijn eindigt"),
    ("erasure not before", "wissen niet vóór"),
    (
        "last day to declare 30 days unfeasible",
        "laatste dag om 30 dagen onhaalbaar te verklaren",
    ),
    (
        "the latest end of an alternative transition",
        "het uiterste einde van een alternatieve overgang",
    ),
    ("the agreement ends", "de overeenkomst eindigt"),
    (
        "every personal data item deleted",
        "alle persoonsgegevens verwijderd",
    ),
    ("the data returned", "de gegevens teruggegeven"),
    ("finish by", "af uiterlijk"),
    ("keep until", "bewaren tot"),
    // States and kinds in words (web::STATES).
    ("extended", "verlengd"),
    ("reported, not yet assessed", "gemeld, nog niet beoordeeld"),
    ("dismissed: not a breach", "afgewezen: geen datalek"),
    ("a confirmed breach", "een bevestigd datalek"),
    ("met in time", "op tijd"),
    ("not required", "niet vereist"),
    ("waiting", "wachtend"),
    ("sent", "verzonden"),
    ("acknowledged", "ontvangst bevestigd"),
    ("cancelled", "geannuleerd"),
    ("required", "vereist"),
    ("not decided yet", "nog niet besloten"),
    ("decided", "besloten"),
    ("no risk likely", "waarschijnlijk geen risico"),
    ("a risk", "een risico"),
    ("a high risk", "een hoog risico"),
    ("delivered", "afgeleverd"),
    ("failed", "mislukt"),
    ("interrupted", "onderbroken"),
    ("retrying", "wordt opnieuw geprobeerd"),
    ("not delivered: given up", "niet afgeleverd: opgegeven"),
    ("draft", "concept"),
    ("active", "actief"),
    ("ending", "loopt af"),
    ("ended", "beëindigd"),
    ("withdrawn", "ingetrokken"),
    ("erased", "gewist"),
    ("being made", "wordt gemaakt"),
    ("rejected", "afgewezen"),
    ("hired", "aangenomen"),
    ("waiting to be delivered", "wacht op aflevering"),
    ("objection window open", "bezwaartermijn loopt"),
    ("objected", "bezwaar gemaakt"),
    ("waiting for approval", "wacht op goedkeuring"),
    ("approved", "goedgekeurd"),
    ("scheduled", "gepland"),
    ("in effect", "van kracht"),
    ("blocked", "geblokkeerd"),
    ("objection upheld", "bezwaar gehandhaafd"),
    ("contract terminated", "overeenkomst beëindigd"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language() {
        assert_eq!(Lang::from_accept("nl-NL,nl;q=0.9,en;q=0.8"), Lang::Nl);
        assert_eq!(Lang::from_accept("en-GB,en;q=0.9,nl;q=0.8"), Lang::En);
        assert_eq!(Lang::from_accept("de"), Lang::En);
    }

    #[test]
    fn remaining_in_words() {
        let en = Tr(Lang::En);
        assert_eq!(en.remaining(3 * 86_400 + 4 * 3600), "3 d 4 h left");
        assert_eq!(en.remaining(-(2 * 3600 + 5 * 60)), "overdue by 2 h 5 min");
        let nl = Tr(Lang::Nl);
        assert_eq!(nl.remaining(-(2 * 3600 + 5 * 60)), "te laat met 2 u 5 min");
    }

    #[test]
    fn every_state_word_has_its_dutch() {
        for (_, en) in crate::web::STATES
            .iter()
            .chain(crate::pages::audit::ACTIONS)
            .chain(crate::pages::audit::ACTION_KINDS.iter())
            .chain(proto::wire::DATA_CATEGORIES)
        {
            assert!(dutch(en).is_some(), "no Dutch for the word {en:?}");
        }
    }

    #[test]
    fn the_table_has_no_duplicates() {
        let mut seen = std::collections::BTreeSet::new();
        for (e, n) in NL {
            assert!(seen.insert(*e), "{e:?} twice");
            assert!(!n.is_empty(), "{e:?} has an empty translation");
        }
    }
}

#[cfg(test)]
mod coverage {
    use super::*;

    /// Every text the console's sources and templates look up.
    const SOURCES: &[(&str, &str)] = &[
        ("web.rs", include_str!("web.rs")),
        ("pages/signin.rs", include_str!("pages/signin.rs")),
        ("pages/obligations.rs", include_str!("pages/obligations.rs")),
        ("pages/breaches.rs", include_str!("pages/breaches.rs")),
        ("pages/requests.rs", include_str!("pages/requests.rs")),
        ("pages/audit.rs", include_str!("pages/audit.rs")),
        (
            "pages/subprocessors.rs",
            include_str!("pages/subprocessors.rs"),
        ),
        ("pages/agreements.rs", include_str!("pages/agreements.rs")),
        ("pages/retention.rs", include_str!("pages/retention.rs")),
        ("pages/switching.rs", include_str!("pages/switching.rs")),
        ("pages/reports.rs", include_str!("pages/reports.rs")),
        ("pages/admin.rs", include_str!("pages/admin.rs")),
        ("pages/assessment.rs", include_str!("pages/assessment.rs")),
        ("pages/notice_view.rs", include_str!("pages/notice_view.rs")),
        ("pages/company.rs", include_str!("pages/company.rs")),
        ("pages/mod.rs", include_str!("pages/mod.rs")),
        ("pages/people.rs", include_str!("pages/people.rs")),
        ("pages/calendar.rs", include_str!("pages/calendar.rs")),
        (
            "pages/notifications.rs",
            include_str!("pages/notifications.rs"),
        ),
        ("calendar.rs", include_str!("calendar.rs")),
        ("mail.rs", include_str!("mail.rs")),
        ("pages/record.rs", include_str!("pages/record.rs")),
        (
            "pages/authority_draft.rs",
            include_str!("pages/authority_draft.rs"),
        ),
        ("phrases.rs", include_str!("phrases.rs")),
        ("view.rs", include_str!("view.rs")),
        ("when.rs", include_str!("when.rs")),
        ("letters.rs", include_str!("letters.rs")),
        ("page.html", include_str!("../templates/page.html")),
    ];

    #[test]
    fn every_text_the_console_shows_has_a_dutch_translation() {
        let mut missing = Vec::new();
        let mut seen = 0;
        for (file, src) in SOURCES {
            let mut rest = *src;
            while let Some(i) = rest.find(".t(") {
                let after = rest[i + 3..].trim_start();
                rest = &rest[i + 3..];
                let Some(lit) = after.strip_prefix('"') else {
                    continue;
                };
                let end = lit.find('"').expect("a closed literal");
                let key = &lit[..end];
                seen += 1;
                if dutch(key).is_none() {
                    missing.push(format!("{file}: {key:?}"));
                }
            }
        }
        assert!(seen > 200, "the scan found only {seen} texts");
        assert!(missing.is_empty(), "no Dutch for:\n{}", missing.join("\n"));
    }
}
