/**
 * Sending one malformed-requests case byte for byte, and judging its answer: no 5xx, an answer
 * to everything that was not cut short, and every answer >= 400 in the documented error shape.
 */
import { ErrorBodySchema } from '@contract/api'
import type { RawResponse } from '@testing/drills/raw-http'
import type { Case } from './values'

export interface Session {
  cookie: string
  csrf: string
}

export function requestBytes(c: Case, session: Session, other: Session): Buffer {
  const headers: Array<[string, string]> = [
    ['Host', '127.0.0.1'],
    ['Connection', 'close'],
  ]
  if (c.auth !== 'none')
    headers.push(['Cookie', c.auth === 'bad-cookie' ? `${session.cookie.split('=')[0]}=AAAA${'x'.repeat(40)}` : session.cookie])
  if (c.auth === 'session' || c.auth === 'bad-cookie') headers.push(['X-CSRF-Token', session.csrf])
  if (c.auth === 'bad-csrf') headers.push(['X-CSRF-Token', session.csrf.slice(0, -2) + 'zz'])
  if (c.auth === 'other-csrf') headers.push(['X-CSRF-Token', other.csrf])
  const own = c.headers ?? []
  headers.push(...own)
  const body = c.body ?? Buffer.alloc(0)
  const setsLength = own.some(([k]) => /^(content-length|transfer-encoding)$/i.test(k))
  if (!setsLength && (c.body !== undefined || c.method === 'POST')) headers.push(['Content-Length', String(body.length)])
  const chunked = own.some(([k, v]) => /^transfer-encoding$/i.test(k) && /chunked/i.test(v))
  const payload = chunked ? Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')]) : body
  const target = typeof c.target === 'string' ? Buffer.from(c.target, 'latin1') : c.target
  const head = Buffer.concat([
    Buffer.from(`${c.method} `),
    target,
    Buffer.from(' HTTP/1.1\r\n'),
    Buffer.from(headers.map(([k, v]) => `${k}: ${v}\r\n`).join(''), 'latin1'),
    Buffer.from('\r\n'),
  ])
  return Buffer.concat([head, payload])
}

/** What is wrong with this answer, or null when it is acceptable. */
export function judge(c: Case, res: RawResponse | null): string | null {
  if (res === null) return c.mayNotAnswer ? null : 'closed without an answer'
  if (res.status >= 500 && res.status !== c.expectedStatus) return `HTTP ${res.status}: ${res.body.toString('utf8').slice(0, 200)}`
  if (res.status >= 400 && c.method !== 'HEAD') {
    let body: unknown
    try {
      body = JSON.parse(res.body.toString('utf8'))
    } catch {
      return `HTTP ${res.status} with a non-JSON body: ${JSON.stringify(res.body.toString('utf8').slice(0, 120))}`
    }
    const parsed = ErrorBodySchema.safeParse(body)
    if (!parsed.success) return `HTTP ${res.status} not in the error shape: ${res.body.toString('utf8').slice(0, 160)}`
    if (!/^[a-z][a-z0-9_]*$/.test(parsed.data.error.code)) return `error code not snake_case: ${parsed.data.error.code}`
    if (!parsed.data.error.requestId) return 'empty requestId'
  }
  return c.check?.(res) ?? null
}
