/**
 * `stream`: 1 GiB in 5 generated files through POST /api/documents/:docId/resources with 4
 * concurrent clients, against the server in a child process (so its memory is its own), compared
 * with the same bytes PUT straight to the emulator's upload URLs (README.md "Measured" "Server memory
 * stays flat while streaming large files").
 */
import { spawn } from 'node:child_process'
import http from 'node:http'
import { fileURLToPath } from 'node:url'
import { ApiClient } from '../../testing/drills/api-client'
import { mapLimit } from '../../testing/drills/batches'
import {
  editablePairs,
  emulatorAccessToken,
  getState,
  requestUploadSlot,
  resetEmulator,
  type EditorAndDoc,
} from '../../testing/emulator-control'
import { httpRequest } from '../../testing/http'
import { startChildServer } from '../../testing/drills/processes'
import { cpuSeconds } from './cpu'
import { progress } from './report'
import { generatedBody, GENERATED_MEDIA_TYPE, splitBytes } from './streams'

export const STREAM_TOTAL_BYTES = 1024 ** 3
const FILES = 5
export const STREAM_CONCURRENCY = 4
const MiB = 1024 * 1024

export interface StreamResult {
  bytes: number
  concurrency: number
  throughputMBps: number
  directThroughputMBps: number
  rssGrowthMB: number
  /** CPU time (user + system) of the server process per GiB relayed. */
  serverCpuSecondsPerGiB: number
  /** The same for a minimal Node relay doing the same PUTs in the same run (bench/lib/baseline-relay.ts). */
  baselineCpuSecondsPerGiB: number
}

const BASELINE_RELAY = fileURLToPath(new URL('./baseline-relay.ts', import.meta.url))
const GiB = 1024 ** 3

/** Runs both halves against the emulator at `emulatorUrl`; the server is started and stopped here. */
export async function runStream(emulatorUrl: string, env: Record<string, string>): Promise<StreamResult> {
  const sizes = splitBytes(STREAM_TOTAL_BYTES, FILES)
  const maxFile = Math.max(...sizes)
  await resetEmulator(emulatorUrl)
  const pair = editablePairs(await getState(emulatorUrl))[0]
  if (!pair) throw new Error('no editable document in the emulator seed')

  const token = await emulatorAccessToken(emulatorUrl)
  const direct = () => putDirect(emulatorUrl, token, pair, sizes)
  // Direct runs before and after the server run; the faster one is the reference, so noise from
  // a busy machine never makes our server look better than it is.
  const directFirst = await direct()

  // Through our server, in a child process whose RSS we sample.
  const server = await startChildServer(
    {
      ...env,
      EMULATOR_URL: emulatorUrl,
      MAX_FILE_BYTES: String(maxFile),
      UPLOAD_RATE_PER_MINUTE: '1000',
    },
    { showOutput: true },
  )
  try {
    const client = new ApiClient(server.url, undefined, new http.Agent({ keepAlive: true, maxSockets: STREAM_CONCURRENCY }))
    await client.signIn(pair.userId)
    // Warm the upload path (code compiled, token cached) so the baseline is a serving server.
    await client.upload(pair.docId, {
      name: 'warm.pdf',
      contentType: GENERATED_MEDIA_TYPE,
      size: 1024 * 1024,
      body: () => generatedBody(1024 * 1024),
    })
    const before = server.procMemory()
    let peakRss = before.rss
    // What the RSS is made of (V8 heap vs Buffers), for explaining growth: sampled over IPC.
    const heapBefore = await server.memoryUsage()
    const peakHeap = { heapUsed: heapBefore.heapUsed, arrayBuffers: heapBefore.arrayBuffers }
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, server.procMemory().rss)
      server
        .memoryUsage()
        .then((m) => {
          peakHeap.heapUsed = Math.max(peakHeap.heapUsed, m.heapUsed)
          peakHeap.arrayBuffers = Math.max(peakHeap.arrayBuffers, m.arrayBuffers)
        })
        .catch(() => undefined)
    }, 50)
    progress('stream', `server: ${FILES} files through POST /api/documents/:docId/resources, ${STREAM_CONCURRENCY} clients`)
    const start = performance.now()
    const cpuBefore = cpuSeconds(server.pid)
    try {
      await mapLimit(sizes, STREAM_CONCURRENCY, (size, i) =>
        client.upload(pair.docId, {
          name: `stream-${i + 1}.pdf`,
          contentType: GENERATED_MEDIA_TYPE,
          size,
          body: () => generatedBody(size),
        }),
      )
    } finally {
      clearInterval(sampler)
    }
    const seconds = (performance.now() - start) / 1000
    const serverCpuSecondsPerGiB = (cpuSeconds(server.pid) - cpuBefore) / (STREAM_TOTAL_BYTES / GiB)
    const after = server.procMemory()
    // A high-water mark that rose during the run is the true peak, even between samples.
    const peak = after.hwm > before.hwm ? Math.max(peakRss, after.hwm) : peakRss
    client.close()
    const throughputMBps = STREAM_TOTAL_BYTES / MiB / seconds
    const rssGrowthMB = (peak - before.rss) / MiB
    progress(
      'stream',
      `server: ${throughputMBps.toFixed(1)} MB/s, RSS ${(before.rss / MiB).toFixed(0)} → peak ${(peak / MiB).toFixed(0)} MB ` +
        `(V8 heap ${(heapBefore.heapUsed / MiB).toFixed(0)} → peak ${(peakHeap.heapUsed / MiB).toFixed(0)} MB, ` +
        `Buffers ${(heapBefore.arrayBuffers / MiB).toFixed(0)} → peak ${(peakHeap.arrayBuffers / MiB).toFixed(0)} MB)`,
    )
    await resetEmulator(emulatorUrl)
    const directThroughputMBps = Math.max(directFirst, await direct())
    const baselineCpuSecondsPerGiB = await baselineRelayCpu(emulatorUrl, token, pair, sizes)
    progress(
      'stream',
      `CPU per GiB: server ${serverCpuSecondsPerGiB.toFixed(2)} s, minimal relay ${baselineCpuSecondsPerGiB.toFixed(2)} s ` +
        `(${(serverCpuSecondsPerGiB / baselineCpuSecondsPerGiB).toFixed(2)}×)`,
    )
    return {
      bytes: STREAM_TOTAL_BYTES,
      concurrency: STREAM_CONCURRENCY,
      throughputMBps,
      directThroughputMBps,
      rssGrowthMB,
      serverCpuSecondsPerGiB,
      baselineCpuSecondsPerGiB,
    }
  } finally {
    await server.stop()
    await resetEmulator(emulatorUrl)
  }
}

