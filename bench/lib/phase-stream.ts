/**
 * `stream`: 1 GiB in 5 generated files through POST /api/documents/:docId/resources with 4
 * concurrent clients, against the server in a child process (so its memory and CPU are its own),
 * compared with the same bytes PUT straight to the emulator's upload URLs (bench/README.md#measured
 * "Server memory stays flat while streaming large files") and, for CPU, with a minimal Node relay
 * (bench/lib/baseline-relay.ts) doing the same PUTs in the same run.
 *
 * Each upload carries `X-Content-SHA256`, as the H5 sends it (src/api/resources.ts). The server, the
 * relay, and the relay hashing what it relays take turns — S R H H R S — each relaying the whole GiB
 * per turn, so load from other work on the machine falls on all alike; a side's CPU is its best turn. Both processes run with glibc's heap trimming off (ALLOCATOR_ENV), see bench/README.md.
 */
import { createHash } from 'node:crypto'
import http from 'node:http'
import { CONTENT_SHA256_HEADER } from '../../server/contract/api'
import { ApiClient } from '../../testing/drills/api-client'
import { mapLimit } from '../../testing/drills/batches'
import { startChildServer, type ChildServer } from '../../testing/drills/processes'
import {
  editablePairs,
  emulatorAccessToken,
  getState,
  requestUploadSlot,
  resetEmulator,
  type EditorAndDoc,
} from '../../testing/emulator-control'
import { httpRequest } from '../../testing/http'
import { startBaselineRelay, type BaselineRelay } from './baseline-child'
import { cpuOf, type CpuTimes } from './cpu'
import { progress } from './report'
import { generatedBody, GENERATED_MEDIA_TYPE, splitBytes } from './streams'

export const STREAM_TOTAL_BYTES = 1024 ** 3
const FILES = 5
export const STREAM_CONCURRENCY = 4
const MiB = 1024 * 1024
const GiB = 1024 ** 3
/** Who relays the GiB in each turn (mirrored, so a drift in machine load weighs on each alike). */
const TURNS = ['server', 'relay', 'relaySha256', 'relaySha256', 'relay', 'server'] as const
/**
 * The same allocator settings for the server and the relay. With glibc's defaults a small process
 * like the relay hands its freed 64 KiB read buffers back to the kernel and faults them in again
 * (≈ 40 000 page faults per GiB, a third of its CPU), while the server's fuller heap mostly keeps
 * them: the comparison would then measure glibc's trimming, not the relaying.
 */
/** Each of the 4 warm-up uploads (server and relay alike). */
const WARM_BYTES = 32 * MiB
const ALLOCATOR_ENV = { MALLOC_TRIM_THRESHOLD_: String(128 * MiB), MALLOC_TOP_PAD_: String(64 * MiB) }

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
  /** The same relay also computing the SHA-256 of what it relays, as the server must. */
  baselineWithSha256CpuSecondsPerGiB: number
}

interface Upload {
  size: number
  sha256: string
}

