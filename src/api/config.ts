import { ConfigResponseSchema, type ConfigResponse } from '@contract/api'
import { request } from './http'

/** `GET /api/config`: mode (sandbox/live), corpId fallback and upload limits (public route). */
export function getConfig(): Promise<ConfigResponse> {
  return request(ConfigResponseSchema, { method: 'GET', url: '/config' })
}
