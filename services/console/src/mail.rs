//! What people are told by e-mail (issue 32), pure: who is alerted about
//! what and when, and the words of each mail, in the person's language, in
//! plain text and HTML. The worker gathers the inputs (people and their
//! preferences, the open obligations, the audit entries of events) and
//! writes what this plans into the mail outbox; nothing here does IO.
//!
//! - **Alerts at thresholds.** A day deadline (due at a local midnight) is
//!   alerted 7 days and 1 day before; an hour clock (a breach's) 24, 6 and
//!   1 hour before, as the calendar feed's alarms. When an obligation is
//!   first seen inside a window, only the nearest threshold is alerted (no
//!   "24 hours left" at 5 hours left); past its due it is the digest's.
//!   The key is person, obligation, due instant and threshold: planning
//!   again plans nothing; a due instant that moves (an extension) is a new
//!   obligation.
//! - **Events**, read from the audit log: an incident reported (the staff),
//!   a breach notice sent to a customer (its DPOs), an objection received,
//!   a switch requested or withdrawn, a webhook message given up (the
//!   staff). The key is person and audit sequence number.
//! - **A daily digest** at the person's local time: overdue, due within 72
//!   hours, later this week (to the end of Sunday); planned as empty (and
//!   never sent) when there is nothing to say. The key is person and day.
//!
//! A mail names what must happen, the customer, the due time in Amsterdam
//! time, the rule and its citation, and links to the console page; never
//! an obligation's `title` (a candidate's reference, an incident's first
//! words) or anything about a data subject.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Datelike, Duration, NaiveTime, TimeZone, Utc};
use chrono_tz::Europe::Amsterdam;
use proto::alerts::Topic;
use proto::v1 as pb;

use crate::calendar::{When, uid, when};
use crate::i18n::{Lang, Tr};
use crate::phrases;

/// A person who may be told something.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub id: String,
    pub name: String,
    pub email: String,
    pub lang: Lang,
    /// A customer's DPO's tenant; `None`: the processor's staff.
    pub tenant: Option<String>,
    pub alerts: BTreeSet<Topic>,
    /// Local (Europe/Amsterdam) time of the daily digest.
    pub digest_at: Option<NaiveTime>,
}

impl Person {
    fn sees(&self, tenant: Option<&str>) -> bool {
        match (&self.tenant, tenant) {
            (None, _) => true,
            (Some(mine), Some(t)) => mine == t,
            (Some(_), None) => false,
        }
    }

    fn receives(&self, topic: Topic, tenant: Option<&str>) -> bool {
        self.alerts.contains(&topic) && self.sees(tenant)
    }
}

/// An audited event people are told about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub seq: i64,
    pub action: String,
    pub tenant: Option<String>,
    pub object_type: String,
    pub object_id: String,
    pub at: DateTime<Utc>,
}

/// The audit actions people are alerted about.
pub const EVENT_ACTIONS: [&str; 6] = [
    "breach.incident.report",
    "breach.notice.send",
    "subprocessor.objection",
    "switching.request",
    "switching.withdraw",
    "notification.dead",
];

/// A mail as planned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub key: String,
    pub person_id: String,
    pub address: String,
    pub lang: Lang,
    pub tenant: Option<String>,
    /// `alert`, `event` or `digest`.
    pub kind: &'static str,
    pub topic: &'static str,
    /// The obligation an alert is about: its service, calendar UID and due.
    pub obligation: Option<(String, String, DateTime<Utc>)>,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// A digest day with nothing to say.
    pub empty: bool,
}

/// Where the mails link to, and the customers' names.
pub struct Context<'a> {
    /// The console's address, without a trailing slash.
    pub base: &'a str,
    pub names: &'a HashMap<String, String>,
}

/// A threshold: how long before the due instant, and its words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Threshold {
    pub before: Duration,
    pub label: &'static str,
    pub code: &'static str,
}

