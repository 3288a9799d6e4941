//! The audit log's write path: one in-process write queue per database and
//! group commit.
//!
//! Every audited write of a process takes its **turn** on its database's
//! [`Gate`] (a FIFO lock) before it opens its transaction, so writers of one
//! process queue in memory instead of spinning in SQLite's busy handler (whose
//! sleeps grow to 100 ms) or stacking up on PostgreSQL's row lock of the
//! global head. The lock of the chain itself stays in the database
//! (`BEGIN IMMEDIATE`, `FOR UPDATE`), so other processes on the same database
//! are still serialized and the chain cannot fork.
//!
//! [`record`] and [`write`] do not open a transaction of their own: they put
//! their work in the gate's queue. One flusher per database takes the turn,
//! takes everything queued by then (up to [`MAX_GROUP`]), and runs it in one
//! transaction: the standalone entries first, appended together with one read
//! and one update of each head, then each [`write`] in a savepoint of its own
//! (a failing one is rolled back alone and answered at once). One commit makes
//! the whole group durable; only then is any caller answered. While a group
//! commits, the next one gathers.
//!
//! The flusher is a spawned task, not the caller's future: a caller that goes
//! away (a cancelled RPC) cannot leave a group half-done or its peers waiting.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use futures::FutureExt;
use futures::future::BoxFuture;
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, ExecResult,
    QueryResult, Statement, TransactionTrait,
};
use store::entities::audit_events;
use tokio::sync::{OwnedMutexGuard, oneshot};

use crate::{AuditError, Record};

tokio::task_local! {
    /// Set while the flusher runs a group: a write that asked the writer for
    /// more (a nested `record`, `write` or `begin`) would wait for its own
    /// group forever; it gets [`AuditError::Nested`] instead.
    static IN_GROUP: ();
}

fn nested() -> bool {
    IN_GROUP.try_with(|_| ()).is_ok()
}

/// The most work one group commit takes; the rest waits for the next.
pub const MAX_GROUP: usize = 1_000;

/// How long a writer waits for its turn before it gives up, as SQLite's busy
/// timeout did before the queue.
const TURN_TIMEOUT: Duration = Duration::from_secs(30);

/// What the queue runs once the group is committed (`None`) or failed.
type Done = Box<dyn FnOnce(Option<AuditError>) + Send>;

/// What a write's turn in the group left: its answer-to-be, the entries it
/// logged, and whether the group's transaction is still sound. A savepoint
/// that could not be released or rolled back means the database ended the
/// whole transaction under it (SQLite does on a full disk or an I/O error):
/// nothing more may run in it, or it would run outside any transaction.
struct Step {
    done: Done,
    logged: Vec<Record>,
    broken: Option<AuditError>,
}

/// A write's work in the group's transaction.
type Run = Box<dyn for<'c> FnOnce(&'c DatabaseTransaction) -> BoxFuture<'c, Step> + Send>;

/// A write: run in the group's transaction, or told why it was not.
struct WriteJob {
    run: Run,
    refuse: Box<dyn FnOnce(AuditError) + Send>,
}

/// The entries a [`write`] logs: appended to the chain with the rest of its
/// group, in the same transaction as the write, after its savepoint is
/// released. A write that fails logs nothing.
#[derive(Default)]
pub struct Entries(Mutex<Vec<Record>>);

impl Entries {
    pub fn push(&self, record: Record) {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(record);
    }
    fn take(&self) -> Vec<Record> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

enum Job {
    Record(
        Box<Record>,
        oneshot::Sender<Result<audit_events::Model, AuditError>>,
    ),
    Write(WriteJob),
}

#[derive(Default)]
struct Queue {
    jobs: VecDeque<Job>,
    flushing: bool,
}

/// One database's write queue in this process.
pub(crate) struct Gate {
    turn: Arc<tokio::sync::Mutex<()>>,
    queue: Mutex<Queue>,
}

/// Gates by database (the SQLite file; PostgreSQL's host, port and
/// database): every pool on the same database in this process shares one.
static GATES: LazyLock<Mutex<HashMap<String, Arc<Gate>>>> = LazyLock::new(Default::default);

pub(crate) fn gate(db: &DatabaseConnection) -> Arc<Gate> {
    let key = store::database_key(db);
    let mut gates = GATES.lock().unwrap_or_else(|p| p.into_inner());
    gates
        .entry(key)
        .or_insert_with(|| {
            Arc::new(Gate {
                turn: Arc::new(tokio::sync::Mutex::new(())),
                queue: Mutex::new(Queue::default()),
            })
        })
        .clone()
}

impl Gate {
    /// Waits (first come, first served) for this process's turn to write.
    pub(crate) async fn turn(&self) -> Result<OwnedMutexGuard<()>, AuditError> {
        if nested() {
            return Err(AuditError::Nested);
        }
        tokio::time::timeout(TURN_TIMEOUT, self.turn.clone().lock_owned())
            .await
            .map_err(|_| AuditError::Busy(TURN_TIMEOUT.as_secs()))
    }

