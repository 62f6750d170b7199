/**
 * Malformed headers on any route: oversized and countless headers, huge and broken cookies, bad
 * CSRF tokens, foreign Origin and Host, headers that try to name the operator.
 */
import { pick, type Rng } from '@testing/prng'
import { ROUTES, inDoc, type BatteryContext, type Case } from './values'

/** Headers: oversized, many, invalid bytes; bad cookies and CSRF tokens. */
export function headerCases(cases: Case[], rng: Rng, ctx: BatteryContext): void {
  for (let i = 0; i < 6; i++) {
    const route = pick(rng, ROUTES)
    cases.push({
      name: `header of 20 KB ${route.path}`,
      method: route.methods[0] ?? 'GET',
      target: inDoc(ctx, route.path),
      auth: 'session',
      headers: [['X-Big', 'a'.repeat(20 * 1024)]],
    })
    cases.push({
      name: `2000 headers ${route.path}`,
      method: route.methods[0] ?? 'GET',
      target: inDoc(ctx, route.path),
      auth: 'session',
      headers: Array.from({ length: 2000 }, (_, j): [string, string] => [`X-H${j}`, 'v']),
    })
    cases.push({
      name: `cookie of 15 KB ${route.path}`,
      method: route.methods[0] ?? 'GET',
      target: inDoc(ctx, route.path),
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
}
