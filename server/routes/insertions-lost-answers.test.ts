/**
 * POST /api/documents/:docId/insertions in every emulator answer profile: DingTalk answers that are
 * lost or bare while the write itself landed: the block is found instead of inserted again, also
 * when someone else writes at the same spot meanwhile. Shared setup: testing/insertions-harness.ts.
 */
import { describe, expect, it } from 'vitest'
import { InsertionUncertainDetailsSchema } from '@contract/api'
import { DingTalkError } from '../dingtalk/errors'
import { describeBlock, documentBlocks, upload } from '@testing/app-helpers'
import { makePdf } from '@testing/sample-files'
import { PROFILES } from '../emulator/index'
import { DOC, newKey, errorOf, useInsertionsHarness } from '@testing/insertions-harness'

describe.each(PROFILES)('POST /api/documents/:docId/insertions, lost and bare answers (%s answers)', (profile) => {
  const h = useInsertionsHarness(profile)
  const { photos, insert, inserted, itemsOf, secondApp, expectOnceInOrder } = h

  it('takes a block that landed although DingTalk answered 503, instead of inserting it again', async () => {
    const batch = await photos(2)
    let lost = 1
    const lossy = await secondApp((api) => ({
      ...api,
      insertBlock: async (...args) => {
        const block = await api.insertBlock(...args)
        // The insert happened, but the answer never arrived (a gateway timeout).
        if (lost-- > 0)
          throw new DingTalkError({ status: 503, dingtalkCode: 'operationTimeout', api: 'POST /blocks', outcomeUnknown: true })
        return block
      },
    }))
    try {
      const result = await inserted(await insert(h.owner, { items: itemsOf(batch) }, newKey(), DOC, lossy))
      const blocks = await documentBlocks(h.t.emulatorUrl, DOC)
      for (const [i, r] of batch.entries()) {
        const holding = blocks.filter((bl) => describeBlock(bl) === `img:${r.resourceUrl}`)
        expect(holding.map((bl) => bl.id)).toEqual([result.blocks[i]?.blockId])
      }
    } finally {
      await lossy.close()
    }
  })

  it('finds the block when DingTalk confirms an insert without naming it (bare success)', async () => {
    const [p] = await photos(1)
    const pdf = await upload(h.t, h.owner, DOC, makePdf('bare'), 'bare.pdf')
    const bare = await secondApp((api) => ({
      ...api,
      insertBlock: async (...args) => {
        await api.insertBlock(...args)
        // What the client gives for DingTalk's bare `{"success":true}`.
        return null
      },
    }))
    try {
      const result = await inserted(await insert(h.owner, { items: itemsOf([p!, pdf], { 0: '无结果' }) }, newKey(), DOC, bare))
      const blocks = await documentBlocks(h.t.emulatorUrl, DOC)
      const shown = result.blocks.map((r) => describeBlock(blocks.find((bl) => bl.id === r.blockId)!))
      expect(shown).toEqual([`img:${p!.resourceUrl}`, 'file:bare.pdf'])
      expect(blocks.filter((bl) => describeBlock(bl) === '无结果')).toHaveLength(1)
    } finally {
      await bare.close()
    }
  })

  it('when someone adds an empty line at the very spot while an answer is lost: finds ours where DingTalk shows content, else asks (409 insertion_uncertain)', async () => {
    const [p] = await photos(1)
    const someone = await h.t.signIn('lina')
    let lost = 1
    const app = await secondApp((api) => ({
      ...api,
      insertBlock: async (docId, unionId, request) => {
        const block = await api.insertBlock(docId, unionId, request)
        if (lost-- <= 0) return block
        // Someone else's empty line lands right after ours, then our answer is lost.
        await api.insertBlock(docId, someone.user.unionId, { element: { blockType: 'paragraph', paragraph: {}, children: [] } })
        throw new DingTalkError({ status: 503, dingtalkCode: 'operationTimeout', api: 'POST /blocks', outcomeUnknown: true })
      },
    }))
    try {
      const res = await insert(h.owner, { items: itemsOf([p!]) }, newKey(), DOC, app)
      if (profile === 'rich') {
        // Our photo shows in what DingTalk reads back: the empty line is someone else's.
        const done = await inserted(res)
        const blocks = await documentBlocks(h.t.emulatorUrl, DOC)
        expect(describeBlock(blocks.find((bl) => bl.id === done.blocks[0]?.blockId)!)).toBe(`img:${p!.resourceUrl}`)
        await expectOnceInOrder([p!])
        return
      }
      expect(res.statusCode, res.body).toBe(409)
      const error = errorOf(res.body)
      expect(error.code).toBe('insertion_uncertain')
      const details = InsertionUncertainDetailsSchema.parse(error.details)
      expect(details).toEqual({ blocks: [], uncertainResourceIds: [p!.resourceId], pendingResourceIds: [] })
      // Nothing was written twice; the person decides. A new batch with the same token is not refused.
      await expectOnceInOrder([p!])
      expect((await insert(h.owner, { items: itemsOf([p!]) }, newKey(), DOC, app)).statusCode).toBe(201)
    } finally {
      await app.close()
    }
  })

  it('when someone appends a line of text at the end while an answer is lost, still inserts exactly once in every profile', async () => {
    const batch = await photos(3)
    const someone = await h.t.signIn('lina')
    let writesSeen = 0
    const app = await secondApp((api) => ({
      ...api,
      insertBlock: async (docId, unionId, request) => {
        const block = await api.insertBlock(docId, unionId, request)
        if (++writesSeen !== 2) return block
        await api.insertBlock(docId, someone.user.unionId, {
          element: { blockType: 'paragraph', paragraph: {}, children: [{ text: '会议纪要' }] },
        })
        throw new DingTalkError({ status: 503, dingtalkCode: 'operationTimeout', api: 'POST /blocks', outcomeUnknown: true })
      },
    }))
    try {
      const done = await inserted(await insert(h.owner, { items: itemsOf(batch) }, newKey(), DOC, app))
      const blocks = await documentBlocks(h.t.emulatorUrl, DOC)
      const shown = done.blocks.map((r) => describeBlock(blocks.find((bl) => bl.id === r.blockId)!))
      expect(shown).toEqual(batch.map((r) => `img:${r.resourceUrl}`))
      const srcs = blocks.map(describeBlock)
      for (const r of batch) expect(srcs.filter((x) => x === `img:${r.resourceUrl}`)).toHaveLength(1)
      const at = batch.map((r) => srcs.indexOf(`img:${r.resourceUrl}`))
      expect([...at].sort((x, y) => x - y)).toEqual(at)
    } finally {
      await app.close()
    }
  })
})
