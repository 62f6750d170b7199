/**
 * Drill: the server dies in the middle of inserting a batch (a deploy, an OOM kill) and a new one
 * starts against the same DingTalk (here: the same running emulator, via EMULATOR_URL) with the
 * same SESSION_SECRET, in every answer profile. The person's retry of the insertion with the same
 * Idempotency-Key must finish the batch with every photo in the document exactly once, in order.
 * When the new server has a fresh DATA_DIR (an ephemeral container disk, another instance) and only
 * the client's `Idempotency-Retry: true` tells it that the key was sent before, it finishes the same
 * way where DingTalk shows our photos back (rich); where it does not (documented, minimal), our
 * earlier photo paragraphs cannot be told from anyone's empty lines, so it answers
 * `409 insertion_uncertain` naming the photos that may be in — never a silent duplicate — and the
 * person, having looked, sends the missing ones as a new batch.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PROFILES, startEmulator } from '../../server/emulator/index'
import { ApiClient, ApiError } from '@testing/drills/api-client'
import { mapLimit } from '@testing/drills/batches'
import { addFault, clearFaults, editablePairs, getState, imageSources, type EditorAndDoc } from '@testing/emulator-control'
import { makePhotos } from '@testing/sample-files'
import { startChildServer, type ChildServer } from '@testing/drills/processes'
import { drillEnv, removeDataDir } from '@testing/drills/stack'
import { ErrorBodySchema, IDEMPOTENCY_KEY_HEADER, InsertionUncertainDetailsSchema } from '@contract/api'

const PHOTOS = 8
/** Slows each block insert so the kill lands between inserts, not after the last one. */
const INSERT_DELAY_MS = 300

describe.each(PROFILES)('drill: server restarted mid-batch (%s answers)', (profile) => {
  let emulator: Awaited<ReturnType<typeof startEmulator>>
  let target: EditorAndDoc
  /** Both servers get the same env, DATA_DIR included: a restart on the same host keeps its disk. */
  let env: Record<string, string>
  const servers: ChildServer[] = []
  /** Envs of servers started on their own, empty DATA_DIR. */
  const freshEnvs: Array<Record<string, string>> = []

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, host: '127.0.0.1', profile })
    env = drillEnv(emulator.url)
    target = editablePairs(await getState(emulator.url))[0] as EditorAndDoc
  })
  afterAll(async () => {
    for (const server of servers) await server.kill()
    await emulator?.close()
    if (env) removeDataDir(env)
    for (const fresh of freshEnvs) removeDataDir(fresh)
  })

  /**
   * Kills a server mid-batch, starts another and resends the batch with the same key.
   * `freshDisk`: the new server gets an empty DATA_DIR, and the client marks the resend a retry.
   */
  async function restartMidBatch(freshDisk: boolean, seed: number): Promise<void> {
    const first = await startChildServer(env)
    servers.push(first)
    const client = new ApiClient(first.url)
    await client.signIn(target.userId)
    const photos = await makePhotos(PHOTOS, { seed, prefix: 'restart' })
    const resources = await mapLimit(photos, 3, (p) =>
      client.upload(target.docId, { name: p.name, contentType: 'image/jpeg', size: p.bytes.length, body: () => p.bytes }),
    )
    const expected = resources.map((r) => r.resourceUrl)
    const before = imageSources(await getState(emulator.url), target.docId)
    const ours = async () =>
      imageSources(await getState(emulator.url), target.docId)
        .slice(before.length)
        .filter((src) => expected.includes(src))

    await addFault(emulator.url, { path: '/v1.0/doc/suites/documents/', method: 'POST', latencyMs: INSERT_DELAY_MS })
    const key = randomUUID()
    const items = resources.map((r) => ({ resourceToken: r.resourceToken }))
    const doomed = client
      .request('POST', `/api/documents/${target.docId}/insertions`, { json: { items }, headers: { [IDEMPOTENCY_KEY_HEADER]: key } })
      .then(
        (res) => `answered ${res.status}`,
        (err: unknown) => `failed: ${String(err)}`,
      )

    // Kill the server once part of the batch is in the document.
    let inAtKill = 0
    for (let i = 0; i < 500 && inAtKill < 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20))
      inAtKill = (await ours()).length
    }
    await first.kill()
    expect(await doomed).toMatch(/^failed/)
    expect(inAtKill, 'the kill landed mid-batch').toBeGreaterThan(0)
    // Inserts DingTalk had already accepted may still land; none may have been repeated.
    const atKill = await ours()
    expect(atKill.length).toBeLessThan(PHOTOS)
    expect(atKill).toEqual(expected.slice(0, atKill.length))

    await clearFaults(emulator.url)
    const secondEnv = freshDisk ? drillEnv(emulator.url) : env
    if (freshDisk) freshEnvs.push(secondEnv)
    const second = await startChildServer(secondEnv)
    servers.push(second)
    client.baseUrl = second.url
    // Without a fresh disk the journal alone says the key started (no header on this send).
    const sent = client.insert(target.docId, items, { idempotencyKey: key, resend: freshDisk })
    if (freshDisk && profile !== 'rich') {
      const refused = await sent.then(
        () => null,
        (err: unknown) => err,
      )
      expect(refused).toBeInstanceOf(ApiError)
      const error = ErrorBodySchema.parse(JSON.parse((refused as ApiError).body)).error
      expect([(refused as ApiError).status, error.code]).toEqual([409, 'insertion_uncertain'])
      const details = InsertionUncertainDetailsSchema.parse(error.details)
      const inNow = await ours()
      // Nothing was written on the question; every photo already in is among those asked about.
      expect(inNow).toEqual(atKill)
      const asked = new Set(details.uncertainResourceIds)
      for (const r of resources.filter((r) => inNow.includes(r.resourceUrl))) expect(asked.has(r.resourceId)).toBe(true)
      // The person opens the document, sees which are in, and inserts the rest as a new batch.
      const missing = items.filter((_, i) => !inNow.includes(expected[i] ?? ''))
      await client.insert(target.docId, missing)
    } else {
      const result = await sent
      expect(result.blocks.map((b) => b.resourceId)).toEqual(resources.map((r) => r.resourceId))
    }

    const after = imageSources(await getState(emulator.url), target.docId)
    expect(after.slice(0, before.length)).toEqual(before)
    expect(after.slice(before.length)).toEqual(expected)

    // The same key once more writes nothing (a replay, or the same question again).
    await client.insert(target.docId, items, { idempotencyKey: key }).catch((err: unknown) => {
      if (!(err instanceof ApiError && err.status === 409)) throw err
    })
    expect(imageSources(await getState(emulator.url), target.docId)).toEqual(after)
    client.close()
  }

  it('finishes the batch exactly once after the new server gets the same Idempotency-Key', async () => {
    await restartMidBatch(false, 31)
  })

  it('with an EMPTY DATA_DIR and Idempotency-Retry: true, finishes exactly once where DingTalk shows content, else asks', async () => {
    await restartMidBatch(true, 32)
  })
})
