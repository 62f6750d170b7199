/**
 * The whole malformed-requests battery from one seed: the topic builders in a fixed order, then
 * seeded random mixes of their ingredients until there are enough cases.
 */
import { pick, randInt, type Rng } from '@testing/prng'
import { edgeCases } from './edge-cases'
import { headerCases } from './header-cases'
import { insertionCases, jsonBodyCases, methodAndAuthCases, pathCases, queryCases } from './request-cases'
import { tusCases } from './tus-cases'
import { uploadCases } from './upload-cases'
import { ALL_METHODS, AUTHS, MALFORMED_JSON, PATH_IDS, ROUTES, WEIRD_VALUES, inDoc, type BatteryContext, type Case } from './values'

export const MIN_CASES = 1000

/** Builds the whole battery from the seed; `ctx` supplies real ids and tokens to break. */
export function buildCases(rng: Rng, ctx: BatteryContext): Case[] {
  const cases: Case[] = []
  // First: the one insertion that must succeed runs before any random case could sign the session out.
  edgeCases(cases, ctx)
  methodAndAuthCases(cases, rng, ctx)
  jsonBodyCases(cases, ctx)
  insertionCases(cases, ctx)
  pathCases(cases, ctx)
  queryCases(cases)
  uploadCases(cases, rng, ctx)
  headerCases(cases, rng, ctx)
  tusCases(cases, ctx)

  // Seeded random mixes of all of the above until the battery is big enough.
  const bodies = [...MALFORMED_JSON.slice(0, 15), ...WEIRD_VALUES.map((v) => Buffer.from(String(JSON.stringify(v))))]
  while (cases.length < MIN_CASES + 200) {
    const route = pick(rng, ROUTES)
    const method = pick(rng, ALL_METHODS.slice(0, 5))
    const id = pick(rng, PATH_IDS)
    const target =
      rng() < 0.3
        ? Buffer.concat([
            Buffer.from(route.path.split('DOC')[0] ?? ''),
            typeof id === 'string' ? Buffer.from(id) : id,
            Buffer.from(route.path.split('DOC')[1] ?? ''),
          ])
        : inDoc(ctx, route.path)
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
