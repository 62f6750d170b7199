/**
 * `calls`: DingTalk open-API calls per attached photo, for batches of 1, 10 and 50 in both
 * layouts (bench/README.md#measured: at most 2 with "separate", ≈ 1 + 1/batch with "together"). Counted from
 * the emulator's call log: every /v1.0, /v2.0 and /topapi call made while the batch was uploaded
 * and inserted, except the app-token endpoint. The PUT of the bytes to the upload URL is storage,
 * not an open-API call, and is not counted. `runCallsByProfile` does the same against an emulator
 * playing each answer profile (rich, documented, minimal), each with a fresh server.
 */
import { ApiClient } from '../../testing/drills/api-client'
import { attachBatch } from '../../testing/drills/batches'
import { editablePairs, getRequests, getState, isBilledApiCall, resetEmulator } from '../../testing/emulator-control'
import { makePhotos } from '../../testing/sample-files'
import { startChildServer } from '../../testing/drills/processes'
import type { Layout } from '../../server/contract/api'
import { PROFILES, type Profile } from '../../server/emulator/profiles'
import { progress } from './report'

export const BATCH_SIZES = [1, 10, 50] as const
const LAYOUTS: Layout[] = ['separate', 'together']

export type CallsResult = Record<Layout, Record<'1' | '10' | '50', number>>

/** Runs the six batches against a fresh server on the emulator at `emulatorUrl`. */
export async function runCalls(emulatorUrl: string, env: Record<string, string>): Promise<CallsResult> {
  await resetEmulator(emulatorUrl)
  const pair = editablePairs(await getState(emulatorUrl))[0]
  if (!pair) throw new Error('no editable document in the emulator seed')
  const server = await startChildServer({ ...env, EMULATOR_URL: emulatorUrl, UPLOAD_RATE_PER_MINUTE: '1000' }, { showOutput: true })
  const result: CallsResult = { separate: { '1': NaN, '10': NaN, '50': NaN }, together: { '1': NaN, '10': NaN, '50': NaN } }
  try {
    const client = new ApiClient(server.url)
    await client.signIn(pair.userId)
    let seed = 500
    for (const layout of LAYOUTS) {
      for (const size of BATCH_SIZES) {
        const photos = await makePhotos(size, { seed: seed++, prefix: `${layout}-${size}` })
        const mark = (await getRequests(emulatorUrl)).length
        await attachBatch(client, pair.docId, photos, { layout })
        const calls = (await getRequests(emulatorUrl)).slice(mark).filter(isBilledApiCall)
        result[layout][String(size) as '1' | '10' | '50'] = calls.length / size
        const byApi = new Map<string, number>()
        for (const c of calls) {
          const api = `${c.method} ${c.path
            .replace(/\/documents\/[^/]+/, '/documents/{doc}')
            .replace(/\/resources\/[^/]+/, '/resources/{doc}')
            .replace(/\/blocks\/[^/]+/, '/blocks/{block}')}`
          byApi.set(api, (byApi.get(api) ?? 0) + 1)
        }
        progress(
          'calls',
          `${layout} × ${size}: ${calls.length} calls (${(calls.length / size).toFixed(2)}/photo) — ${[...byApi].map(([api, n]) => `${n} ${api}`).join(', ')}`,
        )
      }
    }
    client.close()
  } finally {
    await server.stop()
  }
  return result
}

export type CallsByProfile = Record<Profile, CallsResult>

/** `runCalls` against an emulator (its own process) playing each answer profile in turn. */
export async function runCallsByProfile(env: Record<string, string>): Promise<CallsByProfile> {
  const out: Partial<CallsByProfile> = {}
  for (const profile of PROFILES) {
    const emulator = await startChildServer({ EMULATOR_PROFILE: profile }, { emulator: true })
    try {
      progress('calls', `profile ${profile}`)
      out[profile] = await runCalls(emulator.url, env)
    } finally {
      await emulator.stop()
    }
  }
  return out as CallsByProfile
}
