/**
 * Malformed uploads to POST /api/documents/:docId/resources: lying, missing and duplicate lengths,
 * truncated bodies, files over the limits, HTML/SVG/script/executable bodies under image types,
 * hostile file names (whose stored form must come out safe).
 */
import { randInt, type Rng } from '@testing/prng'
import { FILE_NAMES, MAX_FILE_BYTES, MAX_IMAGE_BYTES, type BatteryContext, type Case } from './values'

/** Uploads: lengths, types, names. */
export function uploadCases(cases: Case[], rng: Rng, ctx: BatteryContext): void {
  const resources = `/api/documents/${ctx.docId}/resources`
  const upload = (name: string, body: Buffer, headers: Array<[string, string]>, extra: Partial<Case> = {}) =>
    cases.push({
      name: `upload ${name}`,
      method: 'POST',
      target: resources + (extra.target ? '' : '?name=x.jpg'),
      auth: 'session',
      body,
      headers,
      ...extra,
    })
  upload('no content-length (chunked)', ctx.jpeg, [
    ['Content-Type', 'image/jpeg'],
    ['Transfer-Encoding', 'chunked'],
  ])
  upload('content-length 1e15', Buffer.alloc(0), [
    ['Content-Type', 'image/jpeg'],
    ['Content-Length', '1000000000000000'],
  ])
  upload('content-length over MAX_FILE_BYTES', Buffer.alloc(0), [
    ['Content-Type', 'application/pdf'],
    ['Content-Length', String(MAX_FILE_BYTES + 1)],
  ])
  upload('content-length -1', Buffer.alloc(0), [
    ['Content-Type', 'image/jpeg'],
    ['Content-Length', '-1'],
  ])
  upload('content-length abc', Buffer.alloc(0), [
    ['Content-Type', 'image/jpeg'],
    ['Content-Length', 'abc'],
  ])
  upload('two content-lengths', ctx.jpeg, [
    ['Content-Type', 'image/jpeg'],
    ['Content-Length', String(ctx.jpeg.length)],
    ['Content-Length', '5'],
  ])
  upload('content-length 0', Buffer.alloc(0), [
    ['Content-Type', 'image/jpeg'],
    ['Content-Length', '0'],
  ])
  upload(
    'body shorter than content-length',
    ctx.jpeg.subarray(0, 500),
    [
      ['Content-Type', 'image/jpeg'],
      ['Content-Length', String(ctx.jpeg.length)],
    ],
    { halfClose: true, mayNotAnswer: true },
  )
  upload(
    'head only, then gone',
    ctx.jpeg.subarray(0, 10),
    [
      ['Content-Type', 'image/jpeg'],
      ['Content-Length', String(ctx.jpeg.length)],
    ],
    { halfClose: true, mayNotAnswer: true },
  )
  const bigImage = Buffer.concat([ctx.jpeg.subarray(0, 20), Buffer.alloc(MAX_IMAGE_BYTES + 1 - 20, 0x55)])
  upload('image over MAX_IMAGE_BYTES', bigImage, [['Content-Type', 'image/jpeg']])
  const refused: Array<[string, Buffer]> = [
    ['html', Buffer.from('<!doctype html><html><script>alert(1)</script></html>')],
    ['svg', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')],
    ['xml', Buffer.from('<?xml version="1.0"?><a/>')],
    ['shell script', Buffer.from('#!/bin/sh\nrm -rf /\n')],
    ['ELF', Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]), Buffer.alloc(100)])],
    ['PE', Buffer.concat([Buffer.from('MZ'), Buffer.alloc(200)])],
    ['zeros', Buffer.alloc(300)],
    ['random', Buffer.from(Array.from({ length: 300 }, () => randInt(rng, 0, 255)))],
  ]
  for (const [kind, body] of refused) {
    for (const type of ['image/jpeg', 'application/pdf', 'application/octet-stream', 'text/html']) {
      upload(`${kind} declared ${type}`, body, [['Content-Type', type]])
    }
  }
  for (const name of FILE_NAMES) {
    upload(`name ${JSON.stringify(name.slice(0, 20))}`, ctx.jpeg, [['Content-Type', 'image/jpeg']], {
      target: `${resources}?name=${encodeURIComponent(name)}`,
      check: (res) => {
        if (res.status !== 201) return null
        const parsed: unknown = JSON.parse(res.body.toString('utf8'))
        const stored = typeof parsed === 'object' && parsed !== null && 'name' in parsed ? String(parsed.name) : ''
        // eslint-disable-next-line no-control-regex
        if (/[/\\\u0000-\u001f\u007f]/.test(stored) || /^\.*$/.test(stored)) return `unsafe stored name ${JSON.stringify(stored)}`
        return null
      },
    })
  }
  upload('name not UTF-8', ctx.jpeg, [['Content-Type', 'image/jpeg']], {
    target: Buffer.concat([Buffer.from(`${resources}?name=`), Buffer.from([0xff, 0xfe]), Buffer.from('.jpg')]),
  })
  upload('name invalid escape', ctx.jpeg, [['Content-Type', 'image/jpeg']], { target: `${resources}?name=%ff%fe.jpg` })
}
