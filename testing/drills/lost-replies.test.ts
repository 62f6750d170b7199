/**
 * Drill: DingTalk applies a write but its answer is lost — a 503 after the write went through
 * (`apply`), or the connection closed with no answer at all (`drop`) — on about a third of the
 * block writes, in every answer profile. Batches of 10 photos in both layouts are resent with the
 * same Idempotency-Key (and `Idempotency-Retry: true`) until they succeed; every photo must end in
 * the document exactly once, in picked order, as the emulator's own state shows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Layout } from '@contract/api'
import { PROFILES } from '../../server/emulator/index'
import { ApiClient, H5_LIKE_RETRY } from '@testing/drills/api-client'
import { attachBatch } from '@testing/drills/batches'
import { addFault, editablePairs, getRequests, getState, imageSources, type EditorAndDoc } from '@testing/emulator-control'
import { makePhotos } from '@testing/sample-files'
import { startStack, type Stack } from '@testing/drills/stack'

const PHOTOS_PER_BATCH = 10
const LAYOUTS: Layout[] = ['separate', 'together', 'separate']
const WRITES = { path: '/v1.0/doc/suites/documents/', method: 'POST' } as const
/** A person keeps pressing "retry": the same key until it goes through. */
const PATIENT_CLIENT = { ...H5_LIKE_RETRY, attempts: 40 }

describe.each(PROFILES)('drill: lost replies (%s answers)', (profile) => {
  let stack: Stack
  let target: EditorAndDoc

  beforeAll(async () => {
    stack = await startStack({ profile })
    target = editablePairs(await getState(stack.emulatorUrl))[0] as EditorAndDoc
    // Applied, then answered 503 — or applied and the connection dropped; and some plain failures,
    // so that resends of a half-finished batch happen too.
    await addFault(stack.emulatorUrl, { ...WRITES, status: 503, code: 'operationTimeout', apply: true, probability: 0.25 })
    await addFault(stack.emulatorUrl, { ...WRITES, drop: true, apply: true, probability: 0.1 })
    await addFault(stack.emulatorUrl, { ...WRITES, status: 503, code: 'operationTimeout', probability: 0.2 })
    await addFault(stack.emulatorUrl, { path: WRITES.path, method: 'GET', status: 503, code: 'operationTimeout', probability: 0.2 })
  })
  afterAll(async () => {
    await stack?.close()
  })

  it('puts batches of 10 photos in both layouts into the document exactly once each, in order', async () => {
    const client = new ApiClient(stack.serverUrl, PATIENT_CLIENT)
    await client.signIn(target.userId)
    const before = imageSources(await getState(stack.emulatorUrl), target.docId)

    const expected: string[] = []
    for (const [b, layout] of LAYOUTS.entries()) {
      const photos = await makePhotos(PHOTOS_PER_BATCH, { seed: 700 + b, prefix: `lost${b + 1}` })
      const { resources, insertion } = await attachBatch(client, target.docId, photos, { layout })
      expect(insertion.blocks.map((blk) => blk.resourceId)).toEqual(resources.map((r) => r.resourceId))
      expected.push(...resources.map((r) => r.resourceUrl))
    }
    client.close()

    const after = imageSources(await getState(stack.emulatorUrl), target.docId)
    expect(after.slice(0, before.length)).toEqual(before)
    expect(after.slice(before.length)).toEqual(expected)

    // The drill only means something if answers really were lost.
    const writes = (await getRequests(stack.emulatorUrl)).filter((r) => r.method === 'POST' && r.path.startsWith(WRITES.path))
    const lost = writes.filter((r) => r.status >= 500 || r.status === 0).length
    console.table({
      photos: { value: expected.length },
      writes: { value: writes.length },
      lostOrFailed: { value: lost },
      resends: { value: client.stats.retries },
    })
    expect(lost).toBeGreaterThan(writes.length * 0.2)
  }, 180_000)
})
