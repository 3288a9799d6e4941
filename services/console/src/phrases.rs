//! What the services write in English, said in the reader's language: the
//! notes that explain a deadline, the rules' summaries and citations, a
//! breach's timeline and the reasons a service refuses a form. The wire and
//! the JSON, CSV and CLI outputs keep the services' English; the console
//! says it in Dutch for a Dutch reader.
//!
//! A phrase is an English template in which `{}` stands for what varies
//! (a date, a number, a name, or another phrase), with its Dutch, in which
//! `{1}`, `{2}`, … place what each hole held. A text that is no phrase as a
//! whole is read as parts separated by "; ". What a hole held is itself
//! said in Dutch when it is a phrase. Article references are written the
//! Dutch way ("art. 33 lid 3 onder a"). The tests below compute every rule
//! of `legal-time` over many starts and fail on a note, summary or citation
//! that is no phrase here.

use crate::i18n::{Lang, Tr};

/// (English template, Dutch template).
const PHRASES: &[(&str, &str)] = &[
    // ---- legal-time: the notes of a computed deadline ----
    (
        "{}; rolled to the next working day, {}, {} ends there in the rolled reading (Reg. 1182/71 art. 3(4))",
        "{1}; doorgeschoven naar de eerstvolgende werkdag, {2}: daar eindigt {3} in de doorgeschoven lezing (Verordening 1182/71 art. 3 lid 4)",
    ),
    ("{} is a Saturday", "{1} is een zaterdag"),
    ("{} is a Sunday", "{1} is een zondag"),
    // The holidays have Dutch names already.
    ("{} is Nieuwjaarsdag", "{1} is Nieuwjaarsdag"),
    ("{} is Goede Vrijdag", "{1} is Goede Vrijdag"),
    ("{} is Tweede Paasdag", "{1} is Tweede Paasdag"),
    ("{} is Koningsdag", "{1} is Koningsdag"),
    ("{} is Bevrijdingsdag", "{1} is Bevrijdingsdag"),
    ("{} is Hemelvaartsdag", "{1} is Hemelvaartsdag"),
    ("{} is Tweede Pinksterdag", "{1} is Tweede Pinksterdag"),
    ("{} is Eerste Kerstdag", "{1} is Eerste Kerstdag"),
    ("{} is Tweede Kerstdag", "{1} is Tweede Kerstdag"),
    (
        "{} is day equated with a holiday by royal decree",
        "{1} is bij koninklijk besluit met een feestdag gelijkgesteld",
    ),
    ("the one-month period", "de termijn van een maand"),
    ("the window", "de bezwaartermijn"),
    ("the notice period", "de opzegtermijn"),
    (
        "{} does not exist; {} month(s) from {} ends on the last day of that month, {} (Reg. 1182/71 art. 3(2)(c))",
        "{1} bestaat niet; {2} maand(en) na {3} eindigt op de laatste dag van die maand, {4} (Verordening 1182/71 art. 3 lid 2 onder c)",
    ),
    (
        "the period crosses a daylight-saving change: it runs from {} to {}, exactly the elapsed hours, so the local clock time differs",
        "de termijn loopt over de overgang tussen zomer- en wintertijd: van {1} tot {2}, precies het aantal verstreken uren, dus de kloktijd verschilt",
    ),
    (
        "the agreement's SLA of {} hours runs as elapsed time, nights, weekends and holidays included; the GDPR itself sets no number of hours",
        "de afgesproken termijn van {1} uur loopt als verstreken tijd, nachten, weekends en feestdagen inbegrepen; de AVG zelf noemt geen aantal uren",
    ),
    (
        "72 hours of elapsed time; no weekend, night or holiday extension (GDPR art. 33(1) says hours; Reg. 1182/71 art. 3)",
        "72 uur verstreken tijd; geen verlenging voor weekends, nachten of feestdagen (AVG art. 33 lid 1 spreekt van uren; Verordening 1182/71 art. 3)",
    ),
    (
        "strict reading counts from the processor's awareness at {}; lenient from the controller's at {} (EDPB 9/2022)",
        "de strikte lezing telt vanaf het moment dat de verwerker ervan wist, {1}; de ruime vanaf het moment dat de verwerkingsverantwoordelijke ervan wist, {2} (EDPB-richtsnoeren 9/2022)",
    ),
    (
        "the controller was aware no later than the processor; both readings count from the controller's awareness",
        "de verwerkingsverantwoordelijke wist het niet later dan de verwerker; beide lezingen tellen vanaf het moment dat de verwerkingsverantwoordelijke ervan wist",
    ),
    (
        "Reg. 1182/71 art. 3(1) read literally (the hour of awareness not counted) would give {}; Custodian never schedules on that outer bound",
        "Verordening 1182/71 art. 3 lid 1 letterlijk gelezen (het uur van kennisname telt niet mee) zou {1} geven; Custodian plant nooit op die uiterste grens",
    ),
    (
        "{} office hours, Monday to Friday 09:00-17:00 Europe/Amsterdam, {} holidays excluded",
        "{1} kantooruren, maandag tot en met vrijdag 09:00-17:00 Amsterdamse tijd, feestdagen volgens {2} niet meegeteld",
    ),
    ("holidays passed over: {}", "overgeslagen feestdagen: {1}"),
    (
        "this controller's mode is none: identity verification does not move the deadline",
        "deze verwerkingsverantwoordelijke schort de termijn niet op: het controleren van de identiteit verschuift de termijn niet",
    ),
    (
        "identity was asked for on {}, later than 3 working days after receipt ({}): no suspension applies",
        "om de identiteit werd gevraagd op {1}, later dan 3 werkdagen na ontvangst ({2}): de termijn wordt niet opgeschort",
    ),
    (
        "the clock stood still for {} day(s) while identity was verified ({} to {}; EDPB 01/2022 section 159)",
        "de termijn stond {1} dag(en) stil terwijl de identiteit werd gecontroleerd ({2} tot {3}; EDPB-richtsnoeren 01/2022 randnummer 159)",
    ),
    (
        "the month restarts from the receipt of the identity on {} (mode restart)",
        "de maand begint opnieuw bij de ontvangst van de identiteit op {1}",
    ),
    (
        "an extension is valid only if the subject is told, with reasons, within the first month",
        "een verlenging geldt alleen als de betrokkene dat binnen de eerste maand hoort, met de redenen",
    ),
    (
        "the text does not say where the two further months start; readings: {}; strict is the earliest, lenient the latest (GDPR art. 12(3))",
        "de tekst zegt niet waar de twee extra maanden beginnen; lezingen: {1}; de strikte is de vroegste, de ruime de laatste (AVG art. 12 lid 3)",
    ),
    (
        "{} = {}, {} = {}, {} = {}",
        "{1} = {2}, {3} = {4}, {5} = {6}",
    ),
    ("receipt + 3 months", "ontvangst + 3 maanden"),
    (
        "unrolled first month + 2 months",
        "niet doorgeschoven eerste maand + 2 maanden",
    ),
    (
        "rolled first month + 2 months",
        "doorgeschoven eerste maand + 2 maanden",
    ),
    (
        "valid only if the extension was announced, with reasons, by the dsr.extension_notice deadline",
        "geldt alleen als de verlenging met redenen is aangekondigd vóór de termijn om een verlenging aan te kondigen",
    ),
    (
        "the controller may object for {} days from the delivery on {}; the window's last day is {}; a contractual period, counted like Reg. 1182/71",
        "de verwerkingsverantwoordelijke kan {1} dagen bezwaar maken vanaf de aflevering op {2}; de laatste dag van de termijn is {3}; een contractuele termijn, geteld zoals in Verordening 1182/71",
    ),
    (
        "{}; strict rolls so the controller's window is never shortened",
        "{1}; de strikte lezing schuift door, zodat de termijn van de verwerkingsverantwoordelijke nooit korter wordt",
    ),
    (
        "a fixed term of {} month(s) from {}: the contract ends after {} without renewal",
        "een vaste looptijd van {1} maand(en) vanaf {2}: de overeenkomst eindigt na {3} zonder verlenging",
    ),
    (
        "notice on {} is too late for the period ending {}: the contract renews once more",
        "opzeggen op {1} is te laat voor de periode die eindigt op {2}: de overeenkomst wordt nog een keer verlengd",
    ),
    (
        "{}' notice before the end of the period ending {}: notice must be given by {}; counted backwards, so never rolled (Reg. 1182/71 art. 3(4) applies to the end of a period only)",
        "een opzegtermijn van {1} vóór het einde van de periode die eindigt op {2}: uiterlijk {3} opzeggen; teruggeteld, dus nooit doorgeschoven (Verordening 1182/71 art. 3 lid 4 geldt alleen voor het einde van een termijn)",
    ),
    (
        "without notice the contract renews for {} month(s) from {}",
        "zonder opzegging wordt de overeenkomst verlengd met {1} maand(en) vanaf {2}",
    ),
    (
        "{} weeks after the procedure ended on {} (AP guidance: 4 weeks; NVP Sollicitatiecode)",
        "{1} weken na het einde van de sollicitatieprocedure op {2} (richtlijn van de AP: 4 weken; NVP Sollicitatiecode)",
    ),
    (
        "{} months after the procedure ended on {}, with the candidate's talent-pool consent (AP guidance: up to 12): the maximum ends on {}, before the withdrawal recorded for {}, so the maximum applies",
        "{1} maanden na het einde van de sollicitatieprocedure op {2}, met toestemming van de kandidaat voor de talentenpool (richtlijn van de AP: tot 12): het maximum eindigt op {3}, vóór de intrekking op {4}, dus het maximum geldt",
    ),
    (
        "{} months after the procedure ended on {}, with the candidate's talent-pool consent (AP guidance: up to 12)",
        "{1} maanden na het einde van de sollicitatieprocedure op {2}, met toestemming van de kandidaat voor de talentenpool (richtlijn van de AP: tot 12)",
    ),
    (
        "consent was withdrawn on {}, before the procedure ended: the {}-week period without consent applies",
        "de toestemming werd ingetrokken op {1}, vóór het einde van de procedure: de termijn van {2} weken zonder toestemming geldt",
    ),
    (
        "talent-pool consent was withdrawn on {}, within the {} months after the procedure ended on {}: delete that day (GDPR art. 17(1)(b))",
        "de toestemming voor de talentenpool werd ingetrokken op {1}, binnen de {2} maanden na het einde van de procedure op {3}: die dag verwijderen (AVG art. 17 lid 1 onder b)",
    ),
    (
        "guidance, not law: the GDPR fixes no retention period; retention maxima are never rolled forward (GDPR art. 5(1)(e): rolling would lengthen storage)",
        "richtlijn, geen wet: de AVG noemt geen bewaartermijn; een maximale bewaartermijn wordt nooit doorgeschoven (AVG art. 5 lid 1 onder e: doorschuiven zou langer bewaren betekenen)",
    ),
    (
        "{}; the roll of Data Act day periods is disputed, so the primary reading does not roll",
        "{1}; of termijnen in dagen onder de Dataverordening doorschuiven is omstreden, dus de primaire lezing schuift niet door",
    ),
    (
        "notice of {} month(s) from the request on {}; a transition of at most 30 days follows (art. 25(2)(a), (d))",
        "een opzegtermijn van {1} maand(en) vanaf het verzoek op {2}; daarna een overgangsperiode van ten hoogste 30 dagen (art. 25 lid 2 onder a en d)",
    ),
    (
        "transition_end: what the provider must finish, strict without rolls; retrieval_end and erasure_not_before: how long data must stay retrievable, strict with every end rolled (the later)",
        "einde van de overgangsperiode: wat de aanbieder moet afronden, strikt zonder doorschuiven; einde van de ophaalperiode en niet wissen vóór: hoe lang de gegevens op te halen moeten blijven, strikt met elk einde doorgeschoven (de latere)",
    ),
    (
        "unfeasibility must be notified within 14 working days of the request ({}), with an alternative transition of at most 7 months after the notice period (art. 25(4))",
        "technische onhaalbaarheid moet binnen 14 werkdagen na het verzoek ({1}) worden gemeld, met een andere overgangsperiode van ten hoogste 7 maanden na de opzegtermijn (art. 25 lid 4)",
    ),
    (
        "the customer elected erasure: the contract ends at the end of the notice period (art. 25(2)(c)(ii))",
        "de klant koos voor wissen: de overeenkomst eindigt aan het einde van de opzegtermijn (art. 25 lid 2 onder c sub ii)",
    ),
    (
        "the contract ends when the switch is confirmed complete (art. 25(2)(c)(i))",
        "de overeenkomst eindigt wanneer de overstap als voltooid is bevestigd (art. 25 lid 2 onder c sub i)",
    ),
    // ---- legal-time: what each rule computes ----
    (
        "the processor must notify the controller within the contract SLA, counted in elapsed hours",
        "de verwerker meldt het aan de verwerkingsverantwoordelijke binnen de afgesproken termijn, geteld in verstreken uren",
    ),
    (
        "the controller must notify the supervisory authority within 72 elapsed hours",
        "de verwerkingsverantwoordelijke meldt het binnen 72 verstreken uren aan de toezichthouder",
    ),
    (
        "a response within a number of office hours, Mon-Fri 09:00-17:00 Europe/Amsterdam, holidays excluded",
        "een reactie binnen een aantal kantooruren, ma-vr 09:00-17:00 Amsterdamse tijd, feestdagen niet meegeteld",
    ),
    (
        "the answer to a data-subject request is due one month after receipt",
        "het antwoord op een verzoek van een betrokkene is uiterlijk een maand na ontvangst verschuldigd",
    ),
    (
        "the last moment to tell the subject about an extension, with reasons",
        "het laatste moment om de betrokkene een verlenging te melden, met de redenen",
    ),
    (
        "the answer after a valid extension by two further months",
        "het antwoord na een geldige verlenging met nog twee maanden",
    ),
    (
        "the new sub-processor may process this controller's data only after the objection window",
        "de nieuwe subverwerker mag de gegevens van deze verwerkingsverantwoordelijke pas na de bezwaartermijn verwerken",
    ),
    (
        "the end of the contract period a notice given on as_of can still stop, and the last day to give that notice",
        "het einde van de contractperiode dat een opzegging nog kan tegenhouden, en de laatste dag om op te zeggen",
    ),
    (
        "when a candidate's data must be deleted: 4 weeks, 12 months with talent-pool consent, or the day consent is withdrawn",
        "wanneer de gegevens van een kandidaat verwijderd moeten zijn: na 4 weken, na 12 maanden met toestemming voor de talentenpool, of op de dag dat die toestemming wordt ingetrokken",
    ),
    (
        "the milestones of a Data Act switch or exit",
        "de mijlpalen van een overstap of vertrek onder de Dataverordening",
    ),
    // ---- citations (read part by part) ----
    (
        "the processing agreement's term and notice clauses (the model agreements: one year, renewing, two months' notice; three months' notice where none was agreed)",
        "de bepalingen over looptijd en opzegging in de verwerkersovereenkomst (de modelovereenkomsten: een jaar, stilzwijgend verlengd, twee maanden opzegtermijn; drie maanden waar niets is afgesproken)",
    ),
    ("GDPR art. {} and {}", "AVG art. {1} en {2}"),
    ("GDPR art. {} third sentence", "AVG art. {1}, derde zin"),
    ("GDPR art. {} second sentence", "AVG art. {1}, tweede zin"),
    ("GDPR art. {}", "AVG art. {1}"),
    (
        "Reg. (EEC, Euratom) 1182/71 art. {}",
        "Verordening (EEG, Euratom) 1182/71 art. {1}",
    ),
    (
        "Regulation (EU) 2023/2854 (Data Act) art. 25(2)(a), (c), (d), (g), (h) and 25(4)",
        "Verordening (EU) 2023/2854 (Dataverordening) art. 25 lid 2 onder a, c, d, g en h, en lid 4",
    ),
    (
        "Regulation (EU) 2023/2854 (Data Act) art. {}",
        "Verordening (EU) 2023/2854 (Dataverordening) art. {1}",
    ),
    (
        "EDPB Guidelines {} sections {}",
        "EDPB-richtsnoeren {1}, randnummers {2}",
    ),
    (
        "EDPB Guidelines {} section {}",
        "EDPB-richtsnoeren {1}, randnummer {2}",
    ),
    ("EDPB Guidelines {}", "EDPB-richtsnoeren {1}"),
    (
        "processing agreement notice SLA",
        "de meldtermijn in de verwerkersovereenkomst",
    ),
    (
        "processing agreement breach notice SLA",
        "de meldtermijn in de verwerkersovereenkomst",
    ),
    (
        "processing agreement objection period",
        "de bezwaartermijn in de verwerkersovereenkomst",
    ),
    (
        "processing agreement term and notice clauses",
        "de bepalingen over looptijd en opzegging in de verwerkersovereenkomst",
    ),
    (
        "the processing agreement's objection period (two weeks in the model agreement)",
        "de bezwaartermijn in de verwerkersovereenkomst (twee weken in de modelovereenkomst)",
    ),
    (
        "the agreement's support clause: a response time in office hours",
        "de supportbepaling van de overeenkomst: een reactietijd in kantooruren",
    ),
    (
        "SCC 2021/915 clause {}",
        "standaardcontractbepalingen 2021/915 clausule {1}",
    ),
    (
        "AP guidance on applicant data",
        "richtlijn van de AP over gegevens van sollicitanten",
    ),
    (
        "NVP Sollicitatiecode art. {}",
        "NVP Sollicitatiecode art. {1}",
    ),
    (
        "the agreement's end-of-contract clause",
        "de bepaling over het einde van de overeenkomst",
    ),
    (
        "the processing agreement's breach clause (model agreement annex 1 art. {})",
        "de datalekbepaling van de verwerkersovereenkomst (modelovereenkomst bijlage 1 art. {1})",
    ),
    (
        "the processing agreement's breach clause",
        "de datalekbepaling van de verwerkersovereenkomst",
    ),
    // ---- the services' own notes ----
    (
        "the end of the day the agreement's own terms give (Europe/Amsterdam); contract dates are not rolled",
        "het einde van de dag die de voorwaarden van de overeenkomst zelf geven (Amsterdamse tijd); contractdata worden niet doorgeschoven",
    ),
    (
        "a retention maximum is never rolled to a working day: both readings agree",
        "een maximale bewaartermijn wordt nooit naar een werkdag doorgeschoven: beide lezingen zijn gelijk",
    ),
    (
        "the processor's discovery at {}, plus the agreement's SLA of {} hours",
        "de ontdekking door de verwerker op {1}, plus de afgesproken termijn van {2} uur",
    ),
    (
        "strict: the processor's awareness at {}; lenient: the controller's awareness at {} (acknowledged)",
        "strikt: de verwerker wist het op {1}; ruim: de verwerkingsverantwoordelijke wist het op {2} (bevestigd)",
    ),
    (
        "strict: the processor's awareness at {}; lenient: the delivery of the initial notice at {} (EDPB 9/2022: the controller is aware once the processor has informed it); not yet acknowledged",
        "strikt: de verwerker wist het op {1}; ruim: de aflevering van de eerste melding op {2} (EDPB-richtsnoeren 9/2022: de verwerkingsverantwoordelijke weet het zodra de verwerker het heeft gemeld); nog niet bevestigd",
    ),
    (
        "the processor's awareness at {}; the controller's awareness is not known yet (no notice delivered)",
        "de verwerker wist het op {1}; wanneer de verwerkingsverantwoordelijke het wist, is nog niet bekend (geen melding afgeleverd)",
    ),
    (
        "the risk is assessed as unlikely: art. 33(1) requires no notification, but the breach stays in the register (art. 33(5))",
        "het risico is beoordeeld als onwaarschijnlijk: art. 33 lid 1 vraagt geen melding, maar het lek blijft in het register (art. 33 lid 5)",
    ),
    (
        "late by the strict reading, in time by the lenient reading",
        "te laat volgens de strikte lezing, op tijd volgens de ruime",
    ),
    (
        "the investigation took {} hours, more than {}: EDPB 9/2022 allows only a short investigation before awareness",
        "het onderzoek duurde {1} uur, meer dan {2}: volgens de EDPB-richtsnoeren 9/2022 mag vóór kennisname alleen kort worden onderzocht",
    ),
    (
        "not assessed {} hours after discovery, more than {}: EDPB 9/2022 allows only a short investigation before awareness",
        "{1} uur na de ontdekking nog niet beoordeeld, meer dan {2}: volgens de EDPB-richtsnoeren 9/2022 mag vóór kennisname alleen kort worden onderzocht",
    ),
    (
        "the transition ends on {}: {}; the retrieval period of at least 30 days follows it (art. 25(2)(g))",
        "de overgangsperiode eindigt op {1}: {2}; daarna volgt een ophaalperiode van ten minste 30 dagen (art. 25 lid 2 onder g)",
    ),
    (
        "extended by the customer (art. 25(5))",
        "verlengd door de klant (art. 25 lid 5)",
    ),
    (
        "the alternative transition the provider declared (art. 25(4))",
        "de andere overgangsperiode die de aanbieder opgaf (art. 25 lid 4)",
    ),
    (
        "the customer confirmed the switch complete on {}: the contract ended then (art. 25(2)(c)(i))",
        "de klant bevestigde op {1} dat de overstap voltooid is: toen eindigde de overeenkomst (art. 25 lid 2 onder c sub i)",
    ),
    (
        "the agreement ends on {}; its deletion term is {} day(s): every personal data item is deleted by {} (GDPR art. 28(3)(g))",
        "de overeenkomst eindigt op {1}; de verwijdertermijn is {2} dag(en): alle persoonsgegevens zijn uiterlijk {3} verwijderd (AVG art. 28 lid 3 onder g)",
    ),
    (
        "the controller chose return, then deletion: the export bundle is available until the end of the agreement",
        "de verwerkingsverantwoordelijke koos voor teruggeven en dan verwijderen: het exportbestand is beschikbaar tot het einde van de overeenkomst",
    ),
    (
        "the controller chose deletion: nothing is returned",
        "de verwerkingsverantwoordelijke koos voor verwijderen: er wordt niets teruggegeven",
    ),
    (
        "identity is still awaited: this deadline moves on each day until it is received",
        "de identiteit wordt nog afgewacht: deze termijn schuift elke dag op tot ze binnen is",
    ),
    (
        "extended after the strict reading ({}) but before the lenient one ({})",
        "verlengd na de strikte lezing ({1}) maar vóór de ruime ({2})",
    ),
    // ---- a breach's timeline ----
    ("discovered by {}", "ontdekt door {1}"),
    (
        "the processor discovered the incident",
        "de verwerker ontdekte het incident",
    ),
    ("reported by {}", "gemeld door {1}"),
    (
        "assessment version {} by {}: risk {}, {} controller(s) affected",
        "beoordeling versie {1} door {2}: risico {3}, {4} verwerkingsverantwoordelijke(n) getroffen",
    ),
    ("dismissed ({}): {}", "afgesloten zonder datalek ({1}): {2}"),
    (
        "notice to controller {} (SLA {} hours)",
        "melding aan {1} (afgesproken termijn {2} uur)",
    ),
    (
        "controller no longer affected",
        "verwerkingsverantwoordelijke niet langer getroffen",
    ),
    (
        "the processor's notice to the controller is due (rule {}): {}",
        "de melding van de verwerker aan de verwerkingsverantwoordelijke moet nu uiterlijk verstuurd zijn: {2}",
    ),
    (
        "{} notice #{} sent, complete",
        "{1} nr. {2} verzonden, volledig",
    ),
    (
        "{} notice #{} sent, lacking: {}",
        "{1} nr. {2} verzonden, ontbreekt nog: {3}",
    ),
    (
        "attempt {} of #{} failed: {}",
        "poging {1} van nr. {2} mislukt: {3}",
    ),
    (
        "#{} delivered to the controller's webhook",
        "nr. {1} afgeleverd bij de webhook van de verwerkingsverantwoordelijke",
    ),
    (
        "the controller acknowledged; aware since {}",
        "de verwerkingsverantwoordelijke bevestigde de ontvangst; op de hoogte sinds {1}",
    ),
    (
        "72 hours from the processor's awareness (strict reading)",
        "72 uur na kennisname door de verwerker (strikte lezing)",
    ),
    (
        "72 hours from the controller's awareness (lenient reading)",
        "72 uur na kennisname door de verwerkingsverantwoordelijke (ruime lezing)",
    ),
    ("art. 34 decision: {}", "besluit over art. 34: {1}"),
    (
        "the data subjects were told",
        "de betrokkenen zijn ingelicht",
    ),
    ("initial", "de eerste melding"),
    ("supplementary", "een aanvulling"),
    ("unlikely", "onwaarschijnlijk"),
    ("risk", "aanwezig"),
    ("high", "hoog"),
    ("open", "open"),
    ("met", "gehaald"),
    ("missed", "niet gehaald"),
    // ---- why a service refused a form ----
    ("must not be empty", "mag niet leeg zijn"),
    (
        "must not be empty (GDPR art. 28(4))",
        "mag niet leeg zijn (AVG art. 28 lid 4)",
    ),
    ("must not be empty: {}", "mag niet leeg zijn: {1}"),
    ("must be a UUID, got {}", "is geen geldige verwijzing: {1}"),
    (
        "must be an e-mail address, got {}",
        "moet een e-mailadres zijn, niet {1}",
    ),
    ("must be an e-mail address", "moet een e-mailadres zijn"),
    (
        "must be at most {} characters",
        "mag ten hoogste {1} tekens lang zijn",
    ),
    (
        "must be at most {} characters without control characters, got {}",
        "mag ten hoogste {1} tekens lang zijn, zonder stuurtekens, niet {2}",
    ),
    (
        "must be 1 to {} characters",
        "moet 1 tot en met {1} tekens lang zijn",
    ),
    (
        "must not contain control characters",
        "mag geen stuurtekens bevatten",
    ),
    (
        "must not be in the future, got {}",
        "mag niet in de toekomst liggen, niet {1}",
    ),
    (
        "must not be in the future (today is {}), got {}",
        "mag niet in de toekomst liggen (vandaag is het {1}), niet {2}",
    ),
    (
        "must be in 2000 or later, got {}",
        "moet in 2000 of later liggen, niet {1}",
    ),
    ("must be in 2000 or later", "moet in 2000 of later liggen"),
    (
        "must be {} to {}, got {}",
        "moet {1} tot en met {2} zijn, niet {3}",
    ),
    ("must be {} to {}", "moet {1} tot en met {2} zijn"),
    (
        "must be after the current transition end {}, got {}",
        "moet na het huidige einde van de overgangsperiode ({1}) liggen, niet {2}",
    ),
    (
        "must be after the normal transition end {}, got {}",
        "moet na het gewone einde van de overgangsperiode ({1}) liggen, niet {2}",
    ),
    (
        "must be at most seven months after the notice period, by {} (art. 25(4)), got {}",
        "mag ten hoogste zeven maanden na de opzegtermijn liggen, uiterlijk {1} (art. 25 lid 4), niet {2}",
    ),
    (
        "must not exceed the costs directly linked to the switching ({} cents, art. 29(3)), got {}",
        "mag niet hoger zijn dan de kosten die rechtstreeks met de overstap samenhangen ({1} cent, art. 29 lid 3), niet {2}",
    ),
    (
        "must be 32 to 256 printable characters without spaces",
        "moet 32 tot 256 leesbare tekens zonder spaties zijn",
    ),
    ("must be at most {} KiB", "mag ten hoogste {1} KiB zijn"),
    (
        "must hold at least one entry",
        "moet ten minste één regel bevatten",
    ),
    (
        "must differ from subprocessor_id",
        "moet een andere subverwerker zijn",
    ),
    (
        "must not be empty: the agreement has not been terminated, so its last day must be given",
        "mag niet leeg zijn: de overeenkomst is niet opgezegd, dus de laatste dag moet worden gegeven",
    ),
    (
        "is {} bytes; the limit is {} bytes",
        "is {1} bytes; de grens is {2} bytes",
    ),
    (
        "must be a quarter such as 2026-Q3, got {}",
        "moet een kwartaal zijn, zoals 2026-Q3, niet {1}",
    ),
    (
        "must be a month such as 2026-11, got {}",
        "moet een maand zijn, zoals 2026-11, niet {1}",
    ),
    (
        "must not be after to_quarter ({}), got {}",
        "mag niet na het laatste kwartaal ({1}) liggen, niet {2}",
    ),
    (
        "must not be after to_month ({}), got {}",
        "mag niet na de laatste maand ({1}) liggen, niet {2}",
    ),
    (
        "must not be after to_day ({}), got {}",
        "mag niet na de laatste dag ({1}) liggen, niet {2}",
    ),
    (
        "must not be after erased_to ({}), got {}",
        "mag niet na de einddatum ({1}) liggen, niet {2}",
    ),
    (
        "must be in the years 2000 to 2089, got {}",
        "moet in de jaren 2000 tot en met 2089 liggen, niet {1}",
    ),
    (
        "must be at most {}, got {}",
        "mag ten hoogste {1} zijn, niet {2}",
    ),
    ("must be at most {}", "mag ten hoogste {1} zijn"),
    (
        "must not be negative, got {}",
        "mag niet negatief zijn, niet {1}",
    ),
    ("must be greater than zero", "moet groter dan nul zijn"),
    ("must be 1 or more, got {}", "moet 1 of meer zijn, niet {1}"),
    (
        "must be a phone number (8 to 15 digits)",
        "moet een telefoonnummer zijn (8 tot 15 cijfers)",
    ),
    ("must be a phone number", "moet een telefoonnummer zijn"),
    (
        "must be an https:// URL with a host",
        "moet een https://-adres met een domeinnaam zijn",
    ),
    ("must be an https:// URL", "moet een https://-adres zijn"),
    ("is not a valid URL", "is geen geldig webadres"),
    (
        "must be exactly 8 digits, got {}",
        "moet precies 8 cijfers zijn, niet {1}",
    ),
    (
        "must be a date such as 2026-11-30, got {}",
        "moet een datum zijn, zoals 30-11-2026, niet {1}",
    ),
    (
        "must be a date YYYY-MM-DD, got {}",
        "moet een datum zijn, zoals 30-11-2026, niet {1}",
    ),
    (
        "must be an RFC 3339 instant such as 2026-03-27T16:00:00+01:00, got {}",
        "moet een datum en tijd zijn, zoals 27-03-2026 16:00, niet {1}",
    ),
    (
        "must be an ISO 3166-1 alpha-2 code in upper case, got {}",
        "moet een landcode van twee hoofdletters zijn (zoals NL), niet {1}",
    ),
    (
        "must be ISO 3166-1 alpha-2 codes in upper case, got {}",
        "moeten landcodes van twee hoofdletters zijn (zoals NL), niet {1}",
    ),
    (
        "must not be before received_at",
        "mag niet vóór de ontvangst liggen",
    ),
    (
        "must not be before the request was received",
        "mag niet vóór de ontvangst van het verzoek liggen",
    ),
    (
        "must not be before the identity was asked for",
        "mag niet vóór de vraag om identiteit liggen",
    ),
    (
        "must not be after the discovery",
        "mag niet na de ontdekking liggen",
    ),
    (
        "must not be before occurred_from",
        "mag niet vóór het begin van het lek liggen",
    ),
    (
        "must not be before the initial notification at {}",
        "mag niet vóór de eerste melding op {1} liggen",
    ),
    (
        "must not be before the contract start {}",
        "mag niet vóór het begin van de overeenkomst op {1} liggen",
    ),
    (
        "must not be in the past (today is {}), got {}",
        "mag niet in het verleden liggen (vandaag is het {1}), niet {2}",
    ),
    (
        "must not be before today ({}), got {}",
        "mag niet vóór vandaag ({1}) liggen, niet {2}",
    ),
    (
        "must not be before the notice day {}, got {}",
        "mag niet vóór de dag van opzegging {1} liggen, niet {2}",
    ),
    (
        "must name at least one affected controller",
        "kies ten minste één getroffen verwerkingsverantwoordelijke",
    ),
    (
        "must name at least one category",
        "kies ten minste één categorie",
    ),
    ("must name at least one country", "noem ten minste één land"),
    (
        "must name at least one system",
        "noem ten minste één systeem",
    ),
    (
        "must be true when data_categories names special_category",
        "moet aangevinkt zijn wanneer bijzondere persoonsgegevens zijn getroffen",
    ),
    (
        "give an e-mail address, a phone number or a candidate reference",
        "geef een e-mailadres, een telefoonnummer of een kandidaatreferentie",
    ),
    (
        "give an e-mail address or a phone number",
        "geef een e-mailadres of een telefoonnummer",
    ),
    ("required when confirming", "verplicht bij bevestigen"),
    ("required for a replacement", "verplicht bij een vervanging"),
    ("required", "verplicht"),
    (
        "must be empty when dismissing",
        "moet leeg zijn bij afsluiten zonder datalek",
    ),
    (
        "must be empty when confirming",
        "moet leeg zijn bij bevestigen",
    ),
    ("only for rectification", "alleen bij rectificatie"),
    (
        "only for processor_direct requests",
        "alleen bij verzoeken die de betrokkene rechtstreeks aan ons richtte",
    ),
    (
        "is before the consent was given",
        "ligt vóór de toestemming",
    ),
    (
        "cannot {} a request that is {}",
        "een verzoek dat {2} is, kan niet meer: {1}",
    ),
    ("extend", "verlengen"),
    ("fulfil", "uitvoeren"),
    ("refuse", "weigeren"),
    ("close", "sluiten"),
    ("ask for identity", "om identiteit vragen"),
    (
        "record the identity received",
        "de ontvangen identiteit vastleggen",
    ),
    ("answered", "beantwoord"),
    ("refused", "geweigerd"),
    ("closed", "gesloten"),
    ("awaiting_identity", "wachtend op bewijs van identiteit"),
    (
        "the request was already extended; art. 12(3) allows one extension of two months",
        "het verzoek is al verlengd; art. 12 lid 3 staat één verlenging met twee maanden toe",
    ),
    (
        "too late to extend: the subject had to be told by {} (rule {}); answer or refuse within the month",
        "te laat om te verlengen: de betrokkene had het uiterlijk {1} moeten horen; beantwoord of weiger het verzoek binnen de maand",
    ),
    (
        "the switch is {}, not active: it can no longer be withdrawn",
        "de overstap is niet meer actief ({1}): hij kan niet meer worden ingetrokken",
    ),
    (
        "the transition ended at {}: the request can no longer be withdrawn",
        "de overgangsperiode eindigde op {1}: het verzoek kan niet meer worden ingetrokken",
    ),
    (
        "an agreement exit is not a Data Act request: it cannot be withdrawn (amend or re-activate the agreement instead)",
        "het einde van een overeenkomst is geen verzoek onder de Dataverordening: het kan niet worden ingetrokken (wijzig de overeenkomst of maak haar weer actief)",
    ),
    (
        "the switch has no transition to withdraw from",
        "de overstap heeft geen overgangsperiode om uit terug te trekken",
    ),
    (
        "the Data Act allows at most 2 months' notice (art. 25(2)(d)), got {}",
        "de Dataverordening staat ten hoogste 2 maanden opzegtermijn toe (art. 25 lid 2 onder d), niet {1}",
    ),
    (
        "the agreement's notice period is {} month(s); a longer one cannot be imposed, got {}",
        "de opzegtermijn in de overeenkomst is {1} maand(en); een langere kan niet worden opgelegd, niet {2}",
    ),
    (
        "the customer elected erasure: there is no transition to declare unfeasible",
        "de klant koos voor wissen: er is geen overgangsperiode om onhaalbaar te verklaren",
    ),
    (
        "technical unfeasibility was already declared for this switch",
        "voor deze overstap is technische onhaalbaarheid al gemeld",
    ),
    // ---- sub-processors: why one may or may not process ----
    (
        "change notice {} has not been delivered yet; the objection window starts at delivery",
        "wijzigingsbericht {1} is nog niet afgeleverd; de bezwaartermijn begint bij de aflevering",
    ),
    (
        "the objection window of change notice {} runs until the end of {} (Europe/Amsterdam)",
        "de bezwaartermijn van wijzigingsbericht {1} loopt tot het einde van {2} (Amsterdamse tijd)",
    ),
    (
        "the controller objected to change notice {}; engagement is blocked until the objection is resolved",
        "de verwerkingsverantwoordelijke maakte bezwaar tegen wijzigingsbericht {1}; inschakelen is geblokkeerd tot het bezwaar is afgehandeld",
    ),
    (
        "the controller's objection to change notice {} was upheld; the sub-processor may not process its data",
        "het bezwaar van de verwerkingsverantwoordelijke tegen wijzigingsbericht {1} is gehandhaafd; de subverwerker mag de gegevens niet verwerken",
    ),
    (
        "specific authorisation: no written approval of change notice {} is recorded, and silence is never approval",
        "specifieke toestemming: er is geen schriftelijke goedkeuring van wijzigingsbericht {1} vastgelegd, en zwijgen is nooit goedkeuring",
    ),
    (
        "the controller refused change notice {}",
        "de verwerkingsverantwoordelijke weigerde wijzigingsbericht {1}",
    ),
    (
        "change notice {} takes effect on {}",
        "wijzigingsbericht {1} gaat in op {2}",
    ),
    (
        "change notice {} is in effect",
        "wijzigingsbericht {1} is van kracht",
    ),
    (
        "not authorised for this controller: no written authorisation and no change notice",
        "niet toegestaan voor deze verwerkingsverantwoordelijke: geen schriftelijke toestemming en geen wijzigingsbericht",
    ),
    (
        "removed by change notice {} effective {}",
        "verwijderd met wijzigingsbericht {1}, per {2}",
    ),
    (
        "authorised in writing ({})",
        "schriftelijk toegestaan ({1})",
    ),
    ("change notice {}: {}", "wijzigingsbericht {1}: {2}"),
    (
        "the objection window closed without objection",
        "de bezwaartermijn sloot zonder bezwaar",
    ),
    (
        "the controller approved it specifically",
        "de verwerkingsverantwoordelijke keurde het specifiek goed",
    ),
    ("annex {}", "bijlage {1}"),
    ("notice {}", "bericht {1}"),
    // ---- transfers outside the EEA (GDPR chapter V) ----
    (
        "{} is in the EEA: no chapter V transfer",
        "{1} ligt in de EER: geen doorgifte in de zin van hoofdstuk V",
    ),
    (
        "{} has no EU adequacy decision",
        "voor {1} is er geen adequaatheidsbesluit van de EU",
    ),
    (
        "the adequacy decision for {} ({}) applies from {}",
        "het adequaatheidsbesluit voor {1} ({2}) geldt vanaf {3}",
    ),
    (
        "the adequacy decision for {} ({}) expired after {}",
        "het adequaatheidsbesluit voor {1} ({2}) is verlopen na {3}",
    ),
    (
        "the adequacy decision for {} ({}) covers only {}, and the recipient is not attested to be one",
        "het adequaatheidsbesluit voor {1} ({2}) geldt alleen voor {3}, en niet is vastgelegd dat de ontvanger daartoe behoort",
    ),
    (
        "{}: SCCs 2021/914 module 3 with transfer impact assessment {} (GDPR art. 46)",
        "{1}: standaardcontractbepalingen 2021/914 module 3 met doorgiftetoetsing {2} (AVG art. 46)",
    ),
    (
        "{}: SCCs 2021/914 module 3 and a transfer impact assessment are required; no assessment is on record (GDPR art. 46)",
        "{1}: standaardcontractbepalingen 2021/914 module 3 en een doorgiftetoetsing zijn nodig; er is geen toetsing vastgelegd (AVG art. 46)",
    ),
    (
        "adequacy decision {} for {} (GDPR art. 45)",
        "adequaatheidsbesluit {1} voor {2} (AVG art. 45)",
    ),
    // ---- the record of processing ----
    (
        "the processor (own processing location)",
        "de verwerker (eigen verwerkingslocatie)",
    ),
    (
        "controller {}: processing location {} has no valid transfer mechanism on record ({})",
        "verwerkingsverantwoordelijke {1}: voor verwerkingslocatie {2} is geen geldige doorgiftegrondslag vastgelegd ({3})",
    ),
    (
        "controller {}: the transfer to sub-processor {} ({}) has no valid mechanism on record",
        "verwerkingsverantwoordelijke {1}: voor de doorgifte aan subverwerker {2} ({3}) is geen geldige grondslag vastgelegd",
    ),
    (
        "the processor's name is not configured (config processor.name)",
        "de naam van de verwerker is niet ingesteld in de configuratie van Custodian (de beheerder stelt die in)",
    ),
    (
        "the processor's contact is not configured (config processor.contact_email)",
        "het contactadres van de verwerker is niet ingesteld in de configuratie van Custodian (de beheerder stelt die in)",
    ),
    (
        "sub-processors are not available to this process; the record lists none",
        "subverwerkers zijn voor dit proces niet beschikbaar; het register noemt er geen",
    ),
    // ---- why a service refused an action (preconditions) ----
    (
        "a legal hold is already in place",
        "er is al een bewaarplicht (legal hold) geplaatst",
    ),
    (
        "a legal hold is in place ({}); release it first",
        "er geldt een bewaarplicht (legal hold) ({1}); hef die eerst op",
    ),
    (
        "a removal needs no approval",
        "een verwijdering hoeft niet te worden goedgekeurd",
    ),
    (
        "a removal takes nothing new on; there is nothing to object to",
        "een verwijdering neemt niets nieuws op; er is niets om bezwaar tegen te maken",
    ),
    (
        "agreement {} is {} for this controller; at most one agreement is in force at a time",
        "overeenkomst {1} is {2} voor deze verwerkingsverantwoordelijke; er is ten hoogste één overeenkomst tegelijk van kracht",
    ),
    (
        "an objection to this notice is already open",
        "er loopt al een bezwaar tegen dit bericht",
    ),
    (
        "controller {} has no agreement in force",
        "verwerkingsverantwoordelijke {1} heeft geen overeenkomst die van kracht is",
    ),
    (
        "controller {} was already sent a notice; it cannot be removed from the affected controllers",
        "verwerkingsverantwoordelijke {1} heeft al een melding gekregen; zij kan niet meer uit de getroffen verwerkingsverantwoordelijken worden gehaald",
    ),
    (
        "erasure of this candidate is already under way; it cannot be held",
        "het wissen van deze kandidaat is al begonnen; er kan geen bewaarplicht meer worden geplaatst",
    ),
    (
        "exception_34_3_a needs data made unintelligible, such as encryption with the key safe; the assessment does not record the data as encrypted with the key safe",
        "deze uitzondering (art. 34 lid 3 onder a) vraagt gegevens die onbegrijpelijk zijn gemaakt, zoals versleuteld met een veilige sleutel; de beoordeling legt dat niet vast",
    ),
    (
        "export {} of this switch is still being built",
        "export {1} van deze overstap wordt nog gemaakt",
    ),
    (
        "identity was already asked for once",
        "er is al eens om de identiteit gevraagd",
    ),
    (
        "no controller is affected by this change",
        "geen verwerkingsverantwoordelijke wordt door deze wijziging geraakt",
    ),
    (
        "no initial notification is recorded; a {} needs one",
        "er is geen eerste melding vastgelegd; een {1} vraagt er een",
    ),
    (
        "no legal hold is in place",
        "er geldt geen bewaarplicht (legal hold)",
    ),
    (
        "no talent-pool consent to withdraw",
        "er is geen toestemming voor de talentenpool om in te trekken",
    ),
    (
        "nothing was sent to the controller yet: send the initial notice first",
        "er is nog niets naar de verwerkingsverantwoordelijke verzonden: verzend eerst de eerste melding",
    ),
    (
        "nothing was sent yet: the first send is the initial notice",
        "er is nog niets verzonden: de eerste verzending is de eerste melding",
    ),
    (
        "processing of this candidate is restricted (GDPR art. 18): ordinary reads are refused",
        "de verwerking van deze kandidaat is beperkt (AVG art. 18): gewoon inzien wordt geweigerd",
    ),
    (
        "switch {} of this controller is still active",
        "overstap {1} van deze verwerkingsverantwoordelijke loopt nog",
    ),
    (
        "switching charges apply to Data Act switches only",
        "overstapkosten gelden alleen voor overstappen onder de Dataverordening",
    ),
    (
        "talent-pool consent is already recorded",
        "toestemming voor de talentenpool is al vastgelegd",
    ),
    (
        "the agreement does not authorise the processor to notify the authority; the controller records its own notification",
        "de overeenkomst staat de verwerker niet toe de toezichthouder in te lichten; de verwerkingsverantwoordelijke legt haar eigen melding vast",
    ),
    (
        "the agreement is {}; only an agreement that is {} can be {}",
        "de overeenkomst is {1}; alleen een overeenkomst die {2} is, kan worden: {3}",
    ),
    (
        "the agreement runs until {}; it can be ended from that day (today is {})",
        "de overeenkomst loopt tot {1}; zij kan vanaf die dag worden beëindigd (vandaag is het {2})",
    ),
    (
        "the agreement's end-of-contract choice is delete: nothing is returned (amend the agreement to return_then_delete first)",
        "de overeenkomst kiest bij het einde voor verwijderen: er wordt niets teruggegeven (wijzig de overeenkomst eerst naar teruggeven en dan verwijderen)",
    ),
    (
        "the assessed risk is high: art. 34(1) requires communicating to the data subjects unless an exception of art. 34(3) applies",
        "het ingeschatte risico is hoog: art. 34 lid 1 vraagt de betrokkenen in te lichten, tenzij een uitzondering van art. 34 lid 3 geldt",
    ),
    (
        "the controller has no processing agreement in force; activate one first",
        "de verwerkingsverantwoordelijke heeft geen verwerkersovereenkomst die van kracht is; maak er eerst een actief",
    ),
    (
        "the customer elected erasure (art. 25(3)(c)): nothing is exported",
        "de klant koos voor wissen (art. 25 lid 3 onder c): er wordt niets geëxporteerd",
    ),
    (
        "the customer elected erasure: there is no switch to confirm; the contract ends with the notice period",
        "de klant koos voor wissen: er is geen overstap om te bevestigen; de overeenkomst eindigt met de opzegtermijn",
    ),
    (
        "the customer elected erasure: there is no transition to extend",
        "de klant koos voor wissen: er is geen overgangsperiode om te verlengen",
    ),
    (
        "the export is {}, not ready",
        "de export is {1}, niet klaar",
    ),
    (
        "the incident is already dismissed",
        "het incident is al afgesloten zonder datalek",
    ),
    (
        "the incident is confirmed and {} notice send(s) reached controllers; it cannot be dismissed",
        "het incident is bevestigd en {1} melding(en) bereikten verwerkingsverantwoordelijken; het kan niet meer zonder datalek worden afgesloten",
    ),
    (
        "the incident is {}; only a confirmed breach is notified (GDPR art. 33(2): a personal data breach, once the processor is aware of it)",
        "het incident is {1}; alleen een bevestigd datalek wordt gemeld (AVG art. 33 lid 2: een inbreuk in verband met persoonsgegevens, zodra de verwerker ervan weet)",
    ),
    (
        "the incident was dismissed; a dismissal is final: report a new incident if new facts show a breach",
        "het incident is afgesloten zonder datalek, en dat is definitief: meld een nieuw incident als nieuwe feiten een datalek laten zien",
    ),
    (
        "the initial notice was already sent ({} send(s)); send a supplement",
        "de eerste melding is al verzonden ({1} keer); verzend een aanvulling",
    ),
    (
        "the initial notification was recorded at {}; record a supplement or a withdrawal",
        "de eerste melding is vastgelegd op {1}; leg een aanvulling of een intrekking vast",
    ),
    (
        "the notice is cancelled: its controller is no longer among the affected",
        "de melding is geannuleerd: haar verwerkingsverantwoordelijke is niet langer getroffen",
    ),
    (
        "the notice was already acknowledged at {}",
        "de ontvangst van de melding is al bevestigd op {1}",
    ),
    (
        "the notice was already answered ({})",
        "het bericht is al beantwoord ({1})",
    ),
    (
        "the notification was withdrawn at {}; nothing can follow a withdrawal",
        "de melding is ingetrokken op {1}; na een intrekking kan niets meer volgen",
    ),
    (
        "the objection was already resolved ({})",
        "het bezwaar is al afgehandeld ({1})",
    ),
    (
        "the objection window closed at the end of {} (Europe/Amsterdam)",
        "de bezwaartermijn sloot aan het einde van {1} (Amsterdamse tijd)",
    ),
    (
        "the procedure is already closed ({})",
        "de procedure is al afgesloten ({1})",
    ),
    (
        "the retrieval period ended at {}; downloads are refused",
        "de ophaalperiode eindigde op {1}; downloaden kan niet meer",
    ),
    (
        "the retrieval period ended at {}; the data can no longer be exported",
        "de ophaalperiode eindigde op {1}; de gegevens kunnen niet meer worden geëxporteerd",
    ),
    (
        "the switch is {}, not active",
        "de overstap is {1}, niet actief",
    ),
    (
        "the transition ended on {}; it can no longer be extended",
        "de overgangsperiode eindigde op {1}; zij kan niet meer worden verlengd",
    ),
    (
        "the transition was already extended once; art. 25(5) allows one extension",
        "de overgangsperiode is al eens verlengd; art. 25 lid 5 staat één verlenging toe",
    ),
    (
        "this controller authorises sub-processors specifically: refuse the change with RecordApproval (approved = false)",
        "deze verwerkingsverantwoordelijke geeft specifieke toestemming voor subverwerkers: weiger de wijziging in plaats van bezwaar te maken",
    ),
    (
        "this controller gave general authorisation: it objects with RecordObjection instead",
        "deze verwerkingsverantwoordelijke gaf algemene toestemming: zij maakt bezwaar in plaats van te weigeren",
    ),
    (
        "this is an agreement exit, not a Data Act switch",
        "dit is het einde van een overeenkomst, geen overstap onder de Dataverordening",
    ),
    (
        "unfeasibility must be declared within 14 working days of the request, by {} (art. 25(4)); that deadline has passed",
        "technische onhaalbaarheid moet binnen 14 werkdagen na het verzoek worden gemeld, uiterlijk {1} (art. 25 lid 4); die termijn is verstreken",
    ),
    ("the tenant was erased", "de klant is gewist"),
    (
        "tenant {} was erased on {}: it can never hold data again",
        "klant {1} is gewist op {2}: zij kan nooit meer gegevens bevatten",
    ),
    // ---- refusals an API caller meets (the console's forms send valid codes) ----
    (
        "expected json, csv or markdown, got {}",
        "verwacht json, csv of markdown, niet {1}",
    ),
    (
        "expected json or markdown, got {}",
        "verwacht json of markdown, niet {1}",
    ),
    (
        "expected days, weeks or months, got {}",
        "verwacht dagen, weken of maanden, niet {1}",
    ),
    (
        "expected general or specific, got {}",
        "verwacht algemene of specifieke toestemming, niet {1}",
    ),
    (
        "expected none, suspend or restart, got {}",
        "verwacht geen, opschorten of opnieuw beginnen, niet {1}",
    ),
    (
        "expected return_then_delete or delete, got {}",
        "verwacht teruggeven en dan verwijderen, of verwijderen, niet {1}",
    ),
    (
        "expected draft, active, terminating or ended, got {}",
        "verwacht concept, actief, eindigend of beëindigd, niet {1}",
    ),
    (
        "expected confirm or dismiss, got {}",
        "verwacht bevestigen of afsluiten zonder datalek, niet {1}",
    ),
    (
        "expected asked or received, got {}",
        "verwacht gevraagd of ontvangen, niet {1}",
    ),
    (
        "expected add, replace or remove, got {}",
        "verwacht toevoegen, vervangen of verwijderen, niet {1}",
    ),
    (
        "expected withdrawn, sustained or contract_terminated, got {}",
        "verwacht ingetrokken, gehandhaafd of overeenkomst beëindigd, niet {1}",
    ),
    (
        "expected rejected, withdrawn or hired",
        "verwacht afgewezen, teruggetrokken of aangenomen",
    ),
    (
        "expected rejection_communicated or vacancy_closed",
        "verwacht de dag van de afwijzing of de dag waarop de vacature sloot",
    ),
    (
        "expected request, contract_end or controller_instruction",
        "verwacht een verzoek, het einde van de overeenkomst of een instructie van de verwerkingsverantwoordelijke",
    ),
    (
        "only applies to the decision communicate",
        "geldt alleen bij het besluit om de betrokkenen in te lichten",
    ),
    (
        "required for exception_34_3_b: the subsequent measures that keep the high risk from materialising",
        "verplicht bij de uitzondering van art. 34 lid 3 onder b: de latere maatregelen die voorkomen dat het hoge risico zich voordoet",
    ),
    (
        "required for exception_34_3_c: the public communication or equally effective measure used instead (art. 34(3)(c))",
        "verplicht bij de uitzondering van art. 34 lid 3 onder c: de openbare mededeling of even doeltreffende maatregel die in plaats daarvan is gebruikt",
    ),
    (
        "required: the notification at {} is later than 72 hours after awareness ({}, strict reading; GDPR art. 33(1))",
        "verplicht: de melding op {1} is later dan 72 uur na kennisname ({2}, strikte lezing; AVG art. 33 lid 1)",
    ),
    (
        "can only be true when encrypted is true",
        "kan alleen als de gegevens versleuteld waren",
    ),
    (
        "names controller {} twice",
        "noemt verwerkingsverantwoordelijke {1} twee keer",
    ),
    (
        "no controller {}",
        "er is geen verwerkingsverantwoordelijke {1}",
    ),
    (
        "refusing to sign: {} of size {} (root {}) does not extend its last signed checkpoint of size {} (root {}); its stored hashes were changed",
        "ondertekenen geweigerd: {1} met omvang {2} (wortel {3}) is geen voortzetting van het laatst ondertekende controlepunt met omvang {4} (wortel {5}); de opgeslagen hashes zijn gewijzigd",
    ),
    (
        "needs controller_id: each controller's addresses are hashed with its own key",
        "kies eerst de verwerkingsverantwoordelijke: de adressen van elke verwerkingsverantwoordelijke worden met een eigen sleutel gehasht",
    ),
    (
        "required for rectification: give at least one corrected value",
        "verplicht bij rectificatie: geef ten minste één verbeterde waarde",
    ),
    (
        "at most 36 months at once: from {} for to_month {}",
        "ten hoogste 36 maanden tegelijk: vanaf {1} tot {2}",
    ),
    (
        "at most 40 quarters at once: from {} for to_quarter {}",
        "ten hoogste 40 kwartalen tegelijk: vanaf {1} tot {2}",
    ),
    (
        "at most 366 days at once: from {} for to_day {}",
        "ten hoogste 366 dagen tegelijk: vanaf {1} tot {2}",
    ),
    (
        "only a replacement names the sub-processor it replaces",
        "alleen een vervanging noemt de subverwerker die zij vervangt",
    ),
    (
        "controller {} has no processing agreement in force",
        "verwerkingsverantwoordelijke {1} heeft geen verwerkersovereenkomst die van kracht is",
    ),
    ("no sub-processor with id {}", "er is geen subverwerker {1}"),
    (
        "names no field to change",
        "noemt geen gegeven om te wijzigen",
    ),
    (
        "no switching charges may be made on or after {} (Data Act art. 29(1)), got {}",
        "vanaf {1} mogen geen overstapkosten meer in rekening worden gebracht (Dataverordening art. 29 lid 1), niet {2}",
    ),
    (
        "only a switch to another provider has a destination",
        "alleen een overstap naar een andere aanbieder heeft een nieuwe aanbieder",
    ),
    (
        "the documented direct costs are required (art. 29(3))",
        "de onderbouwde directe kosten zijn verplicht (art. 29 lid 3)",
    ),
    (
        "agreement {} was terminated to end on {}, got {}",
        "overeenkomst {1} is opgezegd tegen {2}, niet {3}",
    ),
    (
        "controller {} was erased by switch {}",
        "verwerkingsverantwoordelijke {1} is gewist door overstap {2}",
    ),
    (
        "controller {} had no agreement in force at {}",
        "verwerkingsverantwoordelijke {1} had op {2} geen overeenkomst die van kracht was",
    ),
    (
        "{} is before the applied date {}",
        "{1} ligt vóór de datum van de sollicitatie {2}",
    ),
    ("{} is in the future", "{1} ligt in de toekomst"),
    ("1 to {} per call", "1 tot en met {1} per keer"),
    (
        "an event's seq is 1 or more, got {}",
        "het volgnummer van een gebeurtenis is 1 of meer, niet {1}",
    ),
    (
        "name a candidate_id or a seq",
        "noem een kandidaat of een volgnummer",
    ),
    (
        "name from 1 to {} events; {} were named",
        "noem 1 tot en met {1} gebeurtenissen; er werden er {2} genoemd",
    ),
    (
        "no field to change was given",
        "er is geen gegeven om te wijzigen",
    ),
    (
        "a shredded candidate id can never get a new key",
        "een kandidaat waarvan de gegevens zijn vernietigd, krijgt nooit meer een sleutel",
    ),
    (
        "event {} is not in the tree of size {}: ask for a later checkpoint",
        "gebeurtenis {1} staat niet in de boom van grootte {2}: vraag een later controlepunt op",
    ),
    (
        "entry {} is not in the tree of size {}: ask for a later checkpoint",
        "regel {1} staat niet in de boom van grootte {2}: vraag een later controlepunt op",
    ),
    (
        "no checkpoint of this audit tree of size {} was signed; GetAuditCheckpoint gives the latest",
        "er is geen controlepunt van deze auditboom van grootte {1} ondertekend; het laatste is op te vragen",
    ),
    (
        "no checkpoint of tree size {} was signed; GetCheckpoint gives the latest",
        "er is geen controlepunt van grootte {1} ondertekend; het laatste is op te vragen",
    ),
    (
        "no checkpoint yet: nothing has been erased",
        "nog geen controlepunt: er is nog niets gewist",
    ),
    (
        "the audit log no longer matches its signed Merkle tree: {}; nothing was signed (see docs/evidence.md, \"When the audit tree refuses\")",
        "het auditlog klopt niet meer met zijn ondertekende Merkle-boom: {1}; er is niets ondertekend (zie de documentatie over bewijs)",
    ),
    (
        "required for processor-wide tokens",
        "verplicht voor tokens van de verwerker",
    ),
    (
        "the key of export {} was destroyed: the bundle is noise",
        "de sleutel van export {1} is vernietigd: het bestand is onleesbaar",
    ),
    // ---- people ----
    (
        "a customer's DPO invites colleagues as controller only",
        "een FG van een klant nodigt collega's alleen uit als FG van de klant",
    ),
    (
        "a customer's DPO invites colleagues of its own company only",
        "een FG van een klant nodigt alleen collega's van het eigen bedrijf uit",
    ),
    (
        "expected admin, auditor or controller, got {}",
        "verwacht beheerder, auditor of FG van een klant, niet {1}",
    ),
    (
        "expected en or nl, got {}",
        "verwacht Engels of Nederlands, niet {1}",
    ),
    (
        "must be empty for the processor's staff",
        "moet leeg zijn voor medewerkers van de verwerker",
    ),
    (
        "required for a customer's DPO: the controller's id, got {}",
        "verplicht voor een FG van een klant: kies de klant, niet {1}",
    ),
    ("{} is already invited", "{1} is al uitgenodigd"),
    // ---- sign-in through an identity provider (SignInService) ----
    (
        "this sign-in is unknown, was already used or has expired; start again",
        "deze aanmelding is onbekend, al gebruikt of verlopen; begin opnieuw",
    ),
    (
        "the identity provider did not sign you in ({})",
        "de identiteitsprovider heeft u niet aangemeld ({1})",
    ),
    (
        "this identity provider is not configured",
        "deze identiteitsprovider is niet ingesteld",
    ),
    (
        "the identity provider refused to confirm this sign-in; start again",
        "de identiteitsprovider weigerde deze aanmelding te bevestigen; begin opnieuw",
    ),
    (
        "the identity provider sent no ID token",
        "de identiteitsprovider stuurde geen ID-token",
    ),
    (
        "the identity provider's ID token was issued for another application",
        "het ID-token van de identiteitsprovider is voor een andere toepassing uitgegeven",
    ),
    (
        "the identity provider's ID token has expired",
        "het ID-token van de identiteitsprovider is verlopen",
    ),
    (
        "the identity provider's ID token is not signed with one of its keys",
        "het ID-token van de identiteitsprovider is niet met een van haar sleutels ondertekend",
    ),
    (
        "the identity provider's ID token belongs to another sign-in",
        "het ID-token van de identiteitsprovider hoort bij een andere aanmelding",
    ),
    (
        "the identity provider's ID token names another issuer",
        "het ID-token van de identiteitsprovider noemt een andere uitgever",
    ),
    (
        "the identity provider's ID token is not valid",
        "het ID-token van de identiteitsprovider is ongeldig",
    ),
    (
        "this sign-in needs a stronger authentication (for instance a second factor) at the identity provider",
        "voor deze aanmelding is sterkere authenticatie bij de identiteitsprovider nodig (bijvoorbeeld een tweede factor)",
    ),
    (
        "no one with this account or address is invited; ask an administrator to invite you",
        "niemand met dit account of adres is uitgenodigd; vraag een beheerder u uit te nodigen",
    ),
    (
        "the identity provider has not verified your e-mail address",
        "de identiteitsprovider heeft uw e-mailadres niet geverifieerd",
    ),
    (
        "this identity provider does not vouch for addresses of your e-mail domain",
        "deze identiteitsprovider staat niet in voor adressen van uw e-maildomein",
    ),
    (
        "your organisation does not sign in through this identity provider",
        "uw organisatie meldt zich niet aan via deze identiteitsprovider",
    ),
    (
        "this address is invited by more than one organisation; ask an administrator",
        "dit adres is door meer dan één organisatie uitgenodigd; vraag het een beheerder",
    ),
    (
        "your invitation is already used by another account; ask an administrator",
        "uw uitnodiging is al door een ander account gebruikt; vraag het een beheerder",
    ),
    (
        "the identity provider no longer grants you access to Custodian",
        "de identiteitsprovider geeft u geen toegang meer tot Custodian",
    ),
    (
        "too many failed sign-ins from your address; wait a minute, then try again",
        "te veel mislukte aanmeldpogingen vanaf uw adres; wacht een minuut en probeer het opnieuw",
    ),
    (
        "the sign-in cannot be recorded now; try again later",
        "de aanmelding kan nu niet worden vastgelegd; probeer het later opnieuw",
    ),
    (
        "the identity provider {} cannot be reached now; try again later",
        "de identiteitsprovider {1} is nu niet bereikbaar; probeer het later opnieuw",
    ),
    (
        "no provider {} is configured",
        "er is geen identiteitsprovider {1} ingesteld",
    ),
    (
        "a calendar feed is a person's: sign in through your identity provider",
        "een agenda-abonnement is persoonlijk: meld u aan via uw identiteitsprovider",
    ),
    (
        "this credential is not a person's session; revoke a token with TokenService",
        "dit is geen sessie van een persoon; trek een token in bij de tokens",
    ),
    (
        "at most {} events, got {}",
        "hoogstens {1} afspraken, niet {2}",
    ),
    (
        "expected YYYY-MM-DD or an RFC 3339 instant, got {}",
        "verwacht een datum (JJJJ-MM-DD) of een tijdstip (RFC 3339), niet {1}",
    ),
    // ---- e-mail preferences and the mail outbox ----
    (
        "expected a time of day as HH:MM, got {}",
        "verwacht een tijdstip als UU:MM, kreeg {1}",
    ),
    (
        "expected breaches, requests, subprocessors, switching, agreements or webhooks, got {}",
        "verwacht datalekken, verzoeken, subverwerkers, overstappen, overeenkomsten of webhooks, kreeg {1}",
    ),
    (
        "{} alerts are the processor's staff's, not a customer's",
        "meldingen over {1} zijn voor de medewerkers van de verwerker, niet voor een klant",
    ),
    (
        "expected pending, sent, dead, withdrawn or empty, got {}",
        "verwacht wachtend, verstuurd, opgegeven, ingetrokken of leeg, kreeg {1}",
    ),
    (
        "the e-mail is {}; only an e-mail that was given up can be sent again",
        "de e-mail is {1}; alleen een opgegeven e-mail kan opnieuw worden verstuurd",
    ),
    (
        "e-mails to people are for the processor's administrators",
        "e-mails aan mensen zijn voor de beheerders van de verwerker",
    ),
    (
        "preferences are a person's: sign in through your identity provider",
        "voorkeuren zijn persoonlijk: meld u aan via uw identiteitsprovider",
    ),
    // ---- the reports' notes ----
    (
        "Per Europe/Amsterdam day: erased, the candidates crypto-shredded that day (one deletion certificate each); due, the candidates whose retention ends that day and who are still held (not on legal hold). A past day with candidates still due is an erasure overdue.",
        "Per dag (Amsterdamse tijd): gewist, de kandidaten van wie de gegevens die dag cryptografisch zijn vernietigd (elk met een verwijderingscertificaat); verschuldigd, de kandidaten van wie de bewaartermijn die dag eindigt en die er nog zijn (zonder bewaarplicht). Een dag in het verleden met nog verschuldigde kandidaten is een te late verwijdering.",
    ),
    (
        "The share of data-subject requests whose answer period was extended by two months (GDPR art. 12(3)), per controller and quarter of receipt. Extensions should not be overused: large effort alone does not make a request complex (EDPB Guidelines 01/2022 §§ 162-164). Quarters count by the Europe/Amsterdam date of receipt.",
        "Het aandeel verzoeken van betrokkenen waarvan de antwoordtermijn met twee maanden is verlengd (AVG art. 12 lid 3), per verwerkingsverantwoordelijke en kwartaal van ontvangst. Verleng niet te vaak: veel werk alleen maakt een verzoek niet complex (EDPB-richtsnoeren 01/2022, randnummers 162-164). Kwartalen tellen naar de datum van ontvangst in Amsterdamse tijd.",
    ),
    (
        "Data-subject requests per month of receipt (Europe/Amsterdam date) and type. On time: answered (or refused) by the deadline in force, strict reading (GDPR art. 12(3)); late: answered after it; open: not yet answered, of which overdue: its deadline has passed.",
        "Verzoeken van betrokkenen per maand van ontvangst (datum in Amsterdamse tijd) en soort. Op tijd: beantwoord (of geweigerd) binnen de geldende termijn, strikte lezing (AVG art. 12 lid 3); te laat: daarna beantwoord; open: nog niet beantwoord, waarvan te laat: de termijn is verstreken.",
    ),
    // ---- last: the general shapes, for what a hole holds ----
    ("{} months", "{1} maanden"),
    ("{} month", "{1} maand"),
    ("{} weeks", "{1} weken"),
    ("{} week", "{1} week"),
    ("{} days", "{1} dagen"),
    ("{} day", "{1} dag"),
];

