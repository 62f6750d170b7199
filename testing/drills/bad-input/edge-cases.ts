/**
 * The hardening round's edge cases (issue 19 points 4–9): one upload twice in a batch, captions
 * full of controls and bidi overrides, audio and video that are web pages behind magic bytes, a
 * DNS-rebinding `Host` at the emulator's control API, and hostile `TRUST_PROXY` values (an
 * environment battery: they must stop the start, in one line naming `TRUST_PROXY`).
 */
import type { RawResponse } from '@testing/drills/raw-http'
import type { EmulatorState } from '@testing/emulator-control'
import { makeIsoBmff, makeMp3, makeWav } from '@testing/sample-media'
import type { BatteryContext, Case } from './values'

/** What stripControls removes (server/services/text/strip-controls.ts): none of it may reach a document. */
// eslint-disable-next-line no-control-regex
const HOSTILE_TEXT = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b\u200e\u200f\u202a-\u202e\u2060-\u2069\ufeff]/

/** A caption with every kind of character the server must remove, and what must be left of it. */
export const HOSTILE_CAPTION = { sent: '\u0000现场\u0007\u001b[2J\u202eabc\u2066x\u2069\u200b\ufeff\r\nok', kept: '现场[2Jabcx\nok' }

const PAGE = Buffer.from('<html><body><script>fetch("/api/session",{method:"DELETE"})</script></body></html>')

function expectStatus(status: number, code: string) {
  return (res: RawResponse): string | null => {
    if (res.status !== status) return `expected ${status} ${code}, got ${res.status}: ${res.body.toString('utf8').slice(0, 160)}`
    return res.body.toString('utf8').includes(`"code":"${code}"`)
      ? null
      : `expected code ${code}: ${res.body.toString('utf8').slice(0, 160)}`
  }
}

