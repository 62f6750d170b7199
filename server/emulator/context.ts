/** What every route module gets: the state and the emulator's services. */
import type { FastifyRequest } from 'fastify'
import type { Clock } from './clock'
import type { FaultRegistry } from './faults'
import type { OapiTokenMode, Profile } from './profiles'
import type { ResourceStore, UploadSigner } from './oss'
import type { RequestLog } from './request-log'
import type { EmulatorState } from './state'

export interface EmulatorConfig {
  appKey: string
  appSecret: string
  corpId: string
  /** Lifetime of an upload URL (DingTalk does not document it; OSS-style 900 s by default). */
  uploadUrlTtlSeconds: number
  /** How generously the block and list APIs answer (README "Answer profiles"). */
  profile: Profile
  /** `legacy`: oapi accepts only `/gettoken` tokens (README "Legacy oapi tokens"). */
  oapiToken: OapiTokenMode
  /** Hosts besides loopback the control API answers (EMULATOR_ALLOWED_HOSTS; README "Control API"). */
  allowedHosts: readonly string[]
}

export interface EmulatorContext {
  state: EmulatorState
  clock: Clock
  config: EmulatorConfig
  faults: FaultRegistry
  signer: UploadSigner
  store: ResourceStore
  requests: RequestLog
  /** Bandwidth limits set by faults for in-flight requests. */
  throttles: WeakMap<FastifyRequest, number>
  /** The origin upload URLs point at (the emulator's own listening address). */
  publicOrigin(request: FastifyRequest): string
}