/// A rule in words ("Answer to a data-subject request"); its id stays in
/// the exports and the API. An id no page expects is shown as it is.
pub fn rule_name(tr: Tr, id: &str) -> String {
    let en = match id {
        "breach.controller_notice" => "The processor notifies the controller",
        "breach.authority_notice" => "Notification to the supervisory authority (72 hours)",
        "breach.office_hours_response" => "Response within office hours",
        "dsr.response" => "Answer to a data-subject request",
        "dsr.extension_notice" => "Announcing an extension to the subject",
        "dsr.extended_response" => "Answer after an extension",
        "subprocessor.objection_window" => "Objection window for a sub-processor change",
        "agreement.renewal" => "Renewal and notice",
        "agreement.end" => "End of the agreement",
        "agreement.exit" => "Return and deletion at the end of the agreement",
        "retention.applicant" => "Retention of applicant data",
        "vault.hired_handoff" => "Hand-off of a hired candidate's data",
        "dataact.switching" => "Data Act switch or exit",
        _ => return id.to_owned(),
    };
    tr.t(en).to_owned()
}

/// A service as the menu calls it.
pub fn service_name(tr: Tr, service: &str) -> String {
    let en = match service {
        "agreements" => "Agreements",
        "breaches" => "Breaches",
        "requests" => "Requests",
        "subprocessors" => "Sub-processors",
        "switching" => "Switching",
        "vault" => "Retention",
        _ => return service.to_owned(),
    };
    tr.t(en).to_owned()
}

