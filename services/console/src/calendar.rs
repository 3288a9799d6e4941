//! A person's calendar feed (RFC 5545, written with the `icalendar` crate):
//! one event per obligation the person may see, pure (no IO; the route is
//! `pages::calendar`).
//!
//! - The UID is the obligation's own (its object and rule), so a calendar
//!   that refreshes the feed updates an event instead of adding another.
//! - A day deadline (due at an exclusive local midnight) is an all-day
//!   event on its last day, with alarms 7 days and 1 day before; an hour
//!   clock (a breach's) is a timed event in Europe/Amsterdam (the feed
//!   carries the zone's VTIMEZONE), with alarms 24, 6 and 1 hour before.
//! - An event says what must happen, for which customer, the rule and its
//!   citation, and links to the console page; never a candidate's or a
//!   data subject's name or reference (an obligation's `title` is left out).

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, Timelike, Utc};
use chrono_tz::Europe::Amsterdam;
use icalendar::{
    Alarm, Calendar, CalendarDateTime, Component, Event, EventLike, EventStatus, Trigger,
};
use proto::v1 as pb;

use crate::i18n::Tr;

/// Europe/Amsterdam as iCalendar describes it: CET in winter, CEST from the
/// last Sunday of March to the last Sunday of October (EU rules since 1996).
const VTIMEZONE: &str = "BEGIN:VTIMEZONE\r\n\
TZID:Europe/Amsterdam\r\n\
BEGIN:DAYLIGHT\r\n\
TZOFFSETFROM:+0100\r\n\
TZOFFSETTO:+0200\r\n\
TZNAME:CEST\r\n\
DTSTART:19700329T020000\r\n\
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n\
END:DAYLIGHT\r\n\
BEGIN:STANDARD\r\n\
TZOFFSETFROM:+0200\r\n\
TZOFFSETTO:+0100\r\n\
TZNAME:CET\r\n\
DTSTART:19701025T030000\r\n\
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n\
END:STANDARD\r\n\
END:VTIMEZONE\r\n";

/// When an obligation is due, as a calendar says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// The last day to act (the deadline is the midnight after it).
    Day(NaiveDate),
    /// An instant, to the minute.
    Instant(DateTime<Utc>),
}

/// A deadline at an exclusive local midnight is a day deadline.
pub fn when(due: DateTime<Utc>) -> When {
    let l = due.with_timezone(&Amsterdam);
    if l.hour() == 0 && l.minute() == 0 && l.second() == 0 {
        When::Day(l.date_naive().pred_opt().unwrap_or(l.date_naive()))
    } else {
        When::Instant(due)
    }
}

/// The event's UID: the same for the same obligation in every refresh
/// (an object with several obligations under one rule numbers them in
/// the order they fall due: [`entries`]).
pub fn uid(o: &pb::Obligation) -> String {
    format!("{}.{}.{}@custodian", o.object_type, o.object_id, o.rule)
}

/// One event of the feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub uid: String,
    pub summary: String,
    pub description: String,
    /// The console page (empty where there is none).
    pub url: String,
    pub when: When,
    /// Done: served as cancelled, so the calendar program takes it out.
    pub cancelled: bool,
}

/// How a start is kept between refreshes (`CalendarEvent.start`).
pub fn start_text(w: When) -> String {
    match w {
        When::Day(d) => d.format("%Y-%m-%d").to_string(),
        When::Instant(t) => t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    }
}

/// The start kept by [`start_text`].
pub fn parse_start(s: &str) -> Option<When> {
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Some(When::Day(d));
    }
    crate::pages::instant(s).map(When::Instant)
}

/// The events of `obligations` for a reader of language `tr`: `base` is
/// the console's address (links), `names` the tenants' names by id.
pub fn entries(
    tr: Tr,
    base: &str,
    obligations: &[pb::Obligation],
    names: &HashMap<String, String>,
) -> Vec<Entry> {
    let mut seen: HashMap<String, u32> = HashMap::new();
    let mut sorted: Vec<&pb::Obligation> = obligations.iter().collect();
    sorted.sort_by(|a, b| a.due_strict.cmp(&b.due_strict));
    sorted
        .into_iter()
        .filter_map(|o| {
            let due = crate::pages::instant(&o.due_strict)?;
            let what = crate::pages::obligations::what(tr, o);
            // An incident is the processor's own until it is assessed.
            let customer = if o.tenant_id.is_empty() {
                tr.t("the processor").to_owned()
            } else {
                names
                    .get(&o.tenant_id)
                    .cloned()
                    .unwrap_or_else(|| tr.t("a customer").to_owned())
            };
            let url = crate::pages::obligations::object_href(o)
                .map(|h| format!("{base}{h}"))
                .unwrap_or_default();
            let mut description = format!(
                "{}\n{}: {}\n{}",
                what,
                crate::phrases::rule_name(tr, &o.rule),
                crate::phrases::say(tr, &o.citation),
                crate::when::due(tr, due),
            );
            if !url.is_empty() {
                description.push('\n');
                description.push_str(&url);
            }
            let base_uid = uid(o);
            let n = seen.entry(base_uid.clone()).or_insert(0);
            *n += 1;
            let uid = if *n == 1 {
                base_uid
            } else {
                base_uid.replacen("@custodian", &format!(".{n}@custodian"), 1)
            };
            Some(Entry {
                uid,
                summary: format!("{what} ({customer})"),
                description,
                url,
                when: when(due),
                cancelled: false,
            })
        })
        .collect()
}

