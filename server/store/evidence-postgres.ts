/**
 * The evidence registry in PostgreSQL (DATABASE_URL; docs/evidence.md#postgresql), through `pg`'s
 * Pool: the most used and longest maintained Node client, with TLS, a pool that replaces broken
 * connections by itself, and parameterised queries. Migrations (./evidence-migrations.ts) run under
 * an advisory lock, so replicas starting together apply each once. While the database cannot be
 * reached every call throws 503 `service_unavailable`; the pool reconnects on the next call once
 * it is back, and the migrations are retried then if they never ran.
 */
import pg from 'pg'
import { EVIDENCE_MIGRATIONS } from './evidence-migrations'
import type { CodeReservation, EvidencePage, EvidenceRegistry, StoredEvidence } from './evidence-registry'
import { storeUnavailable } from './types'

/** Waiting longer than this for a connection means the database is down: answer 503 instead. */
const CONNECT_TIMEOUT_MS = 2_000
/** Any query running longer than this is abandoned (the route answers 503). */
const QUERY_TIMEOUT_MS = 5_000
/** Arbitrary constant identifying this app's migration lock (pg_advisory_xact_lock). */
const MIGRATION_LOCK = 4_716_016

export interface PostgresEvidenceOptions {
  url: string
  retentionMs: number
  now?: () => number
  logger?: { warn(obj: object, msg: string): void; info?(obj: object, msg: string): void }
  /** Connections kept open (default 10). */
  max?: number
}

interface Row {
  code: string
  sha256: string
  received_at: Date
  taken_at: string | null
  taken_at_source: 'exif' | 'picked' | null
  place: string | null
  lines: string[]
  uploader_union_id: string
  uploader_name: string
  doc_id: string
  resource_id: string
  block_id: string | null
  withdrawn_at: Date | null
  withdrawn_by: string | null
  verify_url: string
}

function toRecord(row: Row): StoredEvidence {
  return {
    code: row.code,
    sha256: row.sha256,
    receivedAt: row.received_at.toISOString(),
    takenAt: row.taken_at,
    takenAtSource: row.taken_at_source,
    place: row.place,
    lines: row.lines,
    uploader: { unionId: row.uploader_union_id, name: row.uploader_name },
    docId: row.doc_id,
    resourceId: row.resource_id,
    blockId: row.block_id,
    withdrawn: row.withdrawn_at && row.withdrawn_by !== null ? { at: row.withdrawn_at.toISOString(), by: row.withdrawn_by } : null,
    verifyUrl: row.verify_url,
  }
}

/**
 * Opens the pool and tries the migrations once; a database that is down at start does not stop
 * the server (evidence answers 503 until it is reachable, then migrates on first use).
 */
