/**
 * `scale`: two replicas sharing one Redis behind nginx (the deployment that
 * docs/operations.md#running-several-replicas describes), with enough people uploading at once that DingTalk's budget is the limit.
 * GetResourceUploadInfo is called once per photo; DingTalk allows 20 per second per app and API,
 * and the replicas share one bucket of 18/s, so the deployment must stay at or under 20 in every
 * second while using the budget (mean ≥ 0.85 × 18/s) — with no failures.
 */
import { ApiClient, H5_LIKE_RETRY } from '../../testing/drills/api-client'
import { mapLimit } from '../../testing/drills/batches'
import { startReplicaCluster } from '../../testing/drills/replica-cluster'
import { editablePairs, getRequests, getState } from '../../testing/emulator-control'
import { makePhotos } from '../../testing/sample-files'
import { progress } from './report'

const REPLICAS = 2
const PEOPLE = 36
const PHOTOS_EACH = 10
const UPLOAD_INFO_PATH = /\/uploadInfos\/query$/

export interface ScaleResult {
  replicas: number
  people: number
  photos: number
  failures: number
  /** Most GetResourceUploadInfo calls DingTalk saw in any 1-second window. */
  peakUploadInfoPerSecond: number
  /** Calls over the time from the first to the last one. */
  meanUploadInfoPerSecond: number
  /** 95th percentile of one photo's upload, seconds, as a phone sees it (retries included). */
  p95Seconds: number
}

export async function runScale(): Promise<ScaleResult> {
  progress('scale', `${REPLICAS} replicas + Redis + nginx, ${PEOPLE} people × ${PHOTOS_EACH} photos`)
  const cluster = await startReplicaCluster({
    replicas: REPLICAS,
    emulatorProcess: true,
    // The seed has a handful of editors, so many phones share one identity: per-person caps would
    // count them as one person; here the budget alone is meant to limit.
    env: {
      LOG_LEVEL: 'warn',
      TRUST_PROXY: '1',
      LOGIN_RATE_PER_MINUTE: '100000',
      UPLOAD_RATE_PER_MINUTE: '100000',
      MAX_CONCURRENT_UPLOADS_PER_PERSON: '1000',
    },
  })
  try {
    const pairs = editablePairs(await getState(cluster.emulatorUrl))
    const clients = Array.from({ length: PEOPLE }, () => new ApiClient(cluster.url, { ...H5_LIKE_RETRY, attempts: 8 }))
    await mapLimit(clients, 4, (c, i) => c.signIn(pairs[i % pairs.length]?.userId ?? ''))
    const photos = await Promise.all(clients.map((_, i) => makePhotos(PHOTOS_EACH, { seed: 9000 + i, prefix: `scale-${i + 1}` })))
    const mark = (await getRequests(cluster.emulatorUrl)).length
    const seconds: number[] = []
    let failures = 0
    await Promise.all(
      clients.map((client, i) =>
        mapLimit(photos[i] ?? [], 3, async (photo) => {
          const started = performance.now()
          try {
            await client.upload(pairs[i % pairs.length]?.docId ?? '', {
              name: photo.name,
              contentType: 'image/jpeg',
              size: photo.bytes.length,
              body: () => photo.bytes,
            })
            seconds.push((performance.now() - started) / 1000)
          } catch {
            failures++
          }
        }),
      ),
    )
    for (const c of clients) c.close()
    const calls = (await getRequests(cluster.emulatorUrl))
      .slice(mark)
      .filter((r) => r.method === 'POST' && UPLOAD_INFO_PATH.test(r.path))
      .map((r) => Date.parse(r.at))
      .sort((a, b) => a - b)
    const result: ScaleResult = {
      replicas: REPLICAS,
      people: PEOPLE,
      photos: PEOPLE * PHOTOS_EACH,
      failures,
      peakUploadInfoPerSecond: peakPerSecond(calls),
      meanUploadInfoPerSecond: calls.length > 1 ? (calls.length - 1) / (((calls.at(-1) ?? 0) - (calls[0] ?? 0)) / 1000) : 0,
      p95Seconds: percentile(seconds, 0.95),
    }
    progress(
      'scale',
      `${result.photos} photos, ${failures} failures; GetResourceUploadInfo peak ${result.peakUploadInfoPerSecond}/s, ` +
        `mean ${result.meanUploadInfoPerSecond.toFixed(1)}/s; p95 ${result.p95Seconds.toFixed(2)} s`,
    )
    return result
  } finally {
    await cluster.close()
  }
}

/** The most timestamps (ms, sorted) inside any window of 1000 ms. */
function peakPerSecond(sorted: readonly number[]): number {
  let peak = 0
  let from = 0
  for (let to = 0; to < sorted.length; to++) {
    while ((sorted[to] ?? 0) - (sorted[from] ?? 0) >= 1000) from++
    peak = Math.max(peak, to - from + 1)
  }
  return peak
}

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? Number.NaN
}