/** Adds the edge cases that go to the app. */
export function edgeCases(cases: Case[], ctx: BatteryContext): void {
  const insertions = `/api/documents/${ctx.docId}/insertions`
  const json = (name: string, body: unknown, check?: Case['check']): Case => ({
    name,
    method: 'POST',
    target: insertions,
    auth: 'session',
    headers: [
      ['Content-Type', 'application/json'],
      ['Idempotency-Key', `k-edge-${name.replace(/[^A-Za-z0-9]/g, '-')}`],
    ],
    body: Buffer.from(JSON.stringify(body)),
    ...(check ? { check } : {}),
  })
  const twice = expectStatus(400, 'invalid_request')
  cases.push(
    json(
      'edge: one token three times',
      { items: [{ resourceToken: ctx.token }, { resourceToken: ctx.token }, { resourceToken: ctx.token }] },
      twice,
    ),
  )
  cases.push(
    json(
      'edge: one token twice with captions',
      {
        items: [
          { resourceToken: ctx.token, caption: 'a' },
          { resourceToken: ctx.token, caption: 'b' },
        ],
      },
      twice,
    ),
  )
  if (ctx.captionToken) {
    const inserted = (res: RawResponse) =>
      res.status === 201 ? null : `expected 201, got ${res.status}: ${res.body.toString('utf8').slice(0, 160)}`
    cases.push(json('edge: hostile caption', { items: [{ resourceToken: ctx.captionToken, caption: HOSTILE_CAPTION.sent }] }, inserted))
  }

  const resources = `/api/documents/${ctx.docId}/resources?name=clip.mp4`
  const upload = (name: string, body: Buffer, type: string, check: Case['check']): Case => ({
    name: `edge: upload ${name}`,
    method: 'POST',
    target: resources,
    auth: 'session',
    headers: [['Content-Type', type]],
    body,
    check,
  })
  const refused = expectStatus(415, 'unsupported_type')
  const polyglots: Array<[string, Buffer, string]> = [
    ['MP3 sync + page', Buffer.concat([Buffer.from([0xff, 0xfb]), PAGE]), 'audio/mpeg'],
    ['RIFF/WAVE + page', Buffer.concat([Buffer.from('RIFF'), Buffer.from([0x60, 0, 0, 0]), Buffer.from('WAVE'), PAGE]), 'audio/wav'],
    ['ftyp + page', Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypisom\0\0\0\0isommp41'), PAGE]), 'video/mp4'],
    ['WAV with a page in its samples', Buffer.concat([makeWav().subarray(0, 44), PAGE, makeWav().subarray(44 + PAGE.length)]), 'audio/wav'],
    ['MP3 with a page in a frame', Buffer.concat([makeMp3().subarray(0, 124), PAGE, makeMp3().subarray(124 + PAGE.length)]), 'audio/mpeg'],
    ['MP4 one byte short', makeIsoBmff('isom').subarray(0, -1), 'video/mp4'],
  ]
  for (const [name, body, type] of polyglots) cases.push(upload(name, body, type, refused))
  const accepted = (res: RawResponse) =>
    res.status === 201 ? null : `a real file was refused: ${res.status} ${res.body.toString('utf8').slice(0, 160)}`
  cases.push(upload('a real WAV', makeWav(), 'audio/wav', accepted))
}

/** Strings anywhere in the documents' blocks that still hold a control, bidi or zero-width character. */
export function hostileTextIn(state: EmulatorState): string[] {
  const found: string[] = []
  const visit = (value: unknown): void => {
    if (typeof value === 'string') {
      if (HOSTILE_TEXT.test(value)) found.push(JSON.stringify(value))
    } else if (Array.isArray(value)) value.forEach(visit)
    else if (value && typeof value === 'object') Object.values(value).forEach(visit)
  }
  for (const doc of state.documents) visit(doc.blocks)
  return found
}

/** `TRUST_PROXY` values that must stop the start: too many hops, ranges trusting nearly everyone, junk. */
export const HOSTILE_TRUST_PROXY: readonly string[] = [
  'true',
  'TRUE',
  '6',
  '99',
  '4294967296',
  '0.0.0.0/0',
  '0.0.0.0/1,128.0.0.0/1',
  '10.0.0.1,1.0.0.0/7',
  '::/0',
  '::/31',
  '::/32',
  '::ffff:0:0/96',
  '::ffff:0.0.0.0/100',
  '2000::/3',
  'everyone',
  '10.0.0.1;10.0.0.2',
  '10.0.0.0/255.0.0.0',
  '10.0.0.1,',
  '127.0.0.1/33',
  '999.1.1.1',
  'loopback/8',
  '\u0000',
]

/** Requests to the emulator's control API from a DNS-rebinding page: its own name as Host, a matching Origin. */
export function rebindingRequests(emulatorPort: number): Array<{ name: string; bytes: Buffer }> {
  const host = `rebind.example:${emulatorPort}`
  const origin = `http://${host}`
  const head = (method: string, path: string, extra: string[] = []) =>
    [`${method} ${path} HTTP/1.1`, `Host: ${host}`, `Origin: ${origin}`, 'Connection: close', ...extra, '', ''].join('\r\n')
  const body = JSON.stringify({ userId: 'zhangwei' })
  return [
    { name: 'read state', bytes: Buffer.from(head('GET', '/__emulator/state')) },
    {
      name: 'mint an auth code',
      bytes: Buffer.from(
        head('POST', '/__emulator/auth-codes', ['Content-Type: application/json', `Content-Length: ${body.length}`]) + body,
      ),
    },
    { name: 'reset', bytes: Buffer.from(head('POST', '/__emulator/reset')) },
    { name: 'read the call log', bytes: Buffer.from(head('GET', '/__emulator/requests')) },
    { name: 'HTML view', bytes: Buffer.from(head('GET', '/__emulator/documents/x')) },
  ]
}

/** What is wrong with the emulator's answer to a rebinding request, or null: it must be 403 in DingTalk's error shape. */
export function judgeRebinding(res: RawResponse | null): string | null {
  if (!res) return 'closed without an answer'
  if (res.status !== 403) return `HTTP ${res.status}: ${res.body.toString('utf8').slice(0, 160)}`
  let body: unknown
  try {
    body = JSON.parse(res.body.toString('utf8'))
  } catch {
    return `non-JSON 403: ${res.body.toString('utf8').slice(0, 120)}`
  }
  const shaped = body && typeof body === 'object' && 'code' in body && 'requestid' in body && body.code === 'forbidden.hostNotAllowed'
  return shaped ? null : `403 not in the emulator's error shape: ${res.body.toString('utf8').slice(0, 160)}`
}
