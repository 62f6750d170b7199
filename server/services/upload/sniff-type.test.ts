import { describe, expect, it } from 'vitest'
import sharp from 'sharp'
import { isPlainText, PlainTextScanner, sniffType } from './sniff-type'

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
    const mp4 = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypisom\0\0\0\0isommp41'), Buffer.alloc(64)])
    expect((await sniffType(mp4, { complete: false }))?.mediaType).toBe('video/mp4')
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
  const ftyp = (brand: string) => {
    const box = Buffer.alloc(32)
    box.writeUInt32BE(32, 0)
    box.write('ftyp', 4, 'latin1')
    box.write(brand.padEnd(4, ' '), 8, 'latin1')
    box.write(`${brand.padEnd(4, ' ')}isom`, 16, 'latin1')
    return Buffer.concat([box, Buffer.alloc(64)])
  }
  const wav = () => {
    const header = Buffer.alloc(44)
    header.write('RIFF', 0, 'latin1')
    header.writeUInt32LE(36 + 8, 4)
    header.write('WAVEfmt ', 8, 'latin1')
    header.writeUInt32LE(16, 16)
    header.writeUInt16LE(1, 20)
    header.writeUInt16LE(1, 22)
    header.writeUInt32LE(8000, 24)
    header.writeUInt32LE(16000, 28)
    header.writeUInt16LE(2, 32)
    header.writeUInt16LE(16, 34)
    header.write('data', 36, 'latin1')
    header.writeUInt32LE(8, 40)
    return Buffer.concat([header, Buffer.alloc(8)])
  }
  // An ID3v2 tag followed by one MPEG-1 Layer III frame header.
  const mp3 = () =>
    Buffer.concat([Buffer.from('ID3\x03\x00\x00\x00\x00\x00\x00', 'latin1'), Buffer.from([0xff, 0xfb, 0x90, 0x64]), Buffer.alloc(400)])
  // EBML header whose DocType is "webm".
  const webm = () => Buffer.concat([Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x82, 0x84]), Buffer.from('webm'), Buffer.alloc(64)])

  it('accepts MP3, M4A, WAV, MOV and WebM by their bytes, whatever the name says', async () => {
    expect((await sniffType(mp3(), { complete: true, nameExt: 'txt' }))?.mediaType).toBe('audio/mpeg')
    expect((await sniffType(ftyp('M4A'), { complete: true }))?.mediaType).toBe('audio/mp4')
    expect((await sniffType(wav(), { complete: true }))?.mediaType).toBe('audio/wav')
    expect((await sniffType(ftyp('qt'), { complete: true }))?.mediaType).toBe('video/quicktime')
    expect((await sniffType(webm(), { complete: true }))?.mediaType).toBe('video/webm')
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
