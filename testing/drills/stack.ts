/**
 * An emulator plus our server in this process, wired the way sandbox mode wires them when
 * EMULATOR_URL is set (docs/operations.md#configuration), for drills that need both listening on loopback.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startServer } from '../../server/server'
import { startEmulator, type Profile } from '../../server/emulator/index'
import type { Clock } from '../../server/emulator/clock'

/** A 32+ character secret shared by every server of one drill, so sessions survive a restart. */
export const DRILL_SESSION_SECRET = 'drill-session-secret-0123456789-abcdefghijklmnop'

export interface Stack {
  serverUrl: string
  emulatorUrl: string
  close(): Promise<void>
}

/**
 * Environment for a sandbox server on loopback against `emulatorUrl`, quiet logs, plus `extra`.
 * DATA_DIR (the insertion journal) is a fresh temp dir, so drills never share state with each
 * other or with a developer's `.data/`; servers given the same env share it, as one host would.
 */
export function drillEnv(emulatorUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PORT: '0',
    HOST: '127.0.0.1',
    EMULATOR_URL: emulatorUrl,
    SESSION_SECRET: DRILL_SESSION_SECRET,
    LOG_LEVEL: 'silent',
    DATA_DIR: mkdtempSync(join(tmpdir(), 'doc-attach-drill-')),
    ...extra,
  }
}

/** Deletes the temp DATA_DIR a `drillEnv` made. */
export function removeDataDir(env: Record<string, string>): void {
  if (env['DATA_DIR']?.startsWith(tmpdir())) rmSync(env['DATA_DIR'], { recursive: true, force: true })
}

/** Starts an emulator (optionally on `clock`) and a server pointed at it. */
export async function startStack(
  opts: { env?: Record<string, string>; clock?: Clock; profile?: Profile; random?: () => number } = {},
): Promise<Stack> {
  const emulator = await startEmulator({ port: 0, host: '127.0.0.1', clock: opts.clock, profile: opts.profile, random: opts.random })
  const env = drillEnv(emulator.url, opts.env)
  try {
    const server = await startServer(env)
    return {
      serverUrl: server.url,
      emulatorUrl: emulator.url,
      async close() {
        await server.close()
        await emulator.close()
        removeDataDir(env)
      },
    }
  } catch (err) {
    await emulator.close()
    removeDataDir(env)
    throw err
  }
}
