/** Runs bench/lib/baseline-relay.ts in a child process and sends uploads through it. */
import { spawn } from 'node:child_process'
import http from 'node:http'
import { fileURLToPath } from 'node:url'
import { trackChild } from '../../testing/child-processes'
import { httpRequest } from '../../testing/http'
import { generatedBody, GENERATED_MEDIA_TYPE } from './streams'

const BASELINE_RELAY = fileURLToPath(new URL('./baseline-relay.ts', import.meta.url))

export interface BaselineRelay {
  pid: number
  /** POSTs a generated body of `size` bytes through the relay to `uploadUrl` (hashed on the way with `sha256`); throws unless it got there. */
  send(size: number, uploadUrl: string, opts?: { sha256?: boolean }): Promise<void>
  stop(): void
}

/**
 * Starts the relay (`node --import tsx`, as the server child) with `env` added to this process's
 * environment, and waits for its port. `BENCH_RELAY_NODE_ARGS` adds node flags (e.g. `--cpu-prof`).
 */
export async function startBaselineRelay(concurrency: number, env: Record<string, string>): Promise<BaselineRelay> {
  const extraArgs = (process.env['BENCH_RELAY_NODE_ARGS'] ?? '').split(' ').filter(Boolean)
  const child = trackChild(
    spawn(process.execPath, [...extraArgs, '--import', 'tsx', BASELINE_RELAY], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    }),
  )
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the baseline relay did not start within 30 s')), 30_000)
    child.stdout?.once('data', (d: Buffer) => {
      clearTimeout(timer)
      resolve(Number(d.toString().trim()))
    })
    child.once('exit', (code) => reject(new Error(`the baseline relay exited (${code})`)))
  })
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency })
  return {
    pid: child.pid ?? 0,
    async send(size, uploadUrl, opts = {}) {
      const res = await httpRequest(`http://127.0.0.1:${port}/`, {
        method: 'POST',
        headers: {
          'content-type': GENERATED_MEDIA_TYPE,
          'content-length': size,
          'x-upload-url': uploadUrl,
          ...(opts.sha256 ? { 'x-relay-sha256': '1' } : {}),
        },
        body: generatedBody(size),
        agent,
      })
      if (res.status !== 201) throw new Error(`baseline relay: HTTP ${res.status}`)
    },
    stop() {
      agent.destroy()
      child.kill('SIGTERM')
    },
  }
}
