//! The topics a person is alerted about by e-mail (issue 32): the words of
//! `PersonPreferences.alerts` on the wire, shared by the controllers (who
//! keep each person's choice) and the console (which plans and writes the
//! mails). A topic a person's role cannot receive is refused.

/// What an alert is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Topic {
    /// Incidents reported, breach notices and the breach clocks.
    Breaches,
    /// Data-subject requests' deadlines and extension notices.
    Requests,
    /// Sub-processor changes: objections received, objection windows.
    Subprocessors,
    /// Switching and exit: requested, withdrawn, its milestones.
    Switching,
    /// The agreements' own deadlines (notice periods, reviews).
    Agreements,
    /// A webhook message given up (dead letter): the processor's staff only.
    Webhooks,
}

impl Topic {
    pub const ALL: [Topic; 6] = [
        Topic::Breaches,
        Topic::Requests,
        Topic::Subprocessors,
        Topic::Switching,
        Topic::Agreements,
        Topic::Webhooks,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Topic::Breaches => "breaches",
            Topic::Requests => "requests",
            Topic::Subprocessors => "subprocessors",
            Topic::Switching => "switching",
            Topic::Agreements => "agreements",
            Topic::Webhooks => "webhooks",
        }
    }

    pub fn parse(s: &str) -> Option<Topic> {
        Topic::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// The topic of an obligation of `service` (the vault's erasures are
    /// the sweep's own work: no topic, no alert).
    pub fn of_service(service: &str) -> Option<Topic> {
        match service {
            "breaches" => Some(Topic::Breaches),
            "requests" => Some(Topic::Requests),
            "subprocessors" => Some(Topic::Subprocessors),
            "switching" => Some(Topic::Switching),
            "agreements" => Some(Topic::Agreements),
            _ => None,
        }
    }

    /// Whether a person with this tenant may receive the topic: the
    /// processor's staff every topic; a customer's DPO all but the
    /// webhook dead letters (the processor's to mend).
    pub fn open_to(self, tenant: Option<&str>) -> bool {
        tenant.is_none() || self != Topic::Webhooks
    }
}

/// The topics open to a person with this tenant, in order.
pub fn topics_for(tenant: Option<&str>) -> Vec<Topic> {
    Topic::ALL
        .into_iter()
        .filter(|t| t.open_to(tenant))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_round_trip_and_dpos_get_no_dead_letters() {
        for t in Topic::ALL {
            assert_eq!(Topic::parse(t.as_str()), Some(t));
        }
        assert_eq!(Topic::parse("Breaches"), None);
        assert_eq!(topics_for(None).len(), 6);
        assert!(!topics_for(Some("t")).contains(&Topic::Webhooks));
        assert_eq!(Topic::of_service("vault"), None);
    }
}