const DAY_THRESHOLDS: [Threshold; 2] = [
    Threshold {
        before: Duration::days(7),
        label: "7 days left",
        code: "7d",
    },
    Threshold {
        before: Duration::days(1),
        label: "1 day left",
        code: "1d",
    },
];

const HOUR_THRESHOLDS: [Threshold; 3] = [
    Threshold {
        before: Duration::hours(24),
        label: "24 hours left",
        code: "24h",
    },
    Threshold {
        before: Duration::hours(6),
        label: "6 hours left",
        code: "6h",
    },
    Threshold {
        before: Duration::hours(1),
        label: "1 hour left",
        code: "1h",
    },
];

/// The nearest threshold `now` is past for an obligation due at `due`
/// (`None`: not yet in a window, or already due).
pub fn threshold(now: DateTime<Utc>, due: DateTime<Utc>) -> Option<Threshold> {
    if now >= due {
        return None;
    }
    let list: &[Threshold] = match when(due) {
        When::Day(_) => &DAY_THRESHOLDS,
        When::Instant(_) => &HOUR_THRESHOLDS,
    };
    list.iter().rev().find(|t| due - t.before <= now).copied()
}

/// The farthest any threshold reaches: obligations due later need no look.
pub const HORIZON: Duration = Duration::days(7);

fn customer(tr: Tr, ctx: &Context, tenant: &str) -> String {
    if tenant.is_empty() {
        tr.t("the processor").to_owned()
    } else {
        ctx.names
            .get(tenant)
            .cloned()
            .unwrap_or_else(|| tr.t("a customer").to_owned())
    }
}

fn tenant_of(o: &pb::Obligation) -> Option<&str> {
    Some(o.tenant_id.as_str()).filter(|t| !t.is_empty())
}

/// One alert to plan: the person, the obligation, its due and threshold.
struct Target<'a> {
    key: String,
    person: &'a Person,
    obligation: &'a pb::Obligation,
    topic: Topic,
    due: DateTime<Utc>,
    threshold: Threshold,
}

fn targets<'a>(
    now: DateTime<Utc>,
    obligations: &'a [pb::Obligation],
    people: &'a [Person],
) -> Vec<Target<'a>> {
    let mut out = Vec::new();
    for o in obligations {
        let Some(topic) = Topic::of_service(&o.service) else {
            continue;
        };
        let Some(due) = crate::pages::instant(&o.due_strict) else {
            continue;
        };
        let Some(th) = threshold(now, due) else {
            continue;
        };
        let uid = uid(o);
        for p in people.iter().filter(|p| p.receives(topic, tenant_of(o))) {
            out.push(Target {
                key: format!(
                    "alert:{}:{}:{}:{}",
                    p.id,
                    uid,
                    due.timestamp_micros(),
                    th.code
                ),
                person: p,
                obligation: o,
                topic,
                due,
                threshold: th,
            });
        }
    }
    out
}

/// The keys of the alerts `now` calls for (cheap: nothing is written), so
/// the caller can look up which are planned before [`alerts`] writes them.
pub fn alert_keys(
    now: DateTime<Utc>,
    obligations: &[pb::Obligation],
    people: &[Person],
) -> Vec<String> {
    targets(now, obligations, people)
        .into_iter()
        .map(|t| t.key)
        .collect()
}

