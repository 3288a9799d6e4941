//! What one process builds: the services it hosts (`target`), each wired to
//! the services it depends on, in process or over gRPC (`[peers]`). The one
//! place that decides, for the server (`app::run`) and the worker alike.
//!
//! The rule: a service this process hosts, or one no peer is named for, is
//! reached in process; one named in `[peers]` and not hosted here is reached
//! over gRPC. So the monolith (no peers) builds everything in process, and
//! a split process builds only its own services, over its own tables. The
//! key store and the master key are opened only where the vault is in
//! process: where it is hosted, or needed and not named as a peer.

use std::collections::BTreeSet;
use std::sync::Arc;

use deadlines::ObligationSource;

use crate::app::Target;
use crate::config::Config;
use crate::links::{ControllersLink, RequestsLink, VaultLink};
use crate::peers::{Peer, RemoteObligations};
use crate::wiring::{self, Links, Processing};

pub struct Assembly {
    pub targets: BTreeSet<Target>,
    pub db: store::sea_orm::DatabaseConnection,
    /// The vault, when it is in this process.
    pub vault: Option<Arc<vault::Vault>>,
    pub processing: Processing,
    pub requests: Option<Arc<requests::Requests>>,
    pub switching: Option<Arc<switching::Switching>>,
    /// The peers the hosted services cannot work without, with the public
    /// service whose health says the peer is up: (hosted, peer, service).
    pub required: Vec<(Target, Peer, &'static str)>,
    /// Obligation sources of the services hosted here.
    pub hosted_sources: Vec<Arc<dyn ObligationSource>>,
    /// Obligation sources of services hosted by peers.
    pub peer_sources: Vec<Arc<dyn ObligationSource>>,
}

impl Assembly {
    pub fn hosts(&self, t: Target) -> bool {
        self.targets.contains(&t)
    }

