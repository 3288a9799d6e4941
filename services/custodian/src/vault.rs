//! Opening the vault: the key store, the master key (created on the embedded
//! default, verified always), and the erasure fence run at every start.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use vault::keys::{KeyStore, MasterKeySource, load_master};
use vault::signing_key::SigningKeySource;
use vault::{TenantDirectory, Vault};

use crate::config::Config;

/// The vault's view of tenants, served by the controllers service (in
/// process or over its link).
struct Controllers(crate::links::ControllersLink);

#[async_trait::async_trait]
impl TenantDirectory for Controllers {
    async fn exists(&self, tenant: &str) -> Result<bool, domain_kit::PortError> {
        Ok(self.0.controller(tenant).await?.is_some())
    }
}

fn master_source(config: &Config) -> MasterKeySource {
    if let Ok(hex) = std::env::var("CUSTODIAN_MASTER_KEY")
        && !hex.trim().is_empty()
    {
        return MasterKeySource::Hex(hex);
    }
    match &config.master_key_file {
        Some(p) => MasterKeySource::File(p.clone()),
        None => MasterKeySource::DefaultFile(config.data_dir.join("master.key")),
    }
}

fn signing_source(config: &Config) -> SigningKeySource {
    if let Ok(text) = std::env::var("CUSTODIAN_SIGNING_KEY")
        && !text.trim().is_empty()
    {
        return SigningKeySource::Text(text);
    }
    match &config.signing_key_file {
        Some(p) => SigningKeySource::File(p.clone()),
        None => SigningKeySource::DefaultFile(config.data_dir.join("signing.key")),
    }
}

/// Opens both databases and the key material. A wrong master key is an error.
pub async fn open(
    config: &Config,
    main: store::sea_orm::DatabaseConnection,
    tenants: crate::links::ControllersLink,
) -> anyhow::Result<Arc<Vault>> {
    let ks_url = config.keystore_url();
    let keystore = match config.migrate_on_start {
        true => store::open_keystore(&ks_url).await,
        false => {
            store::open_migrated::<store::migrations::KeystoreMigrator>(
                &ks_url,
                "key store",
                store::Plans::Custom,
            )
            .await
        }
    };
    let keystore =
        keystore.with_context(|| format!("open key store {}", store::redact_url(&ks_url)))?;
    let loaded = load_master(
        &keystore,
        &master_source(config),
        &store::redact_url(&ks_url),
    )
    .await?;
    if let Some(path) = &loaded.created {
        tracing::warn!(
            path = %path.display(),
            "created a new master key (mode 0600); back it up apart from the databases: without it no candidate can be decrypted"
        );
    }
    let signing = vault::signing_key::load(&signing_source(config), &config.evidence_name)?;
    if let Some(path) = &signing.created {
        tracing::warn!(
            path = %path.display(),
            public_key = signing.key.public().text(),
            "created a new signing key (mode 0600); back it up apart from the databases, and publish its public key"
        );
    }
    let keys = Arc::new(KeyStore::new(keystore, loaded.key));
    let tenants = Arc::new(Controllers(tenants));
    let mut v = Vault::new(
        main,
        keys,
        config.ledger().await?,
        vault::domain::Limits {
            max_document_bytes: config.max_document_bytes,
        },
        tenants,
        Arc::new(vault::Notary::new(signing.key)),
    );
    v.lease = Duration::from_secs(config.worker_lease_secs.max(1));
    v.register_signing_key().await?;
    Ok(Arc::new(v))
}

/// The erasure fence, run at every start of a process that hosts the vault:
/// shreds again whatever the ledger says is gone but a restored database
/// still holds.
pub async fn reconcile_at_start(vault: &Vault) -> anyhow::Result<vault::ReconcileReport> {
    let r = vault
        .reconcile(&audit::Actor::system("vault-reconcile"))
        .await?;
    if r.reshredded_keys > 0
        || r.removed_rows > 0
        || r.restored_ledger_entries > 0
        || r.reerased_tenants > 0
    {
        tracing::warn!(
            reerased_tenants = r.reerased_tenants,
            reshredded_keys = r.reshredded_keys,
            removed_rows = r.removed_rows,
            restored_ledger_entries = r.restored_ledger_entries,
            "erasure fence: shredded again what a restored database still held"
        );
    } else {
        tracing::info!(
            appended_to_file = r.appended_to_file,
            applied = r.applied_to_main,
            "erasure fence checked"
        );
    }
    Ok(r)
}
