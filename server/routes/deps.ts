import type { AppConfig } from '../config'
import type { DingTalkApi } from '../dingtalk/types'

/** What every route plugin is registered with (`app.register(plugin, deps)` in app.ts). */
export interface RouteDeps {
  config: AppConfig
  dingtalk: DingTalkApi
}