    fn push(self: &Arc<Self>, db: &DatabaseConnection, job: Job) {
        let start = {
            let mut q = self.queue.lock().unwrap_or_else(|p| p.into_inner());
            q.jobs.push_back(job);
            !std::mem::replace(&mut q.flushing, true)
        };
        if start {
            tokio::spawn(flush(db.clone(), self.clone()));
        }
    }

    /// Up to [`MAX_GROUP`] jobs, or none (and the flusher ends) when the
    /// queue is empty.
    fn take(&self) -> Vec<Job> {
        let mut q = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        if q.jobs.is_empty() {
            q.flushing = false;
            return Vec::new();
        }
        let n = q.jobs.len().min(MAX_GROUP);
        q.jobs.drain(..n).collect()
    }
}

/// Opens a write transaction holding the chain's lock in the database.
pub(crate) async fn open(db: &DatabaseConnection) -> Result<DatabaseTransaction, AuditError> {
    let txn = match db.get_database_backend() {
        DbBackend::Sqlite => {
            db.begin_with_options(sea_orm::TransactionOptions {
                sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
                ..Default::default()
            })
            .await?
        }
        _ => db.begin().await?,
    };
    if txn.get_database_backend() == DbBackend::Postgres {
        // The owner's function takes the head's row lock (a service role
        // may not update the heads, so may not lock them FOR UPDATE itself).
        txn.execute_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT audit_lock()",
        ))
        .await?;
    }
    Ok(txn)
}

async fn flush(db: DatabaseConnection, gate: Arc<Gate>) {
    loop {
        let turn = gate.turn().await;
        // Taken after the turn: what queued while we waited joins this group.
        let jobs = gate.take();
        if jobs.is_empty() {
            return;
        }
        let size = jobs.len();
        match turn {
            Ok(_turn) => IN_GROUP.scope((), run_group(&db, jobs)).await,
            Err(e) => fail(jobs, &e),
        }
        metrics::histogram!("custodian_audit_group_size").record(size as f64);
    }
}

fn fail(jobs: Vec<Job>, e: &AuditError) {
    for job in jobs {
        match job {
            Job::Record(_, tx) => {
                let _ = tx.send(Err(copy(e)));
            }
            Job::Write(w) => (w.refuse)(copy(e)),
        }
    }
}

/// What each member of a failed group is told: an outage keeps its class
/// (so the caller answers UNAVAILABLE), anything else is the group's failure.
fn copy(e: &AuditError) -> AuditError {
    match e.outage() {
        Some(o) => AuditError::Unavailable(o),
        None => AuditError::Group(e.to_string()),
    }
}