/// A breach timeline's event in words.
pub fn event_name(tr: Tr, kind: &str) -> String {
    let en = match kind {
        "incident.discovered" => "Discovered",
        "incident.reported" => "Reported",
        "incident.assessed" => "Assessed",
        "incident.dismissed" => "Closed: no personal-data breach",
        "incident.flag" => "Attention",
        "notice.created" => "Notice prepared",
        "notice.cancelled" => "Notice cancelled",
        "deadline.controller_notice" => "Deadline: notify the controller",
        "notice.sent" => "Notice sent",
        "notice.delivery_failed" => "Delivery failed",
        "notice.delivered" => "Notice delivered",
        "notice.acknowledged" => "Acknowledged by the controller",
        "deadline.authority_notice.strict" => "Deadline: the authority (strict reading)",
        "deadline.authority_notice.lenient" => "Deadline: the authority (lenient reading)",
        "authority.notified" => "Authority notified",
        "subjects.decided" => "Art. 34 decision",
        "subjects.communicated" => "Data subjects told",
        _ => return kind.replace(['_', '.'], " "),
    };
    tr.t(en).to_owned()
}

/// `text` in the reader's language, with its machine times read out.
pub fn say(tr: Tr, text: &str) -> String {
    let t = match tr.0 {
        Lang::En => english(text),
        Lang::Nl => dutch(text),
    };
    crate::when::humanize(tr, t.as_deref().unwrap_or(text))
}

