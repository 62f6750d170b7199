/**
 * `startup.healthReadyMs`: from spawning `tsx server/main.ts` (what `npm run server` runs) to the
 * first 200 from /api/health. Ports are OS-assigned; the URL comes from main.ts's
 * "Doc Attach is running at <url>" line.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { stopChild, trackChild, waitForChild } from '../../testing/child-processes'
import { httpRequest } from '../../testing/http'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const READY_LINE = /Doc Attach is running at (http:\/\/\S+)/
const TIMEOUT_MS = 30_000

/** Spawns the server, waits for health, stops it; returns the milliseconds to the first 200. */
export async function measureHealthReady(env: Record<string, string>): Promise<number> {
  const started = performance.now()
  // Own process group, so stopping it also stops the node process tsx starts.
  const child = trackChild(
    spawn(`${ROOT}node_modules/.bin/tsx`, ['server/main.ts'], {
      cwd: ROOT,
      env: { ...process.env, ...env, PORT: '0', EMULATOR_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    }),
    { group: true },
  )
  let output = ''
  const url = new Promise<string>((resolve) => {
    const onData = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000)
      const match = READY_LINE.exec(output)
      if (match?.[1]) resolve(match[1])
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
  })
  try {
    const base = await waitForChild(child, url, { what: 'the server (tsx server/main.ts)', timeoutMs: TIMEOUT_MS, output: () => output })
    for (;;) {
      const res = await httpRequest(`${base}/api/health`).catch(() => null)
      if (res?.status === 200) return performance.now() - started
      if (performance.now() - started > TIMEOUT_MS) throw new Error(`no 200 from ${base}/api/health within ${TIMEOUT_MS} ms`)
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
  } finally {
    // SIGTERM to the group (tsx and the server it runs), SIGKILL if it lingers.
    await stopChild(child, { graceMs: 10_000 })
  }
}
