/**
 * Drill: a deterministic battery of ≥ 1 000 malformed requests across every route of docs/api.md
 * (wrong types, missing and extra fields, huge values, invalid UTF-8, path tricks, wrong methods,
 * oversized headers, bad cookies and CSRF tokens, lying lengths). Nothing may answer 5xx, the
 * server must keep answering, and every answer ≥ 400 must be the documented error shape
 * `{"error":{"code","message","requestId"}}`. Requests go over raw sockets so they arrive
 * byte for byte as written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ErrorBodySchema, type ResourceResponse } from '../contract/api'
import { ApiClient } from '@testing/drills/api-client'
import { mapLimit } from '@testing/drills/batches'
import { editablePairs, getState } from '@testing/emulator-control'
import { makePhotos } from '@testing/sample-files'
import { createRng, pick, randInt, type Rng } from '@testing/prng'
import { rawRequest, type RawResponse } from '@testing/drills/raw-http'
import { startStack, type Stack } from '@testing/drills/stack'

const SEED = 20261127
const MIN_CASES = 1000
/** Small enough that a modest generated "photo" crosses it (docs/api.md: refused right after sniffing). */
const MAX_IMAGE_BYTES = 64 * 1024
const MAX_FILE_BYTES = 256 * 1024

type Auth = 'none' | 'session' | 'no-csrf' | 'bad-csrf' | 'bad-cookie' | 'other-csrf'

interface Case {
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
  /** An extra check on a well-formed answer (e.g. a sanitised file name). */
  check?: (res: RawResponse) => string | null
}

interface Session {
  cookie: string
  csrf: string
}

// ---- the battery ------------------------------------------------------------------------------

