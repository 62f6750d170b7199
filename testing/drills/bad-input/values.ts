/**
 * The malformed-requests drill's vocabulary (testing/drills/bad-input.test.ts): what one case is,
 * the routes of docs/api.md it aims at, and the hostile values, ids, file names and broken JSON
 * bodies the case builders combine.
 */
import type { RawResponse } from '@testing/drills/raw-http'

/** Small enough that a modest generated "photo" crosses it (docs/api.md: refused right after sniffing). */
export const MAX_IMAGE_BYTES = 64 * 1024
export const MAX_FILE_BYTES = 256 * 1024

export type Auth = 'none' | 'session' | 'no-csrf' | 'bad-csrf' | 'bad-cookie' | 'other-csrf'

export interface Case {
  name: string
  method: string
  /** Request target exactly as sent (may hold bytes a URL parser would refuse). */
  target: Buffer | string
  headers?: Array<[string, string]>
  body?: Buffer
  auth: Auth
  /** Send fewer body bytes than Content-Length says, then close our side. */
  halfClose?: boolean
  /** The server may close without answering (the request was cut short). */
  mayNotAnswer?: boolean
  /** A 5xx the contract gives this case (503 while staging is short of space); any other 5xx is a failure. */
  expectedStatus?: number
  /** An extra check on a well-formed answer (e.g. a sanitised file name). */
  check?: (res: RawResponse) => string | null
}

/** Real ids and tokens from the running stack, which the builders break. */
export interface BatteryContext {
  docId: string
  otherDocId: string
  /** A document the signed-in person may read but not add to. */
  readOnlyDocId: string
  token: string
  otherUserToken: string
  jpeg: Buffer
  /** A token no other case uses, for the one insertion that must succeed (edge-cases.ts, hostile caption). */
  captionToken?: string
}

export const WEIRD_VALUES: unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1.5,
  1e308,
  -1e308,
  Number.MAX_SAFE_INTEGER + 2,
  '',
  ' ',
  'x'.repeat(5000),
  'x'.repeat(70_000),
  '\u0000',
  '\u202e\u0000gpj.exe',
  '\ud800',
  '../../../etc/passwd',
  '%2e%2e%2f%2e%2e%2f',
  '<script>alert(1)</script>',
  '{"$ne":null}',
  '文档'.repeat(300),
  [],
  [null],
  ['a', 'b'],
  {},
  { $gt: '' },
  { __proto__: { polluted: true } },
  { constructor: { prototype: { polluted: true } } },
  Array.from({ length: 300 }, (_, i) => i),
]

export const PATH_IDS: Array<string | Buffer> = [
  '..',
  '.',
  '%2e%2e',
  '%2E%2E%2F%2E%2E',
  '..%2f..%2fetc%2fpasswd',
  '..%5c..%5cwindows',
  '%00',
  'abc%00def',
  Buffer.from('abc\u0000def', 'latin1'),
  '%ff%fe',
  '%c0%ae%c0%ae',
  '%',
  '%zz',
  '%2',
  'a b',
  'a%20b',
  'a;b=c',
  'a\\b',
  'A'.repeat(129),
  'A'.repeat(5000),
  '文档',
  '%E6%96%87',
  Buffer.from([0xff, 0xfe, 0x41]),
  Buffer.from([0xc3, 0x28]),
  'doc%2fother',
  '..;',
  '~root',
  '$(id)',
  '%0d%0aSet-Cookie:%20x=1',
]

export const FILE_NAMES = [
  '../../etc/passwd',
  '..\\..\\windows\\win.ini',
  '/absolute/photo.jpg',
  'C:\\photo.jpg',
  '.',
  '..',
  '...',
  '....jpg',
  '.hidden.jpg',
  'a\u0000b.jpg',
  'line\nbreak.jpg',
  'tab\there.jpg',
  '\u202egpj.exe',
  'CON',
  'x'.repeat(1024),
  '照片 2026-11-27 (1).jpg',
  '😀.jpg',
  '%2e%2e%2fphoto.jpg',
  '',
  ' ',
]

export const MALFORMED_JSON: Buffer[] = [
  Buffer.from('{'),
  Buffer.from('{"a":'),
  Buffer.from('{"a":1,}'),
  Buffer.from("{'a':1}"),
  Buffer.from('[1,2'),
  Buffer.from('nul'),
  Buffer.from('null'),
  Buffer.from('"string"'),
  Buffer.from('123'),
  Buffer.from('\ufeff{}'),
  Buffer.from('{"a":"\\ud800"}'),
  Buffer.from('{"a":"\\x41"}'),
  Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
  Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]),
  Buffer.from([0x7b, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x3a, 0x31, 0x7d]),
  Buffer.from('['.repeat(100_000) + ']'.repeat(100_000)),
  Buffer.from('{"a":' + '{"a":'.repeat(5000) + '1' + '}'.repeat(5001)),
  Buffer.from(`{"items":[${Array.from({ length: 20_000 }, () => '{}').join(',')}]}`),
  Buffer.from('{"a":1}{"b":2}'),
  Buffer.from(''),
  Buffer.alloc(2 * 1024 * 1024, 0x20),
]

/** JSON routes and a valid-looking body for each, which the generator then breaks. */
export const JSON_ROUTES: Array<{ path: string; auth: Auth; body: Record<string, unknown>; headers?: Array<[string, string]> }> = [
  { path: '/api/sandbox/auth-codes', auth: 'none', body: { userId: 'u' } },
  { path: '/api/session', auth: 'none', body: { authCode: 'c' } },
  { path: '/api/documents/resolve', auth: 'session', body: { url: 'https://alidocs.dingtalk.com/i/nodes/abc' } },
  {
    path: '/api/documents/DOC/insertions',
    auth: 'session',
    body: { items: [{ resourceToken: 'TOKEN' }], position: { where: 'end' }, layout: 'separate' },
    headers: [['Idempotency-Key', 'k-1']],
  },
]

export const ROUTES: Array<{ path: string; methods: string[] }> = [
  { path: '/api/health', methods: ['GET'] },
  { path: '/api/config', methods: ['GET'] },
  { path: '/api/sandbox/auth-codes', methods: ['POST'] },
  { path: '/api/sandbox/users', methods: ['GET'] },
  { path: '/api/session', methods: ['POST', 'GET', 'DELETE'] },
  { path: '/api/workspaces', methods: ['GET'] },
  { path: '/api/nodes?parentId=x', methods: ['GET'] },
  { path: '/api/documents', methods: ['GET'] },
  { path: '/api/documents/resolve', methods: ['POST'] },
  { path: '/api/documents/DOC/blocks', methods: ['GET'] },
  { path: '/api/documents/DOC/resources', methods: ['POST'] },
  { path: '/api/documents/DOC/insertions', methods: ['POST'] },
]
export const ALL_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'TRACE', 'PROPFIND', 'FOO']

export const AUTHS: Auth[] = ['none', 'session', 'no-csrf', 'bad-csrf', 'bad-cookie', 'other-csrf']

export function jsonCase(name: string, method: string, path: string, auth: Auth, body: Buffer, extra: Array<[string, string]> = []): Case {
  return { name, method, target: path, auth, body, headers: [['Content-Type', 'application/json'], ...extra] }
}

/** A route path with its `DOC` placeholder set to the stack's document. */
export const inDoc = (ctx: BatteryContext, path: string) => path.replace('DOC', ctx.docId)
