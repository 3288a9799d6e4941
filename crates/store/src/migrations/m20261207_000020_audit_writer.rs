//! Audit entries carry their writer, and on PostgreSQL are written through
//! one path only.
//!
//! - `audit_events.writer`: who wrote the entry. On PostgreSQL the login
//!   role of the connection (`session_user`), set by the database, never by
//!   the caller; on SQLite, which has no roles, the writing process's own
//!   name (informational: whoever can write the file can write anything).
//!   Entries written before this migration have none; the content digest of
//!   an entry with a writer covers it (`custodian.audit.v2`, crates/audit's
//!   `chain`), and the verifier refuses an entry without a writer after the
//!   first that has one.
//! - PostgreSQL: `audit_append(jsonb)` appends a batch of entries, computing
//!   their sequence numbers, time, digests and both chains' links itself,
//!   and moves the heads; `audit_lock()` takes the chain's lock for a write
//!   transaction; `audit_probe()` rewrites the global head with its own
//!   values (the health check's write). All three are SECURITY DEFINER,
//!   owned by the database owner, with EXECUTE revoked from PUBLIC:
//!   `schemas::provision` grants EXECUTE to the roles that audit and takes
//!   INSERT and UPDATE on the audit tables away from every service role.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// `audit_append`: the same digest and links as crates/audit's `chain`
/// (each field length-prefixed with its byte length as a big-endian u64,
/// integers big-endian, the time RFC 3339 UTC with microseconds and `Z`).
const APPEND: &str = r#"
CREATE OR REPLACE FUNCTION audit_field(b bytea) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT AS $f$ SELECT int8send(length(b)::bigint) || b $f$;

CREATE OR REPLACE FUNCTION audit_text(t text) RETURNS bytea
LANGUAGE sql IMMUTABLE AS $f$ SELECT audit_field(convert_to(coalesce(t, ''), 'UTF8')) $f$;

