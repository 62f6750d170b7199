/**
 * `evidence` (lookups): p95 latency of `GET /api/evidence/:code` under 50 concurrent requests, for
 * anyone (no session) and for a signed-in reader of the document (one DingTalk GetNode per lookup
 * to decide what they may see). The lookup limit is raised for the run; the registry is the file
 * in DATA_DIR, as in a single-replica deployment.
 */
import http from 'node:http'
import sharp from 'sharp'
import { ApiClient } from '../../testing/drills/api-client'
import { mapLimit } from '../../testing/drills/batches'
import { startChildServer } from '../../testing/drills/processes'
import { percentile } from '../../testing/drills/stats'
import { editablePairs, getState, resetEmulator } from '../../testing/emulator-control'
import { issueCodeVia, uploadVia } from '../../testing/evidence'
import { progress } from './report'

const CONCURRENCY = 50
const LOOKUPS = 1000

export interface EvidenceLookupResult {
  lookupMsAnonymous: number
  lookupMsSignedIn: number
}

/** Milliseconds of each of `LOOKUPS` lookups, `CONCURRENCY` at a time. */
async function timedLookups(client: ApiClient, code: string, count = LOOKUPS): Promise<number[]> {
  const times = await mapLimit(Array.from({ length: count }), CONCURRENCY, async () => {
    const started = performance.now()
    const res = await client.request('GET', `/api/evidence/${code}`)
    if (res.status !== 200) throw new Error(`lookup answered ${res.status}: ${res.body.toString().slice(0, 200)}`)
    return performance.now() - started
  })
  return times
}

export async function runEvidenceLookup(emulatorUrl: string, env: Record<string, string>): Promise<EvidenceLookupResult> {
  await resetEmulator(emulatorUrl)
  const pair = editablePairs(await getState(emulatorUrl))[0]
  if (!pair) throw new Error('no editable document in the emulator seed')
  const server = await startChildServer({ ...env, EMULATOR_URL: emulatorUrl, EVIDENCE_LOOKUPS_PER_MINUTE: '1000000' }, { showOutput: true })
  const agent = () => new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY })
  const uploader = new ApiClient(server.url, undefined, agent())
  const anonymous = new ApiClient(server.url, undefined, agent())
  try {
    await uploader.signIn(pair.userId)
    const code = await issueCodeVia(uploader)
    const photo = await sharp({ create: { width: 1280, height: 960, channels: 3, background: { r: 120, g: 130, b: 140 } } })
      .jpeg()
      .toBuffer()
    await uploadVia(uploader, pair.docId, photo, { code, takenAt: null, takenAtSource: null, place: null, lines: [code] })

    // A first round warms the server (JIT, connections), so the first measured kind is not penalised.
    await timedLookups(anonymous, code, LOOKUPS / 5)
    const lookupMsAnonymous = percentile(await timedLookups(anonymous, code), 95)
    const lookupMsSignedIn = percentile(await timedLookups(uploader, code), 95)
    progress(
      'evidence',
      `lookup p95 under ${CONCURRENCY} concurrent: anonymous ${lookupMsAnonymous.toFixed(1)} ms, signed in ${lookupMsSignedIn.toFixed(1)} ms`,
    )
    return { lookupMsAnonymous, lookupMsSignedIn }
  } finally {
    uploader.close()
    anonymous.close()
    await server.stop()
  }
}
