/** `npm run server` / `npm start`: run Doc Attach until SIGINT/SIGTERM. */
import { existsSync } from 'node:fs'
import { EnvError } from './env'
import { startServer } from './server'

/** Time in-flight uploads and insertions get to finish after SIGINT/SIGTERM (deploy/ allows 30 s). */
const SHUTDOWN_GRACE_MS = 20_000
/** A shutdown still not done by then is cut short. */
const SHUTDOWN_HARD_LIMIT_MS = 25_000
/** Readiness answers 503 this long before the listener closes, so health-checking balancers move away first. */
const SHUTDOWN_ANNOUNCE_MS = 1_000

// A local `.env` (see .env.example) fills in what the shell did not set.
if (existsSync('.env')) process.loadEnvFile('.env')

try {
  const server = await startServer(process.env)
  const publicOrigin = process.env.PUBLIC_ORIGIN?.trim()
  console.log(`Doc Attach is running at ${server.url}`)
  if (publicOrigin) console.log(`Public address: ${publicOrigin}`)
  if (server.metricsUrl) console.log(`Metrics: ${server.metricsUrl}`)
  if (server.emulatorUrl) {
    console.log(
      `Sandbox mode: DingTalk is emulated at ${server.emulatorUrl}. Open the URL above and sign in as a demo user.\n` +
        'Set DINGTALK_APP_KEY, DINGTALK_APP_SECRET, DINGTALK_CORP_ID and SESSION_SECRET for live mode.',
    )
  }

  let stopping = false
  const stop = () => {
    // The same Ctrl-C can arrive more than once (terminal, npm and scripts/start.mjs all pass it on),
    // so repeats are ignored; a shutdown that hangs is cut short instead. Readiness answers 503
    // first, then the listener stops accepting and work in flight finishes (bounded).
    if (stopping) return
    stopping = true
    setTimeout(() => {
      console.error('Shutdown took too long; exiting.')
      process.exit(1)
    }, SHUTDOWN_HARD_LIMIT_MS).unref()
    server.drain(SHUTDOWN_GRACE_MS, { announceMs: SHUTDOWN_ANNOUNCE_MS }).then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('Shutdown failed:', error)
        process.exit(1)
      },
    )
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
} catch (error) {
  if (error instanceof EnvError) {
    console.error(error.message)
  } else {
    console.error('Doc Attach could not start:', error instanceof Error ? error.message : error)
  }
  process.exit(1)
}