/// The alerts `now` calls for. `planned` says whether a key was planned
/// before (so a mail already planned is not written again).
pub fn alerts(
    now: DateTime<Utc>,
    obligations: &[pb::Obligation],
    people: &[Person],
    ctx: &Context,
    planned: &dyn Fn(&str) -> bool,
) -> Vec<Mail> {
    let mut out = Vec::new();
    for t in targets(now, obligations, people) {
        if planned(&t.key) {
            continue;
        }
        let (p, o, due, th, topic) = (t.person, t.obligation, t.due, t.threshold, t.topic);
        let tr = Tr(p.lang);
        let what = crate::pages::obligations::what(tr, o);
        let who = customer(tr, ctx, &o.tenant_id);
        let subject = format!("{}: {what} ({who})", capitalised(tr.t(th.label)));
        let link = crate::pages::obligations::object_href(o).map(|h| format!("{}{h}", ctx.base));
        let mut lines = vec![
            Line::Lead(format!("{what} ({who})")),
            Line::Field(
                tr.t("Deadline"),
                format!(
                    "{} ({})",
                    crate::when::due(tr, due),
                    tr.remaining((due - now).num_seconds())
                ),
            ),
            Line::Field(tr.t("Rule"), phrases::rule_name(tr, &o.rule)),
            Line::Field(tr.t("Citation"), phrases::say(tr, &o.citation)),
        ];
        for n in &o.notes {
            lines.push(Line::Note(crate::when::humanize(tr, &phrases::say(tr, n))));
        }
        let (text, html) = write(tr, p, ctx, &lines, link.as_deref(), Some(topic));
        out.push(Mail {
            key: t.key,
            person_id: p.id.clone(),
            address: p.email.clone(),
            lang: p.lang,
            tenant: tenant_of(o).map(str::to_owned),
            kind: "alert",
            topic: topic.as_str(),
            obligation: Some((o.service.clone(), uid(o), due)),
            subject,
            text,
            html,
            empty: false,
        });
    }
    out
}

/// Who an event is for, what it says and where it links.
struct EventWords {
    topic: Topic,
    /// For the customer's own DPOs (else: the processor's staff).
    customer: bool,
    subject: &'static str,
    lead: &'static str,
    rule: Option<(&'static str, &'static str)>,
    href: String,
}

fn event_words(e: &Event) -> Option<EventWords> {
    let id = &e.object_id;
    Some(match e.action.as_str() {
        "breach.incident.report" => EventWords {
            topic: Topic::Breaches,
            customer: false,
            subject: "An incident was reported and awaits assessment",
            lead: "An incident was reported. Assess it and notify the controllers it affects without undue delay.",
            rule: Some((
                "breach.controller_notice",
                "GDPR art. 33(2); processing agreement notice SLA",
            )),
            href: format!("/breaches/{id}"),
        },
        "breach.notice.send" => EventWords {
            topic: Topic::Breaches,
            customer: true,
            subject: "You received a breach notice from the processor",
            lead: "The processor sent you a notice of a personal data breach. Your 72 hours to notify the supervisory authority run from when you became aware of it.",
            rule: Some((
                "breach.authority_notice",
                "GDPR art. 33(1); EDPB Guidelines 9/2022; Reg. (EEC, Euratom) 1182/71 art. 3",
            )),
            href: format!("/breaches/notices/{id}"),
        },
        "subprocessor.objection" => EventWords {
            topic: Topic::Subprocessors,
            customer: false,
            subject: "A customer objected to a sub-processor change",
            lead: "A customer objected to a sub-processor change. The change may not take effect for that customer until the objection is resolved.",
            rule: Some((
                "subprocessor.objection_window",
                "GDPR art. 28(2); the processing agreement's objection period (two weeks in the model agreement); SCC 2021/915 clause 7.7(a)",
            )),
            href: "/subprocessors".to_owned(),
        },
        "switching.request" => EventWords {
            topic: Topic::Switching,
            customer: false,
            subject: "A customer asked to switch or leave",
            lead: "A customer asked to switch to another provider or to leave. The Data Act's periods run from the request.",
            rule: Some((
                "dataact.switching",
                "Regulation (EU) 2023/2854 (Data Act) art. 25(2)(a), (c), (d), (g), (h) and 25(4); Reg. (EEC, Euratom) 1182/71 art. 3",
            )),
            href: format!("/switching/{id}"),
        },
        "switching.withdraw" => EventWords {
            topic: Topic::Switching,
            customer: false,
            subject: "A customer withdrew its switch",
            lead: "A customer withdrew its request to switch or leave; the contract continues.",
            rule: Some((
                "dataact.switching",
                "Regulation (EU) 2023/2854 (Data Act) art. 25(2)(a), (c), (d), (g), (h) and 25(4); Reg. (EEC, Euratom) 1182/71 art. 3",
            )),
            href: format!("/switching/{id}"),
        },
        "notification.dead" => EventWords {
            topic: Topic::Webhooks,
            customer: false,
            subject: "A message to a customer's webhook was given up",
            lead: "Every attempt to deliver a message to a customer's webhook failed. Mend the webhook with the customer and send the message again.",
            rule: None,
            href: format!("/webhooks/{id}"),
        },
        _ => return None,
    })
}

