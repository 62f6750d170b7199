/**
 * The app access token, cached and refreshed with one request in flight at a time
 * (docs/dingtalk.md#access-token: in-memory, single-flight, used until 5 minutes before `expireIn`).
 */
import type { Clock } from './rate-limit'

export interface FetchedToken {
  accessToken: string
  /** Seconds, as DingTalk's `expireIn` (7200). */
  expireIn: number
}

export interface TokenCacheOptions {
  fetchToken: () => Promise<FetchedToken>
  clock: Clock
  /** How long before DingTalk's expiry the token stops being used; default 5 min. */
  refreshMarginMs?: number
}

export interface TokenCache {
  /** A valid token: the cached one, or the result of the (shared) refresh in flight. */
  get(): Promise<string>
  /**
   * Forgets `token` after DingTalk rejected it. A token that was already replaced is left alone,
   * so many calls failing with the same old token cause one refresh, not many.
   */
  invalidate(token: string): void
}

const DEFAULT_REFRESH_MARGIN_MS = 5 * 60 * 1000

/** Creates the cache; nothing is fetched until the first `get()`. */
export function createTokenCache(opts: TokenCacheOptions): TokenCache {
  const margin = opts.refreshMarginMs ?? DEFAULT_REFRESH_MARGIN_MS
  let cached: { token: string; useUntil: number } | undefined
  let inFlight: Promise<string> | undefined

  function refresh(): Promise<string> {
    inFlight ??= opts
      .fetchToken()
      .then((t) => {
        // A token shorter-lived than the margin is still used, for half its life.
        const lifeMs = t.expireIn * 1000
        const useFor = lifeMs > margin * 2 ? lifeMs - margin : lifeMs / 2
        cached = { token: t.accessToken, useUntil: opts.clock.now() + useFor }
        return t.accessToken
      })
      .finally(() => {
        inFlight = undefined
      })
    return inFlight
  }

  return {
    get(): Promise<string> {
      if (cached && opts.clock.now() < cached.useUntil) return Promise.resolve(cached.token)
      return refresh()
    },
    invalidate(token: string): void {
      if (cached?.token === token) cached = undefined
    },
  }
}
