/**
 * Starts the server (or a standalone emulator) in a child process via ./serve-child.ts, so a drill
 * or the benchmark can measure its memory (/proc and process.memoryUsage over IPC), SIGKILL it
 * mid-request like a crash, or stop it cleanly.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'
import { childExited, killChild, trackChild, waitForChild } from '../child-processes'

const CHILD = fileURLToPath(new URL('./serve-child.ts', import.meta.url))
const ROOT = fileURLToPath(new URL('../..', import.meta.url))

const MemoryUsageSchema = z.object({
  rss: z.number(),
  heapTotal: z.number(),
  heapUsed: z.number(),
  external: z.number(),
  arrayBuffers: z.number(),
})

export interface ChildServer {
  url: string
  emulatorUrl: string | null
  /** The child's `/metrics` (METRICS_PORT set, 0 = any free port); null otherwise. */
  metricsUrl: string | null
  pid: number
  /** The child's own view of its memory (heap, rss); `gc` collects garbage first (retained heap). */
  memoryUsage(opts?: { gc?: boolean }): Promise<z.infer<typeof MemoryUsageSchema>>
  /** Resident set and its high-water mark from /proc/<pid>/status, in bytes. */
  procMemory(): { rss: number; hwm: number }
  /** Graceful stop (server.close()). */
  stop(): Promise<void>
  /** Abrupt end, as a crash or an OOM kill would do it. */
  kill(): Promise<void>
  /** Everything the child wrote to stderr so far (for failure messages). */
  stderr(): string
}

/** How long a server child may take to listen before it is killed and the start fails. */
export const CHILD_READY_TIMEOUT_MS = 30_000

/**
 * Spawns `node --import tsx serve-child.ts` with `env` and waits for it to listen, at most
 * `readyTimeoutMs` (the child is killed when it does not make it). `showOutput` passes the child's
 * logs through (the benchmark shows warnings); otherwise stdout is dropped and stderr kept for failure
 * messages. The child is killed when this process exits (testing/child-processes.ts).
 */
export async function startChildServer(
  env: Record<string, string | undefined>,
  opts: { emulator?: boolean; showOutput?: boolean; readyTimeoutMs?: number } = {},
): Promise<ChildServer> {
  // `SERVER_NODE_ARGS` adds node flags to every server child (the benchmark's profiling: `--cpu-prof`).
  const extraArgs = (process.env['SERVER_NODE_ARGS'] ?? '').split(' ').filter(Boolean)
  const args = ['--expose-gc', ...extraArgs, '--import', 'tsx', CHILD]
  if (opts.emulator) args.push('emulator')
  const child = trackChild(
    spawn(process.execPath, args, {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', opts.showOutput ? 'inherit' : 'ignore', 'pipe', 'ipc'],
    }),
  )
  let stderr = ''
  child.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-20_000)
    if (opts.showOutput) process.stderr.write(c)
  })
  const ready = new Promise<{ url: string; emulatorUrl: string | null; metricsUrl: string | null }>((resolve) => {
    child.on('message', function onReady(msg: unknown) {
      if (!isMessage(msg, 'ready')) return
      child.off('message', onReady)
      const url = typeof msg['url'] === 'string' ? msg['url'] : ''
      const emulatorUrl = typeof msg['emulatorUrl'] === 'string' ? msg['emulatorUrl'] : null
      const metricsUrl = typeof msg['metricsUrl'] === 'string' ? msg['metricsUrl'] : null
      resolve({ url, emulatorUrl, metricsUrl })
    })
  })
  const { url, emulatorUrl, metricsUrl } = await waitForChild(child, ready, {
    what: opts.emulator ? 'the emulator child' : 'the server child',
    timeoutMs: opts.readyTimeoutMs ?? CHILD_READY_TIMEOUT_MS,
    output: () => stderr,
  })
  return wrap(child, { url, emulatorUrl, metricsUrl }, () => stderr)
}

function isMessage(msg: unknown, type: string): msg is Record<string, unknown> {
  return typeof msg === 'object' && msg !== null && 'type' in msg && msg.type === type
}

function wrap(
  child: ChildProcess,
  urls: { url: string; emulatorUrl: string | null; metricsUrl: string | null },
  stderr: () => string,
): ChildServer {
  const pid = child.pid ?? 0
  return {
    ...urls,
    pid,
    stderr,
    memoryUsage(opts = {}) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no memory answer from the server child')), 5000)
        child.on('message', function onMemory(msg: unknown) {
          if (!isMessage(msg, 'memory')) return
          clearTimeout(timer)
          child.off('message', onMemory)
          const usage = MemoryUsageSchema.safeParse(msg['usage'])
          if (usage.success) resolve(usage.data)
          else reject(new Error('bad memory message from the server child'))
        })
        child.send({ type: 'memory', gc: opts.gc === true })
      })
    },
    procMemory() {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8')
      const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024
      return { rss: kb('VmRSS'), hwm: kb('VmHWM') }
    },
    async stop() {
      // A clean stop over IPC (SIGTERM without it); SIGKILL if it has not ended after 10 s.
      if (child.connected) child.send({ type: 'stop' })
      else killChild(child, 'SIGTERM')
      const timer = setTimeout(() => killChild(child), 10_000)
      await childExited(child)
      clearTimeout(timer)
    },
    async kill() {
      child.kill('SIGKILL')
      await childExited(child)
    },
  }
}