/// The mails the audited `events` call for.
pub fn events(events: &[Event], people: &[Person], ctx: &Context) -> Vec<Mail> {
    let mut out = Vec::new();
    for e in events {
        let Some(w) = event_words(e) else { continue };
        let tenant = e.tenant.as_deref().filter(|t| !t.is_empty());
        for p in people.iter().filter(|p| {
            p.receives(w.topic, tenant)
                && (if w.customer {
                    p.tenant.is_some()
                } else {
                    p.tenant.is_none()
                })
        }) {
            let tr = Tr(p.lang);
            let who = customer(tr, ctx, tenant.unwrap_or(""));
            let mut lines = vec![Line::Lead(tr.t(w.lead).to_owned())];
            if tenant.is_some() {
                lines.push(Line::Field(tr.t("Customer"), who.clone()));
            }
            lines.push(Line::Field(tr.t("When"), crate::when::instant(tr, e.at)));
            if let Some((rule, citation)) = w.rule {
                lines.push(Line::Field(tr.t("Rule"), phrases::rule_name(tr, rule)));
                lines.push(Line::Field(tr.t("Citation"), phrases::say(tr, citation)));
            }
            let link = format!("{}{}", ctx.base, w.href);
            let (text, html) = write(tr, p, ctx, &lines, Some(&link), Some(w.topic));
            let subject = if tenant.is_some() {
                format!("{} ({who})", tr.t(w.subject))
            } else {
                tr.t(w.subject).to_owned()
            };
            out.push(Mail {
                key: format!("event:{}:{}", p.id, e.seq),
                person_id: p.id.clone(),
                address: p.email.clone(),
                lang: p.lang,
                tenant: tenant.map(str::to_owned),
                kind: "event",
                topic: w.topic.as_str(),
                obligation: None,
                subject,
                text,
                html,
                empty: false,
            });
        }
    }
    out
}

/// The key of a person's digest for the local day of `now`.
pub fn digest_key(person: &str, now: DateTime<Utc>) -> String {
    format!(
        "digest:{person}:{}",
        now.with_timezone(&Amsterdam).date_naive()
    )
}

/// Whether a person's digest time has come today (local time).
pub fn digest_due(p: &Person, now: DateTime<Utc>) -> bool {
    p.digest_at
        .is_some_and(|at| now.with_timezone(&Amsterdam).time() >= at)
}

/// The end of the local week of `now` (the midnight after Sunday).
pub fn end_of_week(now: DateTime<Utc>) -> DateTime<Utc> {
    let l = now.with_timezone(&Amsterdam).date_naive();
    let days = 7 - i64::from(l.weekday().num_days_from_monday());
    let monday = l + Duration::days(days);
    Amsterdam
        .from_local_datetime(&monday.and_hms_opt(0, 0, 0).unwrap_or_default())
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(now + Duration::days(days))
}

/// An obligation as a digest lists it, in one language: written once per
/// language for all the people of a round (the words cost more than the
/// sorting: `phrases::say` matches templates).
struct Item {
    due: DateTime<Utc>,
    tenant: Option<String>,
    topic: Topic,
    text: String,
    citation: String,
    link: Option<String>,
}