/// The few English sentences that name a rule or a field by its code,
/// said for a person ("by the deadline to announce an extension").
const ENGLISH: &[(&str, &str)] = &[
    (
        "this controller authorises sub-processors specifically: refuse the change with RecordApproval (approved = false)",
        "this controller authorises sub-processors specifically: refuse the change instead of objecting",
    ),
    (
        "this controller gave general authorisation: it objects with RecordObjection instead",
        "this controller gave general authorisation: it objects instead of refusing",
    ),
    (
        "exception_34_3_a needs data made unintelligible, such as encryption with the key safe; the assessment does not record the data as encrypted with the key safe",
        "this exception (art. 34(3)(a)) needs data made unintelligible, such as encryption with the key safe; the assessment does not record the data as encrypted with the key safe",
    ),
    (
        "the processor's name is not configured (config processor.name)",
        "the processor's name is not set in Custodian's configuration (the operator sets it)",
    ),
    (
        "the processor's contact is not configured (config processor.contact_email)",
        "the processor's contact is not set in Custodian's configuration (the operator sets it)",
    ),
    (
        "the processor's notice to the controller is due (rule {}): {}",
        "the processor's notice to the controller is due: {2}",
    ),
    (
        "too late to extend: the subject had to be told by {} (rule {}); answer or refuse within the month",
        "too late to extend: the subject had to be told by {1}; answer or refuse within the month",
    ),
    (
        "valid only if the extension was announced, with reasons, by the dsr.extension_notice deadline",
        "valid only if the extension was announced, with reasons, by the deadline to announce an extension",
    ),
    (
        "transition_end: what the provider must finish, strict without rolls; retrieval_end and erasure_not_before: how long data must stay retrievable, strict with every end rolled (the later)",
        "the end of the transition: what the provider must finish, strict without rolls; the end of retrieval and the first day of erasure: how long data must stay retrievable, strict with every end rolled (the later)",
    ),
    (
        "the end of the contract period a notice given on as_of can still stop, and the last day to give that notice",
        "the end of the contract period a notice given on a day can still stop, and the last day to give that notice",
    ),
];

