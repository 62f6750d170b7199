import type { AppConfig } from '../config'
import type { DingTalkApi } from '../dingtalk/types'
import type { DuplicateIndex } from '../services/upload/duplicate-index'

/** What every route plugin is registered with (`app.register(plugin, deps)` in app.ts). */
export interface RouteDeps {
  config: AppConfig
  dingtalk: DingTalkApi
  /** What went into each document lately, by content (duplicateOf); none: duplicates are not detected. */
  duplicateIndex?: DuplicateIndex
}
