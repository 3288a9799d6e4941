//! Where the console's gRPC calls go: one lazily connected channel per
//! public service, to this process's own listener or, in a split
//! deployment, to the peer process that hosts the service. The console
//! holds no database handle and no key: every page is a gRPC client call
//! made with the signed-in person's own token.

use std::collections::BTreeMap;
use std::time::Duration;

use tonic::transport::{Channel, ClientTlsConfig, Endpoint};

/// A public service the console calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Service {
    Identity,
    Deadlines,
    Breaches,
    Requests,
    Audit,
    Subprocessors,
    Agreements,
    Vault,
    Switching,
    Notifications,
    Controllers,
}

impl Service {
    pub const ALL: [Service; 11] = [
        Service::Identity,
        Service::Deadlines,
        Service::Breaches,
        Service::Requests,
        Service::Audit,
        Service::Subprocessors,
        Service::Agreements,
        Service::Vault,
        Service::Switching,
        Service::Notifications,
        Service::Controllers,
    ];
}

/// The channels, by service.
#[derive(Clone)]
pub struct Backend {
    own: Channel,
    routed: BTreeMap<Service, Channel>,
}

#[derive(Debug, thiserror::Error)]
#[error("console backend address {addr:?}: {reason}")]
pub struct BadAddress {
    pub addr: String,
    pub reason: String,
}

fn endpoint(addr: &str, timeout: Duration) -> Result<Endpoint, BadAddress> {
    Endpoint::from_shared(addr.to_owned())
        .map(|e| {
            e.connect_timeout(Duration::from_secs(5))
                .timeout(timeout)
                .tcp_nodelay(true)
        })
        .map_err(|e| BadAddress {
            addr: addr.chars().take(60).collect(),
            reason: e.to_string(),
        })
}

impl Backend {
    /// `own` is this process's gRPC listener (`http://127.0.0.1:50051`);
    /// `routed` names the services another process hosts.
    ///
    /// `own_tls` is how to reach this process's own TLS listener; `peer_tls`
    /// how to reach an `https://` peer.
    pub fn new(
        own: &str,
        routed: &[(Service, String)],
        timeout: Duration,
        own_tls: Option<ClientTlsConfig>,
        peer_tls: Option<ClientTlsConfig>,
    ) -> Result<Backend, BadAddress> {
        let with_tls = |addr: &str, e: Endpoint, tls: Option<ClientTlsConfig>| match tls {
            Some(t) if addr.starts_with("https://") => e.tls_config(t).map_err(|err| BadAddress {
                addr: addr.chars().take(60).collect(),
                reason: format!("TLS: {err}"),
            }),
            _ => Ok(e),
        };
        let own_channel = with_tls(own, endpoint(own, timeout)?, own_tls)?.connect_lazy();
        let mut map = BTreeMap::new();
        for (s, addr) in routed {
            map.insert(
                *s,
                with_tls(addr, endpoint(addr, timeout)?, peer_tls.clone())?.connect_lazy(),
            );
        }
        Ok(Backend {
            own: own_channel,
            routed: map,
        })
    }

    pub fn channel(&self, s: Service) -> Channel {
        self.routed.get(&s).unwrap_or(&self.own).clone()
    }
}