/// `text` said for an English reader when it names a code; `None` when it
/// is fine as the service wrote it.
fn english(text: &str) -> Option<String> {
    said_in(ENGLISH, text, |h| h.to_owned())
}

/// A service's refusal ("field: why" or a sentence) in the reader's
/// language; the field's name stays (the form puts the reason beside it).
pub fn refusal(tr: Tr, message: &str) -> String {
    if tr.0 == Lang::Nl
        && let Some((field, why)) = message.split_once(": ")
        && is_field_name(field)
        && let Some(nl) = dutch(why)
    {
        return crate::when::humanize(tr, &format!("{field}: {nl}"));
    }
    say(tr, message)
}

/// A refusal as a person reads it where it is not beside its field: the
/// wire field it names ("assessment.occurred_from: …") becomes the form's
/// label ("Began: …"); a field no form shows keeps its name, in words.
pub fn unfield(tr: Tr, message: &str) -> String {
    let Some((field, why)) = message.split_once(": ").filter(|(f, _)| is_field_name(f)) else {
        return message.to_owned();
    };
    let label = match field {
        "reasons" => tr.t("Reasons").to_owned(),
        "reason" => tr.t("Reason").to_owned(),
        "description" => tr.t("Description").to_owned(),
        "discovered_at" => tr.t("Discovered").to_owned(),
        "discovered_by" => tr.t("Discovered by").to_owned(),
        "systems" => tr.t("Systems").to_owned(),
        "received_at" => tr.t("Received").to_owned(),
        "email" => tr.t("E-mail address").to_owned(),
        "phone" => tr.t("Phone number").to_owned(),
        "subject.candidate_ref" => tr.t("Candidate reference").to_owned(),
        "reference" => tr.t("Reference").to_owned(),
        "notified_at" => tr.t("Notified").to_owned(),
        "communicated_at" => tr.t("Told").to_owned(),
        "reasons_for_delay" => tr.t("Reasons for the delay").to_owned(),
        "transition_end" => tr.t("The new last day of the transition").to_owned(),
        "destination" => tr.t("The new provider").to_owned(),
        "contact_email" => tr.t("Privacy e-mail address").to_owned(),
        "legal_name" => tr.t("Legal name").to_owned(),
        "complaint_info" => tr
            .t("The right to complain to a supervisory authority")
            .to_owned(),
        "judicial_remedy_info" => tr.t("The right to a judicial remedy").to_owned(),
        "assessment.occurred_from" => tr.t("Began").to_owned(),
        "assessment.occurred_until" => tr.t("Ended").to_owned(),
        "assessment.summary" => tr.t("What happened").to_owned(),
        "assessment.contact" => tr.t("Contact point").to_owned(),
        "assessment.protection" => tr.t("How the data was protected").to_owned(),
        "assessment.measures_taken" => tr.t("Measures taken").to_owned(),
        "assessment.risk_reasoning" => tr.t("Why this risk").to_owned(),
        "assessment.affected.controller_id" => tr.t("Affected controllers").to_owned(),
        "assessment" => tr.t("Assessment").to_owned(),
        "controller_id" => tr.t("Controller").to_owned(),
        "note" => tr.t("Note").to_owned(),
        "aware_at" => tr.t("Aware at").to_owned(),
        other => {
            let last = other.rsplit('.').next().unwrap_or(other).replace('_', " ");
            let mut c = last.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect())
                .unwrap_or_default()
        }
    };
    format!("{label}: {why}")
}

