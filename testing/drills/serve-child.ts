/**
 * Child-process entry for drills and the benchmark: runs `startServer(process.env)` (or, with
 * argv[2] = "emulator", a standalone emulator) and talks to its parent over IPC, so the parent can
 * measure this process's memory, kill it mid-request, or stop it cleanly.
 *   → parent: {type:"ready", url, emulatorUrl, metricsUrl}  {type:"memory", usage}
 *   ← parent: {type:"memory", gc?: true}  {type:"stop"}
 */
import { startServer } from '../../server/server'
import { emulatorOptionsFromEnv, startEmulator } from '../../server/emulator/index'

interface Running {
  url: string
  emulatorUrl: string | null
  metricsUrl?: string | null
  close(): Promise<void>
}

async function main(): Promise<void> {
  const running: Running =
    process.argv[2] === 'emulator'
      ? await startEmulator({ port: 0, host: '127.0.0.1', ...emulatorOptionsFromEnv(process.env) }).then((e) => ({
          url: e.url,
          emulatorUrl: e.url,
          close: e.close,
        }))
      : await startServer(process.env)
  process.on('message', (msg: unknown) => {
    const type = typeof msg === 'object' && msg !== null && 'type' in msg ? msg.type : undefined
    if (type === 'memory') {
      // With --expose-gc the parent may ask for the heap that is actually retained.
      const wantsGc = typeof msg === 'object' && msg !== null && 'gc' in msg && msg.gc === true
      if (wantsGc && typeof globalThis.gc === 'function') globalThis.gc()
      process.send?.({ type: 'memory', usage: process.memoryUsage() })
    }
    if (type === 'stop') {
      void running.close().finally(() => process.exit(0))
    }
  })
  // The parent going away (a crashed test) must not leave this process running.
  process.on('disconnect', () => process.exit(0))
  process.send?.({ type: 'ready', url: running.url, emulatorUrl: running.emulatorUrl, metricsUrl: running.metricsUrl ?? null })
}

main().catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})
