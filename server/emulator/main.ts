/**
 * `npm run emulator`: the DingTalk emulator alone, on EMULATOR_PORT (default 3001; 0 = any free
 * port). The emulated app's credentials can be changed with EMULATOR_APP_KEY / EMULATOR_APP_SECRET /
 * EMULATOR_CORP_ID (defaults: ding-emulator-app / emulator-secret / ding-emulator-corp);
 * EMULATOR_PROFILE (rich | documented | minimal) and EMULATOR_OAPI_TOKEN (any | legacy) choose how
 * it answers, EMULATOR_ALLOWED_HOSTS which hosts besides loopback its control API answers (README).
 */
import { emulatorOptionsFromEnv, startEmulator } from './index'

const rawPort = process.env['EMULATOR_PORT'] ?? '3001'
const port = Number(rawPort)
if (!/^\d+$/.test(rawPort) || port > 65_535) {
  console.error(`EMULATOR_PORT must be a port number (0-65535), got "${rawPort}"`)
  process.exit(1)
}

let answers: ReturnType<typeof emulatorOptionsFromEnv>
try {
  answers = emulatorOptionsFromEnv(process.env)
} catch (err) {
  console.error(err instanceof Error ? err.message : err)
  process.exit(1)
}

const emulator = await startEmulator({
  ...answers,
  port,
  host: process.env['EMULATOR_HOST'] || '127.0.0.1',
  appKey: process.env['EMULATOR_APP_KEY'] || undefined,
  appSecret: process.env['EMULATOR_APP_SECRET'] || undefined,
  corpId: process.env['EMULATOR_CORP_ID'] || undefined,
  logger: true,
})
console.log(`DingTalk emulator is running at ${emulator.url}`)
console.log(`Answer profile: ${answers.profile}; oapi tokens: ${answers.oapiToken}`)

let closing = false
const shutdown = (signal: string) => {
  if (closing) return
  closing = true
  console.log(`${signal}: shutting down the emulator`)
  emulator.close().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err)
      process.exit(1)
    },
  )
}
process.on('SIGINT', () => shutdown('SIGINT'))
process.on('SIGTERM', () => shutdown('SIGTERM'))
