//! Where the processor's own systems may send a customer's data: the
//! addresses a webhook may name or resolve to. A controller chooses its
//! webhook URL, so without this it could aim the delivery worker at the
//! processor's internal services (the gRPC port, the console, the database,
//! a cloud metadata endpoint) and read back from the errors which ports
//! answer. Loopback, private (RFC 1918, fc00::/7), shared (100.64/10),
//! link-local (169.254/16, fe80::/10, so also the metadata addresses),
//! unspecified, multicast, broadcast and reserved addresses are refused,
//! unless the operator's allow-list names them (a receiver on the
//! processor's own network, a test).
//!
//! Pure: the configuration check reads the URL (IP literals in every form
//! the URL standard accepts: `127.1`, `2130706433`, `0x7f000001`), the
//! delivery check each address a name resolved to.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

pub use ipnet::IpNet;

/// The operator's allow-list: networks a webhook may reach although they
/// are not public.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TargetPolicy {
    pub allow: Vec<IpNet>,
}

impl TargetPolicy {
    /// Parses the operator's list (`127.0.0.1/32`, `10.1.0.0/16`, `::1/128`,
    /// or a bare address for one host), naming the entry that is wrong.
    pub fn parse(entries: &[String]) -> Result<TargetPolicy, String> {
        let mut allow = Vec::new();
        for e in entries {
            let e = e.trim();
            let net = e
                .parse::<IpNet>()
                .or_else(|_| e.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| {
                    format!(
                        "webhook_allow: {} is not an address or a network (a.b.c.d/n, x::y/n)",
                        crate::quote(e)
                    )
                })?;
            allow.push(net);
        }
        Ok(TargetPolicy { allow })
    }

    /// Why `ip` may not be a webhook's address, or `None` when it may.
    pub fn refuses(&self, ip: IpAddr) -> Option<&'static str> {
        let ip = canonical(ip);
        let why = not_public(ip)?;
        if self.allow.iter().any(|n| n.contains(&ip)) {
            return None;
        }
        Some(why)
    }

    /// The configuration check of an `https://` URL's host: an IP literal
    /// must be allowed, and `localhost` names are refused; other names are
    /// checked at delivery, on the addresses they resolve to.
    pub fn check_url(&self, url: &str) -> Result<(), String> {
        let parsed = url::Url::parse(url).map_err(|_| "is not a valid URL".to_owned())?;
        match parsed.host() {
            None => Err("has no host".into()),
            Some(url::Host::Ipv4(ip)) => self.check_ip(IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => self.check_ip(IpAddr::V6(ip)),
            Some(url::Host::Domain(name)) => {
                let name = name.trim_end_matches('.').to_ascii_lowercase();
                if (name == "localhost" || name.ends_with(".localhost"))
                    && !self
                        .allow
                        .iter()
                        .any(|n| n.contains(&IpAddr::from(Ipv4Addr::LOCALHOST)))
                {
                    return Err(
                        "names this machine (localhost), which webhooks may not reach".into(),
                    );
                }
                Ok(())
            }
        }
    }

    fn check_ip(&self, ip: IpAddr) -> Result<(), String> {
        match self.refuses(ip) {
            None => Ok(()),
            Some(why) => Err(format!(
                "names a {why} address, which webhooks may not reach"
            )),
        }
    }
}

/// An IPv4 address written as IPv6 (`::ffff:127.0.0.1`) is the IPv4 one.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(v6),
        },
        v4 => v4,
    }
}

/// The kind of a non-public address, or `None` for a public one.
fn not_public(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => v4_kind(v4),
        IpAddr::V6(v6) => v6_kind(v6),
    }
}

fn v4_kind(ip: Ipv4Addr) -> Option<&'static str> {
    let o = ip.octets();
    if ip.is_unspecified() || o[0] == 0 {
        Some("unspecified")
    } else if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_private() || (o[0] == 100 && (64..128).contains(&o[1])) {
        Some("private")
    } else if ip.is_link_local() {
        Some("link-local (cloud metadata)")
    } else if ip.is_multicast() || ip.is_broadcast() || o[0] >= 240 {
        Some("multicast, broadcast or reserved")
    } else if ip.is_documentation() || (o[0] == 198 && (o[1] == 18 || o[1] == 19)) {
        Some("reserved")
    } else {
        None
    }
}

fn v6_kind(ip: Ipv6Addr) -> Option<&'static str> {
    let s = ip.segments();
    if ip.is_unspecified() {
        Some("unspecified")
    } else if ip.is_loopback() {
        Some("loopback")
    } else if (s[0] & 0xfe00) == 0xfc00 {
        Some("private")
    } else if (s[0] & 0xffc0) == 0xfe80 {
        Some("link-local (cloud metadata)")
    } else if ip.is_multicast() {
        Some("multicast, broadcast or reserved")
    } else if s[0] == 0x2001 && s[1] == 0x0db8 {
        Some("reserved")
    } else if let Some(v4) = ip.to_ipv4() {
        // IPv4-compatible and NAT64-free forms of an IPv4 address.
        if s[0..5] == [0, 0, 0, 0, 0] {
            v4_kind(v4)
        } else {
            None
        }
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_of_an_internal_address_is_refused() {
        let p = TargetPolicy::default();
        for url in [
            "https://127.0.0.1:50051/",
            "https://127.1/",
            "https://2130706433/",
            "https://0x7f000001/",
            "https://0177.0.0.1/",
            "https://[::1]/",
            "https://[::ffff:127.0.0.1]/",
            "https://0.0.0.0/",
            "https://10.0.0.8/",
            "https://172.16.5.4/",
            "https://192.168.1.1/",
            "https://169.254.169.254/latest/meta-data/",
            "https://[fe80::1]/",
            "https://[fd00::1]/",
            "https://100.64.0.1/",
            "https://localhost:5432/",
            "https://api.localhost/",
        ] {
            assert!(p.check_url(url).is_err(), "{url} was accepted");
        }
        for url in [
            "https://hooks.example.nl/custodian",
            "https://93.184.216.34/x",
            "https://[2a00:1450:4001::1]/",
        ] {
            assert!(p.check_url(url).is_ok(), "{url} was refused");
        }
        let e = p.check_url("https://127.1/").unwrap_err();
        assert!(e.contains("loopback"), "{e}");
    }

    #[test]
    fn the_allow_list_opens_exactly_what_it_names() {
        let p = TargetPolicy::parse(&["127.0.0.1/32".into(), "10.1.0.0/16".into(), "::1".into()])
            .unwrap();
        assert_eq!(p.refuses("127.0.0.1".parse().unwrap()), None);
        assert_eq!(p.refuses("::1".parse().unwrap()), None);
        assert_eq!(p.refuses("10.1.2.3".parse().unwrap()), None);
        assert_eq!(p.refuses("10.2.0.1".parse().unwrap()), Some("private"));
        assert_eq!(p.refuses("127.0.0.2".parse().unwrap()), Some("loopback"));
        assert!(p.check_url("https://localhost/").is_ok());
        let e = TargetPolicy::parse(&["10.0.0.0/33".into()]).unwrap_err();
        assert!(
            e.contains("webhook_allow") && e.contains("10.0.0.0/33"),
            "{e}"
        );
    }
}