export async function openPostgresEvidenceRegistry(opts: PostgresEvidenceOptions): Promise<EvidenceRegistry> {
  const now = opts.now ?? Date.now
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.max ?? 10,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    query_timeout: QUERY_TIMEOUT_MS,
    idleTimeoutMillis: 30_000,
  })
  // An idle connection broken by a database restart is reported here; without a listener the
  // 'error' event would crash the process. The pool drops that client and opens a new one on demand.
  pool.on('error', (err) => opts.logger?.warn({ err: err.message }, 'evidence registry: PostgreSQL connection lost'))

  let migrated: Promise<void> | null = null
  const migrate = async () => {
    const client = await pool.connect()
    try {
      await client.query('BEGIN')
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK])
      await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL)')
      const done = await client.query<{ version: number }>('SELECT version FROM schema_migrations')
      const applied = new Set(done.rows.map((r) => r.version))
      for (const m of EVIDENCE_MIGRATIONS) {
        if (applied.has(m.version)) continue
        await client.query(m.sql)
        await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, now())', [m.version])
      }
      const cutoff = new Date(now() - opts.retentionMs)
      await client.query('DELETE FROM evidence_records WHERE received_at < $1', [cutoff])
      await client.query(
        'DELETE FROM evidence_codes c WHERE expires_at < $1 AND NOT EXISTS (SELECT 1 FROM evidence_records r WHERE r.code = c.code)',
        [new Date(now())],
      )
      await client.query('COMMIT')
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined)
      throw err
    } finally {
      client.release()
    }
  }
  const ready = (): Promise<void> => {
    migrated ??= migrate().catch((err: unknown) => {
      migrated = null
      throw err
    })
    return migrated
  }
  /** Runs `work` once the schema is there; any database failure becomes 503. */
  const run = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      await ready()
      return await work()
    } catch (err) {
      opts.logger?.warn({ err: err instanceof Error ? err.message : String(err) }, 'evidence registry: PostgreSQL unavailable')
      throw storeUnavailable()
    }
  }
  await ready().catch((err: unknown) =>
    opts.logger?.warn(
      { err: err instanceof Error ? err.message : String(err) },
      'evidence registry: PostgreSQL not reachable at start; retrying on use',
    ),
  )

  const one = async (sql: string, params: unknown[]): Promise<StoredEvidence | null> => {
    const result = await pool.query<Row>(sql, params)
    const row = result.rows[0]
    return row ? toRecord(row) : null
  }

  return {
    kind: 'postgres',
    reserve: (codes, unionId, expiresAt) =>
      run(async () => {
        const result = await pool.query(
          `INSERT INTO evidence_codes (code, union_id, expires_at)
           SELECT c, $2, $3 FROM unnest($1::text[]) AS c
           WHERE NOT EXISTS (SELECT 1 FROM evidence_records r WHERE r.code = c)
           ON CONFLICT (code) DO NOTHING`,
          [codes, unionId, new Date(expiresAt)],
        )
        if (result.rowCount === codes.length) return true
        // A collision (practically never with 60 random bits): undo this batch's rows, the caller draws again.
        await pool.query('DELETE FROM evidence_codes WHERE code = ANY($1::text[]) AND union_id = $2 AND expires_at = $3', [
          codes,
          unionId,
          new Date(expiresAt),
        ])
        return false
      }),
    reservation: (code) =>
      run(async () => {
        const result = await pool.query<{ code: string; union_id: string; expires_at: Date }>(
          'SELECT code, union_id, expires_at FROM evidence_codes WHERE code = $1',
          [code],
        )
        const row = result.rows[0]
        return row ? ({ code: row.code, unionId: row.union_id, expiresAt: row.expires_at.getTime() } satisfies CodeReservation) : null
      }),
    find: (code) => run(() => one('SELECT * FROM evidence_records WHERE code = $1', [code])),
    register: (r) =>
      run(async () => {
        const inserted = await one(
          `INSERT INTO evidence_records (code, sha256, received_at, taken_at, taken_at_source, place, lines,
             uploader_union_id, uploader_name, doc_id, resource_id, block_id, withdrawn_at, withdrawn_by, verify_url)
           VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10, $11, NULL, NULL, NULL, $12)
           ON CONFLICT (code) DO NOTHING RETURNING *`,
          [
            r.code,
            r.sha256,
            new Date(r.receivedAt),
            r.takenAt,
            r.takenAtSource,
            r.place,
            JSON.stringify(r.lines),
            r.uploader.unionId,
            r.uploader.name,
            r.docId,
            r.resourceId,
            r.verifyUrl,
          ],
        )
        if (inserted) return { created: true, record: inserted }
        const existing = await one('SELECT * FROM evidence_records WHERE code = $1', [r.code])
        if (!existing) throw new Error('evidence record vanished between insert and read')
        return { created: false, record: existing }
      }),
    setBlock: (code, blockId) =>
      run(async () => {
        await pool.query('UPDATE evidence_records SET block_id = $2 WHERE code = $1 AND block_id IS NULL', [code, blockId])
      }),
    withdraw: (code, w) =>
      run(async () => {
        await pool.query('UPDATE evidence_records SET withdrawn_at = $2, withdrawn_by = $3 WHERE code = $1 AND withdrawn_at IS NULL', [
          code,
          new Date(w.at),
          w.by,
        ])
        return one('SELECT * FROM evidence_records WHERE code = $1', [code])
      }),
    listByDocument: (docId, limit, before) =>
      run(async (): Promise<EvidencePage> => {
        const result = before
          ? await pool.query<Row>(
              `SELECT * FROM evidence_records WHERE doc_id = $1 AND (received_at, code) < ($2, $3)
               ORDER BY received_at DESC, code DESC LIMIT $4`,
              [docId, new Date(before.receivedAt), before.code, limit + 1],
            )
          : await pool.query<Row>('SELECT * FROM evidence_records WHERE doc_id = $1 ORDER BY received_at DESC, code DESC LIMIT $2', [
              docId,
              limit + 1,
            ])
        const items = result.rows.slice(0, limit).map(toRecord)
        const last = items.at(-1)
        return { items, next: result.rows.length > limit && last ? { receivedAt: last.receivedAt, code: last.code } : null }
      }),
    async close() {
      await pool.end()
    },
  }
}
