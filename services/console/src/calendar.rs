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
use icalendar::{Alarm, Calendar, CalendarDateTime, Component, Event, EventLike, Trigger};
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

/// The event's UID: the same for the same obligation in every refresh.
pub fn uid(o: &pb::Obligation) -> String {
    format!("{}.{}.{}@custodian", o.object_type, o.object_id, o.rule)
}

/// The feed of `obligations` for a reader of language `tr`: `base` is the
/// console's address (links), `names` the tenants' names by id.
pub fn feed(
    tr: Tr,
    title: &str,
    base: &str,
    obligations: &[pb::Obligation],
    names: &HashMap<String, String>,
    now: DateTime<Utc>,
) -> String {
    let mut cal = Calendar::new();
    cal.name(title).timezone("Europe/Amsterdam");
    for o in obligations {
        let Some(due) = crate::pages::instant(&o.due_strict) else {
            continue;
        };
        let what = crate::pages::obligations::what(tr, o);
        let customer = names
            .get(&o.tenant_id)
            .cloned()
            .unwrap_or_else(|| tr.t("a customer").to_owned());
        let url = crate::pages::obligations::object_href(o).map(|h| format!("{base}{h}"));
        let mut description = format!(
            "{}\n{}: {}\n{}",
            what,
            crate::phrases::rule_name(tr, &o.rule),
            crate::phrases::say(tr, &o.citation),
            crate::when::due(tr, due),
        );
        if let Some(u) = &url {
            description.push('\n');
            description.push_str(u);
        }
        let mut e = Event::new();
        e.uid(&uid(o))
            .summary(&format!("{what} ({customer})"))
            .description(&description)
            .timestamp(now);
        if let Some(u) = &url {
            e.url(u);
        }
        match when(due) {
            When::Day(d) => {
                e.starts(d).ends(d.succ_opt().unwrap_or(d));
                for days in [7, 1] {
                    e.alarm(Alarm::display(
                        &what,
                        Trigger::before_start(Duration::days(days)),
                    ));
                }
            }
            When::Instant(t) => {
                let local = t.with_timezone(&Amsterdam).naive_local();
                e.starts(CalendarDateTime::WithTimezone {
                    date_time: local,
                    tzid: "Europe/Amsterdam".into(),
                });
                for hours in [24, 6, 1] {
                    e.alarm(Alarm::display(
                        &what,
                        Trigger::before_start(Duration::hours(hours)),
                    ));
                }
            }
        }
        cal.push(e.done());
    }
    let text = cal.done().to_string();
    // The zone the timed events name, before the first event.
    match text.find("BEGIN:VEVENT") {
        Some(i) => format!("{}{VTIMEZONE}{}", &text[..i], &text[i..]),
        None => text.replacen("END:VCALENDAR", &format!("{VTIMEZONE}END:VCALENDAR"), 1),
    }
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
        assert!(text.contains("https://c.example/breaches/notices/n1"));
        assert!(
            !text.contains("Jan de Vries"),
            "an object's title is never in the feed"
        );
        assert_eq!(
            when(day_due(&day)),
            When::Day(NaiveDate::from_ymd_opt(2026, 12, 31).unwrap())
        );
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