/** PUTs generated bodies of `sizes` straight to emulator upload URLs, 4 at a time; returns MB/s. */
async function putDirect(emulatorUrl: string, token: string, pair: EditorAndDoc, sizes: number[]): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: STREAM_CONCURRENCY })
  progress(
    'stream',
    `direct: ${sizes.length} × ${(Math.max(...sizes) / 1e6).toFixed(0)} MB PUT to the emulator, ${STREAM_CONCURRENCY} at a time`,
  )
  const start = performance.now()
  await mapLimit(sizes, STREAM_CONCURRENCY, async (size, i) => {
    const slot = await requestUploadSlot(emulatorUrl, token, pair.docId, pair.unionId, {
      size,
      mediaType: GENERATED_MEDIA_TYPE,
      resourceName: `direct-${i + 1}.pdf`,
    })
    const res = await httpRequest(slot.uploadUrl, {
      method: 'PUT',
      headers: { 'content-type': GENERATED_MEDIA_TYPE, 'content-length': size },
      body: generatedBody(size),
      agent,
    })
    if (res.status !== 200) throw new Error(`direct PUT: HTTP ${res.status}: ${res.body.toString().slice(0, 200)}`)
  })
  const mbps = sizes.reduce((a, b) => a + b, 0) / MiB / ((performance.now() - start) / 1000)
  agent.destroy()
  progress('stream', `direct: ${mbps.toFixed(1)} MB/s`)
  await resetEmulator(emulatorUrl)
  return mbps
}

/** CPU seconds per GiB of a minimal Node relay (child process) doing the same PUTs, 4 at a time. */
async function baselineRelayCpu(emulatorUrl: string, token: string, pair: EditorAndDoc, sizes: number[]): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', BASELINE_RELAY], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] })
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the baseline relay did not start within 30 s')), 30_000)
      child.stdout?.once('data', (d: Buffer) => {
        clearTimeout(timer)
        resolve(Number(d.toString().trim()))
      })
      child.once('exit', (code) => reject(new Error(`the baseline relay exited (${code})`)))
    })
    const agent = new http.Agent({ keepAlive: true, maxSockets: STREAM_CONCURRENCY })
    progress('stream', `baseline: the same ${sizes.length} files through a minimal Node relay`)
    const slots = await mapLimit(sizes, 1, (size, i) =>
      requestUploadSlot(emulatorUrl, token, pair.docId, pair.unionId, {
        size,
        mediaType: GENERATED_MEDIA_TYPE,
        resourceName: `relay-${i + 1}.pdf`,
      }),
    )
    const before = cpuSeconds(child.pid ?? 0)
    await mapLimit(sizes, STREAM_CONCURRENCY, async (size, i) => {
      const res = await httpRequest(`http://127.0.0.1:${port}/`, {
        method: 'POST',
        headers: { 'content-type': GENERATED_MEDIA_TYPE, 'content-length': size, 'x-upload-url': slots[i]?.uploadUrl ?? '' },
        body: generatedBody(size),
        agent,
      })
      if (res.status !== 201) throw new Error(`baseline relay: HTTP ${res.status}`)
    })
    const used = cpuSeconds(child.pid ?? 0) - before
    agent.destroy()
    await resetEmulator(emulatorUrl)
    return used / (sizes.reduce((a, b) => a + b, 0) / GiB)
  } finally {
    child.kill()
  }
}
