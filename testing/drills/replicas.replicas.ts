/**
 * Drill (npm run test:replicas): three replicas sharing one real Redis behind Debian's nginx with
 * the shipped deploy/ config. Whatever happens — DingTalk failing a fifth of the time, the same
 * batch reaching two replicas at once, a replica killed mid-batch, Redis going away and coming
 * back — every picked photo ends in its document exactly once and in order, and the only 5xx
 * anyone sees is the documented 503 (with Retry-After, retried). The sign-in limit holds for the
 * whole deployment, not per replica.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HealthResponseSchema, IDEMPOTENCY_KEY_HEADER, InsertionResponseSchema, type ResourceResponse } from '@contract/api'
import { ApiClient, H5_LIKE_RETRY, type RetryPolicy } from '@testing/drills/api-client'
import { appendedSources, attachBatch, mapLimit } from '@testing/drills/batches'
import { addFault, clearFaults, editablePairs, getRequests, getState, imageSources, type EditorAndDoc } from '@testing/emulator-control'
import { httpRequest, parseJson } from '@testing/http'
import { makePhotos, type Photo } from '@testing/sample-files'
import { startReplicaCluster, type ReplicaCluster } from '@testing/drills/replica-cluster'

const LOGIN_RATE = 20
/** Patient like the H5 (which honours Retry-After for minutes), so a Redis restart is ridden out. */
const PATIENT_RETRY: RetryPolicy = { ...H5_LIKE_RETRY, attempts: 40, baseDelayMs: 100, maxDelayMs: 1000 }

let cluster: ReplicaCluster
let people: Array<{ client: ApiClient; target: EditorAndDoc }> = []
const clients: ApiClient[] = []

function newClient(): ApiClient {
  const client = new ApiClient(cluster.url, PATIENT_RETRY)
  clients.push(client)
  return client
}

async function upload(client: ApiClient, docId: string, photos: readonly Photo[]): Promise<ResourceResponse[]> {
  return mapLimit(photos, 3, (p) =>
    client.upload(docId, { name: p.name, contentType: 'image/jpeg', size: p.bytes.length, body: () => p.bytes }),
  )
}

async function sources(docId: string): Promise<string[]> {
  return imageSources(await getState(cluster.emulatorUrl), docId)
}

/** Sends one insertion straight to `baseUrl` (a replica), with `client`'s session. */
async function insertAt(baseUrl: string, client: ApiClient, docId: string, resources: readonly ResourceResponse[], key: string) {
  return httpRequest(`${baseUrl}/api/documents/${encodeURIComponent(docId)}/insertions`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      cookie: client.cookieHeader(),
      'x-csrf-token': client.csrfToken,
      [IDEMPOTENCY_KEY_HEADER]: key,
    },
    body: JSON.stringify({ items: resources.map((r) => ({ resourceToken: r.resourceToken })) }),
  })
}

beforeAll(async () => {
  cluster = await startReplicaCluster({
    // One proxy we play (X-Forwarded-For from the drill, as a load balancer would add) plus nginx.
    env: { LOGIN_RATE_PER_MINUTE: String(LOGIN_RATE), TRUST_PROXY: '2' },
  })
  // One person per document, so each document's order is one person's picking order.
  const seen = new Set<string>()
  const targets = editablePairs(await getState(cluster.emulatorUrl)).filter((p) => !seen.has(p.docId) && seen.add(p.docId))
  people = []
  for (const target of targets.slice(0, 3)) {
    const client = newClient()
    await client.signIn(target.userId)
    people.push({ client, target })
  }
})

afterAll(async () => {
  for (const c of clients) c.close()
  await cluster?.close()
})