/// A wire field's name ("dpo_email", "subject.candidate_ref").
fn is_field_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.')
}

/// The Dutch of a whole text: parts separated by "; " that are each a
/// phrase, or else one phrase. `None` when it is not known.
pub fn dutch(text: &str) -> Option<String> {
    let parts = || {
        text.split("; ")
            .map(phrase)
            .collect::<Option<Vec<_>>>()
            .map(|p| p.join("; "))
    };
    let t = if text.contains("; ") {
        parts().or_else(|| phrase(text))
    } else {
        phrase(text)
    }?;
    Some(articles(&t))
}

/// The first phrase `text` is, said in Dutch.
fn phrase(text: &str) -> Option<String> {
    said_in(PHRASES, text, |h| dutch(h).unwrap_or_else(|| h.to_owned()))
}

/// The first template of `table` that `text` is, with its holes placed
/// (`{1}`, `{2}`, …) as `hole` says them.
fn said_in(table: &[(&str, &str)], text: &str, hole: impl Fn(&str) -> String) -> Option<String> {
    table.iter().find_map(|(en, said)| {
        let pieces: Vec<&str> = en.split("{}").collect();
        let mut holes = Vec::new();
        matches(&pieces, text, &mut holes).then(|| {
            let mut out = (*said).to_owned();
            for (k, h) in holes.iter().enumerate() {
                out = out.replace(&format!("{{{}}}", k + 1), &hole(h));
            }
            out
        })
    })
}

