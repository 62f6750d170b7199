import type { AppConfig } from '../config'
import type { DingTalkApi } from '../dingtalk/types'
import type { EvidenceDeps } from '../services/evidence/evidence-service'
import type { DuplicateIndex } from '../services/upload/duplicate-index'
import type { SharedStore } from '../store/types'

/** What every route plugin is registered with (`app.register(plugin, deps)` in app.ts). */
export interface RouteDeps {
  config: AppConfig
  dingtalk: DingTalkApi
  /** Shared state (limits, locks, revocations): this process's memory, or Redis for several replicas. */
  store: SharedStore
  /** `draining` is set while the process shuts down (readiness answers 503). */
  lifecycle: { draining: boolean }
  /** What went into each document lately, by content (duplicateOf); none: duplicates are not detected. */
  duplicateIndex?: DuplicateIndex
  /** The evidence registry and what evidence needs (docs/evidence.md); none: evidence is unavailable. */
  evidence?: EvidenceDeps
}
