/**
 * POST /api/documents/:docId/insertions in every emulator answer profile: Idempotency-Key and
 * Idempotency-Retry. A replayed key inserts nothing, concurrent duplicates run once, a key with
 * another body is refused, a resource token goes into its document once, and a first attempt
 * marked as a retry reads no more than any first attempt. Shared setup: testing/insertions-harness.ts.
 */
import { describe, expect, it } from 'vitest'
import { ResourceUsedDetailsSchema } from '@contract/api'
import { describeBlock, documentBlocks } from '@testing/app-helpers'
import { PROFILES } from '../emulator/index'
import { DOC, writes, kinds, newKey, errorOf, useInsertionsHarness } from '@testing/insertions-harness'

describe.each(PROFILES)('POST /api/documents/:docId/insertions, idempotency (%s answers)', (profile) => {
  const h = useInsertionsHarness(profile)
  const { photos, insert, inserted, itemsOf, expectedKinds, callMark, callsSince, expectOnceInOrder } = h

  it('replays the same key without inserting again, and runs concurrent duplicates once', async () => {
    const batch = await photos(2)
    const key = newKey()
    const body = { items: itemsOf(batch) }
    const first = await inserted(await insert(h.owner, body, key))
    const callsBefore = await callMark()
    const again = await inserted(await insert(h.owner, body, key))
    expect(again).toEqual(first)
    expect(await callsSince(callsBefore)).toEqual([])

    const other = await photos(2)
    const key2 = newKey()
    const [r1, r2] = await Promise.all([insert(h.owner, { items: itemsOf(other) }, key2), insert(h.owner, { items: itemsOf(other) }, key2)])
    expect(await inserted(r1!)).toEqual(await inserted(r2!))
    const srcs = (await documentBlocks(h.t.emulatorUrl, DOC)).map(describeBlock)
    for (const r of other) expect(srcs.filter((s) => s === `img:${r.resourceUrl}`)).toHaveLength(1)
  })

  it('refuses the same key with a different body', async () => {
    const [a, b] = await photos(2)
    const key = newKey()
    await inserted(await insert(h.owner, { items: itemsOf([a!]) }, key))
    const res = await insert(h.owner, { items: itemsOf([b!]) }, key)
    expect(res.statusCode).toBe(400)
    expect(errorOf(res.body).code).toBe('invalid_request')
  })

  it('inserts a token into its document once: another key gets 409 resource_used with the block; the same key replays', async () => {
    const [a, b] = await photos(2)
    const key = newKey()
    const first = await inserted(await insert(h.owner, { items: itemsOf([a!]) }, key))
    const mark = await callMark()
    const again = await insert(h.owner, { items: itemsOf([b!, a!]) })
    expect(again.statusCode).toBe(409)
    const error = errorOf(again.body)
    expect(error.code).toBe('resource_used')
    const details = ResourceUsedDetailsSchema.parse(error.details)
    expect(details.blockId).toBe(first.blocks[0]?.blockId)
    expect(new Date(details.insertedAt).toISOString()).toBe(details.insertedAt)
    expect(writes(await callsSince(mark))).toEqual([])
    // The same batch again (a resend) is fine and inserts nothing.
    expect(await inserted(await insert(h.owner, { items: itemsOf([a!]) }, key, DOC, undefined, { 'idempotency-retry': 'true' }))).toEqual(
      first,
    )
    expect(writes(await callsSince(mark))).toEqual([])
    await expectOnceInOrder([a!])
  })

  // In the rich profile this relies on the tests above: the app has already seen DingTalk echo
  // content, so a first attempt needs no read before writing (expectedKinds).
  it('a first attempt reads only as the profile needs, also with Idempotency-Retry when the journal is older than the batch', async () => {
    const attempts: Array<Record<string, string>> = [{}, { 'idempotency-retry': 'false' }, { 'idempotency-retry': 'true' }]
    for (const extra of attempts) {
      const batch = await photos(2)
      const mark = await callMark()
      const result = await inserted(await insert(h.owner, { items: itemsOf(batch) }, newKey(), DOC, undefined, extra))
      expect(result.blocks.map((bl) => bl.resourceId)).toEqual(batch.map((r) => r.resourceId))
      // The journal has been here since before these tokens: no record means no earlier attempt.
      expect(kinds(await callsSince(mark))).toEqual(expectedKinds(2))
      await expectOnceInOrder(batch)
    }
  })
})
