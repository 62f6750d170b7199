import { describe, expect, it } from 'vitest'
import { stripControls } from './strip-controls'

function codePoints(from: number, to: number): string {
  let out = ''
  for (let cp = from; cp <= to; cp++) out += String.fromCodePoint(cp)
  return out
}

describe('stripControls', () => {
  it('removes every character of the listed ranges', () => {
    const removed =
      codePoints(0x0000, 0x0008) +
      codePoints(0x000b, 0x001f) +
      codePoints(0x007f, 0x009f) +
      '\u200b' +
      codePoints(0x200e, 0x200f) +
      codePoints(0x202a, 0x202e) +
      codePoints(0x2060, 0x2069) +
      '\ufeff'
    expect(stripControls(`a${removed}b`)).toBe('ab')
  })

  it('turns a right-to-left override file name back into what it really is', () => {
    expect(stripControls('abc\u202egpj.exe')).toBe('abcgpj.exe')
    expect(stripControls('\u2067evil\u2069 \u200fname\u200e')).toBe('evil name')
  })

  it('removes carriage returns, NUL, BEL and ESC but keeps tabs and line feeds', () => {
    expect(stripControls('line 1\r\nline\t2\u0000\u0007\u001b[31m')).toBe('line 1\nline\t2[31m')
  })

  it('keeps the zero-width joiners, CJK, emoji and their sequences', () => {
    const family = '\u{1f468}\u200d\u{1f469}\u200d\u{1f467}'
    const flag = '\u{1f1e8}\u{1f1f3}'
    const text = `现场照片 ${family} ${flag} \u{1f44d}\u{1f3fd} क्\u200dष می\u200cخواهم ❤️`
    expect(stripControls(text)).toBe(text)
  })

  it('keeps the characters right next to each range', () => {
    const neighbours = '\t\n\u007e\u00a0\u200a\u200c\u200d\u2010\u2029\u202f\u205f\u206a\ufefe\uff00'
    expect(stripControls(neighbours)).toBe(neighbours)
  })

  it('leaves an empty or clean string unchanged', () => {
    expect(stripControls('')).toBe('')
    expect(stripControls('Site visit, north wall')).toBe('Site visit, north wall')
  })
})
