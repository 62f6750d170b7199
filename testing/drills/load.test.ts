/**
 * Drill: 50 people signed in at once, each attaching 5 photos. Nothing may fail, every photo must
 * be in its document once and in its person's order, and the server's heap must stay bounded.
 * Latencies are printed (p50/p95/max), never asserted: this machine's speed is not the product's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEmulator } from '../../server/emulator/index'
import { ApiClient } from '@testing/drills/api-client'
import { attachBatch, type BatchResult } from '@testing/drills/batches'
import { editablePairs, getState, imageSources } from '@testing/emulator-control'
import { makePhotos } from '@testing/sample-files'
import { startChildServer, type ChildServer } from '@testing/drills/processes'
import { drillEnv, removeDataDir } from '@testing/drills/stack'
import { percentile, round } from '@testing/drills/stats'

const PEOPLE = 50
const PHOTOS_EACH = 5
const MiB = 1024 * 1024
/**
 * Heap the server may gain at its peak while serving the whole load (garbage included): the
 * photos are small (≈2 KB each, 250 in all), so nearing this means bodies are being buffered.
 */
const MAX_PEAK_HEAP_GROWTH_BYTES = 128 * MiB
/** Heap still held once the load is over and garbage is collected: per-request state must not pile up. */
const MAX_RETAINED_HEAP_GROWTH_BYTES = 16 * MiB

describe('drill: 50 simultaneous people', () => {
  let emulator: Awaited<ReturnType<typeof startEmulator>>
  let server: ChildServer
  let env: Record<string, string>

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, host: '127.0.0.1' })
    // The login limit is per address and all 50 people come from 127.0.0.1 (docs/api.md limits).
    // The 50 phones share the seed's few editors, so per-person caps count several phones as one person.
    env = drillEnv(emulator.url, {
      LOGIN_RATE_PER_MINUTE: '1000',
      MAX_CONCURRENT_UPLOADS_PER_PERSON: '1000',
      INSERT_RATE_PER_MINUTE: '1000',
    })
    server = await startChildServer(env)
  })
  afterAll(async () => {
    await server?.stop()
    await emulator?.close()
    if (env) removeDataDir(env)
  })

  it('serves everyone without failures and with a bounded heap', async () => {
    const pairs = editablePairs(await getState(emulator.url))
    const people = Array.from({ length: PEOPLE }, (_, i) => ({ pair: pairs[i % pairs.length] ?? pairs[0], index: i }))
    const photos = await Promise.all(people.map((p) => makePhotos(PHOTOS_EACH, { seed: 1000 + p.index, prefix: `person${p.index + 1}` })))
    const before = await getState(emulator.url)

    // Warm the server (first requests compile code paths) before taking the heap baseline.
    const warm = new ApiClient(server.url)
    await warm.signIn(pairs[0]?.userId ?? '')
    warm.close()
    const baseline = (await server.memoryUsage({ gc: true })).heapUsed
    let peak = baseline
    let sampling = true
    const sampler = (async () => {
      while (sampling) {
        peak = Math.max(peak, (await server.memoryUsage()).heapUsed)
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    })()

    const clients = people.map(() => new ApiClient(server.url))
    const started = performance.now()
    const results = await Promise.allSettled(
      people.map(async (person, i): Promise<BatchResult> => {
        const client = clients[i] as ApiClient
        await client.signIn(person.pair?.userId ?? '')
        return attachBatch(client, person.pair?.docId ?? '', photos[i] ?? [])
      }),
    )
    const wallMs = performance.now() - started
    sampling = false
    await sampler
    for (const c of clients) c.close()
    const retained = (await server.memoryUsage({ gc: true })).heapUsed

    const failures = results.flatMap((r, i) => (r.status === 'rejected' ? [`person ${i + 1}: ${String(r.reason)}`] : []))
    const timings = clients.flatMap((c) => c.stats.timings)
    const row = (op: string) => {
      const ms = timings.filter((t) => t.op === op).map((t) => t.ms)
      return { requests: ms.length, p50Ms: round(percentile(ms, 50)), p95Ms: round(percentile(ms, 95)), maxMs: round(percentile(ms, 100)) }
    }
    console.table({ signIn: row('signIn'), upload: row('upload'), insert: row('insert') })
    console.table({
      people: { value: PEOPLE },
      photos: { value: PEOPLE * PHOTOS_EACH },
      wallSeconds: { value: round(wallMs / 1000, 2) },
      retries: { value: clients.reduce((n, c) => n + c.stats.retries, 0) },
      non2xxAnswers: { value: timings.filter((t) => t.status >= 300).length },
      heapBaselineMB: { value: round(baseline / MiB) },
      heapPeakMB: { value: round(peak / MiB) },
      heapRetainedMB: { value: round(retained / MiB) },
    })

    expect(failures, `server stderr:\n${server.stderr()}`).toEqual([])
    expect(
      timings.filter((t) => t.status >= 500 && t.status !== 503),
      'no server errors',
    ).toEqual([])
    expect(peak - baseline).toBeLessThan(MAX_PEAK_HEAP_GROWTH_BYTES)
    expect(retained - baseline).toBeLessThan(MAX_RETAINED_HEAP_GROWTH_BYTES)

    // Every person's photos are in their document once each, in that person's order.
    const after = await getState(emulator.url)
    for (const [i, result] of results.entries()) {
      if (result.status !== 'fulfilled') continue
      const docId = people[i]?.pair?.docId ?? ''
      const gained = imageSources(after, docId).slice(imageSources(before, docId).length)
      const mine = result.value.resources.map((r) => r.resourceUrl)
      expect(
        gained.filter((src) => mine.includes(src)),
        `person ${i + 1}`,
      ).toEqual(mine)
    }
  }, 180_000)
})
