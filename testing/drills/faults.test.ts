/**
 * Drill: DingTalk fails 20 % of the calls that matter (bench/README.md#measured: under 20 % injected DingTalk
 * failures, every picked item ends in the document exactly once and in order). Batches of 10
 * photos go through our HTTP API with a client that retries like the H5; the emulator's document
 * must then hold exactly those images, once each, in picked order — whatever answer profile the
 * emulator plays (rich, documented, minimal).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiClient } from '@testing/drills/api-client'
import { appendedSources, attachBatch } from '@testing/drills/batches'
import { addFault, editablePairs, getRequests, getState, imageSources, type EditorAndDoc, type FaultSpec } from '@testing/emulator-control'
import { makePhotos } from '@testing/sample-files'
import { startStack, type Stack } from '@testing/drills/stack'
import { createRng } from '@testing/prng'
import { PROFILES } from '../../server/emulator/index'

/** Per profile; three profiles keep the whole drill near what one profile of 10 batches cost. */
const BATCHES = 4
const PHOTOS_PER_BATCH = 10
const FAILURE_RATE = 0.2

/** Faults are tried in order and each rolls its own dice, so three codes share the 20 % this way. */
const PER_CODE_PROBABILITY = 1 - (1 - FAILURE_RATE) ** (1 / 3)
const FAILURES = [
  { status: 500, code: 'systemError' },
  { status: 503, code: 'operationTimeout' },
  { status: 403, code: 'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi' },
] as const
/** GetResourceUploadInfo, and every POST under the blocks API (DocInsertBlocks and DocAppendParagraph). */
const FAULTED_PATHS: Array<Pick<FaultSpec, 'path' | 'method'>> = [
  { path: '/v1.0/doc/docs/resources/', method: 'POST' },
  { path: '/v1.0/doc/suites/documents/', method: 'POST' },
]

describe.each(PROFILES)('drill: 20 %% DingTalk failures (%s answers)', (profile) => {
  let stack: Stack
  let target: EditorAndDoc

  beforeAll(async () => {
    // Seeded dice: the injected failure rate is the same on every run, so the drill cannot pass or
    // fail on a lucky or unlucky draw of a few dozen calls.
    stack = await startStack({ profile, random: createRng(20 + PROFILES.indexOf(profile)) })
    target = editablePairs(await getState(stack.emulatorUrl))[0] as EditorAndDoc
    for (const where of FAULTED_PATHS) {
      for (const failure of FAILURES) {
        await addFault(stack.emulatorUrl, { ...where, ...failure, probability: PER_CODE_PROBABILITY })
      }
    }
  })
  afterAll(async () => {
    await stack?.close()
  })

  it(`puts ${BATCHES} batches of ${PHOTOS_PER_BATCH} photos into the document exactly once each, in picked order`, async () => {
    const client = new ApiClient(stack.serverUrl)
    await client.signIn(target.userId)
    const before = imageSources(await getState(stack.emulatorUrl), target.docId)

    const expected: string[] = []
    for (let b = 0; b < BATCHES; b++) {
      const photos = await makePhotos(PHOTOS_PER_BATCH, { seed: 100 + b, prefix: `batch${b + 1}` })
      const { resources, insertion } = await attachBatch(client, target.docId, photos)
      expect(insertion.blocks.map((blk) => blk.resourceId)).toEqual(resources.map((r) => r.resourceId))
      expected.push(...resources.map((r) => r.resourceUrl))
    }
    client.close()

    const after = imageSources(await getState(stack.emulatorUrl), target.docId)
    expect(after.slice(0, before.length)).toEqual(before)
    expect(appendedSources(before, after)).toEqual(expected)

    // The drill only means something if DingTalk really failed about a fifth of the time.
    const faulted = (await getRequests(stack.emulatorUrl)).filter((r) =>
      FAULTED_PATHS.some((p) => r.method === p.method && r.path.startsWith(p.path)),
    )
    const failed = faulted.filter((r) => r.status >= 400).length
    console.table({
      photos: { value: expected.length },
      dingtalkCalls: { value: faulted.length },
      dingtalkFailures: { value: failed },
      failureRate: { value: Number((failed / faulted.length).toFixed(3)) },
      clientUploadAttempts: { value: client.stats.uploadAttempts },
      clientInsertionAttempts: { value: client.stats.insertionAttempts },
    })
    expect(failed / faulted.length).toBeGreaterThan(0.1)
  }, 180_000)
})