/// The feed's text.
pub fn render(tr: Tr, title: &str, entries: &[Entry], now: DateTime<Utc>) -> String {
    let mut cal = Calendar::new();
    cal.name(title).timezone("Europe/Amsterdam");
    for en in entries {
        let mut e = Event::new();
        e.uid(&en.uid)
            .summary(&en.summary)
            .description(&en.description)
            .timestamp(now);
        if !en.url.is_empty() {
            e.url(&en.url);
        }
        if en.cancelled {
            e.status(EventStatus::Cancelled).sequence(1);
        }
        let what = en.summary.as_str();
        match en.when {
            When::Day(d) => {
                e.starts(d).ends(d.succ_opt().unwrap_or(d));
                if !en.cancelled {
                    for days in [7, 1] {
                        e.alarm(Alarm::display(
                            what,
                            Trigger::before_start(Duration::days(days)),
                        ));
                    }
                }
            }
            When::Instant(t) => {
                let local = t.with_timezone(&Amsterdam).naive_local();
                e.starts(CalendarDateTime::WithTimezone {
                    date_time: local,
                    tzid: "Europe/Amsterdam".into(),
                });
                if !en.cancelled {
                    for hours in [24, 6, 1] {
                        e.alarm(Alarm::display(
                            what,
                            Trigger::before_start(Duration::hours(hours)),
                        ));
                    }
                }
            }
        }
        cal.push(e.done());
    }
    let _ = tr;
    let text = cal.done().to_string();
    // The zone the timed events name, before the first event.
    match text.find("BEGIN:VEVENT") {
        Some(i) => format!("{}{VTIMEZONE}{}", &text[..i], &text[i..]),
        None => text.replacen("END:VCALENDAR", &format!("{VTIMEZONE}END:VCALENDAR"), 1),
    }
}

/// [`entries`] rendered: the feed of `obligations` with nothing cancelled.
pub fn feed(
    tr: Tr,
    title: &str,
    base: &str,
    obligations: &[pb::Obligation],
    names: &HashMap<String, String>,
    now: DateTime<Utc>,
) -> String {
    render(tr, title, &entries(tr, base, obligations, names), now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    fn ob(rule: &str, due: &str) -> pb::Obligation {
        pb::Obligation {
            service: "breaches".into(),
            tenant_id: "t1".into(),
            object_type: "breach_notice".into(),
            object_id: "n1".into(),
            description: "notify".into(),
            rule: rule.into(),
            citation: "GDPR art. 33(2)".into(),
            due_strict: due.into(),
            title: "Jan de Vries".into(),
            ..Default::default()
        }
    }

    #[test]
    fn days_and_hours_uids_alarms_and_no_personal_data() {
        let names = HashMap::from([("t1".to_owned(), "Klant B.V.".to_owned())]);
        let now = Utc::now();
        let hour = ob("breach.controller_notice", "2026-12-08T13:30:00Z");
        // Midnight in Amsterdam (winter: UTC+1) ends 31 December.
        let day = pb::Obligation {
            object_type: "agreement".into(),
            object_id: "a1".into(),
            rule: "agreement.notice".into(),
            due_strict: "2026-12-31T23:00:00Z".into(),
            ..ob("x", "")
        };
        let text = feed(
            Tr(Lang::En),
            "Custodian",
            "https://c.example",
            &[hour.clone(), day.clone()],
            &names,
            now,
        );
        assert!(
            text.contains("UID:breach_notice.n1.breach.controller_notice@custodian"),
            "{text}"
        );
        assert!(
            text.contains("DTSTART;TZID=Europe/Amsterdam:20261208T143000"),
            "{text}"
        );
        assert!(text.contains("DTSTART;VALUE=DATE:20261231"), "{text}");
        assert!(text.contains("DTEND;VALUE=DATE:20270101"), "{text}");
        // Alarms: 24, 6 and 1 hour before the clock; 7 days and 1 before a day.
        for t in ["-PT86400S", "-PT21600S", "-PT3600S", "-PT604800S"] {
            assert!(
                text.contains(&format!("TRIGGER;RELATED=START:{t}")),
                "{t}: {text}"
            );
        }
        assert!(text.contains("BEGIN:VTIMEZONE"));
        assert!(text.contains("(Klant B.V.)"));
        let own = pb::Obligation {
            tenant_id: String::new(),
            ..hour.clone()
        };
        let own = feed(
            Tr(Lang::En),
            "Custodian",
            "https://c.example",
            &[own],
            &names,
            now,
        );
        assert!(own.contains("(the processor)"), "{own}");
        assert!(text.contains("https://c.example/breaches/notices/n1"));
        assert!(
            !text.contains("Jan de Vries"),
            "an object's title is never in the feed"
        );
        assert_eq!(
            when(day_due(&day)),
            When::Day(NaiveDate::from_ymd_opt(2026, 12, 31).unwrap())
        );
        // Done: served as cancelled, without alarms.
        let mut gone = entries(
            Tr(Lang::En),
            "https://c.example",
            std::slice::from_ref(&day),
            &names,
        );
        gone[0].cancelled = true;
        let done = render(Tr(Lang::En), "Custodian", &gone, now);
        assert!(
            done.contains("STATUS:CANCELLED") && !done.contains("BEGIN:VALARM"),
            "{done}"
        );
        for w in [when(day_due(&day)), When::Instant(day_due(&day))] {
            assert_eq!(parse_start(&start_text(w)), Some(w));
        }
        // The same obligation, the same UID, whatever else changed.
        let again = feed(
            Tr(Lang::Nl),
            "Custodian",
            "https://c.example",
            &[hour],
            &names,
            now,
        );
        assert!(again.contains("UID:breach_notice.n1.breach.controller_notice@custodian"));
    }

    fn day_due(o: &pb::Obligation) -> DateTime<Utc> {
        crate::pages::instant(&o.due_strict).unwrap()
    }
}