/// Whether `text` is `pieces` joined by holes; the holes are pushed.
fn matches<'a>(pieces: &[&str], text: &'a str, holes: &mut Vec<&'a str>) -> bool {
    let Some(rest) = text.strip_prefix(pieces[0]) else {
        return false;
    };
    match pieces.len() {
        1 => rest.is_empty(),
        2 => match rest.strip_suffix(pieces[1]) {
            Some(h) if !h.is_empty() => {
                holes.push(h);
                true
            }
            _ => false,
        },
        _ => {
            let next = pieces[1];
            // Every place the next literal could start (a hole is never empty).
            for (at, _) in rest.match_indices(next).filter(|(at, _)| *at > 0) {
                let mark = holes.len();
                holes.push(&rest[..at]);
                if matches(&pieces[1..], &rest[at..], holes) {
                    return true;
                }
                holes.truncate(mark);
            }
            false
        }
    }
}

/// "art. 33(3)(a)" as Dutch writes it: "art. 33 lid 3 onder a"; a further
/// level is "sub" ("art. 25 lid 2 onder c sub ii").
fn articles(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    let mut rest = s;
    while let Some(at) = rest.find("art. ") {
        out.push_str(&rest[..at + 5]);
        rest = &rest[at + 5..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            continue;
        }
        out.push_str(&rest[..digits]);
        rest = &rest[digits..];
        let mut level = 0;
        while let Some(inner) = rest.strip_prefix('(')
            && let Some(close) = inner.find(')')
            && close > 0
            && inner[..close].chars().all(|c| c.is_ascii_alphanumeric())
        {
            let word = match level {
                0 => " lid ",
                1 => " onder ",
                _ => " sub ",
            };
            out.push_str(word);
            out.push_str(&inner[..close]);
            rest = &inner[close + 1..];
            level += 1;
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn nl(s: &str) -> String {
        dutch(s).unwrap_or_else(|| panic!("no Dutch for {s:?}"))
    }

    #[test]
    fn templates_fill_their_holes_and_holes_are_said_in_dutch() {
        assert_eq!(
            nl(
                "2026-02-28 is a Saturday; 2026-03-01 is a Sunday; rolled to the next working day, 2026-03-02, the one-month period ends there in the rolled reading (Reg. 1182/71 art. 3(4))"
            ),
            "2026-02-28 is een zaterdag; 2026-03-01 is een zondag; doorgeschoven naar de eerstvolgende werkdag, 2026-03-02: daar eindigt de termijn van een maand in de doorgeschoven lezing (Verordening 1182/71 art. 3 lid 4)"
        );
        assert_eq!(
            nl(
                "GDPR art. 33(3)(a); the processing agreement's breach clause (model agreement annex 1 art. 6.3(a))"
            ),
            "AVG art. 33 lid 3 onder a; de datalekbepaling van de verwerkersovereenkomst (modelovereenkomst bijlage 1 art. 6.3(a))"
        );
        assert_eq!(
            nl("Regulation (EU) 2023/2854 (Data Act) art. 25(2)(c)(ii)"),
            "Verordening (EU) 2023/2854 (Dataverordening) art. 25 lid 2 onder c sub ii"
        );
        assert_eq!(nl("must not be empty"), "mag niet leeg zijn");
        assert_eq!(
            nl("a legal hold is in place (litigation 2026-17); release it first"),
            "er geldt een bewaarplicht (legal hold) (litigation 2026-17); hef die eerst op"
        );
        assert_eq!(
            say(
                Tr(Lang::En),
                "this controller gave general authorisation: it objects with RecordObjection instead"
            ),
            "this controller gave general authorisation: it objects instead of refusing"
        );
        assert_eq!(dutch("something no service writes"), None);
        // English is said as written, with its times read out.
        assert_eq!(say(Tr(Lang::En), "reported by Petra"), "reported by Petra");
        assert_eq!(
            refusal(
                Tr(Lang::Nl),
                "dpo_email: must be an e-mail address, got \"x\""
            ),
            "dpo_email: moet een e-mailadres zijn, niet \"x\""
        );
        // Above a form, the field by its label, never its wire name.
        assert_eq!(
            unfield(Tr(Lang::Nl), "assessment.occurred_from: mag niet leeg zijn"),
            "Begonnen: mag niet leeg zijn"
        );
        assert_eq!(
            unfield(Tr(Lang::En), "tia_reference: must not be empty"),
            "Tia reference: must not be empty"
        );
        assert_eq!(
            unfield(Tr(Lang::En), "Not confirmed: tick"),
            "Not confirmed: tick"
        );
    }

    /// Words only English has: a Dutch text holding one kept some English.
    fn assert_no_english(en: &str, said: &str) {
        for w in said.split(|c: char| !c.is_alphanumeric() && c != '\'') {
            assert!(
                ![
                    "the", "and", "must", "Saturday", "Sunday", "month", "months", "notice",
                    "rolled", "reading", "GDPR", "Reg"
                ]
                .contains(&w),
                "{w:?} left in the Dutch of {en:?}: {said:?}"
            );
        }
    }

    /// A rule's parameters for one case: (name, value or a marker).
    type Params = &'static [(&'static str, &'static str)];

    /// Every note, summary and citation `legal-time` writes, over starts
    /// through several years (weekends, holidays, month ends, DST) and
    /// every choice of each rule, is a phrase here.
    #[test]
    fn every_note_summary_and_citation_of_the_rules_is_said_in_dutch() {
        for spec in legal_time::CATALOGUE {
            assert_no_english(spec.summary, &nl(spec.summary));
            assert_no_english(spec.citation, &nl(spec.citation));
        }
        let variants: &[(&str, &[Params])] = &[
            ("breach.controller_notice", &[&[], &[("sla_hours", "48")]]),
            (
                "breach.authority_notice",
                &[&[], &[("processor_aware_at", "PREV")]],
            ),
            (
                "breach.office_hours_response",
                &[&[], &[("calendar", "NL-ATW+KB")]],
            ),
            (
                "dsr.response",
                &[
                    &[],
                    &[
                        ("suspension", "suspend"),
                        ("id_requested_at", "D1"),
                        ("id_received_at", "D9"),
                    ],
                    &[
                        ("suspension", "restart"),
                        ("id_requested_at", "D1"),
                        ("id_received_at", "D9"),
                    ],
                    &[
                        ("suspension", "suspend"),
                        ("id_requested_at", "D9"),
                        ("id_received_at", "D9"),
                    ],
                    &[("id_requested_at", "D1")],
                ],
            ),
            ("dsr.extension_notice", &[&[]]),
            ("dsr.extended_response", &[&[]]),
            ("subprocessor.objection_window", &[&[], &[("days", "30")]]),
            (
                "agreement.renewal",
                &[
                    &[],
                    &[("auto_renew", "false")],
                    &[("notice", "2 weeks"), ("as_of", "D400")],
                    &[("notice", "10 days")],
                    &[("notice", "1 month")],
                ],
            ),
            (
                "retention.applicant",
                &[
                    &[],
                    &[("consent", "talent_pool")],
                    &[("consent", "talent_pool"), ("withdrawn_at", "D9")],
                    &[("consent", "talent_pool"), ("withdrawn_at", "D400")],
                    &[("consent", "talent_pool"), ("withdrawn_at", "D-9")],
                ],
            ),
            (
                "dataact.switching",
                &[
                    &[],
                    &[("election", "erase")],
                    &[("election", "on_prem"), ("notice_months", "1")],
                ],
            ),
        ];
        let base = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
        let mut seen = 0;
        for day in (0..3 * 366).step_by(3) {
            let d = base + chrono::Days::new(day);
            let at_date = d.to_string();
            let at_instant = format!("{d}T22:30:00Z");
            for (rule, sets) in variants {
                for set in *sets {
                    let params: BTreeMap<String, String> = set
                        .iter()
                        .map(|(k, v)| {
                            let v = match *v {
                                "PREV" => format!("{}T08:00:00Z", d - chrono::Days::new(1)),
                                "D1" => (d + chrono::Days::new(1)).to_string(),
                                "D9" => (d + chrono::Days::new(9)).to_string(),
                                "D-9" => (d - chrono::Days::new(9)).to_string(),
                                "D400" => (d + chrono::Days::new(400)).to_string(),
                                v => v.to_owned(),
                            };
                            ((*k).to_owned(), v)
                        })
                        .collect();
                    for at in [&at_instant, &at_date] {
                        let Ok(o) = legal_time::compute(rule, at, &params) else {
                            continue;
                        };
                        for n in &o.notes {
                            seen += 1;
                            let said = dutch(n)
                                .unwrap_or_else(|| panic!("{rule} {params:?} at {at}: {n:?}"));
                            assert_no_english(n, &said);
                        }
                    }
                }
            }
        }
        assert!(seen > 10_000, "{seen} notes read");
    }

    /// The string literal at the start of `s` (after whitespace), if any.
    fn literal(s: &str) -> Option<String> {
        let s = s.trim_start();
        let s = s.strip_prefix("format!(").map_or(s, str::trim_start);
        let body = s.strip_prefix('"')?;
        let mut out = String::new();
        let mut chars = body.chars();
        while let Some(c) = chars.next() {
            match c {
                '"' => return Some(out),
                '\\' => match chars.next()? {
                    '\n' => {
                        // A continued line: its leading whitespace is not text.
                        let rest: String = chars.clone().collect();
                        let skip = rest.len() - rest.trim_start().len();
                        for _ in 0..rest[..skip].chars().count() {
                            chars.next();
                        }
                    }
                    e => out.push(e),
                },
                c => out.push(c),
            }
        }
        None
    }

    /// Every reason a service gives for refusing a form or an action
    /// (`err("field", "…")`, `Precondition("…")`, with `format!` holes as
    /// `{}`), read from the services' sources, is said in Dutch.
    #[test]
    fn every_refusal_a_service_writes_is_said_in_dutch() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut files = Vec::new();
        let mut dirs: Vec<std::path::PathBuf> = [
            "services/agreements/src",
            "services/breaches/src",
            "services/requests/src",
            "services/subprocessors/src",
            "services/switching/src",
            "services/vault/src",
            "services/controllers/src",
            "crates/domain-kit/src",
        ]
        .iter()
        .map(|d| root.join(d))
        .collect();
        while let Some(d) = dirs.pop() {
            for e in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
                let p = e.unwrap().path();
                if p.is_dir() {
                    dirs.push(p);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    files.push(p);
                }
            }
        }
        let mut seen = 0;
        let mut missing = std::collections::BTreeSet::new();
        for f in &files {
            let src = std::fs::read_to_string(f).unwrap();
            // Only the code, not its unit tests.
            let src = &src[..src.find("#[cfg(test)]").unwrap_or(src.len())];
            let mut reasons = Vec::new();
            for (at, _) in src.match_indices("err(") {
                // err("field", "reason") or err("field", format!("reason", …))
                let rest = &src[at + 4..];
                if let Some(field) = literal(rest)
                    && is_field_name(&field)
                {
                    let after = &rest[rest.find(',').unwrap_or(0) + 1..];
                    if let Some(r) = literal(after) {
                        reasons.push(r);
                    }
                }
            }
            for (at, _) in src.match_indices("Precondition(") {
                if let Some(r) = literal(&src[at + 13..]) {
                    reasons.push(r);
                }
            }
            for r in reasons {
                // `{name}` and `{}` holes alike; a sample value in each.
                let mut sample = String::new();
                let mut depth = 0;
                for c in r.chars() {
                    match c {
                        '{' => {
                            depth += 1;
                            if depth == 1 {
                                sample.push('7');
                            }
                        }
                        '}' if depth > 0 => depth -= 1,
                        c if depth == 0 => sample.push(c),
                        _ => {}
                    }
                }
                seen += 1;
                if dutch(&sample).is_none() {
                    missing.insert(format!(
                        "{}: {r:?}",
                        f.strip_prefix(&root).unwrap_or(f).display()
                    ));
                }
            }
        }
        assert!(seen > 60, "the scan found only {seen} reasons");
        assert!(
            missing.is_empty(),
            "{} refusals without Dutch:\n{}",
            missing.len(),
            missing.into_iter().collect::<Vec<_>>().join("\n")
        );
    }
}
