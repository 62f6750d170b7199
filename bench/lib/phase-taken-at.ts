/**
 * `takenAt`: DingTalk open-API calls per photo when every photo carries the taken-at caption line
 * ("拍摄于 2026-12-01 14:03"), batches of 10, both layouts. Counted as in the `calls` phase
 * (emulator call log, billed open-API calls only).
 */
import type { Layout } from '../../server/contract/api'
import { ApiClient } from '../../testing/drills/api-client'
import { mapLimit } from '../../testing/drills/batches'
import { editablePairs, getRequests, getState, isBilledApiCall, resetEmulator } from '../../testing/emulator-control'
import { makePhotos } from '../../testing/sample-files'
import { startChildServer } from '../../testing/drills/processes'
import { progress } from './report'

const BATCH = 10

export type TakenAtCallsResult = Record<Layout, number>

export async function runTakenAtCalls(emulatorUrl: string, env: Record<string, string>): Promise<TakenAtCallsResult> {
  await resetEmulator(emulatorUrl)
  const pair = editablePairs(await getState(emulatorUrl))[0]
  if (!pair) throw new Error('no editable document in the emulator seed')
  const server = await startChildServer({ ...env, EMULATOR_URL: emulatorUrl, UPLOAD_RATE_PER_MINUTE: '1000' }, { showOutput: true })
  const result: TakenAtCallsResult = { separate: NaN, together: NaN }
  try {
    const client = new ApiClient(server.url)
    await client.signIn(pair.userId)
    let seed = 900
    for (const layout of ['separate', 'together'] as const) {
      const photos = await makePhotos(BATCH, { seed: seed++, prefix: `taken-at-${layout}` })
      const mark = (await getRequests(emulatorUrl)).length
      const resources = await mapLimit(photos, 3, (photo) =>
        client.upload(pair.docId, { name: photo.name, contentType: 'image/jpeg', size: photo.bytes.length, body: () => photo.bytes }),
      )
      const items = resources.map((r, i) => ({
        resourceToken: r.resourceToken,
        caption: `拍摄于 2026-12-01 14:${String(i).padStart(2, '0')}`,
      }))
      await client.insert(pair.docId, items, { layout })
      const calls = (await getRequests(emulatorUrl)).slice(mark).filter(isBilledApiCall).length
      result[layout] = calls / BATCH
      progress('takenAt', `${layout} × ${BATCH} with the taken-at caption: ${calls} calls (${(calls / BATCH).toFixed(2)}/photo)`)
    }
    client.close()
  } finally {
    await server.stop()
  }
  return result
}
