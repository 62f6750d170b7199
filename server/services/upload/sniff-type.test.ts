import { describe, expect, it } from 'vitest'
import sharp from 'sharp'
import { isPlainText, PlainTextScanner, sniffType } from './sniff-type'
import { parseBuffer } from 'music-metadata'
import { makeAdts, makeIsoBmff, makeMp3, makeWav, makeWebm } from '@testing/sample-media'

/** A minimal ZIP (one stored entry) — the local file header is what sniffers look at. */
function zipWith(entryName: string, content: string): Buffer {
  const name = Buffer.from(entryName)
  const data = Buffer.from(content)
  const header = Buffer.alloc(30)
  header.writeUInt32LE(0x04034b50, 0)
  header.writeUInt16LE(20, 4)
  header.writeUInt32LE(0, 14) // crc (not checked by sniffers)
  header.writeUInt32LE(data.length, 18)
  header.writeUInt32LE(data.length, 22)
  header.writeUInt16LE(name.length, 26)
  return Buffer.concat([header, name, data])
}

const CONTENT_TYPES_DOCX =
  '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
  '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'

describe('sniffType', () => {
  it('recognises real pictures by their bytes', async () => {
    const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#f00' } })
      .png()
      .toBuffer()
    const jpeg = await sharp(png).jpeg().toBuffer()
    const webp = await sharp(png).webp().toBuffer()
    expect((await sniffType(png, { complete: true }))?.mediaType).toBe('image/png')
    expect((await sniffType(jpeg, { complete: true }))?.mediaType).toBe('image/jpeg')
    expect((await sniffType(webp, { complete: true }))?.kind).toBe('image')
  })

  it('finds PDF, MP4 and ZIP; a ZIP of Office parts is the Office type', async () => {
    expect((await sniffType(Buffer.from('%PDF-1.7\n%âãÏÓ\n1 0 obj\n'), { complete: false }))?.mediaType).toBe('application/pdf')
    const mp4 = makeIsoBmff('isom')
    expect((await sniffType(mp4.subarray(0, 100), { complete: false, size: mp4.length }))?.mediaType).toBe('video/mp4')
    expect((await sniffType(zipWith('notes/a.txt', 'hello'), { complete: true }))?.mediaType).toBe('application/zip')
    const docx = zipWith('[Content_Types].xml', CONTENT_TYPES_DOCX)
    expect((await sniffType(docx, { complete: true }))?.ext).toBe('docx')
  })

  it('lets the name or declared type tell an Office file from a plain ZIP when the bytes only say ZIP', async () => {
    const xlsxPartsFirst = zipWith('xl/workbook.xml', '<workbook/>')
    expect((await sniffType(xlsxPartsFirst, { complete: false, nameExt: 'xlsx' }))?.ext).toBe('xlsx')
    const declared = 'application/vnd.openxmlformats-officedocument.presentationml.presentation'
    expect((await sniffType(xlsxPartsFirst, { complete: false, declaredType: declared }))?.ext).toBe('pptx')
    expect((await sniffType(xlsxPartsFirst, { complete: false, nameExt: 'exe' }))?.ext).toBe('zip')
  })

  it('takes UTF-8 text as plain text, or CSV when the name or declared type says so', async () => {
    const text = Buffer.from('日期,金额\n2026-01-01,12.5\n')
    expect((await sniffType(text, { complete: true }))?.mediaType).toBe('text/plain')
    expect((await sniffType(text, { complete: true, nameExt: 'csv' }))?.mediaType).toBe('text/csv')
    expect((await sniffType(text, { complete: true, declaredType: 'text/csv; charset=utf-8' }))?.mediaType).toBe('text/csv')
  })

  it.each([
    ['HTML', '<!DOCTYPE html><html><body>hi</body></html>'],
    ['HTML without doctype', '\n\n  <html>\n<script>alert(1)</script>'],
    ['SVG', '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>'],
    ['XML', '<?xml version="1.0"?><a/>'],
    ['a shell script', '#!/bin/sh\nrm -rf /\n'],
    ['PHP', '<?php echo 1; ?>'],
    ['a script tag after text', 'hello\n<script src=x></script>'],
  ])('refuses %s, whatever it claims to be', async (_label, content) => {
    expect(await sniffType(Buffer.from(content), { complete: true, nameExt: 'jpg', declaredType: 'image/jpeg' })).toBeNull()
  })

  it('keeps text whose first letters look like a binary signature', async () => {
    expect((await sniffType(Buffer.from('BMW,2020,blue\nAudi,2021,red\n'), { complete: true, nameExt: 'csv' }))?.mediaType).toBe('text/csv')
    expect((await sniffType(Buffer.from('MZ is a name, not a program\n'), { complete: true }))?.mediaType).toBe('text/plain')
  })

  it('refuses executables and binary junk', async () => {
    const exe = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(58), Buffer.from([0x80, 0, 0, 0]), Buffer.alloc(64), Buffer.from('PE\0\0')])
    expect(await sniffType(exe, { complete: false })).toBeNull()
    const elf = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]), Buffer.alloc(64)])
    expect(await sniffType(elf, { complete: false })).toBeNull()
    expect(await sniffType(Buffer.from([1, 2, 3, 0, 0, 0, 255, 254]), { complete: true })).toBeNull()
    expect(await sniffType(Buffer.alloc(0), { complete: true })).toBeNull()
  })
})

