/**
 * Drill: a deterministic battery of ≥ 1 000 malformed requests across every route of docs/api.md
 * (wrong types, missing and extra fields, huge values, invalid UTF-8, path tricks, wrong methods,
 * oversized headers, bad cookies and CSRF tokens, lying lengths). Nothing may answer 5xx, the
 * server must keep answering, and every answer ≥ 400 must be the documented error shape
 * `{"error":{"code","message","requestId"}}`. Requests go over raw sockets so they arrive
 * byte for byte as written. The battery itself is built in testing/drills/bad-input/ (battery.ts
 * puts the topic builders in their fixed order; wire.ts sends a case and judges its answer).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { readdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ResourceResponse } from '@contract/api'
import { EnvError, parseEnv } from '../../server/env'
import { ApiClient } from '@testing/drills/api-client'
import { buildCases, MIN_CASES } from '@testing/drills/bad-input/battery'
import { DRILL_MAX_STAGED_BYTES, lowSpaceCases, stagedProblems } from '@testing/drills/bad-input/tus-cases'
import {
  HOSTILE_CAPTION,
  HOSTILE_TRUST_PROXY,
  hostileTextIn,
  judgeRebinding,
  rebindingRequests,
} from '@testing/drills/bad-input/edge-cases'
import { MAX_FILE_BYTES, MAX_IMAGE_BYTES } from '@testing/drills/bad-input/values'
import { judge, requestBytes, type Session } from '@testing/drills/bad-input/wire'
import { mapLimit } from '@testing/drills/batches'
import { editablePairs, getState } from '@testing/emulator-control'
import { makePhotos } from '@testing/sample-files'
import { createRng } from '@testing/prng'
import { rawRequest, type RawResponse } from '@testing/drills/raw-http'
import { startStack, type Stack } from '@testing/drills/stack'

const SEED = 20261127

describe('drill: malformed requests', () => {
  let stack: Stack
  const staging = mkdtempSync(join(tmpdir(), 'doc-attach-drill-staging-'))

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
        UPLOAD_STAGING_DIR: staging,
        MAX_STAGED_BYTES_PER_PERSON: String(DRILL_MAX_STAGED_BYTES),
      },
    })
  })
  afterAll(async () => {
    await stack?.close()
    rmSync(staging, { recursive: true, force: true })
  })

  it('answers every malformed request with a 4xx in the error shape, and keeps serving', async () => {
    const state = await getState(stack.emulatorUrl)
    const pairs = editablePairs(state)
    const mine = pairs[0]
    if (!mine) throw new Error('no editable document')
    const someoneElse = pairs.find((p) => p.userId !== mine.userId) ?? mine
    const otherDoc = state.documents.find((d) => d.docId !== mine.docId)?.docId ?? mine.docId
    const readOnlyDoc = state.documents.find((d) => d.roles[mine.unionId] === 'READER')?.docId
    if (!readOnlyDoc) throw new Error('no read-only document')

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

    const [captioned] = await makePhotos(1, { seed: 6 })
    if (!captioned) throw new Error('no photo')
    const captionToken = (
      await client.upload(mine.docId, {
        name: captioned.name,
        contentType: 'image/jpeg',
        size: captioned.bytes.length,
        body: () => captioned.bytes,
      })
    ).resourceToken
    const ctx = {
      docId: mine.docId,
      otherDocId: otherDoc,
      readOnlyDocId: readOnlyDoc,
      token,
      otherUserToken,
      jpeg: photo.bytes,
      captionToken,
    }
    const cases = buildCases(createRng(SEED), ctx)
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
    // Nothing staged for a document its owner cannot add to, nor past MAX_STAGED_BYTES_PER_PERSON.
    const editable = new Set(pairs.filter((p) => p.unionId === mine.unionId).map((p) => p.docId))
    expect(await stagedProblems(staging, editable, DRILL_MAX_STAGED_BYTES)).toEqual([])
    // The hostile caption went in, without a control, bidi or zero-width character (edge-cases.ts).
    const after = await getState(stack.emulatorUrl)
    expect(hostileTextIn(after)).toEqual([])
    expect(JSON.stringify(after.documents.find((d) => d.docId === mine.docId)?.blocks)).toContain(JSON.stringify(HOSTILE_CAPTION.kept))

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

  it('refuses a DNS-rebinding Host at the emulator control API, 403 in its error shape', async () => {
    const port = Number(new URL(stack.emulatorUrl).port)
    const problems: string[] = []
    for (const { name, bytes } of rebindingRequests(port)) {
      const problem = judgeRebinding(await rawRequest(stack.emulatorUrl, bytes))
      if (problem) problems.push(`${name}: ${problem}`)
    }
    expect(problems).toEqual([])
  })

  it('stops the start on hostile TRUST_PROXY values, in one line naming TRUST_PROXY', () => {
    const problems: string[] = []
    for (const value of HOSTILE_TRUST_PROXY) {
      try {
        parseEnv({ TRUST_PROXY: value })
        problems.push(`${JSON.stringify(value)}: accepted`)
      } catch (err) {
        const lines = err instanceof EnvError ? err.problems : [String(err)]
        if (lines.length !== 1 || !/^TRUST_PROXY: [^\n]+$/.test(lines[0] ?? ''))
          problems.push(`${JSON.stringify(value)}: ${lines.join(' | ')}`)
      }
    }
    expect(problems).toEqual([])
  })
})

describe('drill: resumable uploads while staging is short of space', () => {
  it('answers creations 503 service_unavailable in the error shape and stages nothing', async () => {
    const staging = mkdtempSync(join(tmpdir(), 'doc-attach-drill-staging-'))
    const stack = await startStack({ env: { UPLOAD_STAGING_DIR: staging, MIN_STAGING_FREE_BYTES: String(Number.MAX_SAFE_INTEGER) } })
    try {
      const mine = editablePairs(await getState(stack.emulatorUrl))[0]
      if (!mine) throw new Error('no editable document')
      const client = new ApiClient(stack.serverUrl)
      await client.signIn(mine.userId)
      const session: Session = { cookie: client.cookieHeader(), csrf: client.csrfToken }
      const [photo] = await makePhotos(1, { seed: 6 })
      if (!photo) throw new Error('no photo')
      const ctx = { docId: mine.docId, otherDocId: mine.docId, readOnlyDocId: mine.docId, token: '', otherUserToken: '', jpeg: photo.bytes }
      const problems: string[] = []
      for (const c of lowSpaceCases(ctx)) {
        const problem = judge(c, await rawRequest(stack.serverUrl, requestBytes(c, session, session)))
        if (problem) problems.push(`${c.name}: ${problem}`)
      }
      expect(problems).toEqual([])
      expect(await readdir(staging)).toEqual([])
      client.close()
    } finally {
      await stack.close()
      rmSync(staging, { recursive: true, force: true })
    }
  }, 60_000)
})
