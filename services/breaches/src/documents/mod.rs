//! What the breach service renders from its views, pure: the timeline of an
//! incident, the draft of the authority notification (the questions of the
//! AP's breach notification form, filled from the record, unknowns
//! marked) and the register of every incident (GDPR art. 33(5)).

use chrono::{DateTime, Utc};

mod authority_draft;
mod register;
mod timeline;

pub use authority_draft::*;
pub use register::*;
pub use timeline::*;

pub(crate) fn ts(t: DateTime<Utc>) -> String {
    proto::wire::timestamp(t)
}
