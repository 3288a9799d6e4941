//! Operator commands that work on the databases directly, without a server.

use anyhow::Context;
use audit::{Actor, Record};
use auth::{Role, Scope, tokens};
use serde_json::json;

use crate::config::Config;

/// Migrates both databases and, when `ledger_url` is set, creates the
/// shared ledger's append-only table (as the owner these commands run as).
pub async fn migrate(config: &Config) -> anyhow::Result<store::MigrationReport> {
    let report = store::migrate(&config.database_url(), &config.keystore_url()).await?;
    if config.ledger_url.is_some() {
        config.ledger().await?;
    }
    Ok(report)
}

pub async fn main_db(config: &Config) -> anyhow::Result<store::sea_orm::DatabaseConnection> {
    let url = config.database_url();
    let db = match config.migrate_on_start {
        true => store::open_main(&url).await,
        false => {
            store::open_migrated::<store::migrations::Migrator>(
                &url,
                "database",
                store::Plans::Cached,
            )
            .await
        }
    };
    db.with_context(|| format!("open database {}", store::redact_url(&url)))
}

/// Creates a token and returns (info, secret). The tenant must be an existing
/// controller; the creation is audited in the same transaction.
pub async fn create_token(
    config: &Config,
    role: Role,
    tenant: Option<&str>,
    name: &str,
) -> anyhow::Result<(tokens::TokenInfo, String)> {
    tokens::validate_new(role, tenant, name)?;
    let db = main_db(config).await?;
    let tenant = match tenant {
        Some(t) => {
            let id = controllers::domain::ControllerId::parse("tenant", t)
                .map_err(|e| anyhow::anyhow!("--tenant: {}", e.reason))?;
            controllers::ControllerRepo::new(db.clone())
                .get(&Scope::All, &id)
                .await
                .map_err(|_| anyhow::anyhow!("--tenant: no controller with id {}", id.as_str()))?;
            Some(id.as_str().to_owned())
        }
        None => None,
    };
    let txn = audit::begin(&db).await?;
    let (info, secret) = tokens::create(&txn, role, tenant.as_deref(), name).await?;
    let mut rec = Record::new(
        &Actor::cli("tokens create"),
        "token.create",
        "token",
        &info.id,
    )
    .details(json!({ "role": role.as_str() }));
    if let Some(t) = &info.tenant {
        rec = rec.tenant(t);
    }
    txn.commit_with(rec).await?;
    Ok((info, secret))
}

pub async fn list_tokens(config: &Config) -> anyhow::Result<Vec<tokens::TokenInfo>> {
    let db = main_db(config).await?;
    Ok(tokens::list(&db).await?)
}

pub async fn revoke_token(config: &Config, id: &str) -> anyhow::Result<tokens::TokenInfo> {
    let db = main_db(config).await?;
    Ok(controllers::tokens::revoke_audited(&db, &Actor::cli("tokens revoke"), id, None).await?)
}

pub async fn verify_audit(config: &Config) -> anyhow::Result<audit::VerifyReport> {
    let db = main_db(config).await?;
    Ok(audit::verify(&db).await?)
}

/// Opens the vault as a command-line process (worker, keys) would.
pub async fn open_vault(config: &Config) -> anyhow::Result<std::sync::Arc<vault::Vault>> {
    let db = main_db(config).await?;
    let tenants =
        crate::links::ControllersLink::Local(controllers::ControllerRepo::new(db.clone()));
    crate::vault::open(config, db, tenants).await
}

/// One retention sweep (the erasure fence first).
pub async fn sweep_once(config: &Config) -> anyhow::Result<vault::SweepReport> {
    let v = open_vault(config).await?;
    Ok(
        v.sweep(&Actor::system("vault-worker"), config.worker_batch.max(1))
            .await?,
    )
}

/// `custodian keys rotate`: a new KEK version per tenant (or one), every DEK
/// rewrapped, old versions destroyed. Payload rows are not touched.
pub async fn rotate_keys(
    config: &Config,
    tenant: Option<&str>,
) -> anyhow::Result<Vec<(String, u32, u64)>> {
    rotate_keys_with(config, tenant, &|_| {}, &|_| {}).await
}

/// [`rotate_keys`], telling `total` how many keys it will rewrap before it
/// starts and `rewrapped` after each batch.
pub async fn rotate_keys_with(
    config: &Config,
    tenant: Option<&str>,
    total: &(dyn Fn(u64) + Send + Sync),
    rewrapped: &(dyn Fn(u64) + Send + Sync),
) -> anyhow::Result<Vec<(String, u32, u64)>> {
    let v = open_vault(config).await?;
    let tenants = match tenant {
        Some(t) => vec![t.to_owned()],
        None => v.keys.tenants().await?,
    };
    let mut all = 0;
    for t in &tenants {
        all += v.keys.to_rewrap(t).await?;
    }
    total(all);
    let mut out = Vec::new();
    let db = main_db(config).await?;
    for t in tenants {
        let (version, n) = v.keys.rotate_with(&t, rewrapped).await?;
        let txn = audit::begin(&db).await?;
        txn.commit_with(
            Record::new(&Actor::cli("keys rotate"), "kek.rotate", "tenant_kek", &t)
                .tenant(&t)
                .details(json!({ "version": version, "rewrapped": n })),
        )
        .await?;
        out.push((t, version, n));
    }
    Ok(out)
}

pub async fn reconcile(config: &Config) -> anyhow::Result<vault::ReconcileReport> {
    let v = open_vault(config).await?;
    crate::vault::reconcile_at_start(&v).await
}

/// One schema per service and a role per service (PostgreSQL), after the
/// migrations: see `store::schemas`.
pub async fn provision_schemas(config: &Config) -> anyhow::Result<store::schemas::Provisioned> {
    let main = store::connect(&config.database_url()).await?;
    let keys = store::connect_keystore(&config.keystore_url()).await?;
    let p = store::schemas::provision(&main, Some(&keys)).await?;
    main.close().await.ok();
    keys.close().await.ok();
    Ok(p)
}