async fn run_group(db: &DatabaseConnection, jobs: Vec<Job>) {
    let health = store::outage::health(db);
    let mut records = Vec::new();
    let mut senders = Vec::new();
    let mut writes = VecDeque::new();
    for job in jobs {
        match job {
            Job::Record(r, tx) => {
                records.push(*r);
                senders.push(tx);
            }
            Job::Write(w) => writes.push_back(w),
        }
    }
    let txn = match open(db).await {
        Ok(t) => t,
        Err(e) => {
            if let Some(o) = e.outage() {
                health.failed_write(o);
            }
            for tx in senders {
                let _ = tx.send(Err(copy(&e)));
            }
            for w in writes {
                (w.refuse)(copy(&e));
            }
            return;
        }
    };
    let standalone = records.len();
    let mut dones: Vec<Done> = Vec::with_capacity(writes.len());
    let mut broken = None;
    while let Some(w) = writes.pop_front() {
        // A write that panics takes the group down with it: nothing of the
        // group is committed and every caller is told.
        match std::panic::AssertUnwindSafe((w.run)(&txn))
            .catch_unwind()
            .await
        {
            Ok(step) => {
                dones.push(step.done);
                records.extend(step.logged);
                if let Some(e) = step.broken {
                    broken = Some(e);
                    break;
                }
            }
            Err(_) => {
                broken = Some(AuditError::Group("a write of this group panicked".into()));
                break;
            }
        }
    }
    let outcome = async {
        if let Some(e) = broken {
            // Ended here, before the turn passes on (a dropped transaction
            // would only start its rollback).
            let _ = txn.rollback().await;
            return Err(e);
        }
        let appended = if records.is_empty() {
            Vec::new()
        } else {
            crate::append_many(&txn, records).await?
        };
        txn.commit().await?;
        Ok::<_, AuditError>(appended)
    }
    .await;
    match outcome {
        Ok(appended) => {
            health.committed();
            metrics::counter!("custodian_audit_appends_total").increment(appended.len() as u64);
            for (tx, m) in senders
                .into_iter()
                .zip(appended.into_iter().take(standalone))
            {
                let _ = tx.send(Ok(m));
            }
            for d in dones {
                d(None);
            }
        }
        Err(e) => {
            // The transaction, if it is still open, is rolled back as it is
            // dropped here; the pool closes a connection that is left in one.
            if let Some(o) = e.outage() {
                health.failed_write(o);
                tracing::warn!(error = %e, "an audit group could not commit: the database cannot serve");
            }
            for tx in senders {
                let _ = tx.send(Err(copy(&e)));
            }
            for d in dones {
                d(Some(copy(&e)));
            }
            for w in writes {
                (w.refuse)(copy(&e));
            }
        }
    }
}

/// Appends one entry in a transaction of its own, grouped with the other
/// entries and writes queued at the same moment; returns once the entry is
/// committed. This is the path of an audited read: no decrypted byte may
/// leave before its entry is durable.
pub async fn record(
    db: &DatabaseConnection,
    record: Record,
) -> Result<audit_events::Model, AuditError> {
    if nested() {
        return Err(AuditError::Nested);
    }
    let (tx, rx) = oneshot::channel();
    gate(db).push(db, Job::Record(Box::new(record), tx));
    rx.await
        .unwrap_or_else(|_| Err(AuditError::Group("the audit writer stopped".into())))
}

/// Runs `f` in a savepoint of the next group's transaction and returns its
/// result once the group is committed. `f`'s writes and the entries it logs
/// in [`Entries`] commit together or not at all; when `f` fails, its
/// savepoint is rolled back, its entries dropped and its error returned at
/// once. `f` should hold database work only: everything it awaits, the whole
/// group waits for (seal, hash and call peers before).
pub async fn write<T, E, F>(db: &DatabaseConnection, f: F) -> Result<T, E>
where
    T: Send + 'static,
    E: From<AuditError> + Send + 'static,
    F: for<'c> FnOnce(&'c DatabaseTransaction, &'c Entries) -> BoxFuture<'c, Result<T, E>>
        + Send
        + 'static,
{
    if nested() {
        return Err(AuditError::Nested.into());
    }
    let (tx, rx) = oneshot::channel::<Result<T, E>>();
    // Shared by the run and the refusal: whichever happens answers.
    let tx = Arc::new(Mutex::new(Some(tx)));
    // Moved, not cloned: a write that never answers (it panicked) must
    // drop every sender, so that its caller is told.
    let answer = {
        move |r: Result<T, E>| {
            if let Some(tx) = tx.lock().unwrap_or_else(|p| p.into_inner()).take() {
                let _ = tx.send(r);
            }
        }
    };
    let refuse = {
        let answer = answer.clone();
        Box::new(move |e: AuditError| answer(Err(e.into()))) as Box<dyn FnOnce(AuditError) + Send>
    };
    let run: Run = Box::new(move |txn: &DatabaseTransaction| {
        async move {
            let nothing = |broken| Step {
                done: Box::new(|_| {}),
                logged: Vec::new(),
                broken,
            };
            let sp = match txn.begin().await {
                Ok(sp) => sp,
                Err(e) => {
                    // The group's transaction cannot take a savepoint: it is
                    // no longer sound.
                    let e = AuditError::from(e);
                    answer(Err(copy(&e).into()));
                    return nothing(Some(e));
                }
            };
            let entries = Entries::default();
            match f(&sp, &entries).await {
                Ok(v) => match sp.commit().await {
                    Ok(()) => Step {
                        done: Box::new(move |failed: Option<AuditError>| {
                            answer(match failed {
                                None => Ok(v),
                                Some(e) => Err(e.into()),
                            });
                        }),
                        logged: entries.take(),
                        broken: None,
                    },
                    Err(e) => {
                        let e = AuditError::from(e);
                        answer(Err(copy(&e).into()));
                        nothing(Some(e))
                    }
                },
                Err(err) => match sp.rollback().await {
                    Ok(()) => {
                        answer(Err(err));
                        nothing(None)
                    }
                    Err(e) => {
                        // The savepoint is gone: the database rolled back the
                        // whole transaction under the group (SQLite does on a
                        // full disk or an I/O error). This write is told its
                        // own error; the rest of the group that it was aborted.
                        tracing::warn!(error = %e, "a savepoint of an audit group could not be rolled back: the group is abandoned");
                        answer(Err(err));
                        nothing(Some(
                            AuditError::from(e)
                                .outage()
                                .map(AuditError::Unavailable)
                                .unwrap_or(AuditError::Unavailable(store::outage::Outage::Aborted)),
                        ))
                    }
                },
            }
        }
        .boxed()
    });
    gate(db).push(db, Job::Write(WriteJob { run, refuse }));
    rx.await.unwrap_or_else(|_| {
        Err(AuditError::Group("the audit writer stopped before this write committed".into()).into())
    })
}