    pub async fn build(config: &Config, targets: BTreeSet<Target>) -> anyhow::Result<Assembly> {
        let db = crate::ops::main_db(config).await?;
        let hosts = |t: Target| targets.contains(&t);
        // A peer for `t`: named in [peers] and not hosted here.
        let peer = |t: Target, url: &Option<String>| -> anyhow::Result<Option<Peer>> {
            match url {
                Some(u) if !hosts(t) => Ok(Some(Peer::connect(t.name(), u, config)?)),
                _ => Ok(None),
            }
        };
        let p = &config.peers;
        let vault_peer = peer(Target::Vault, &p.vault)?;
        let controllers_peer = peer(Target::Controllers, &p.controllers)?;
        let agreements_peer = peer(Target::Agreements, &p.agreements)?;
        let subprocessors_peer = peer(Target::Subprocessors, &p.subprocessors)?;
        let requests_peer = peer(Target::Requests, &p.requests)?;

        let needs_requests =
            hosts(Target::Requests) || (hosts(Target::Switching) && requests_peer.is_none());
        let needs_vault = hosts(Target::Vault)
            || (vault_peer.is_none() && (needs_requests || hosts(Target::Switching)));
        let links = Links {
            controllers: match &controllers_peer {
                Some(peer) => ControllersLink::Remote(peer.clone()),
                None => ControllersLink::Local(controllers::ControllerRepo::new(db.clone())),
            },
            agreements: agreements_peer.clone(),
            subprocessors: subprocessors_peer.clone(),
        };
        let vault = if needs_vault {
            let v = crate::vault::open(config, db.clone(), links.controllers.clone()).await?;
            crate::vault::reconcile_at_start(&v).await?;
            Some(v)
        } else {
            None
        };
        let processing = wiring::processing(config, db.clone(), &links);

        // The one way to the vault of this process's services (requests and
        // switching): in process when it is opened here, else its peer.
        let vault_link = match (&vault, &vault_peer) {
            (Some(v), _) => Some(VaultLink::Local(v.clone())),
            (None, Some(peer)) => Some(VaultLink::Remote(peer.clone())),
            (None, None) => None,
        };
        let requests = if needs_requests {
            let subjects: Arc<dyn requests::ports::SubjectData> =
                Arc::new(wiring::SubjectVault(vault_link.clone().expect(
                    "the vault is opened, or its peer named, when requests need it",
                )));
            Some(wiring::requests(db.clone(), subjects, &processing))
        } else {
            None
        };
        let switching = if hosts(Target::Switching) {
            let vault_link = vault_link
                .clone()
                .expect("the vault is opened, or its peer named, when switching needs it");
            let requests_link = match (&requests, &requests_peer) {
                (Some(r), _) => RequestsLink::Local(r.clone()),
                (None, Some(peer)) => RequestsLink::Remote(peer.clone()),
                (None, None) => unreachable!("requests are built when switching needs them"),
            };
            let s = wiring::switching(db.clone(), vault_link, &processing, requests_link);
            // Export builds a stopped process left unfinished start over.
            let resumed = s.resume_exports().await?;
            if resumed > 0 {
                tracing::info!(resumed, "resumed unfinished export builds");
            }
            Some(s)
        } else {
            None
        };

        // The peers each hosted service needs to do any work at all.
        let mut required = Vec::new();
        let need = |t: Target, peers: &[(&Option<Peer>, &'static str)], out: &mut Vec<_>| {
            if hosts(t) {
                for (peer, service) in peers {
                    if let Some(peer) = peer {
                        out.push((t, (*peer).clone(), *service));
                    }
                }
            }
        };
        use proto::service_names as sn;
        need(
            Target::Requests,
            &[
                (&vault_peer, sn::VAULT),
                (&controllers_peer, sn::CONTROLLERS),
                (&agreements_peer, sn::AGREEMENTS),
            ],
            &mut required,
        );
        need(
            Target::Switching,
            &[
                (&vault_peer, sn::VAULT),
                (&controllers_peer, sn::CONTROLLERS),
                (&agreements_peer, sn::AGREEMENTS),
                (&requests_peer, sn::REQUESTS),
            ],
            &mut required,
        );
        need(
            Target::Vault,
            &[(&controllers_peer, sn::CONTROLLERS)],
            &mut required,
        );
        need(
            Target::Breaches,
            &[
                (&controllers_peer, sn::CONTROLLERS),
                (&agreements_peer, sn::AGREEMENTS),
            ],
            &mut required,
        );
        need(
            Target::Subprocessors,
            &[(&agreements_peer, sn::AGREEMENTS)],
            &mut required,
        );

        // The obligation sources of the services this process hosts: merged
        // by its own DeadlineService, and answered to the DeadlineService of
        // a peer.
        let mut hosted_sources: Vec<Arc<dyn ObligationSource>> = Vec::new();
        if let (true, Some(v)) = (hosts(Target::Vault), &vault) {
            hosted_sources.push(v.clone());
        }
        if hosts(Target::Agreements) {
            hosted_sources.push(Arc::new(agreements::AgreementObligations(
                processing.agreements.clone(),
            )));
        }
        if hosts(Target::Subprocessors) {
            hosted_sources.push(Arc::new(subprocessors::SubprocessorObligations(
                processing.subprocessors.clone(),
            )));
        }
        if hosts(Target::Breaches) {
            hosted_sources.push(Arc::new(breaches::BreachObligations(
                processing.breaches.clone(),
            )));
        }
        if let (true, Some(r)) = (hosts(Target::Requests), &requests) {
            hosted_sources.push(Arc::new(requests::RequestObligations(r.clone())));
        }
        if let Some(s) = &switching {
            hosted_sources.push(Arc::new(switching::SwitchingObligations(s.clone())));
        }
        // Sources hosted by peers, asked over gRPC (the same trait), when
        // this process merges them.
        let mut peer_sources: Vec<Arc<dyn ObligationSource>> = Vec::new();
        // The deadline service merges them; so does the mail planner, which
        // runs where notifications are.
        if hosts(Target::Deadlines) || hosts(Target::Notifications) {
            // The peers already connected above share their channel.
            let remote = [
                (Target::Vault, &p.vault, &vault_peer),
                (Target::Agreements, &p.agreements, &agreements_peer),
                (Target::Subprocessors, &p.subprocessors, &subprocessors_peer),
                (Target::Breaches, &p.breaches, &None),
                (Target::Requests, &p.requests, &requests_peer),
                (Target::Switching, &p.switching, &None),
            ];
            for (t, url, connected) in remote {
                let found = match connected {
                    Some(peer) => Some(peer.clone()),
                    None => peer(t, url)?,
                };
                if let Some(peer) = found {
                    peer_sources.push(Arc::new(RemoteObligations {
                        peer,
                        service: t.name(),
                    }));
                }
            }
            // A vault opened here for the request or switching service
            // without hosting it still has its obligations merged here.
            if let (false, Some(v)) = (hosts(Target::Vault), &vault) {
                peer_sources.push(v.clone());
            }
        }
        Ok(Assembly {
            targets,
            db,
            vault,
            processing,
            requests,
            switching,
            required,
            hosted_sources,
            peer_sources,
        })
    }

    /// The outbox deliverer of this process (over the controllers link).
    pub fn deliverer(&self, config: &Config) -> anyhow::Result<outbox::Deliverer> {
        wiring::deliverer(
            config,
            self.db.clone(),
            self.processing.controllers_link.clone(),
        )
    }

    /// The e-mail jobs of this worker: the planner and the mailer, when
    /// `[mail]` names a relay and notifications are hosted here (they
    /// need the controllers' people, so the controllers too). The relay is
    /// tried at once: a relay that cannot be used stops the start.
    pub async fn mail_jobs(&self, config: &Config) -> anyhow::Result<Option<MailJobs>> {
        let Some(setup) = config.mail.setup()? else {
            return Ok(None);
        };
        if !self.hosts(Target::Notifications) {
            return Ok(None);
        }
        if !self.hosts(Target::Controllers) {
            anyhow::bail!(
                "[mail] e-mail is planned by the worker hosting notifications and controllers (the people); this worker's target {} hosts notifications without controllers",
                config.target
            );
        }
        let sources: Vec<Arc<dyn ObligationSource>> = self
            .hosted_sources
            .iter()
            .chain(&self.peer_sources)
            .cloned()
            .collect();
        let planner = crate::mail::Planner::new(self.db.clone(), &sources, &setup.console_url);
        let mailer = outbox::mail::Mailer::new(
            self.db.clone(),
            &setup.relay,
            Arc::new(crate::mail::OpenObligations(sources)),
            setup.policy,
        )?;
        mailer.check_relay().await?;
        Ok(Some(MailJobs {
            planner,
            mailer,
            plan_every: setup.plan_every,
        }))
    }

    /// Closes the databases this process opened.
    pub async fn close(self) {
        self.db.close().await.ok();
        if let Some(v) = self.vault {
            v.keys.db.clone().close().await.ok();
        }
    }
}

/// The e-mail jobs of a worker ([`Assembly::mail_jobs`]).
pub struct MailJobs {
    pub planner: crate::mail::Planner,
    pub mailer: outbox::mail::Mailer,
    /// `[mail] plan_interval_secs`.
    pub plan_every: std::time::Duration,
}