CREATE OR REPLACE FUNCTION audit_link(chain text, prev text, digest text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT AS $f$
  SELECT encode(sha256(convert_to(chain, 'UTF8') || '\x00'::bytea || convert_to(prev, 'UTF8')
    || '\x00'::bytea || convert_to(digest, 'UTF8')), 'hex') $f$;

CREATE OR REPLACE FUNCTION audit_lock() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = audit, public, pg_temp AS $f$
BEGIN
  PERFORM 1 FROM audit_heads WHERE chain = 'global' FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'audit chain head is missing: the database was not migrated';
  END IF;
END $f$;

CREATE OR REPLACE FUNCTION audit_probe() RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = audit, public, pg_temp AS $f$
  UPDATE audit_heads SET seq = seq WHERE chain = 'global' $f$;

CREATE OR REPLACE FUNCTION audit_append(p_records jsonb) RETURNS SETOF audit_events
LANGUAGE plpgsql SECURITY DEFINER SET search_path = audit, public, pg_temp AS $f$
DECLARE
  v_writer text := session_user;
  v_at timestamptz := date_trunc('microseconds', clock_timestamp());
  v_at_text text;
  v_seq bigint;
  v_hash text;
  v_heads jsonb := '{}'::jsonb;
  r jsonb;
  v_tenant text;
  v_chain text;
  v_tseq bigint;
  v_tprev text;
  v_thash text;
  v_digest text;
  v_row audit_events;
BEGIN
  IF jsonb_typeof(p_records) IS DISTINCT FROM 'array' THEN
    RAISE EXCEPTION 'audit_append takes a JSON array of entries';
  END IF;
  v_at_text := to_char(v_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"');
  SELECT seq, hash INTO v_seq, v_hash FROM audit_heads WHERE chain = 'global' FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'audit chain head is missing: the database was not migrated';
  END IF;
  FOR r IN SELECT value FROM jsonb_array_elements(p_records) LOOP
    IF coalesce(r->>'actor_id', '') = '' OR coalesce(r->>'actor_role', '') = ''
       OR coalesce(r->>'action', '') = '' OR r->>'object_type' IS NULL
       OR r->>'object_id' IS NULL OR r->>'details' IS NULL THEN
      RAISE EXCEPTION 'an audit entry needs actor_id, actor_role, action, object_type, object_id and details';
    END IF;
    v_seq := v_seq + 1;
    v_tenant := r->>'tenant_id';
    IF v_tenant IS NOT NULL THEN
      v_chain := 'tenant:' || v_tenant;
      IF v_heads ? v_chain THEN
        v_tseq := (v_heads->v_chain->>0)::bigint;
        v_tprev := v_heads->v_chain->>1;
      ELSE
        SELECT seq, hash INTO v_tseq, v_tprev FROM audit_heads WHERE chain = v_chain FOR UPDATE;
        IF NOT FOUND THEN
          v_tseq := 0;
          v_tprev := repeat('0', 64);
        END IF;
      END IF;
      v_tseq := v_tseq + 1;
    ELSE
      v_tseq := 0;
      v_tprev := NULL;
    END IF;
    v_digest := encode(sha256(
      audit_text('custodian.audit.v2') || audit_field(int8send(v_seq)) || audit_text(v_at_text)
      || audit_text(v_tenant) || audit_field(int8send(v_tseq)) || audit_text(r->>'actor_id')
      || audit_text(r->>'actor_role') || audit_text(r->>'action') || audit_text(r->>'object_type')
      || audit_text(r->>'object_id') || audit_text(r->>'reason') || audit_text(r->>'details')
      || audit_text(v_writer)), 'hex');
    v_thash := CASE WHEN v_tenant IS NULL THEN NULL ELSE audit_link('tenant', v_tprev, v_digest) END;
    INSERT INTO audit_events (seq, at, tenant_id, tenant_seq, actor_id, actor_role, action,
        object_type, object_id, reason, details, prev_hash, hash, tenant_prev_hash, tenant_hash, writer)
      VALUES (v_seq, v_at, v_tenant, v_tseq, r->>'actor_id', r->>'actor_role', r->>'action',
        r->>'object_type', r->>'object_id', r->>'reason', r->>'details', v_hash,
        audit_link('global', v_hash, v_digest), v_tprev, v_thash, v_writer)
      RETURNING * INTO v_row;
    v_hash := v_row.hash;
    IF v_tenant IS NOT NULL THEN
      v_heads := jsonb_set(v_heads, ARRAY[v_chain], jsonb_build_array(v_tseq, v_thash));
    END IF;
    RETURN NEXT v_row;
  END LOOP;
  UPDATE audit_heads SET seq = v_seq, hash = v_hash WHERE chain = 'global';
  INSERT INTO audit_heads (chain, seq, hash)
    SELECT key, (value->>0)::bigint, value->>1 FROM jsonb_each(v_heads)
    ON CONFLICT (chain) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash;
END $f$;

REVOKE ALL ON FUNCTION audit_lock() FROM PUBLIC;
REVOKE ALL ON FUNCTION audit_probe() FROM PUBLIC;
REVOKE ALL ON FUNCTION audit_append(jsonb) FROM PUBLIC;
"#;

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Alias::new("audit_events"))
                .add_column(ColumnDef::new(Alias::new("writer")).string().null())
                .to_owned(),
        )
        .await?;
        if m.get_database_backend() == sea_orm::DbBackend::Postgres {
            m.get_connection().execute_unprepared(APPEND).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() == sea_orm::DbBackend::Postgres {
            m.get_connection()
                .execute_unprepared(
                    "DROP FUNCTION IF EXISTS audit_append(jsonb); \
                     DROP FUNCTION IF EXISTS audit_probe(); \
                     DROP FUNCTION IF EXISTS audit_lock(); \
                     DROP FUNCTION IF EXISTS audit_link(text, text, text); \
                     DROP FUNCTION IF EXISTS audit_text(text); \
                     DROP FUNCTION IF EXISTS audit_field(bytea)",
                )
                .await?;
        }
        m.alter_table(
            Table::alter()
                .table(Alias::new("audit_events"))
                .drop_column(Alias::new("writer"))
                .to_owned(),
        )
        .await
    }
}