/** Runs every half against the emulator at `emulatorUrl`; the server and the relay are started and stopped here. */
export async function runStream(emulatorUrl: string, env: Record<string, string>): Promise<StreamResult> {
  const uploads = await withDigests(splitBytes(STREAM_TOTAL_BYTES, FILES))
  const maxFile = Math.max(...uploads.map((u) => u.size))
  await resetEmulator(emulatorUrl)
  const pair = editablePairs(await getState(emulatorUrl))[0]
  if (!pair) throw new Error('no editable document in the emulator seed')

  const token = await emulatorAccessToken(emulatorUrl)
  const direct = () => putDirect(emulatorUrl, token, pair, uploads)
  // Direct runs before and after the server run; the faster one is the reference, so noise from
  // a busy machine never makes our server look better than it is.
  const directFirst = await direct()

  const server = await startChildServer(
    { ...env, ...ALLOCATOR_ENV, EMULATOR_URL: emulatorUrl, MAX_FILE_BYTES: String(maxFile), UPLOAD_RATE_PER_MINUTE: '1000' },
    { showOutput: true },
  )
  const relay = await startBaselineRelay(STREAM_CONCURRENCY, ALLOCATOR_ENV)
  const client = new ApiClient(server.url, undefined, new http.Agent({ keepAlive: true, maxSockets: STREAM_CONCURRENCY }))
  try {
    await client.signIn(pair.userId)
    // One small upload first (code compiled, token cached): RSS growth is counted from here, as always.
    const [first] = await withDigests([MiB])
    if (first) await uploadThroughServer(client, pair, first, 'warm.pdf')
    const memory = await watchMemory(server)
    // Then warm both for CPU (connections open, heap grown to what 4 streams use) so each is
    // measured serving: a cold first turn costs up to a third more.
    const warm = await withDigests(Array.from({ length: STREAM_CONCURRENCY }, () => WARM_BYTES))
    memory.start()
    await mapLimit(warm, STREAM_CONCURRENCY, (u, i) => uploadThroughServer(client, pair, u, `warm-${i + 1}.pdf`))
    memory.stop()
    await relayThrough(relay, emulatorUrl, token, pair, warm, true)
    await resetEmulator(emulatorUrl)

    const cpu: Record<(typeof TURNS)[number], CpuTimes[]> = { server: [], relay: [], relaySha256: [] }
    let bestSeconds = Infinity
    for (const turn of TURNS) {
      if (turn === 'server') {
        progress('stream', `server: ${FILES} files through POST /api/documents/:docId/resources, ${STREAM_CONCURRENCY} clients`)
        memory.start()
        const start = performance.now()
        const used = await cpuOf(server.pid, () =>
          mapLimit(uploads, STREAM_CONCURRENCY, (u, i) => uploadThroughServer(client, pair, u, `stream-${i + 1}.pdf`)),
        )
        const seconds = (performance.now() - start) / 1000
        memory.stop()
        bestSeconds = Math.min(bestSeconds, seconds)
        cpu.server.push(used)
        progress('stream', `server: ${(STREAM_TOTAL_BYTES / MiB / seconds).toFixed(1)} MB/s, CPU ${describeCpu(used)}`)
      } else {
        const sha256 = turn === 'relaySha256'
        progress('stream', `${turn}: the same ${FILES} files through a minimal Node relay${sha256 ? ' that hashes them' : ''}`)
        const used = await cpuOf(relay.pid, () => relayThrough(relay, emulatorUrl, token, pair, uploads, sha256))
        cpu[turn].push(used)
        progress('stream', `${turn}: CPU ${describeCpu(used)}`)
      }
      await resetEmulator(emulatorUrl)
    }
    const rssGrowthMB = memory.report()
    const directThroughputMBps = Math.max(directFirst, await direct())
    const serverCpuSecondsPerGiB = perGiB(cpu.server)
    const baselineCpuSecondsPerGiB = perGiB(cpu.relay)
    const baselineWithSha256CpuSecondsPerGiB = perGiB(cpu.relaySha256)
    progress(
      'stream',
      `CPU per GiB: server ${serverCpuSecondsPerGiB.toFixed(2)} s, minimal relay ${baselineCpuSecondsPerGiB.toFixed(2)} s ` +
        `(${(serverCpuSecondsPerGiB / baselineCpuSecondsPerGiB).toFixed(2)}×), relay + SHA-256 ` +
        `${baselineWithSha256CpuSecondsPerGiB.toFixed(2)} s (server ${(serverCpuSecondsPerGiB / baselineWithSha256CpuSecondsPerGiB).toFixed(2)}× that)`,
    )
    return {
      bytes: STREAM_TOTAL_BYTES,
      concurrency: STREAM_CONCURRENCY,
      throughputMBps: STREAM_TOTAL_BYTES / MiB / bestSeconds,
      directThroughputMBps,
      rssGrowthMB,
      serverCpuSecondsPerGiB,
      baselineCpuSecondsPerGiB,
      baselineWithSha256CpuSecondsPerGiB,
    }
  } finally {
    client.close()
    relay.stop()
    await server.stop()
    await resetEmulator(emulatorUrl)
  }
}

/**
 * CPU seconds per GiB of a side's cheapest turn (each turn relayed STREAM_TOTAL_BYTES). Other work on
 * the machine only ever adds CPU time (cache misses, a busy sibling core), so the best turn is the
 * side's own cost; every turn is printed.
 */
function perGiB(turns: readonly CpuTimes[]): number {
  return Math.min(...turns.map((t) => t.user + t.system)) / (STREAM_TOTAL_BYTES / GiB)
}

function describeCpu(cpu: CpuTimes): string {
  const gib = STREAM_TOTAL_BYTES / GiB
  return (
    `${((cpu.user + cpu.system) / gib).toFixed(2)} s/GiB (user ${(cpu.user / gib).toFixed(2)}, system ${(cpu.system / gib).toFixed(2)}; ` +
    `${Math.round(cpu.reads / gib)} reads, ${Math.round(cpu.writes / gib)} writes, ${Math.round(cpu.faults / gib)} faults per GiB)`
  )
}

/** The SHA-256 of each generated body, as the H5 computes it before sending (outside any measurement). */
async function withDigests(sizes: readonly number[]): Promise<Upload[]> {
  const known = new Map<number, string>()
  for (const size of new Set(sizes)) {
    const hash = createHash('sha256')
    for await (const chunk of generatedBody(size)) hash.update(chunk as Buffer)
    known.set(size, hash.digest('hex'))
  }
  return sizes.map((size) => ({ size, sha256: known.get(size) ?? '' }))
}

