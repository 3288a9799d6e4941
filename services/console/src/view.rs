//! The page model every page is built of: a page is a title and a list of
//! sections (tables, facts, forms, charts, notes), rendered by one set of
//! templates so that every table has a caption and header cells, every
//! input a label, every instant a `<time>` and every state a word.

use chrono::{DateTime, Utc};

use crate::i18n::Tr;
use crate::when;

/// How a state looks besides its word (the word is always shown).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Bad,
    Warn,
    Good,
    Neutral,
}

impl Tone {
    pub fn class(&self) -> &'static str {
        match self {
            Tone::Bad => "bad",
            Tone::Warn => "warn",
            Tone::Good => "good",
            Tone::Neutral => "neutral",
        }
    }
}

#[derive(Debug, Clone)]
pub enum Cell {
    Text(String),
    Link {
        href: String,
        text: String,
    },
    /// An instant: `iso` goes in `datetime`, `text` is what is read
    /// (Amsterdam time, in words), `title` the exact instant in UTC (shown
    /// on hover).
    Time {
        iso: String,
        text: String,
        title: String,
    },
    State {
        word: String,
        tone: Tone,
    },
    Lines(Vec<String>),
    Code(String),
    Empty,
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Cell {
        let s = s.into();
        if s.is_empty() {
            Cell::Empty
        } else {
            Cell::Text(s)
        }
    }

    pub fn link(href: impl Into<String>, text: impl Into<String>) -> Cell {
        Cell::Link {
            href: href.into(),
            text: text.into(),
        }
    }

    pub fn state(word: impl Into<String>, tone: Tone) -> Cell {
        Cell::State {
            word: word.into(),
            tone,
        }
    }

    /// An RFC 3339 instant from the wire (empty: no cell content), read in
    /// Amsterdam time in the reader's language; a date (`YYYY-MM-DD`) as
    /// the day.
    pub fn time(tr: Tr, wire: &str) -> Cell {
        Cell::read(tr, wire, when::instant)
    }

    /// A deadline from the wire: as [`Cell::time`], but a day deadline (an
    /// exclusive local midnight) reads as the day it ends.
    pub fn due(tr: Tr, wire: &str) -> Cell {
        Cell::read(tr, wire, when::due)
    }

    /// A service's notes, their machine times read out ([`when::humanize`]).
    pub fn notes(tr: Tr, notes: &[String]) -> Cell {
        Cell::Lines(notes.iter().map(|n| crate::phrases::say(tr, n)).collect())
    }

