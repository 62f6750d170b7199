import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ErrorBodySchema } from '@contract/api'
import { SEED } from '../../server/emulator/seed'
import { openPostgresEvidenceRegistry } from '../../server/store/evidence-postgres'
import type { EvidenceRegistry } from '../../server/store/evidence-registry'
import { registryContract, sampleRecord } from '../evidence-registry-contract'
import { startPostgresProcess, type PostgresProcess } from './postgres-process'
import { createTestApp } from '../test-app'
import { makePng } from '../sample-files'
import { claimFor, issueCodes, uploadWithEvidence } from '../evidence'

const DAY = 24 * 60 * 60 * 1000
let postgres: PostgresProcess
const opened: EvidenceRegistry[] = []
const open = async (retentionMs = 3650 * DAY, now?: () => number) => {
  const registry = await openPostgresEvidenceRegistry({ url: postgres.url, retentionMs, now })
  opened.push(registry)
  return registry
}

beforeAll(async () => {
  postgres = await startPostgresProcess()
})
afterAll(async () => {
  await Promise.all(opened.map((r) => r.close().catch(() => undefined)))
  await postgres?.destroy()
})

describe('PostgreSQL evidence registry', () => {
  registryContract(() => open())

  it('applies its migrations once, however many servers start', async () => {
    await Promise.all([open(), open(), open()])
    const client = new pg.Client({ connectionString: postgres.url })
    await client.connect()
    try {
      const rows = await client.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')
      expect(rows.rows.map((r) => r.version)).toEqual([1])
    } finally {
      await client.end()
    }
  })

  it('drops records older than the retention at start', async () => {
    const now = Date.parse('2026-12-08T00:00:00.000Z')
    const first = await open(10 * DAY, () => now)
    await first.register(sampleRecord('GGGG-GGGG-GGG1', { receivedAt: new Date(now - 20 * DAY).toISOString() }))
    await first.register(sampleRecord('GGGG-GGGG-GGG2', { receivedAt: new Date(now - 2 * DAY).toISOString() }))
    const second = await open(10 * DAY, () => now)
    expect(await second.find('GGGG-GGGG-GGG1')).toBeNull()
    expect(await second.find('GGGG-GGGG-GGG2')).not.toBeNull()
  })
})

describe('PostgreSQL restarting under a running server', () => {
  it('answers 503 on evidence routes meanwhile, leaves the rest alone, and serves lookups again within 10 s', async () => {
    const registry = await open()
    const t = await createTestApp({ evidenceRegistry: registry })
    try {
      const lina = await t.signIn('lina')
      const [code] = (await issueCodes(t, lina, 1)) as [string]
      await uploadWithEvidence(t, lina, SEED.docs.weeklyReport.docId, await makePng(51), claimFor(code, lina.user))
      expect((await t.inject({ method: 'GET', url: `/api/evidence/${code}` })).statusCode).toBe(200)

      await postgres.stop()
      const down = await t.inject({ method: 'GET', url: `/api/evidence/${code}` })
      expect(down.statusCode).toBe(503)
      expect(ErrorBodySchema.parse(down.json()).error.code).toBe('service_unavailable')
      expect(Number(down.headers['retry-after'])).toBeGreaterThan(0)
      const codes = await t.inject({ method: 'POST', url: '/api/evidence/codes', headers: lina.headers, payload: { count: 1 } })
      expect(codes.statusCode).toBe(503)
      expect((await t.inject({ method: 'GET', url: '/api/config' })).statusCode).toBe(200)
      expect((await t.inject({ method: 'GET', url: '/api/workspaces', headers: { cookie: lina.cookie } })).statusCode).toBe(200)

      await postgres.start()
      const deadline = Date.now() + 10_000
      let status = 0
      while (Date.now() < deadline) {
        status = (await t.inject({ method: 'GET', url: `/api/evidence/${code}` })).statusCode
        if (status === 200) break
        await new Promise((r) => setTimeout(r, 200))
      }
      expect(status).toBe(200)
    } finally {
      await t.close()
    }
  })
})
