/**
 * POST /api/documents/:docId/insertions in every emulator answer profile: where a batch goes (end,
 * start, before or after a block), how it is laid out (separate or together), and the DingTalk
 * calls that costs. Shared setup: testing/insertions-harness.ts.
 */
import { describe, expect, it } from 'vitest'
import type { ResourceResponse } from '@contract/api'
import { describeBlock, documentBlocks, upload } from '@testing/app-helpers'
import { getRequests } from '@testing/emulator-control'
import { makePdf } from '@testing/sample-files'
import { PROFILES } from '../emulator/index'
import { DOC, OTHER_DOC, kinds, newKey, errorOf, useInsertionsHarness } from '@testing/insertions-harness'

describe.each(PROFILES)('POST /api/documents/:docId/insertions, positions, layouts and their cost (%s answers)', (profile) => {
  const h = useInsertionsHarness(profile)
  const { photos, insert, inserted, itemsOf, expectedKinds, callMark, callsSince, expectOnceInOrder } = h

  it('inserts five items in order at the end: images, captions and a PDF attachment', async () => {
    const [a, b] = await photos(2)
    const pdf = await upload(h.t, h.owner, DOC, makePdf('合同'), '合同.pdf')
    const [c, d] = await photos(2)
    const items = [a, b, pdf, c, d].filter((r): r is ResourceResponse => !!r)
    const before = await documentBlocks(h.t.emulatorUrl, DOC)

    const result = await inserted(await insert(h.owner, { items: itemsOf(items, { 0: '东门入口', 2: '签字版', 3: '  ' }) }))
    expect(result.documentUrl).toBe(h.t.config.documentUrl(DOC))
    expect(result.blocks.map((bl) => bl.resourceId)).toEqual(items.map((r) => r.resourceId))

    const after = await documentBlocks(h.t.emulatorUrl, DOC)
    expect(after.slice(0, before.length).map((bl) => bl.id)).toEqual(before.map((bl) => bl.id))
    const added = after.slice(before.length)
    expect(added.map(describeBlock)).toEqual([
      `img:${a?.resourceUrl}`,
      '东门入口',
      `img:${b?.resourceUrl}`,
      'file:合同.pdf',
      '签字版',
      `img:${c?.resourceUrl}`,
      `img:${d?.resourceUrl}`,
    ])
    const byId = new Map(added.map((bl) => [bl.id, describeBlock(bl)]))
    expect(result.blocks.map((bl) => byId.get(bl.blockId))).toEqual([
      `img:${a?.resourceUrl}`,
      `img:${b?.resourceUrl}`,
      'file:合同.pdf',
      `img:${c?.resourceUrl}`,
      `img:${d?.resourceUrl}`,
    ])
    // The attachment names its MIME type, as DingTalk's own CLI sends it (not the extension).
    expect(added.find((bl) => bl.blockType === 'attachment')?.attachment).toMatchObject({ name: '合同.pdf', type: 'application/pdf' })
  })

  it('inserts at the start, and after or before a chosen block, keeping the order', async () => {
    const docId = OTHER_DOC
    const [s1, s2] = await photos(2, h.owner, docId)
    await inserted(await insert(h.owner, { items: itemsOf([s1!, s2!]), position: { where: 'start' } }, newKey(), docId))
    let blocks = await documentBlocks(h.t.emulatorUrl, docId)
    expect(blocks.slice(0, 2).map(describeBlock)).toEqual([`img:${s1?.resourceUrl}`, `img:${s2?.resourceUrl}`])

    const anchor = blocks[3]
    if (!anchor) throw new Error('seed document too short')
    const [a1, a2] = await photos(2, h.owner, docId)
    await inserted(
      await insert(
        h.owner,
        { items: itemsOf([a1!, a2!], { 0: 'after 1' }), position: { where: 'after', blockId: anchor.id } },
        newKey(),
        docId,
      ),
    )
    blocks = await documentBlocks(h.t.emulatorUrl, docId)
    const at = blocks.findIndex((bl) => bl.id === anchor.id)
    expect(blocks.slice(at, at + 4).map(describeBlock)).toEqual([
      describeBlock(anchor),
      `img:${a1?.resourceUrl}`,
      'after 1',
      `img:${a2?.resourceUrl}`,
    ])

    const [b1, b2] = await photos(2, h.owner, docId)
    await inserted(
      await insert(h.owner, { items: itemsOf([b1!, b2!]), position: { where: 'before', blockId: anchor.id } }, newKey(), docId),
    )
    blocks = await documentBlocks(h.t.emulatorUrl, docId)
    const at2 = blocks.findIndex((bl) => bl.id === anchor.id)
    expect(blocks.slice(at2 - 2, at2 + 1).map(describeBlock)).toEqual([
      `img:${b1?.resourceUrl}`,
      `img:${b2?.resourceUrl}`,
      describeBlock(anchor),
    ])
  })

  it('answers 400 when the chosen block is no longer in the document', async () => {
    const [p] = await photos(1)
    const res = await insert(h.owner, { items: itemsOf([p!]), position: { where: 'after', blockId: 'gone-block' } })
    expect(res.statusCode).toBe(400)
    expect(errorOf(res.body).code).toBe('invalid_request')
  })

  it('puts a batch of photos in one paragraph with layout "together", in about one call per photo', async () => {
    const batch = await photos(4)
    const callsBefore = (await getRequests(h.t.emulatorUrl)).length
    const before = (await documentBlocks(h.t.emulatorUrl, DOC)).length
    const result = await inserted(await insert(h.owner, { items: itemsOf(batch, { 0: '北侧', 2: '南侧' }), layout: 'together' }))

    const ids = new Set(result.blocks.map((bl) => bl.blockId))
    expect(ids.size).toBe(1)
    const added = (await documentBlocks(h.t.emulatorUrl, DOC)).slice(before)
    expect(added.map(describeBlock)).toEqual([batch.map((r) => `img:${r.resourceUrl}`).join('+'), '1. 北侧   3. 南侧'])

    // One paragraph holding the four photos, one caption paragraph; reads only as the profile needs.
    expect(kinds(await callsSince(callsBefore))).toEqual(expectedKinds(2))
  })

  it('costs one uploadInfos and one insert per photo for a separate batch of 10 at the end, reading only as the profile needs', async () => {
    const mark = await callMark()
    const batch = await photos(10)
    const result = await inserted(await insert(h.owner, { items: itemsOf(batch) }))
    expect(result.blocks).toHaveLength(10)
    const calls = kinds(await callsSince(mark))
    expect(calls.filter((c) => c === 'POST uploadInfos')).toHaveLength(10)
    expect(calls.filter((c) => c !== 'POST uploadInfos')).toEqual(expectedKinds(10))
    await expectOnceInOrder(batch)
  })

  it('costs 10 uploadInfos and ONE insert for a together batch of 10', async () => {
    const mark = await callMark()
    const batch = await photos(10)
    const result = await inserted(await insert(h.owner, { items: itemsOf(batch), layout: 'together' }))
    const calls = kinds(await callsSince(mark))
    expect(calls.filter((c) => c === 'POST uploadInfos')).toHaveLength(10)
    expect(calls.filter((c) => c !== 'POST uploadInfos')).toEqual(expectedKinds(1))
    const block = (await documentBlocks(h.t.emulatorUrl, DOC)).find((bl) => bl.id === result.blocks[0]?.blockId)
    expect(block && describeBlock(block)).toBe(batch.map((r) => `img:${r.resourceUrl}`).join('+'))
    expect(new Set(result.blocks.map((bl) => bl.blockId)).size).toBe(1)
  })
})