const WEIRD_VALUES: unknown[] = [
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

const PATH_IDS: Array<string | Buffer> = [
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

const FILE_NAMES = [
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

const MALFORMED_JSON: Buffer[] = [
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
const JSON_ROUTES: Array<{ path: string; auth: Auth; body: Record<string, unknown>; headers?: Array<[string, string]> }> = [
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

const ROUTES: Array<{ path: string; methods: string[] }> = [
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
const ALL_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'TRACE', 'PROPFIND', 'FOO']

const AUTHS: Auth[] = ['none', 'session', 'no-csrf', 'bad-csrf', 'bad-cookie', 'other-csrf']

function jsonCase(name: string, method: string, path: string, auth: Auth, body: Buffer, extra: Array<[string, string]> = []): Case {
  return { name, method, target: path, auth, body, headers: [['Content-Type', 'application/json'], ...extra] }
}

/** Builds the whole battery from the seed; `ctx` supplies real ids and tokens to break. */
function buildCases(rng: Rng, ctx: { docId: string; otherDocId: string; token: string; otherUserToken: string; jpeg: Buffer }): Case[] {
  const cases: Case[] = []
  const fill = (path: string) => path.replace('DOC', ctx.docId)
  const tokenVariants = [
    ctx.token.slice(0, -1) + (ctx.token.endsWith('A') ? 'B' : 'A'),
    ctx.token.slice(0, ctx.token.length >> 1),
    ctx.token + '.' + ctx.token,
    ctx.otherUserToken,
    Buffer.from(ctx.token).toString('base64'),
    'x'.repeat(4096),
    'x'.repeat(4097),
    '..',
    '\u0000',
  ]

  // 1. Every route with every method it does not have, and with each auth state.
  for (const route of ROUTES) {
    for (const method of ALL_METHODS) {
      if (route.methods.includes(method)) continue
      cases.push({ name: `method ${method} ${route.path}`, method, target: fill(route.path), auth: pick(rng, AUTHS) })
    }
    for (const method of route.methods) {
      for (const auth of AUTHS) {
        // A valid sign-out really ends the shared session (revoked on the server), which would turn
        // every later case into a 401; hardening.test covers sign-out itself.
        if (route.path === '/api/session' && method === 'DELETE' && auth === 'session') continue
        const jsonRoute = JSON_ROUTES.find((r) => r.path === route.path)
        const body = jsonRoute ? Buffer.from(JSON.stringify(jsonRoute.body).replace('DOC', ctx.docId)) : undefined
        cases.push({
          name: `auth ${auth} ${method} ${route.path}`,
          method,
          target: fill(route.path),
          auth,
          body,
          headers: [...(body ? ([['Content-Type', 'application/json']] as Array<[string, string]>) : []), ...(jsonRoute?.headers ?? [])],
        })
      }
    }
  }

  // 2. JSON bodies: each field set to each weird value, fields missing, extra fields, broken JSON.
  for (const route of JSON_ROUTES) {
    const path = fill(route.path)
    for (const field of Object.keys(route.body)) {
      for (const value of WEIRD_VALUES) {
        const body = { ...route.body, [field]: value }
        cases.push(
          jsonCase(
            `field ${field}=${String(JSON.stringify(value)).slice(0, 30)} ${route.path}`,
            'POST',
            path,
            route.auth,
            Buffer.from(JSON.stringify(body)),
            route.headers,
          ),
        )
      }
      const { [field]: _dropped, ...rest } = route.body
      cases.push(jsonCase(`missing ${field} ${route.path}`, 'POST', path, route.auth, Buffer.from(JSON.stringify(rest)), route.headers))
    }
    for (const extra of ['operatorId', 'unionId', '__proto__', 'constructor', 'x'.repeat(300)]) {
      const body = `{${JSON.stringify(extra)}:${JSON.stringify('injected')},${JSON.stringify(route.body).slice(1)}`
      cases.push(jsonCase(`extra ${extra.slice(0, 20)} ${route.path}`, 'POST', path, route.auth, Buffer.from(body), route.headers))
    }
    for (const [i, body] of MALFORMED_JSON.entries()) {
      cases.push(jsonCase(`malformed #${i} ${route.path}`, 'POST', path, route.auth, body, route.headers))
    }
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/json; charset=utf-16',
      'application/xml',
      '',
    ]) {
      cases.push({
        name: `content-type "${type}" ${route.path}`,
        method: 'POST',
        target: path,
        auth: route.auth,
        body: Buffer.from(JSON.stringify(route.body)),
        headers: [...(type ? ([['Content-Type', type]] as Array<[string, string]>) : []), ...(route.headers ?? [])],
      })
    }
  }

  // 3. Insertions: forged and foreign tokens, bad positions, batch limits, idempotency keys.
  const insertions = `/api/documents/${ctx.docId}/insertions`
  const insert = (name: string, body: unknown, key: string | null = `k-${name}`) =>
    cases.push(
      jsonCase(
        `insert ${name}`,
        'POST',
        insertions,
        'session',
        Buffer.from(JSON.stringify(body)),
        key === null ? [] : [['Idempotency-Key', key]],
      ),
    )
  for (const [i, token] of tokenVariants.entries()) insert(`token variant ${i}`, { items: [{ resourceToken: token }] })
  cases.push(
    jsonCase(
      'insert token for another document',
      'POST',
      `/api/documents/${ctx.otherDocId}/insertions`,
      'session',
      Buffer.from(JSON.stringify({ items: [{ resourceToken: ctx.token }] })),
      [['Idempotency-Key', 'k-other-doc']],
    ),
  )
  insert('no key', { items: [{ resourceToken: ctx.token }] }, null)
  for (const key of ['', ' ', 'k'.repeat(5000), '\u00e9\u00e8', '../k'])
    insert(`key ${JSON.stringify(key.slice(0, 10))}`, { items: [{ resourceToken: ctx.token }] }, key)
  insert('empty items', { items: [] })
  insert('51 items', { items: Array.from({ length: 51 }, () => ({ resourceToken: ctx.token })) })
  insert('201 items', { items: Array.from({ length: 201 }, () => ({ resourceToken: ctx.token })) })
  insert('long caption', { items: [{ resourceToken: ctx.token, caption: 'c'.repeat(501) }] })
  for (const position of [
    { where: 'middle' },
    { where: 'after' },
    { where: 'after', blockId: '' },
    { where: 'before', blockId: '../x' },
    { where: 'after', blockId: 'b'.repeat(129) },
    { where: 'after', blockId: 'no-such-block' },
    'end',
    [],
    { where: 'end', blockId: 'x', extra: 1 },
  ]) {
    insert(`position ${JSON.stringify(position).slice(0, 40)}`, { items: [{ resourceToken: ctx.token }], position })
  }
  for (const layout of ['', 'Separate', 'grid', 1, null])
    insert(`layout ${JSON.stringify(layout)}`, { items: [{ resourceToken: ctx.token }], layout })

  // 4. Path tricks in ids, on each document route and method.
  for (const id of PATH_IDS) {
    const idBytes = typeof id === 'string' ? Buffer.from(id, 'latin1') : id
    for (const suffix of ['/blocks', '/resources', '/insertions', '']) {
      const target = Buffer.concat([Buffer.from('/api/documents/'), idBytes, Buffer.from(suffix)])
      const method = suffix === '/blocks' || suffix === '' ? 'GET' : 'POST'
      const body =
        suffix === '/resources'
          ? ctx.jpeg
          : suffix === '/insertions'
            ? Buffer.from(JSON.stringify({ items: [{ resourceToken: ctx.token }] }))
            : undefined
      const headers: Array<[string, string]> =
        suffix === '/resources'
          ? [['Content-Type', 'image/jpeg']]
          : suffix === '/insertions'
            ? [
                ['Content-Type', 'application/json'],
                ['Idempotency-Key', `k-path-${cases.length}`],
              ]
            : []
      cases.push({
        name: `path id ${JSON.stringify(idBytes.toString('latin1').slice(0, 30))}${suffix}`,
        method,
        target,
        auth: 'session',
        body,
        headers,
      })
    }
  }
  for (const target of [
    '/api/../api/health',
    '/api/./health',
    '//api/health',
    '/api/health/..',
    '/api/%2e%2e/etc/passwd',
    '/api/documents/..%2f..%2f..%2fetc%2fpasswd/blocks',
    '/%2e%2e/%2e%2e/etc/passwd',
    '/api/nodes?parentId=..%2f..',
    '/api/\u0000',
    '/api/documents/x/blocks#frag',
    'http://evil.example/api/health',
    '*',
    '/api/documents/x/blocks/../../session',
  ]) {
    cases.push({ name: `path ${JSON.stringify(target)}`, method: 'GET', target: Buffer.from(target, 'latin1'), auth: 'session' })
  }

  // 5. Query strings: huge, repeated, wrong shapes.
  for (const query of [
    'cursor=' + 'c'.repeat(3000),
    'cursor=%ff',
    'cursor=not-a-cursor',
    'cursor[]=a',
    'cursor=a&cursor=b',
    'q=' + 'q'.repeat(300),
    'q=%00',
    'q[$ne]=1',
    'q=a&q=b',
    'parentId=',
    'parentId=' + 'p'.repeat(200),
    'parentId=..%2f..%2f',
    'parentId=a&parentId=b',
    'parentId=%c3%28',
    'operatorId=someone-else',
    'x=' + 'y'.repeat(8000),
  ]) {
    for (const path of ['/api/workspaces', '/api/nodes', '/api/documents']) {
      cases.push({ name: `query ${path}?${query.slice(0, 30)}`, method: 'GET', target: `${path}?${query}`, auth: 'session' })
    }
  }

  // 6. Uploads: lengths, types, names.
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

  // 7. Headers: oversized, many, invalid bytes; bad cookies and CSRF tokens.
  const anyRoute = () => pick(rng, ROUTES)
  for (let i = 0; i < 6; i++) {
    const route = anyRoute()
    cases.push({
      name: `header of 20 KB ${route.path}`,
      method: route.methods[0] ?? 'GET',
      target: fill(route.path),
      auth: 'session',
      headers: [['X-Big', 'a'.repeat(20 * 1024)]],
    })
    cases.push({
      name: `2000 headers ${route.path}`,
      method: route.methods[0] ?? 'GET',
      target: fill(route.path),
      auth: 'session',
      headers: Array.from({ length: 2000 }, (_, j): [string, string] => [`X-H${j}`, 'v']),
    })
    cases.push({
      name: `cookie of 15 KB ${route.path}`,
      method: route.methods[0] ?? 'GET',
      target: fill(route.path),
      auth: 'none',
      headers: [['Cookie', `session=${'s'.repeat(15 * 1024)}`]],
    })
  }
  for (const [name, value] of [
    ['Cookie', 'session='],
    ['Cookie', 'session=%ff%fe'],
    ['Cookie', '=;=;=;'],
    ['Cookie', 'a=b; a=c; session=x; session=y'],
    ['Cookie', '\u00ff\u00fe'],
    ['X-CSRF-Token', ''],
    ['X-CSRF-Token', 't'.repeat(5000)],
    ['Origin', 'https://evil.example'],
    ['Origin', 'null'],
    ['Host', 'evil.example'],
    ['Host', ''],
    ['X-Forwarded-For', '1.2.3.4, 5.6.7.8'],
    ['X-Forwarded-Host', 'evil.example'],
    ['operatorId', 'someone-else'],
    ['X-Operator-Id', 'someone-else'],
    ['Accept', 'text/html'],
    ['Accept-Encoding', 'gzip;q=oops'],
    ['Expect', '100-continue'],
    ['X-Bad', 'line\u0001feed'],
    ['Bad Header Name', 'x'],
  ] as const) {
    for (const method of ['GET', 'POST']) {
      const route = method === 'GET' ? '/api/session' : '/api/documents/resolve'
      cases.push({
        name: `header ${name}: ${JSON.stringify(value.slice(0, 15))} ${method}`,
        method,
        target: route,
        auth: 'session',
        headers: [
          [name, value],
          ['Content-Type', 'application/json'],
        ],
        body: method === 'POST' ? Buffer.from('{"url":"https://alidocs.dingtalk.com/i/nodes/x"}') : undefined,
      })
    }
  }

  // 8. Seeded random mixes of all of the above until the battery is big enough.
  const bodies = [...MALFORMED_JSON.slice(0, 15), ...WEIRD_VALUES.map((v) => Buffer.from(String(JSON.stringify(v))))]
  while (cases.length < MIN_CASES + 200) {
    const route = anyRoute()
    const method = pick(rng, ALL_METHODS.slice(0, 5))
    const id = pick(rng, PATH_IDS)
    const target =
      rng() < 0.3
        ? Buffer.concat([
            Buffer.from(route.path.split('DOC')[0] ?? ''),
            typeof id === 'string' ? Buffer.from(id) : id,
            Buffer.from(route.path.split('DOC')[1] ?? ''),
          ])
        : fill(route.path)
    const headers: Array<[string, string]> = [
      ['Content-Type', pick(rng, ['application/json', 'image/jpeg', 'text/plain', 'application/octet-stream'])],
    ]
    if (rng() < 0.5) headers.push(['Idempotency-Key', `k-${randInt(rng, 0, 1e9)}`])
    cases.push({
      name: `random #${cases.length} ${method} ${route.path}`,
      method,
      target,
      auth: pick(rng, AUTHS),
      headers,
      body: method === 'GET' ? undefined : pick(rng, bodies),
    })
  }
  return cases
}

// ---- sending and judging -----------------------------------------------------------------------

function requestBytes(c: Case, session: Session, other: Session): Buffer {
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
function judge(c: Case, res: RawResponse | null): string | null {
  if (res === null) return c.mayNotAnswer ? null : 'closed without an answer'
  if (res.status >= 500) return `HTTP ${res.status}: ${res.body.toString('utf8').slice(0, 200)}`
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

describe('drill: malformed requests', () => {
  let stack: Stack

  beforeAll(async () => {
    stack = await startStack({
      env: {
        // Every case must reach validation, not the limiters (they answer 429 in the right shape anyway).
        LOGIN_RATE_PER_MINUTE: '100000',
        UPLOAD_RATE_PER_MINUTE: '100000',
        INSERT_RATE_PER_MINUTE: '100000',
        MAX_CONCURRENT_UPLOADS_PER_PERSON: '1000',
        MAX_IMAGE_BYTES: String(MAX_IMAGE_BYTES),
        MAX_FILE_BYTES: String(MAX_FILE_BYTES),
      },
    })
  })
  afterAll(async () => {
    await stack?.close()
  })

  it('answers every malformed request with a 4xx in the error shape, and keeps serving', async () => {
    const state = await getState(stack.emulatorUrl)
    const pairs = editablePairs(state)
    const mine = pairs[0]
    if (!mine) throw new Error('no editable document')
    const someoneElse = pairs.find((p) => p.userId !== mine.userId) ?? mine
    const otherDoc = state.documents.find((d) => d.docId !== mine.docId)?.docId ?? mine.docId

    const client = new ApiClient(stack.serverUrl)
    await client.signIn(mine.userId)
    const otherClient = new ApiClient(stack.serverUrl)
    await otherClient.signIn(someoneElse.userId)
    const [photo] = await makePhotos(1, { seed: 5 })
    if (!photo) throw new Error('no photo')
    const up = (c: ApiClient, docId: string): Promise<ResourceResponse> =>
      c.upload(docId, { name: photo.name, contentType: 'image/jpeg', size: photo.bytes.length, body: () => photo.bytes })
    const token = (await up(client, mine.docId)).resourceToken
    const otherUserToken = (await up(otherClient, someoneElse.docId)).resourceToken
    const session: Session = { cookie: client.cookieHeader(), csrf: client.csrfToken }
    const other: Session = { cookie: otherClient.cookieHeader(), csrf: otherClient.csrfToken }

    const cases = buildCases(createRng(SEED), { docId: mine.docId, otherDocId: otherDoc, token, otherUserToken, jpeg: photo.bytes })
    expect(cases.length).toBeGreaterThanOrEqual(MIN_CASES)

    const problems: string[] = []
    const statuses = new Map<number, number>()
    await mapLimit(cases, 8, async (c) => {
      let res: RawResponse | null
      try {
        res = await rawRequest(stack.serverUrl, requestBytes(c, session, other), { halfClose: c.halfClose })
      } catch (err) {
        problems.push(`${c.name}: ${err instanceof Error ? err.message : String(err)}`)
        return
      }
      if (res) statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
      const problem = judge(c, res)
      if (problem) problems.push(`${c.name}: ${problem}`)
    })
    console.table(Object.fromEntries([...statuses].sort(([a], [b]) => a - b).map(([status, n]) => [status, { answers: n }])))
    console.log(`${cases.length} malformed requests, ${problems.length} problems`)

    expect(problems).toEqual([])

    // Still alive and still working for a well-behaved person.
    const health = await rawRequest(
      stack.serverUrl,
      Buffer.from('GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'),
    )
    expect(health?.status).toBe(200)
    // Some cases reach DELETE /api/session with the real session, which now ends it on the server.
    await client.signIn(mine.userId)
    const resource = await up(client, mine.docId)
    const inserted = await client.insert(mine.docId, [{ resourceToken: resource.resourceToken }])
    expect(inserted.blocks).toHaveLength(1)
    client.close()
    otherClient.close()
  }, 180_000)
})
