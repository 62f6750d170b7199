/**
 * Malformed requests to the JSON and read routes of docs/api.md: wrong methods and auth states,
 * broken JSON bodies, bad insertion requests, path tricks in ids, odd query strings. Each builder
 * adds its cases to `cases`, in a fixed order, so the battery is the same for the same seed.
 */
import { pick, type Rng } from '@testing/prng'
import {
  ALL_METHODS,
  AUTHS,
  JSON_ROUTES,
  MALFORMED_JSON,
  PATH_IDS,
  ROUTES,
  WEIRD_VALUES,
  inDoc,
  jsonCase,
  type BatteryContext,
  type Case,
} from './values'

/** Every route with every method it does not have, and with each auth state. */
export function methodAndAuthCases(cases: Case[], rng: Rng, ctx: BatteryContext): void {
  for (const route of ROUTES) {
    for (const method of ALL_METHODS) {
      if (route.methods.includes(method)) continue
      cases.push({ name: `method ${method} ${route.path}`, method, target: inDoc(ctx, route.path), auth: pick(rng, AUTHS) })
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
          target: inDoc(ctx, route.path),
          auth,
          body,
          headers: [...(body ? ([['Content-Type', 'application/json']] as Array<[string, string]>) : []), ...(jsonRoute?.headers ?? [])],
        })
      }
    }
  }
}

/** JSON bodies: each field set to each weird value, fields missing, extra fields, broken JSON. */
export function jsonBodyCases(cases: Case[], ctx: BatteryContext): void {
  for (const route of JSON_ROUTES) {
    const path = inDoc(ctx, route.path)
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
}

/** Insertions: forged and foreign tokens, bad positions, batch limits, idempotency keys. */
export function insertionCases(cases: Case[], ctx: BatteryContext): void {
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
}

/** Path tricks in ids, on each document route and method. */
export function pathCases(cases: Case[], ctx: BatteryContext): void {
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
}

/** Query strings: huge, repeated, wrong shapes. */
export function queryCases(cases: Case[]): void {
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
}
