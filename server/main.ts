/** `npm run server` / `npm start`: run Doc Attach until SIGINT/SIGTERM. */
import { existsSync } from 'node:fs'
import { EnvError } from './env'
import { startServer } from './server'

// A local `.env` (see .env.example) fills in what the shell did not set.
if (existsSync('.env')) process.loadEnvFile('.env')

try {
  const server = await startServer(process.env)
  const publicOrigin = process.env.PUBLIC_ORIGIN?.trim()
  console.log(`Doc Attach is running at ${server.url}`)
  if (publicOrigin) console.log(`Public address: ${publicOrigin}`)
  if (server.emulatorUrl) {
    console.log(
      `Sandbox mode: DingTalk is emulated at ${server.emulatorUrl}. Open the URL above and sign in as a demo user.\n` +
        'Set DINGTALK_APP_KEY, DINGTALK_APP_SECRET, DINGTALK_CORP_ID and SESSION_SECRET for live mode.',
    )
  }

  let stopping = false
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      console.error(`Received ${signal} again; exiting now.`)
      process.exit(1)
    }
    stopping = true
    server.close().then(
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
