import { describe, expect, it } from 'vitest'
import { MAX_NAME_BYTES, sanitizeFileName, truncateUtf8 } from './file-name'
import { mediaTypeInfo, type MediaTypeInfo } from './media-types'

function type(mediaType: string): MediaTypeInfo {
  const info = mediaTypeInfo(mediaType)
  if (!info) throw new Error(mediaType)
  return info
}
const JPEG = type('image/jpeg')
const PDF = type('application/pdf')
const TEXT = type('text/plain')
const NOW = Date.UTC(2026, 10, 27, 9, 5, 7)

describe('sanitizeFileName', () => {
  it.each([
    ['../../etc/passwd', TEXT, 'passwd.txt'],
    ['C:\\fakepath\\IMG_0001.JPG', JPEG, 'IMG_0001.JPG'],
    ['/abs/dir/', PDF, 'dir.pdf'],
    ['a/b\\c.pdf', PDF, 'c.pdf'],
  ])('keeps only the last path segment: %s', (raw, t, expected) => {
    expect(sanitizeFileName(raw, t, NOW)).toBe(expected)
  })

  it('removes control, bidi-override and zero-width characters', () => {
    expect(sanitizeFileName('re\u0000po\u001brt\u0007.pdf', PDF, NOW)).toBe('report.pdf')
    expect(sanitizeFileName('photo\u202egpj.exe', JPEG, NOW)).toBe('photogpj.jpg')
    expect(sanitizeFileName('a\u200bb.pdf', PDF, NOW)).toBe('ab.pdf')
    expect(sanitizeFileName('a\u2061b\u2064c\t\nd.pdf', PDF, NOW)).toBe('abcd.pdf')
  })

  it('keeps the zero-width joiners emoji sequences need, as captions do', () => {
    const family = '\u{1f468}\u200d\u{1f469}\u200d\u{1f467}'
    expect(sanitizeFileName(`${family} 现场.pdf`, PDF, NOW)).toBe(`${family} 现场.pdf`)
  })

  it('replaces characters DingTalk refuses and trims spaces and trailing dots', () => {
    expect(sanitizeFileName('  what? <draft>*|"x".pdf  ', PDF, NOW)).toBe('what_ _draft____x_.pdf')
    expect(sanitizeFileName('notes. . .', TEXT, NOW)).toBe('notes.txt')
  })

  it('falls back to a default for empty names and names of only dots', () => {
    expect(sanitizeFileName(undefined, JPEG, NOW)).toBe('photo-20261127-090507.jpg')
    expect(sanitizeFileName('', PDF, NOW)).toBe('file.pdf')
    expect(sanitizeFileName('...', PDF, NOW)).toBe('file.pdf')
    expect(sanitizeFileName('../..', JPEG, NOW)).toBe('photo-20261127-090507.jpg')
    expect(sanitizeFileName('\u0001\u0002', TEXT, NOW)).toBe('file.txt')
  })

  it('makes the extension match the bytes', () => {
    expect(sanitizeFileName('IMG_1.HEIC', JPEG, NOW)).toBe('IMG_1.jpg')
    expect(sanitizeFileName('holiday.jpeg', JPEG, NOW)).toBe('holiday.jpeg')
    expect(sanitizeFileName('invoice', PDF, NOW)).toBe('invoice.pdf')
    expect(sanitizeFileName('report v1.2', PDF, NOW)).toBe('report v1.2.pdf')
    expect(sanitizeFileName('page.html', TEXT, NOW)).toBe('page.txt')
  })

  it('keeps Unicode and limits the length in UTF-8 bytes without splitting characters', () => {
    expect(sanitizeFileName('会议记录 📝.pdf', PDF, NOW)).toBe('会议记录 📝.pdf')
    const long = '报告'.repeat(200) + '.pdf'
    const out = sanitizeFileName(long, PDF, NOW)
    expect(new TextEncoder().encode(out).length).toBeLessThanOrEqual(MAX_NAME_BYTES)
    expect(out.endsWith('报告.pdf') || out.endsWith('报.pdf')).toBe(true)
    expect(out).not.toContain('\ufffd')
  })

  it('does not split an emoji sequence when truncating', () => {
    const family = '👨‍👩‍👧'
    expect(truncateUtf8(`ab${family}`, 5)).toBe('ab')
    expect(truncateUtf8(`ab${family}`, 100)).toBe(`ab${family}`)
  })
})
