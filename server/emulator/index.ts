/**
 * The DingTalk emulator's programmatic API : `startEmulator` listens,
 * `buildEmulator` does not, `createManualClock` lets tests move time.
 */
import type { AddressInfo } from 'node:net'
import { buildEmulator, type BuildEmulatorOptions } from './app'
import { createManualClock, systemClock, type Clock, type ManualClock } from './clock'
import type { OapiTokenMode, Profile } from './profiles'
import type { EmulatorState } from './state'

export interface StartEmulatorOptions extends Omit<BuildEmulatorOptions, 'publicOrigin'> {
  /** 0 (default) = any free port. */
  port?: number
  /** Default 127.0.0.1. */
  host?: string
}

export interface RunningEmulator {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  url: string
  state: EmulatorState
  clock: Clock
  /** The answer profile it plays (README "Answer profiles"). */
  profile: Profile
  close(): Promise<void>
}

/**
 * Starts the emulator on `host:port` and resolves once it listens. Upload URLs it hands out
 * point at this listening address.
 */
export async function startEmulator(opts: StartEmulatorOptions = {}): Promise<RunningEmulator> {
  const clock = opts.clock ?? systemClock
  // Known only once listening; upload URLs are minted after that.
  const listening: { url?: string } = {}
  const { app, state } = buildEmulator({ ...opts, clock, publicOrigin: () => listening.url })
  const host = opts.host ?? '127.0.0.1'
  await app.listen({ port: opts.port ?? 0, host })
  const { port } = app.server.address() as AddressInfo
  const publicHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host
  const url = `http://${publicHost}:${port}`
  listening.url = url
  return { url, state, clock, profile: opts.profile ?? 'rich', close: () => app.close() }
}

export { buildEmulator, createManualClock }
export type { BuildEmulatorOptions, Clock, ManualClock, EmulatorState, OapiTokenMode, Profile }
export { emulatorOptionsFromEnv, OAPI_TOKEN_MODES, PROFILES } from './profiles'
export type { FaultSpec } from './faults'
export type { EmulatorStateSnapshot } from './state'
export { DEFAULT_APP_KEY, DEFAULT_APP_SECRET, DEFAULT_CORP_ID } from './app'
export { SEED } from './seed'
