/**
 * The evidence registry's PostgreSQL schema, as numbered migrations applied at start in order
 * (./evidence-postgres.ts). Each runs once, recorded in `schema_migrations`; never edit one that
 * has shipped — add the next.
 */
export const EVIDENCE_MIGRATIONS: readonly { version: number; sql: string }[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE evidence_codes (
        code text PRIMARY KEY,
        union_id text NOT NULL,
        expires_at timestamptz NOT NULL
      );
      CREATE TABLE evidence_records (
        code text PRIMARY KEY,
        sha256 text NOT NULL,
        received_at timestamptz NOT NULL,
        taken_at text,
        taken_at_source text,
        place text,
        lines jsonb NOT NULL,
        uploader_union_id text NOT NULL,
        uploader_name text NOT NULL,
        doc_id text NOT NULL,
        resource_id text NOT NULL,
        block_id text,
        withdrawn_at timestamptz,
        withdrawn_by text,
        verify_url text NOT NULL
      );
      CREATE INDEX evidence_records_by_document ON evidence_records (doc_id, received_at DESC, code DESC);
      CREATE INDEX evidence_records_by_age ON evidence_records (received_at);
      CREATE INDEX evidence_codes_by_expiry ON evidence_codes (expires_at);
    `,
  },
]