describe('isPlainText', () => {
  it('accepts a multi-byte character cut at the end of an incomplete head', () => {
    const cut = Buffer.from('中文').subarray(0, 4)
    expect(isPlainText(cut, false)).toBe(true)
    expect(isPlainText(cut, true)).toBe(false)
  })

  it('refuses NUL bytes and invalid UTF-8', () => {
    expect(isPlainText(Buffer.from('a\0b'), true)).toBe(false)
    expect(isPlainText(Buffer.from([0x61, 0xff, 0x62]), true)).toBe(false)
  })
})

describe('audio and video', () => {
  const sniffWhole = (bytes: Buffer) => sniffType(bytes, { complete: true, size: bytes.length })
  /** As a big upload is sniffed: its first `n` bytes, the declared size of all of it. */
  const sniffHead = (bytes: Buffer, n = 1000) => sniffType(bytes.subarray(0, n), { complete: false, size: bytes.length })
  const page = Buffer.from('<html><body><script>fetch("/api/session")</script></body></html>')

  it('accepts MP3, AAC, M4A, WAV, MP4, MOV and WebM by their bytes, whole or by their head, whatever the name says', async () => {
    const samples: Array<[Buffer, string]> = [
      [makeMp3(), 'audio/mpeg'],
      [makeAdts(), 'audio/aac'],
      [makeIsoBmff('M4A '), 'audio/mp4'],
      [makeWav(), 'audio/wav'],
      [makeIsoBmff('isom'), 'video/mp4'],
      [makeIsoBmff('qt  '), 'video/quicktime'],
      [makeWebm(), 'video/webm'],
    ]
    for (const [bytes, mediaType] of samples) {
      expect((await sniffType(bytes, { complete: true, size: bytes.length, nameExt: 'txt' }))?.mediaType, mediaType).toBe(mediaType)
      expect((await sniffHead(bytes))?.mediaType, `${mediaType} head`).toBe(mediaType)
    }
  })

  it('generates samples a well-kept parser reads as real audio', async () => {
    const wav = await parseBuffer(makeWav(500), { mimeType: 'audio/wav' })
    expect(wav.format).toMatchObject({ container: 'WAVE', sampleRate: 8000, numberOfChannels: 1 })
    expect(wav.format.duration).toBeCloseTo(0.5, 2)
    const mp3 = await parseBuffer(makeMp3(), { mimeType: 'audio/mpeg' }, { duration: true })
    expect(mp3.format).toMatchObject({ container: 'MPEG', sampleRate: 44100, bitrate: 128000 })
  })

  it('refuses magic bytes followed by a web page (415 unsupported_type upstream)', async () => {
    const riffWave = Buffer.concat([Buffer.from('RIFF'), Buffer.from([0x40, 0, 0, 0]), Buffer.from('WAVE'), page])
    const ftyp = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypisom\0\0\0\0isommp41'), page])
    const ebmlPage = Buffer.concat([makeWebm().subarray(0, 31), page])
    for (const [name, bytes] of Object.entries({
      mp3: Buffer.concat([Buffer.from([0xff, 0xfb]), page]),
      mp3Frame: Buffer.concat([Buffer.from([0xff, 0xfb, 0x90, 0x64]), page]),
      id3: Buffer.concat([Buffer.from('ID3\x03\x00\x00\x00\x00\x00\x00', 'latin1'), page]),
      adts: Buffer.concat([Buffer.from([0xff, 0xf1]), page]),
      riffWave,
      ftyp,
      ebmlPage,
    })) {
      expect(await sniffWhole(bytes), name).toBeNull()
      expect(await sniffType(bytes, { complete: false, size: bytes.length + 100_000 }), `${name} head`).toBeNull()
    }
  })

  it('refuses containers whose structure holds but whose bytes carry markup', async () => {
    const wav = makeWav()
    const wavWithPage = Buffer.from(wav)
    page.copy(wavWithPage, 200)
    const mp3 = makeMp3()
    const mp3WithPage = Buffer.from(mp3)
    page.copy(mp3WithPage, 20 + 4 + 100)
    const mp4 = makeIsoBmff('isom')
    const mp4WithPage = Buffer.from(mp4)
    page.copy(mp4WithPage, mp4.length - 1000)
    for (const [name, bytes] of Object.entries({ wavWithPage, mp3WithPage, mp4WithPage })) {
      expect(await sniffWhole(bytes), name).toBeNull()
    }
  })

  it('reads the XML of an iXML metadata chunk (field recorders write one) as metadata, not as a page', async () => {
    const wav = makeWav()
    const ixmlBody = Buffer.from('<?xml version="1.0" encoding="UTF-8"?><BWFXML><IXML_VERSION>2.0</IXML_VERSION></BWFXML>')
    const ixml = Buffer.concat([Buffer.from('iXML'), Buffer.alloc(4), ixmlBody, Buffer.alloc(ixmlBody.length & 1)])
    ixml.writeUInt32LE(ixmlBody.length, 4)
    const withIxml = Buffer.concat([wav.subarray(0, 4), Buffer.alloc(4), wav.subarray(8, 36), ixml, wav.subarray(36)])
    withIxml.writeUInt32LE(withIxml.length - 8, 4)
    expect((await sniffWhole(withIxml))?.mediaType).toBe('audio/wav')
    const asData = Buffer.from(withIxml)
    asData.write('LIST', 36, 'latin1')
    expect(await sniffWhole(asData)).toBeNull()
  })

  it('takes an MP3 whose tag (with cover art, or show notes in HTML) is longer than the sniffed head', async () => {
    const art = Buffer.concat([Buffer.from('<p>Show notes: <img src="x"></p>'), Buffer.alloc(100_000, 0x11)])
    const size = art.length
    const syncsafe = [(size >> 21) & 0x7f, (size >> 14) & 0x7f, (size >> 7) & 0x7f, size & 0x7f]
    const mp3 = Buffer.concat([Buffer.from([0x49, 0x44, 0x33, 3, 0, 0, ...syncsafe]), art, makeMp3().subarray(20)])
    expect((await sniffHead(mp3, 64 * 1024))?.mediaType).toBe('audio/mpeg')
    expect((await sniffWhole(mp3))?.mediaType).toBe('audio/mpeg')
    expect(await sniffType(mp3.subarray(0, 64 * 1024), { complete: false, size: 50_000 })).toBeNull()
  })

  it('refuses sizes that do not chain: a RIFF longer than the file, a box past the end, a broken frame', async () => {
    const wav = makeWav()
    const longRiff = Buffer.from(wav)
    longRiff.writeUInt32LE(wav.length + 1000, 4)
    expect(await sniffWhole(longRiff)).toBeNull()
    expect(await sniffWhole(wav.subarray(0, wav.length - 100))).toBeNull()
    expect(await sniffType(wav.subarray(0, 1000), { complete: false, size: 1200 })).toBeNull()

    const mp4 = makeIsoBmff('isom')
    expect(await sniffWhole(Buffer.concat([mp4, Buffer.from('junk')]))).toBeNull()
    expect(await sniffWhole(mp4.subarray(0, mp4.length - 1))).toBeNull()
    expect(await sniffType(mp4.subarray(0, 1000), { complete: false, size: 1500 })).toBeNull()

    const mp3 = makeMp3()
    const brokenFrame = Buffer.from(mp3)
    brokenFrame[20 + 417 * 3 + 2] = 0xfc // the fourth frame's sample-rate index: reserved
    expect(await sniffWhole(brokenFrame)).toBeNull()
    expect((await sniffWhole(Buffer.concat([mp3, Buffer.from('TAG'), Buffer.alloc(125)])))?.mediaType).toBe('audio/mpeg')

    const webm = makeWebm()
    const strangeChild = Buffer.from(webm)
    strangeChild[webm.indexOf(Buffer.from([0x16, 0x54, 0xae, 0x6b]))] = 0x17 // Tracks' id is no longer a Segment child
    expect(await sniffWhole(strangeChild)).toBeNull()
  })

  it('keeps refusing markup in text chunks that arrive later, also across a chunk seam', () => {
    const scanner = new PlainTextScanner()
    expect(scanner.push(Buffer.from('harmless notes, then <scr'))).toBe(true)
    expect(scanner.push(Buffer.from('ipt>alert(1)'))).toBe(false)
    const clean = new PlainTextScanner()
    expect(clean.push(Buffer.from('a < b and c > d\n'))).toBe(true)
    expect(clean.end()).toBe(true)
  })
})