describe('drill: three replicas, one Redis, behind nginx', () => {
  it('puts every photo in exactly once and in order while DingTalk fails 20 % of the time', async () => {
    for (const path of ['/v1.0/doc/docs/resources/', '/v1.0/doc/suites/documents/']) {
      await addFault(cluster.emulatorUrl, { path, method: 'POST', status: 503, code: 'operationTimeout', probability: 0.2 })
    }
    try {
      await Promise.all(
        people.map(async ({ client, target }, i) => {
          const before = await sources(target.docId)
          const expected: string[] = []
          for (let b = 0; b < 2; b++) {
            const photos = await makePhotos(6, { seed: 300 + i * 10 + b, prefix: `faults-p${i}-b${b}` })
            const { resources } = await attachBatch(client, target.docId, photos)
            expected.push(...resources.map((r) => r.resourceUrl))
          }
          expect(appendedSources(before, await sources(target.docId))).toEqual(expected)
        }),
      )
    } finally {
      await clearFaults(cluster.emulatorUrl)
    }
    const failed = (await getRequests(cluster.emulatorUrl)).filter((r) => r.method === 'POST' && r.status === 503).length
    expect(failed).toBeGreaterThan(0)
  })

  it('inserts a batch sent to two replicas at once only once; both answer with the same blocks', async () => {
    const { client, target } = people[0]!
    const resources = await upload(client, target.docId, await makePhotos(5, { seed: 400, prefix: 'twice' }))
    const before = await sources(target.docId)
    const key = randomUUID()
    const [a, b] = await Promise.all([
      insertAt(cluster.replicas[0]!.url, client, target.docId, resources, key),
      insertAt(cluster.replicas[1]!.url, client, target.docId, resources, key),
    ])
    expect([a.status, b.status]).toEqual([201, 201])
    const blocksA = parseJson(a, InsertionResponseSchema, 'first').blocks
    expect(parseJson(b, InsertionResponseSchema, 'second').blocks).toEqual(blocksA)
    expect(appendedSources(before, await sources(target.docId))).toEqual(resources.map((r) => r.resourceUrl))
  })

  it('finishes a batch exactly once when its replica is killed mid-batch and the resend reaches another', async () => {
    const { client, target } = people[1]!
    const resources = await upload(client, target.docId, await makePhotos(24, { seed: 500, prefix: 'killed' }))
    const before = await sources(target.docId)
    const key = randomUUID()
    const inserts = () =>
      getRequests(cluster.emulatorUrl).then((log) => log.filter((r) => r.method === 'POST' && r.path.includes(target.docId)).length)
    const mark = await inserts()
    const doomed = insertAt(cluster.replicas[2]!.url, client, target.docId, resources, key).catch((err: unknown) => err)
    // Kill it once some, but not all, of the batch has reached DingTalk.
    while ((await inserts()) - mark < 4) await new Promise((resolve) => setTimeout(resolve, 10))
    await cluster.kill(2)
    await doomed
    expect((await inserts()) - mark).toBeLessThan(resources.length)

    const answer = await client.insert(
      target.docId,
      resources.map((r) => ({ resourceToken: r.resourceToken })),
      { idempotencyKey: key, resend: true },
    )
    expect(answer.blocks).toHaveLength(resources.length)
    expect(appendedSources(before, await sources(target.docId))).toEqual(resources.map((r) => r.resourceUrl))
    await cluster.restart(2)
  })

  it('rides out Redis stopping and starting mid-run: 503 service_unavailable meanwhile, then exactly once', async () => {
    const runs = people.map(async ({ client, target }, i) => {
      const before = await sources(target.docId)
      const expected: string[] = []
      for (let b = 0; b < 2; b++) {
        const photos = await makePhotos(6, { seed: 600 + i * 10 + b, prefix: `redis-p${i}-b${b}` })
        const { resources } = await attachBatch(client, target.docId, photos)
        expected.push(...resources.map((r) => r.resourceUrl))
      }
      expect(appendedSources(before, await sources(target.docId))).toEqual(expected)
    })
    await new Promise((resolve) => setTimeout(resolve, 700))
    await cluster.redis.stop()
    const health = await httpRequest(`${cluster.replicas[0]!.url}/api/health`)
    expect(parseJson(health, HealthResponseSchema, 'health')).toMatchObject({ status: 'degraded', store: 'redis', storeReachable: false })
    expect((await httpRequest(`${cluster.replicas[0]!.url}/api/health/ready`)).status).toBe(503)
    await new Promise((resolve) => setTimeout(resolve, 1500))
    await cluster.redis.start()
    await Promise.all(runs)
    const ready = await httpRequest(`${cluster.replicas[0]!.url}/api/health/ready`)
    expect(ready.status).toBe(200)
  })

  it('limits sign-in per address across the whole deployment, not per replica', async () => {
    const attempts = Array.from({ length: LOGIN_RATE * 2 + 5 }, () =>
      httpRequest(`${cluster.url}/api/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.7' },
        body: JSON.stringify({ authCode: 'not-a-real-code' }),
      }),
    )
    const statuses = (await Promise.all(attempts)).map((r) => r.status)
    // Round robin spread them over all three replicas; together they allowed exactly the limit once.
    expect(statuses.filter((s) => s !== 429)).toHaveLength(LOGIN_RATE)
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(LOGIN_RATE)
  })

  it('showed people no 5xx other than the documented 503', () => {
    const statuses = clients.flatMap((c) => c.stats.timings.map((t) => t.status))
    expect(statuses.filter((s) => s >= 500 && s !== 503)).toEqual([])
  })
})
