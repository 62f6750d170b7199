/**
 * Drill: the upload URL expires before the PUT reaches storage (a slow start, a stalled phone
 * network). OSS refuses an expired URL (docs/dingtalk.md#upload-url); the upload must still end
 * with the bytes stored, through a fresh upload slot, and the photo must be insertable.
 *
 * How: the emulator runs on a clock we can move. Storage is slowed by a one-off latency fault;
 * while the PUT waits in it, the clock jumps past the URL's `Expires`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiClient } from '@testing/drills/api-client'
import {
  addFault,
  editablePairs,
  emulatorAccessToken,
  getRequests,
  getState,
  imageSources,
  requestUploadSlot,
  type EditorAndDoc,
} from '@testing/emulator-control'
import { httpRequest } from '@testing/http'
import { makePhotos } from '@testing/sample-files'
import { startStack, type Stack } from '@testing/drills/stack'
import { SNIFF_BYTES } from '../../server/services/upload/sniff-type'

/** Long enough for the drill to see GetResourceUploadInfo answered and move the clock first. */
const PUT_DELAY_MS = 2000
const isUploadInfo = (path: string) => /^\/v1\.0\/doc\/docs\/resources\/[^/]+\/uploadInfos\/query$/.test(path)

describe('drill: upload URL expires before the PUT', () => {
  let stack: Stack
  let target: EditorAndDoc
  let skewMs = 0
  const clock = { now: () => Date.now() + skewMs }

  beforeAll(async () => {
    stack = await startStack({ clock })
    target = editablePairs(await getState(stack.emulatorUrl))[0] as EditorAndDoc
  })
  afterAll(async () => {
    await stack?.close()
  })

  // A small photo fits in the head the server sniffs, so the server can repeat the PUT itself; a
  // larger one cannot be replayed by the server and the browser must send it again.
  it.each([
    { label: 'fits in the sniffed head', width: 96, height: 72, large: false },
    { label: 'is larger than the sniffed head', width: 1600, height: 1200, large: true },
  ])('gets a fresh upload slot and completes the upload of a photo that $label', async ({ width, height, large }) => {
    // How long the emulator's upload URLs live: read `Expires` from a slot asked for directly.
    const token = await emulatorAccessToken(stack.emulatorUrl)
    const probe = await requestUploadSlot(stack.emulatorUrl, token, target.docId, target.unionId, {
      size: 1,
      mediaType: 'image/jpeg',
      resourceName: 'probe.jpg',
    })
    const storagePath = new URL(probe.uploadUrl).pathname.replace(/[^/]+$/, '')
    const expires = Number(new URL(probe.uploadUrl).searchParams.get('Expires'))
    expect(expires, 'the upload URL carries an OSS-style Expires').toBeGreaterThan(0)
    const ttlMs = expires * 1000 - clock.now()

    const client = new ApiClient(stack.serverUrl)
    await client.signIn(target.userId)
    const [photo] = await makePhotos(1, { seed: width, width, height })
    if (!photo) throw new Error('no photo generated')
    expect(photo.bytes.length > SNIFF_BYTES).toBe(large)

    await addFault(stack.emulatorUrl, { path: storagePath, method: 'PUT', latencyMs: PUT_DELAY_MS, times: 1 })
    const logBefore = (await getRequests(stack.emulatorUrl)).length
    const upload = client.upload(target.docId, {
      name: photo.name,
      contentType: 'image/jpeg',
      size: photo.bytes.length,
      body: () => photo.bytes,
    })
    // As soon as the slot has been handed out, let the URL's lifetime pass while the PUT is held.
    for (let i = 0; i < 200; i++) {
      const log = (await getRequests(stack.emulatorUrl)).slice(logBefore)
      if (log.some((r) => isUploadInfo(r.path) && r.status === 200)) break
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    skewMs += ttlMs + 60_000

    const resource = await upload
    const log = (await getRequests(stack.emulatorUrl)).slice(logBefore)
    const puts = log.filter((r) => r.method === 'PUT' && r.path.startsWith(storagePath))
    expect(
      puts.map((r) => r.status),
      'the first PUT is refused as expired, the next succeeds',
    ).toEqual([403, 200])
    expect(log.filter((r) => isUploadInfo(r.path) && r.status === 200).length).toBeGreaterThanOrEqual(2)
    // Bytes the server has not kept can only come from the browser again.
    if (large) expect(client.stats.uploadAttempts).toBe(2)

    // The bytes stored are the photo's, and the photo goes into the document.
    const state = await getState(stack.emulatorUrl)
    const stored = state.resources.find((r) => r.resourceId === resource.resourceId)
    expect(stored).toMatchObject({ uploaded: true, size: photo.bytes.length, docId: target.docId })
    const bytes = await httpRequest(new URL(resource.resourceUrl, stack.emulatorUrl).toString())
    expect(bytes.status).toBe(200)
    expect(bytes.body.equals(photo.bytes)).toBe(true)

    const before = imageSources(state, target.docId)
    await client.insert(target.docId, [{ resourceToken: resource.resourceToken }])
    const after = imageSources(await getState(stack.emulatorUrl), target.docId)
    expect(after).toEqual([...before, resource.resourceUrl])
    client.close()
  })
})