fn items(tr: Tr, now: DateTime<Utc>, obligations: &[pb::Obligation], ctx: &Context) -> Vec<Item> {
    let mut out: Vec<Item> = obligations
        .iter()
        .filter_map(|o| {
            let topic = Topic::of_service(&o.service)?;
            let due = crate::pages::instant(&o.due_strict)?;
            let what = crate::pages::obligations::what(tr, o);
            let who = customer(tr, ctx, &o.tenant_id);
            Some(Item {
                due,
                tenant: tenant_of(o).map(str::to_owned),
                topic,
                text: format!(
                    "{what} ({who}): {}, {} ({})",
                    crate::when::due(tr, due),
                    tr.remaining((due - now).num_seconds()),
                    phrases::rule_name(tr, &o.rule),
                ),
                citation: phrases::say(tr, &o.citation),
                link: crate::pages::obligations::object_href(o).map(|h| format!("{}{h}", ctx.base)),
            })
        })
        .collect();
    out.sort_by_key(|i| i.due);
    out
}

/// The digests of `people` for today: `obligations` are every open
/// obligation due before the later of 72 hours and the end of the week
/// (overdue ones included), for all of them.
pub fn digests(
    now: DateTime<Utc>,
    people: &[&Person],
    obligations: &[pb::Obligation],
    ctx: &Context,
) -> Vec<Mail> {
    let mut written: HashMap<Lang, Vec<Item>> = HashMap::new();
    people
        .iter()
        .map(|p| {
            let list = written
                .entry(p.lang)
                .or_insert_with(|| items(Tr(p.lang), now, obligations, ctx));
            one_digest(now, p, list, ctx)
        })
        .collect()
}

/// The digest of `p` alone (see [`digests`]).
pub fn digest(
    now: DateTime<Utc>,
    p: &Person,
    obligations: &[pb::Obligation],
    ctx: &Context,
) -> Mail {
    digests(now, &[p], obligations, ctx).remove(0)
}

fn one_digest(now: DateTime<Utc>, p: &Person, items: &[Item], ctx: &Context) -> Mail {
    let tr = Tr(p.lang);
    let soon = now + Duration::hours(72);
    let week = end_of_week(now);
    let mut overdue = Vec::new();
    let mut within = Vec::new();
    let mut later = Vec::new();
    for i in items {
        if !i.topic.open_to(p.tenant.as_deref()) || !p.sees(i.tenant.as_deref()) {
            continue;
        }
        if i.due <= now {
            overdue.push(i);
        } else if i.due <= soon {
            within.push(i);
        } else if i.due < week {
            later.push(i);
        }
    }
    let empty = overdue.is_empty() && within.is_empty() && later.is_empty();
    let key = digest_key(&p.id, now);
    let day = now.with_timezone(&Amsterdam).date_naive();
    let subject = format!(
        "{} {}: {} {}, {} {}",
        tr.t("Deadlines of"),
        crate::when::day(tr, day),
        overdue.len(),
        tr.t("overdue"),
        within.len() + later.len(),
        tr.t("coming up")
    );
    let mut lines = Vec::new();
    for (title, group) in [
        (tr.t("Overdue"), overdue),
        (tr.t("Due within 72 hours"), within),
        (tr.t("Later this week"), later),
    ] {
        if group.is_empty() {
            continue;
        }
        lines.push(Line::Heading(title.to_owned()));
        for i in group {
            lines.push(Line::Item {
                text: i.text.clone(),
                citation: i.citation.clone(),
                link: i.link.clone(),
            });
        }
    }
    let overview = format!("{}/", ctx.base);
    let (text, html) = write(tr, p, ctx, &lines, Some(&overview), None);
    Mail {
        key,
        person_id: p.id.clone(),
        address: p.email.clone(),
        lang: p.lang,
        tenant: p.tenant.clone(),
        kind: "digest",
        topic: "digest",
        obligation: None,
        subject,
        text,
        html,
        empty,
    }
}