/** One upload through our route with the H5's headers; no retries, so nothing is counted twice. */
async function uploadThroughServer(client: ApiClient, pair: EditorAndDoc, upload: Upload, name: string): Promise<void> {
  const res = await client.request('POST', `/api/documents/${encodeURIComponent(pair.docId)}/resources?name=${name}`, {
    body: generatedBody(upload.size),
    headers: { 'content-type': GENERATED_MEDIA_TYPE, 'content-length': upload.size, [CONTENT_SHA256_HEADER]: upload.sha256 },
  })
  if (res.status !== 201) throw new Error(`upload ${name}: HTTP ${res.status}: ${res.body.toString().slice(0, 200)}`)
}

/** Sends `uploads` through the minimal relay (hashing them with `sha256`), 4 at a time, each to a fresh upload slot (asked for first). */
async function relayThrough(
  relay: BaselineRelay,
  emulatorUrl: string,
  token: string,
  pair: EditorAndDoc,
  uploads: readonly Upload[],
  sha256 = false,
): Promise<void> {
  const slots = await mapLimit(uploads, 1, (u, i) =>
    requestUploadSlot(emulatorUrl, token, pair.docId, pair.unionId, {
      size: u.size,
      mediaType: GENERATED_MEDIA_TYPE,
      resourceName: `relay-${i + 1}.pdf`,
    }),
  )
  await mapLimit(uploads, STREAM_CONCURRENCY, (u, i) => relay.send(u.size, slots[i]?.uploadUrl ?? '', { sha256 }))
}

/**
 * The server child's RSS while it relays: VmRSS from /proc every 50 ms (costs the server nothing),
 * and what it is made of (V8 heap vs Buffers) over IPC every 500 ms (few enough not to weigh on its CPU).
 */
async function watchMemory(server: ChildServer) {
  const before = server.procMemory()
  const heapBefore = await server.memoryUsage()
  let peakRss = before.rss
  const peakHeap = { heapUsed: heapBefore.heapUsed, arrayBuffers: heapBefore.arrayBuffers }
  let timers: NodeJS.Timeout[] = []
  return {
    start() {
      timers = [
        setInterval(() => (peakRss = Math.max(peakRss, server.procMemory().rss)), 50),
        setInterval(() => {
          server
            .memoryUsage()
            .then((m) => {
              peakHeap.heapUsed = Math.max(peakHeap.heapUsed, m.heapUsed)
              peakHeap.arrayBuffers = Math.max(peakHeap.arrayBuffers, m.arrayBuffers)
            })
            .catch(() => undefined)
        }, 500),
      ]
    },
    stop() {
      for (const t of timers) clearInterval(t)
    },
    /** Growth of the peak over the RSS before the first turn, in MB; prints the breakdown. */
    report(): number {
      const after = server.procMemory()
      // A high-water mark that rose during the run is the true peak, even between samples.
      const peak = after.hwm > before.hwm ? Math.max(peakRss, after.hwm) : peakRss
      progress(
        'stream',
        `server RSS ${(before.rss / MiB).toFixed(0)} → peak ${(peak / MiB).toFixed(0)} MB ` +
          `(V8 heap ${(heapBefore.heapUsed / MiB).toFixed(0)} → peak ${(peakHeap.heapUsed / MiB).toFixed(0)} MB, ` +
          `Buffers ${(heapBefore.arrayBuffers / MiB).toFixed(0)} → peak ${(peakHeap.arrayBuffers / MiB).toFixed(0)} MB)`,
      )
      return (peak - before.rss) / MiB
    },
  }
}

/** PUTs generated bodies straight to emulator upload URLs, 4 at a time; returns MB/s. */
async function putDirect(emulatorUrl: string, token: string, pair: EditorAndDoc, uploads: readonly Upload[]): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: STREAM_CONCURRENCY })
  const largest = Math.max(...uploads.map((u) => u.size))
  progress('stream', `direct: ${uploads.length} × ${(largest / 1e6).toFixed(0)} MB PUT to the emulator, ${STREAM_CONCURRENCY} at a time`)
  const start = performance.now()
  await mapLimit(uploads, STREAM_CONCURRENCY, async ({ size }, i) => {
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
  const mbps = uploads.reduce((a, u) => a + u.size, 0) / MiB / ((performance.now() - start) / 1000)
  agent.destroy()
  progress('stream', `direct: ${mbps.toFixed(1)} MB/s`)
  await resetEmulator(emulatorUrl)
  return mbps
}
