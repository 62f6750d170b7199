import { ConfigResponseSchema, type ConfigResponse } from '@contract/api'
import { lastConfig, rememberConfig } from '@/lib/offline-start'
import { ApiError, request } from './http'

/**
 * `GET /api/config`: mode (sandbox/live), corpId fallback and upload limits (public route). The
 * answer is kept on the device; when no answer arrives (no signal), the last one kept is used, so
 * the app starts offline (docs/architecture.md#offline-start).
 */
export async function getConfig(): Promise<ConfigResponse> {
  try {
    const config = await request(ConfigResponseSchema, { method: 'GET', url: '/config' })
    rememberConfig(config)
    return config
  } catch (error) {
    const kept = error instanceof ApiError && error.status === 0 ? lastConfig() : null
    if (kept) return kept
    throw error
  }
}