/// A write transaction holding this process's turn on its database and the
/// chain's lock, from [`crate::begin`]. Use it as the connection
/// (`&txn`) and end it with [`Txn::commit`]; dropped, it rolls back and the
/// turn passes on.
pub struct Txn {
    // Declared first, dropped first: the rollback is started before the
    // turn passes on.
    txn: DatabaseTransaction,
    _turn: OwnedMutexGuard<()>,
    health: Arc<store::outage::Health>,
}

impl Txn {
    pub(crate) fn new(
        txn: DatabaseTransaction,
        turn: OwnedMutexGuard<()>,
        health: Arc<store::outage::Health>,
    ) -> Txn {
        Txn {
            txn,
            _turn: turn,
            health,
        }
    }

    /// Commits, noting in the database's health whether writes commit.
    pub async fn commit(self) -> Result<(), DbErr> {
        let health = self.health.clone();
        match self.txn.commit().await {
            Ok(()) => {
                health.committed();
                Ok(())
            }
            Err(e) => {
                health.observe(&e);
                Err(e)
            }
        }
    }

    pub async fn rollback(self) -> Result<(), DbErr> {
        self.txn.rollback().await
    }

    /// The audited write's one ending (invariant 4): appends `record` to the
    /// log in this transaction and commits, so the change and its entry are
    /// durable together or not at all. Returns the appended entry.
    pub async fn commit_with(self, record: Record) -> Result<audit_events::Model, AuditError> {
        let appended = crate::append(&self.txn, record).await?;
        self.commit().await?;
        Ok(appended)
    }
}

impl std::ops::Deref for Txn {
    type Target = DatabaseTransaction;
    fn deref(&self) -> &DatabaseTransaction {
        &self.txn
    }
}

/// Every statement run through a [`Txn`] reports an outage to the
/// database's health, so a write that fails for want of space turns the
/// process NOT_SERVING at once, whether it failed at a statement or at the
/// commit.
#[async_trait::async_trait]
impl ConnectionTrait for Txn {
    fn get_database_backend(&self) -> DbBackend {
        self.txn.get_database_backend()
    }
    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.noted(self.txn.execute_raw(stmt).await)
    }
    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.noted(self.txn.execute_unprepared(sql).await)
    }
    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.noted(self.txn.query_one_raw(stmt).await)
    }
    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.noted(self.txn.query_all_raw(stmt).await)
    }
    fn support_returning(&self) -> bool {
        self.txn.support_returning()
    }
}

impl Txn {
    fn noted<T>(&self, r: Result<T, DbErr>) -> Result<T, DbErr> {
        if let Err(e) = &r {
            self.health.observe(e);
        }
        r
    }
}
