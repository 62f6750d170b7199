/**
 * Rate limits kept in the shared store (docs/operations.md#running-several-replicas: sign-in per address across the
 * whole deployment, uploads and insertions per person), so N replicas do not allow N times as much.
 */
import type { SharedStore } from '../store/types'

type IncrCallback = (err: Error | null, res?: { current: number; ttl: number }) => void

/**
 * A store class for `@fastify/rate-limit` (its `store` option) counting in `store`: one fixed
 * window per route and key. A store failure reaches the error handler (503 service_unavailable).
 */
export function rateLimitStoreClass(store: SharedStore) {
  return class SharedRateLimitStore {
    constructor(
      _options?: unknown,
      private readonly prefix = 'rl:',
    ) {}

    incr(key: string, callback: IncrCallback, timeWindow: number): void {
      store.hit(`${this.prefix}${key}`, timeWindow).then(
        ({ count, resetMs }) => callback(null, { current: count, ttl: resetMs }),
        (err: Error) => callback(err),
      )
    }

    /** One counter space per route (the plugin passes the route's options with `routeInfo`). */
    child(routeOptions: unknown): SharedRateLimitStore {
      const info: unknown = typeof routeOptions === 'object' && routeOptions ? Reflect.get(routeOptions, 'routeInfo') : undefined
      const part = (name: string) => String((typeof info === 'object' && info && Reflect.get(info, name)) ?? '')
      return new SharedRateLimitStore(undefined, `rl:${part('method')}${part('url')}:`)
    }
  }
}

/** Uploads started per person per minute (UPLOAD_RATE_PER_MINUTE), counted in the shared store. */
export interface UploadRateLimiter {
  /** Counts an upload start; `retryAfterSeconds` when the person is over the limit. */
  take(unionId: string): Promise<{ allowed: true } | { allowed: false; retryAfterSeconds: number }>
}

export function createUploadRateLimiter(store: SharedStore, perMinute: number): UploadRateLimiter {
  return {
    async take(unionId) {
      const { count, resetMs } = await store.hit(`uploads-per-minute:${unionId}`, 60_000)
      if (count <= perMinute) return { allowed: true }
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(resetMs / 1000)) }
    },
  }
}
