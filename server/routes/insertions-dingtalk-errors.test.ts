/**
 * POST /api/documents/:docId/insertions in every emulator answer profile: DingTalk failing: 503s
 * retried, paramError not retried (an attachment falls back to a link), and a failure midway
 * reported with what went in and finished by the same key. Shared setup:
 * testing/insertions-harness.ts.
 */
import { describe, expect, it } from 'vitest'
import { InsertionIncompleteDetailsSchema } from '@contract/api'
import { DingTalkError } from '../dingtalk/errors'
import { describeBlock, documentBlocks, upload } from '@testing/app-helpers'
import { addFault, getRequests } from '@testing/emulator-control'
import { makePdf } from '@testing/sample-files'
import { PROFILES } from '../emulator/index'
import { DOC, blocksPath, writes, kinds, newKey, errorOf, useInsertionsHarness } from '@testing/insertions-harness'

describe.each(PROFILES)('POST /api/documents/:docId/insertions, DingTalk errors (%s answers)', (profile) => {
  const h = useInsertionsHarness(profile)
  const { photos, insert, inserted, itemsOf, secondApp, expectedKinds, callMark, callsSince, expectOnceInOrder } = h

  it('retries injected 503s transparently and never inserts twice', async () => {
    const batch = await photos(3)
    await addFault(h.t.emulatorUrl, { path: blocksPath(DOC), method: 'POST', status: 503, code: 'operationTimeout', times: 2 })
    const result = await inserted(await insert(h.owner, { items: itemsOf(batch) }))
    expect(result.blocks).toHaveLength(3)
    const srcs = (await documentBlocks(h.t.emulatorUrl, DOC)).map(describeBlock)
    for (const r of batch) expect(srcs.filter((s) => s === `img:${r.resourceUrl}`)).toHaveLength(1)
  })

  it('does not retry paramError; a refused attachment block falls back to a link', async () => {
    const [p] = await photos(1)
    await addFault(h.t.emulatorUrl, { path: blocksPath(DOC), method: 'POST', status: 400, code: 'paramError', times: 1 })
    const callsBefore = (await getRequests(h.t.emulatorUrl)).length
    const res = await insert(h.owner, { items: itemsOf([p!]) })
    expect(res.statusCode).toBe(400)
    expect(errorOf(res.body).code).toBe('invalid_request')
    expect(writes((await getRequests(h.t.emulatorUrl)).slice(callsBefore))).toHaveLength(1)

    const pdf = await upload(h.t, h.owner, DOC, makePdf('fallback'), '说明.pdf')
    await addFault(h.t.emulatorUrl, { path: blocksPath(DOC), method: 'POST', status: 400, code: 'paramError', times: 1 })
    const result = await inserted(await insert(h.owner, { items: itemsOf([pdf]) }))
    const block = (await documentBlocks(h.t.emulatorUrl, DOC)).find((bl) => bl.id === result.blocks[0]?.blockId)
    expect(block && describeBlock(block)).toBe(`link:${pdf.resourceUrl}`)
    expect(JSON.stringify(block)).toContain('说明.pdf')
  })

  it('after a failure midway, reports what went in, and the same key finishes without duplicates', async () => {
    const batch = await photos(4)
    let writesLeft = 2
    let broken = true
    const flaky = await secondApp((api) => ({
      ...api,
      insertBlock: async (...args) => {
        if (broken && writesLeft-- <= 0) throw new DingTalkError({ status: 500, dingtalkCode: 'systemError', api: 'POST /blocks' })
        return api.insertBlock(...args)
      },
    }))
    try {
      const key = newKey()
      const body = { items: itemsOf(batch) }
      const failed = await insert(h.owner, body, key, DOC, flaky)
      expect(failed.statusCode).toBe(503)
      expect(Number(failed.headers['retry-after'])).toBeGreaterThan(0)
      const details = InsertionIncompleteDetailsSchema.parse(errorOf(failed.body).details)
      expect(details.blocks.map((bl) => bl.resourceId)).toEqual(batch.slice(0, 2).map((r) => r.resourceId))
      expect(details.pendingResourceIds).toEqual(batch.slice(2).map((r) => r.resourceId))

      // DingTalk works again; the same app, the same key.
      broken = false
      const mark = await callMark()
      const done = await inserted(await insert(h.owner, body, key, DOC, flaky))
      expect(done.blocks.slice(0, 2)).toEqual(details.blocks)
      // The journal knows which steps are in: no read before writing the rest.
      expect(kinds(await callsSince(mark))).toEqual(expectedKinds(2, { readBefore: false }))
      await expectOnceInOrder(batch)
    } finally {
      await flaky.close()
    }
  })
})
