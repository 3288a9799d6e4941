//! Legal time for Custodian: the one place that does calendar arithmetic.
//!
//! - [`calendar`]: the NL-ATW and NL-ATW+KB holiday calendars (2000–2100).
//! - [`period`]: Reg. 1182/71 day/week/month/year periods, the roll to the
//!   next working day, working days, office hours, elapsed-hour clocks.
//! - [`rules`]: the rule catalogue of `legal-rules.md`, each result with its
//!   rule id, citation, strict and lenient readings and notes in words.
//! - [`json`]: the JSON contract of `custodian deadlines compute`.
//!
//! - [`zone`]: Europe/Amsterdam: the compiled zone data (chrono-tz) where it
//!   has transitions, the EU summer-time rule after it (from 2100).
//!
//! Pure: no IO, no async. The Europe/Amsterdam zone rules are compiled in,
//! so results do not depend on the host's zoneinfo.

pub mod calendar;
pub mod json;
pub mod period;
pub mod rules;
pub mod zone;

pub use calendar::Calendar;
pub use rules::{
    CATALOGUE, Kind, Milestone, NoticePeriod, Outcome, Reading, Readings, RuleError, RuleSpec,
    Start, compute,
};
