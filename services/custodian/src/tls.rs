//! TLS for the gRPC listener and for this process's own calls: to its peers
//! in a split deployment and, for the DPO console, to its own listener.
//! rustls with ring (tonic's `tls-ring`); certificates and keys from PEM
//! files. Off unless `[tls] cert_file` and `key_file` are set.

use tonic::transport::{Certificate, ClientTlsConfig, Identity, ServerTlsConfig};

use crate::config::{ClientAuth, Tls};

fn read(what: &str, p: &std::path::Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(p).map_err(|e| anyhow::anyhow!("tls.{what}: cannot read {}: {e}", p.display()))
}

impl Tls {
    /// Whether the gRPC listener speaks TLS.
    pub fn enabled(&self) -> bool {
        self.cert_file.is_some() && self.key_file.is_some()
    }

    fn identity(&self) -> anyhow::Result<Option<Identity>> {
        match (&self.cert_file, &self.key_file) {
            (Some(c), Some(k)) => Ok(Some(Identity::from_pem(
                read("cert_file", c)?,
                read("key_file", k)?,
            ))),
            (None, None) => Ok(None),
            _ => anyhow::bail!("tls: cert_file and key_file go together; set both or neither"),
        }
    }

    /// The listener's TLS, when configured: its identity and, with
    /// `client_ca_file`, client certificates verified against that CA
    /// (required or optional per `client_auth`).
    pub fn server(&self) -> anyhow::Result<Option<ServerTlsConfig>> {
        let Some(id) = self.identity()? else {
            if self.client_ca_file.is_some() {
                anyhow::bail!(
                    "tls.client_ca_file needs cert_file and key_file (the listener's own identity)"
                );
            }
            return Ok(None);
        };
        let mut c = ServerTlsConfig::new().identity(id);
        if let Some(ca) = &self.client_ca_file {
            c = c
                .client_ca_root(Certificate::from_pem(read("client_ca_file", ca)?))
                .client_auth_optional(self.client_auth == ClientAuth::Optional);
        }
        Ok(Some(c))
    }

    /// This process as a TLS client of `https://` peers (and of itself):
    /// trusting `ca_file`, presenting its own certificate when it has one
    /// (for peers that require client certificates). `domain` overrides the
    /// name checked against the server's certificate.
    pub fn client(&self, domain: Option<&str>) -> anyhow::Result<ClientTlsConfig> {
        let mut c = ClientTlsConfig::new();
        if let Some(ca) = &self.ca_file {
            c = c.ca_certificate(Certificate::from_pem(read("ca_file", ca)?));
        }
        if let Some(id) = self.identity()? {
            c = c.identity(id);
        }
        if let Some(d) = domain {
            c = c.domain_name(d);
        }
        Ok(c)
    }
}
