/**
 * The evidence registry of a single replica without DATABASE_URL (docs/evidence.md#the-registry):
 * one append-only file of JSON lines in DATA_DIR, each line an event (codes reserved, a record, its
 * block, a withdrawal), read whole at start into memory and rewritten there without what expired
 * (records past EVIDENCE_RETENTION_DAYS, reservations past their 30 days). Every append is synced
 * to disk before the request is answered: a record confirmed to the phone survives a crash.
 * `path: null` keeps everything in memory (tests, and apps built without a DATA_DIR).
 */
import { createReadStream, existsSync } from 'node:fs'
import { mkdir, open, type FileHandle } from 'node:fs/promises'
import { dirname } from 'node:path'
import { createInterface } from 'node:readline'
import { z } from 'zod'
import { EvidenceRecordSchema } from '@contract/api'
import { writeFileAtomic } from '../services/insertion/insertion-journal'
import {
  isAfterCursor,
  newerFirst,
  type CodeReservation,
  type EvidencePage,
  type EvidenceRegistry,
  type StoredEvidence,
} from './evidence-registry'
import { parseStoredJson } from './stored-json'

/** The file's name in DATA_DIR. */
export const EVIDENCE_FILE = 'evidence.jsonl'

/** A stored record: the register's entry with the uploader's unionId (never shown). */
const RecordSchema = EvidenceRecordSchema.extend({ uploader: z.object({ unionId: z.string(), name: z.string() }) })

const EventSchema = z.discriminatedUnion('t', [
  z.object({ t: z.literal('codes'), codes: z.array(z.string()), unionId: z.string(), expiresAt: z.number() }),
  z.object({ t: z.literal('record'), record: RecordSchema }),
  z.object({ t: z.literal('block'), code: z.string(), blockId: z.string() }),
  z.object({ t: z.literal('withdraw'), code: z.string(), at: z.string(), by: z.string() }),
])
type Event = z.infer<typeof EventSchema>

export interface FileEvidenceOptions {
  /** The file (normally DATA_DIR/evidence.jsonl); null = memory only. */
  path: string | null
  retentionMs: number
  now?: () => number
  logger?: { warn(obj: object, msg: string): void }
}

/** Opens the registry, compacting the file (expired entries dropped) before it is used. */
export async function openFileEvidenceRegistry(opts: FileEvidenceOptions): Promise<EvidenceRegistry> {
  const now = opts.now ?? Date.now
  const reservations = new Map<string, CodeReservation>()
  const records = new Map<string, StoredEvidence>()

  const apply = (event: Event) => {
    if (event.t === 'codes') {
      for (const code of event.codes) reservations.set(code, { code, unionId: event.unionId, expiresAt: event.expiresAt })
    } else if (event.t === 'record') {
      if (!records.has(event.record.code)) records.set(event.record.code, event.record)
    } else {
      const record = records.get(event.code)
      if (!record) return
      if (event.t === 'block') record.blockId ??= event.blockId
      else record.withdrawn ??= { at: event.at, by: event.by }
    }
  }

  let handle: FileHandle | null = null
  if (opts.path) {
    await mkdir(dirname(opts.path), { recursive: true, mode: 0o700 })
    if (existsSync(opts.path)) {
      let unreadable = 0
      const lines = createInterface({ input: createReadStream(opts.path, 'utf8'), crlfDelay: Infinity })
      for await (const line of lines) {
        if (line.trim() === '') continue
        const event = parseStoredJson(EventSchema, line)
        if (event) apply(event)
        else unreadable++
      }
      // A torn last line (a crash mid-append) is the only expected case; it held no confirmed record.
      if (unreadable > 0) opts.logger?.warn({ unreadable }, 'evidence registry: skipped unreadable lines')
    }
    const oldest = new Date(now() - opts.retentionMs).toISOString()
    for (const [code, r] of records) if (r.receivedAt < oldest) records.delete(code)
    for (const [code, r] of reservations) if (r.expiresAt <= now() && !records.has(code)) reservations.delete(code)
    await writeFileAtomic(opts.path, compacted(reservations, records))
    handle = await open(opts.path, 'a', 0o600)
  }

  // One append at a time, in the order the memory changed.
  let writing: Promise<void> = Promise.resolve()
  const append = (event: Event): Promise<void> => {
    const fh = handle
    if (!fh) return Promise.resolve()
    const work = async () => {
      await fh.appendFile(`${JSON.stringify(event)}\n`)
      await fh.datasync()
    }
    const next = writing.then(work, work)
    writing = next.catch(() => undefined)
    return next
  }
  const copy = (r: StoredEvidence | undefined): StoredEvidence | null => (r ? structuredClone(r) : null)

  return {
    kind: 'file',
    async reserve(codes, unionId, expiresAt) {
      if (codes.some((c) => reservations.has(c) || records.has(c))) return false
      const event: Event = { t: 'codes', codes, unionId, expiresAt }
      apply(event)
      await append(event)
      return true
    },
    async reservation(code) {
      const r = reservations.get(code)
      return r ? { ...r } : null
    },
    async find(code) {
      return copy(records.get(code))
    },
    async register(record) {
      const existing = records.get(record.code)
      if (existing) return { created: false, record: structuredClone(existing) }
      const event: Event = { t: 'record', record: structuredClone(record) }
      apply(event)
      await append(event)
      return { created: true, record: structuredClone(record) }
    },
    async setBlock(code, blockId) {
      const record = records.get(code)
      if (!record || record.blockId !== null) return
      const event: Event = { t: 'block', code, blockId }
      apply(event)
      await append(event)
    },
    async withdraw(code, withdrawn) {
      const record = records.get(code)
      if (!record) return null
      if (!record.withdrawn) {
        const event: Event = { t: 'withdraw', code, ...withdrawn }
        apply(event)
        await append(event)
      }
      return copy(record)
    },
    async listByDocument(docId, limit, before): Promise<EvidencePage> {
      const all = [...records.values()].filter((r) => r.docId === docId && isAfterCursor(r, before)).sort(newerFirst)
      const items = all.slice(0, limit).map((r) => structuredClone(r))
      const last = items.at(-1)
      return { items, next: all.length > limit && last ? { receivedAt: last.receivedAt, code: last.code } : null }
    },
    async close() {
      await writing
      await handle?.close()
      handle = null
    },
  }
}

/** The live state as events: one reservation line per person and expiry, then every record. */
function compacted(reservations: Map<string, CodeReservation>, records: Map<string, StoredEvidence>): string {
  const groups = new Map<string, { unionId: string; expiresAt: number; codes: string[] }>()
  for (const r of reservations.values()) {
    const key = `${r.unionId}\n${r.expiresAt}`
    const group = groups.get(key) ?? { unionId: r.unionId, expiresAt: r.expiresAt, codes: [] }
    group.codes.push(r.code)
    groups.set(key, group)
  }
  const lines: Event[] = [
    ...[...groups.values()].map((g): Event => ({ t: 'codes', ...g })),
    ...[...records.values()].map((record): Event => ({ t: 'record', record })),
  ]
  return lines.map((e) => `${JSON.stringify(e)}\n`).join('')
}
