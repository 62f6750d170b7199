/**
 * Captions reach the document without control, bidi and zero-width characters, whatever the H5
 * sends (docs/api.md `POST /api/documents/:docId/insertions`): checked on the blocks the emulator
 * stores. Shared setup: testing/insertions-harness.ts.
 */
import { describe, expect, it } from 'vitest'
import { describeBlock, documentBlocks } from '@testing/app-helpers'
import { DOC, useInsertionsHarness } from '@testing/insertions-harness'

describe('POST /api/documents/:docId/insertions, hostile captions', () => {
  const h = useInsertionsHarness('rich')

  it('removes NUL, BEL, ESC, bidi overrides and isolates and zero-width characters; keeps line breaks, joiners, CJK and emoji', async () => {
    const [a, b, c] = await h.photos(3)
    const family = '\u{1f468}\u200d\u{1f469}\u200d\u{1f467}'
    const captions = {
      0: 'abc\u202egpj.exe',
      1: `\u0000东门\u0007入口\u001b[31m \u2066x\u2069\u200b\ufeff ${family}`,
      2: 'line 1\r\nline\t2\u200e\u200f\u2060',
    }
    const before = (await documentBlocks(h.t.emulatorUrl, DOC)).length
    await h.inserted(await h.insert(h.owner, { items: h.itemsOf([a!, b!, c!], captions) }))
    const added = (await documentBlocks(h.t.emulatorUrl, DOC)).slice(before).map(describeBlock)
    expect(added).toEqual([
      `img:${a!.resourceUrl}`,
      'abcgpj.exe',
      `img:${b!.resourceUrl}`,
      `东门入口[31m x ${family}`,
      `img:${c!.resourceUrl}`,
      'line 1\nline\t2',
    ])
  })

  it('leaves no caption paragraph when only invisible characters were sent', async () => {
    const [a] = await h.photos(1)
    const before = (await documentBlocks(h.t.emulatorUrl, DOC)).length
    await h.inserted(await h.insert(h.owner, { items: h.itemsOf([a!], { 0: '\u202e\u200b\u0000' }) }))
    const added = (await documentBlocks(h.t.emulatorUrl, DOC)).slice(before).map(describeBlock)
    expect(added).toEqual([`img:${a!.resourceUrl}`])
  })
})