enum Line {
    Lead(String),
    Heading(String),
    Field(&'static str, String),
    Note(String),
    Item {
        text: String,
        citation: String,
        link: Option<String>,
    },
}

/// `s` with its first letter upper case.
pub(crate) fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Escapes text for HTML.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// The plain text and the HTML of a mail: greeting, lines, the console
/// link, and why the person receives it.
fn write(
    tr: Tr,
    p: &Person,
    ctx: &Context,
    lines: &[Line],
    link: Option<&str>,
    topic: Option<Topic>,
) -> (String, String) {
    let mut text = format!("{} {},\n\n", tr.t("Dear"), p.name);
    let mut html = format!(
        "<!doctype html><html lang=\"{}\"><body style=\"font-family:sans-serif;line-height:1.5\">\
         <p>{} {},</p>",
        tr.lang(),
        esc(tr.t("Dear")),
        esc(&p.name)
    );
    let mut in_list = false;
    for l in lines {
        if in_list && !matches!(l, Line::Item { .. }) {
            html.push_str("</ul>");
            in_list = false;
        }
        match l {
            Line::Lead(s) => {
                text.push_str(&format!("{s}\n\n"));
                html.push_str(&format!("<p><strong>{}</strong></p>", esc(s)));
            }
            Line::Heading(s) => {
                text.push_str(&format!("\n{s}\n{}\n", "-".repeat(s.chars().count())));
                html.push_str(&format!("<h3>{}</h3>", esc(s)));
            }
            Line::Field(k, v) => {
                text.push_str(&format!("{k}: {v}\n"));
                html.push_str(&format!("<p>{}: {}</p>", esc(k), esc(v)));
            }
            Line::Note(s) => {
                text.push_str(&format!("- {s}\n"));
                html.push_str(&format!("<p><small>{}</small></p>", esc(s)));
            }
            Line::Item {
                text: t,
                citation,
                link,
            } => {
                if !in_list {
                    html.push_str("<ul>");
                    in_list = true;
                }
                text.push_str(&format!("- {t}\n  {citation}\n"));
                html.push_str(&format!(
                    "<li>{}<br><small>{}</small>",
                    esc(t),
                    esc(citation)
                ));
                if let Some(l) = link {
                    text.push_str(&format!("  {l}\n"));
                    html.push_str(&format!(
                        " <a href=\"{}\">{}</a>",
                        esc(l),
                        esc(tr.t("Open"))
                    ));
                }
                html.push_str("</li>");
            }
        }
    }
    if in_list {
        html.push_str("</ul>");
    }
    if let Some(l) = link {
        text.push_str(&format!("\n{}: {l}\n", tr.t("Open in the console")));
        html.push_str(&format!(
            "<p><a href=\"{}\">{}</a></p>",
            esc(l),
            esc(tr.t("Open in the console"))
        ));
    }
    let settings = format!("{}/me/notifications", ctx.base);
    let why = match topic {
        Some(t) => format!(
            "{} {}.",
            tr.t("You receive this because your alerts about this topic are on:"),
            topic_name(tr, t)
        ),
        None => tr
            .t("You receive this daily digest at the time you chose.")
            .to_owned(),
    };
    text.push_str(&format!(
        "\n-- \n{why}\n{}: {settings}\n",
        tr.t("Change what you receive")
    ));
    html.push_str(&format!(
        "<hr><p><small>{} <a href=\"{}\">{}</a></small></p></body></html>",
        esc(&why),
        esc(&settings),
        esc(tr.t("Change what you receive"))
    ));
    (text, html)
}

/// A topic in words.
pub fn topic_name(tr: Tr, t: Topic) -> &'static str {
    tr.t(match t {
        Topic::Breaches => "data breaches",
        Topic::Requests => "data-subject requests",
        Topic::Subprocessors => "sub-processors",
        Topic::Switching => "switching and exit",
        Topic::Agreements => "processing agreements",
        Topic::Webhooks => "webhook messages given up",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn ob(service: &str, object_type: &str, rule: &str, tenant: &str, due: &str) -> pb::Obligation {
        pb::Obligation {
            service: service.into(),
            tenant_id: tenant.into(),
            object_type: object_type.into(),
            object_id: "0190aaaa-0000-7000-8000-000000000001".into(),
            description: "notify the controller".into(),
            rule: rule.into(),
            citation: "GDPR art. 33(2); processing agreement notice SLA".into(),
            due_strict: due.into(),
            due_lenient: due.into(),
            overdue: false,
            notes: vec![],
            title: "Jan de Vries".into(),
        }
    }

    fn person(id: &str, lang: Lang, tenant: Option<&str>) -> Person {
        Person {
            id: id.into(),
            name: format!("Person {id}"),
            email: format!("{id}@example.nl"),
            lang,
            tenant: tenant.map(str::to_owned),
            alerts: proto::alerts::topics_for(tenant).into_iter().collect(),
            digest_at: NaiveTime::from_hms_opt(8, 0, 0),
        }
    }

    #[test]
    fn every_text_passed_by_name_has_dutch() {
        let nl = Tr(Lang::Nl);
        let mut texts: Vec<&str> = DAY_THRESHOLDS
            .iter()
            .chain(&HOUR_THRESHOLDS)
            .map(|t| t.label)
            .collect();
        for a in EVENT_ACTIONS {
            let w = event_words(&Event {
                seq: 1,
                action: a.into(),
                tenant: None,
                object_type: String::new(),
                object_id: String::new(),
                at: Utc::now(),
            })
            .unwrap();
            texts.push(w.subject);
            texts.push(w.lead);
            if let Some((rule, citation)) = w.rule {
                assert_ne!(phrases::rule_name(nl, rule), rule, "{rule}");
                assert_ne!(phrases::say(nl, citation), citation, "{citation}");
            }
        }
        for t in texts {
            assert_ne!(nl.t(t), t, "no Dutch for {t:?}");
        }
        for t in Topic::ALL {
            assert_ne!(topic_name(nl, t), topic_name(Tr(Lang::En), t));
        }
    }

    #[test]
    fn thresholds_take_the_nearest_window_only() {
        // An hour clock at 15:30 Amsterdam.
        let due = at("2026-12-10T14:30:00Z");
        assert_eq!(threshold(due - Duration::hours(30), due), None);
        assert_eq!(
            threshold(due - Duration::hours(20), due).unwrap().code,
            "24h"
        );
        assert_eq!(threshold(due - Duration::hours(5), due).unwrap().code, "6h");
        assert_eq!(
            threshold(due - Duration::minutes(10), due).unwrap().code,
            "1h"
        );
        assert_eq!(threshold(due, due), None);
        // A day deadline: the local midnight after its last day.
        let day = at("2026-12-17T23:00:00Z");
        assert_eq!(threshold(day - Duration::days(8), day), None);
        assert_eq!(threshold(day - Duration::days(3), day).unwrap().code, "7d");
        assert_eq!(threshold(day - Duration::hours(3), day).unwrap().code, "1d");
    }

    #[test]
    fn alerts_reach_the_right_people_in_their_language_without_a_title() {
        let names: HashMap<String, String> = [("t1".to_owned(), "Acme BV".to_owned())].into();
        let ctx = Context {
            base: "https://custodian.example.nl",
            names: &names,
        };
        let people = vec![
            person("staff", Lang::En, None),
            person("dpo1", Lang::Nl, Some("t1")),
            person("dpo2", Lang::Nl, Some("t2")),
        ];
        let o = ob(
            "breaches",
            "breach_notice",
            "breach.controller_notice",
            "t1",
            "2026-12-10T14:30:00Z",
        );
        let now = at("2026-12-10T09:00:00Z");
        let mails = alerts(now, std::slice::from_ref(&o), &people, &ctx, &|_| false);
        assert_eq!(mails.len(), 2, "the staff and t1's DPO, not t2's");
        let en = &mails[0];
        assert!(en.subject.starts_with("6 hours left: "), "{}", en.subject);
        assert!(en.subject.contains("(Acme BV)"));
        assert!(
            en.text
                .contains("https://custodian.example.nl/breaches/notices/")
        );
        assert!(en.text.contains("GDPR art. 33(2)"));
        assert!(
            en.html
                .contains("<a href=\"https://custodian.example.nl/breaches/notices/")
        );
        let nl = &mails[1];
        assert!(nl.subject.starts_with("Nog 6 uur: "), "{}", nl.subject);
        assert!(nl.text.contains("AVG art. 33 lid 2"), "{}", nl.text);
        for m in &mails {
            assert!(!m.text.contains("Jan de Vries") && !m.html.contains("Jan de Vries"));
            assert_eq!(m.obligation.as_ref().unwrap().0, "breaches");
        }
        // Planned before: nothing again.
        assert!(alerts(now, &[o], &people, &ctx, &|_| true).is_empty());
    }

    #[test]
    fn events_go_to_staff_or_the_customers_own_dpo() {
        let names: HashMap<String, String> = [("t1".to_owned(), "Acme BV".to_owned())].into();
        let ctx = Context {
            base: "http://c",
            names: &names,
        };
        let people = vec![
            person("staff", Lang::En, None),
            person("dpo1", Lang::Nl, Some("t1")),
        ];
        let e = |seq, action: &str, tenant: Option<&str>| Event {
            seq,
            action: action.into(),
            tenant: tenant.map(str::to_owned),
            object_type: "x".into(),
            object_id: "id".into(),
            at: at("2026-12-10T09:00:00Z"),
        };
        let mails = events(
            &[
                e(1, "breach.incident.report", None),
                e(2, "breach.notice.send", Some("t1")),
                e(3, "notification.dead", Some("t1")),
                e(4, "controller.update", Some("t1")),
            ],
            &people,
            &ctx,
        );
        let who: Vec<(&str, &str)> = mails
            .iter()
            .map(|m| (m.person_id.as_str(), m.key.as_str()))
            .collect();
        assert_eq!(
            who,
            vec![
                ("staff", "event:staff:1"),
                ("dpo1", "event:dpo1:2"),
                ("staff", "event:staff:3")
            ]
        );
        assert!(
            mails[1].subject.contains("inbreuk") || mails[1].subject.contains("datalek"),
            "{}",
            mails[1].subject
        );
    }

    #[test]
    fn a_digest_sorts_into_overdue_soon_and_this_week_and_is_empty_when_quiet() {
        let names = HashMap::new();
        let ctx = Context {
            base: "http://c",
            names: &names,
        };
        // Monday 7 December 2026, 08:00 Amsterdam.
        let now = at("2026-12-07T07:00:00Z");
        let p = person("staff", Lang::En, None);
        let obs = vec![
            ob(
                "requests",
                "dsr_request",
                "dsr.response",
                "t1",
                "2026-12-06T23:00:00Z",
            ),
            ob(
                "breaches",
                "breach_notice",
                "breach.controller_notice",
                "t1",
                "2026-12-08T10:00:00Z",
            ),
            ob(
                "agreements",
                "agreement",
                "agreement.renewal",
                "t1",
                "2026-12-12T23:00:00Z",
            ),
            ob(
                "agreements",
                "agreement",
                "agreement.renewal",
                "t1",
                "2026-12-20T23:00:00Z",
            ),
            ob(
                "vault",
                "candidate",
                "retention.applicant",
                "t1",
                "2026-12-06T23:00:00Z",
            ),
        ];
        let d = digest(now, &p, &obs, &ctx);
        assert!(!d.empty);
        assert_eq!(d.key, "digest:staff:2026-12-07");
        assert!(
            d.subject.contains("1 overdue, 2 coming up"),
            "{}",
            d.subject
        );
        let (o, s, l) = (
            d.text.find("Overdue").unwrap(),
            d.text.find("Due within 72 hours").unwrap(),
            d.text.find("Later this week").unwrap(),
        );
        assert!(o < s && s < l);
        assert!(!d.text.contains("candidate"));
        let quiet = digest(now, &p, &obs[3..], &ctx);
        assert!(quiet.empty);
        assert!(digest_due(&p, now) && !digest_due(&p, now - Duration::minutes(1)));
    }
}
