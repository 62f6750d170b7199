/**
 * An emulator plus our server in this process, wired the way sandbox mode wires them when
 * EMULATOR_URL is set (TEAM.md "Server"), for drills that need both listening on loopback.
 */
import { startServer } from '../../server'
import { startEmulator } from '../../emulator/index'
import type { Clock } from '../../emulator/clock'

/** A 32+ character secret shared by every server of one drill, so sessions survive a restart. */
export const DRILL_SESSION_SECRET = 'drill-session-secret-0123456789-abcdefghijklmnop'

export interface Stack {
  serverUrl: string
  emulatorUrl: string
  close(): Promise<void>
}

/** Environment for a sandbox server on loopback against `emulatorUrl`, quiet logs, plus `extra`. */
export function drillEnv(emulatorUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PORT: '0',
    HOST: '127.0.0.1',
    EMULATOR_URL: emulatorUrl,
    SESSION_SECRET: DRILL_SESSION_SECRET,
    LOG_LEVEL: 'silent',
    ...extra,
  }
}

/** Starts an emulator (optionally on `clock`) and a server pointed at it. */
export async function startStack(opts: { env?: Record<string, string>; clock?: Clock } = {}): Promise<Stack> {
  const emulator = await startEmulator({ port: 0, host: '127.0.0.1', clock: opts.clock })
  try {
    const server = await startServer(drillEnv(emulator.url, opts.env))
    return {
      serverUrl: server.url,
      emulatorUrl: emulator.url,
      async close() {
        await server.close()
        await emulator.close()
      },
    }
  } catch (err) {
    await emulator.close()
    throw err
  }
}