    fn read(tr: Tr, wire: &str, say: fn(Tr, DateTime<Utc>) -> String) -> Cell {
        if wire.is_empty() {
            return Cell::Empty;
        }
        if let Ok(t) = DateTime::parse_from_rfc3339(wire) {
            let t = t.with_timezone(&Utc);
            return Cell::Time {
                iso: wire.to_owned(),
                text: say(tr, t),
                title: when::utc(t),
            };
        }
        match chrono::NaiveDate::parse_from_str(wire, "%Y-%m-%d") {
            Ok(d) => Cell::Time {
                iso: wire.to_owned(),
                text: when::day(tr, d),
                title: String::new(),
            },
            Err(_) => Cell::Text(wire.to_owned()),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Table {
    pub caption: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    /// Shown in place of the rows when there are none.
    pub empty: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    TextArea,
    /// An instant typed as Amsterdam wall-clock time in a `datetime-local`
    /// field (`when::parse_input`; the value is `when::input_value`).
    Instant,
    /// A calendar day (`YYYY-MM-DD` from the browser's date picker).
    Date,
    /// A secret typed once and never shown back (`password`).
    Secret,
    Number,
    Select(Vec<(String, String)>),
    /// Several boxes of one name (value, label); `Field::selected` ticked.
    Checks(Vec<(String, String)>),
    Check,
    Hidden,
}

#[derive(Debug, Clone)]
pub struct Field {
    pub name: String,
    pub label: String,
    pub kind: FieldKind,
    pub value: String,
    pub required: bool,
    pub help: String,
    /// The ticked values of a [`FieldKind::Checks`].
    pub selected: Vec<String>,
    /// Why the last submission was refused, said beside this field (the
    /// form came back with what was typed).
    pub error: String,
}

impl Field {
    pub fn new(name: &str, label: impl Into<String>, kind: FieldKind) -> Field {
        Field {
            name: name.into(),
            label: label.into(),
            kind,
            value: String::new(),
            required: false,
            help: String::new(),
            selected: Vec::new(),
            error: String::new(),
        }
    }
    pub fn selected(mut self, v: Vec<String>) -> Field {
        self.selected = v;
        self
    }
    pub fn is_checks(&self) -> bool {
        matches!(self.kind, FieldKind::Checks(_))
    }
    /// The boxes of a [`FieldKind::Checks`]: (id, value, label, ticked).
    pub fn boxes(&self, form: &str) -> Vec<(String, String, String, bool)> {
        match &self.kind {
            FieldKind::Checks(o) => o
                .iter()
                .enumerate()
                .map(|(i, (v, l))| {
                    (
                        format!("{}-{i}", self.id(form)),
                        v.clone(),
                        l.clone(),
                        self.selected.contains(v),
                    )
                })
                .collect(),
            _ => Vec::new(),
        }
    }
    pub fn required(mut self) -> Field {
        self.required = true;
        self
    }
    pub fn value(mut self, v: impl Into<String>) -> Field {
        self.value = v.into();
        self
    }
    pub fn error(mut self, e: impl Into<String>) -> Field {
        self.error = e.into();
        self
    }
    pub fn help(mut self, h: impl Into<String>) -> Field {
        self.help = h.into();
        self
    }
    pub fn is_select(&self) -> bool {
        matches!(self.kind, FieldKind::Select(_))
    }
    pub fn options(&self) -> &[(String, String)] {
        match &self.kind {
            FieldKind::Select(o) => o,
            _ => &[],
        }
    }
    pub fn input_type(&self) -> &'static str {
        match self.kind {
            FieldKind::Number => "number",
            FieldKind::Hidden => "hidden",
            FieldKind::Check => "checkbox",
            FieldKind::Instant => "datetime-local",
            FieldKind::Date => "date",
            FieldKind::Secret => "password",
            _ => "text",
        }
    }
    pub fn id(&self, form: &str) -> String {
        format!("{form}-{}", self.name)
    }
}

#[derive(Debug, Clone)]
pub struct Form {
    /// Unique on the page; the prefix of the inputs' ids.
    pub id: String,
    pub action: String,
    /// GET forms are filters (no anti-forgery value); POST forms act.
    pub post: bool,
    pub fields: Vec<Field>,
    pub submit: String,
}

#[derive(Debug, Clone)]
pub enum Body {
    Table(Table),
    /// A definition list: label and value.
    Facts(Vec<(String, Cell)>),
    Form(Form),
    /// A server-rendered inline SVG (built by [`crate::charts`], which
    /// escapes every text it writes) and the table of its numbers.
    Chart {
        svg: String,
        table: Table,
    },
    Notes(Vec<String>),
    /// Links, for instance downloads.
    Links(Vec<(String, String)>),
    Message {
        tone: Tone,
        text: String,
    },
}

#[derive(Debug, Clone)]
pub struct Section {
    pub heading: String,
    /// Set on a section the page refreshes on its own (htmx): its id and
    /// the URL that renders it alone.
    pub live: Option<(String, String)>,
    pub body: Vec<Body>,
}

impl Section {
    pub fn new(heading: impl Into<String>) -> Section {
        Section {
            heading: heading.into(),
            live: None,
            body: Vec::new(),
        }
    }
    pub fn with(mut self, b: Body) -> Section {
        self.body.push(b);
        self
    }
    pub fn push(&mut self, b: Body) {
        self.body.push(b);
    }
    pub fn live(mut self, id: &str, url: String) -> Section {
        self.live = Some((id.into(), url));
        self
    }
}

/// One link of the navigation.
#[derive(Debug, Clone)]
pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}
