/**
 * DingTalk's limits are per app, not per process (docs/dingtalk.md: 20 requests/s per app and
 * API), so replicas share one token bucket per API and one app access token through the store.
 */
import { createHash } from 'node:crypto'
import type { TokenCache, TokenCacheOptions } from '../dingtalk/token-cache'
import { dingtalkLimiterWaitSeconds } from '../metrics/registry'
import type { SharedStore } from './types'

/** A per-API limiter (the DingTalk client's `limiter` option) drawing from `store`'s buckets. */
export function createSharedDingTalkLimiter(
  store: SharedStore,
  opts: { requestsPerSecond: number; burst: number; sleep?: (ms: number) => Promise<void> },
): { acquire(key: string): Promise<void> } {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)))
  return {
    async acquire(api) {
      const wait = await store.reserve(`dingtalk-budget:${api}`, opts.requestsPerSecond, opts.burst)
      dingtalkLimiterWaitSeconds.observe({ api }, wait / 1000)
      if (wait > 0) await sleep(wait)
    },
  }
}

const REFRESH_CLAIM_MS = 10_000
const REFRESH_POLL_MS = 100
const DEFAULT_REFRESH_MARGIN_MS = 5 * 60 * 1000

/**
 * The app access token cached once for all replicas (the DingTalk client's `tokenCache` option):
 * one replica refreshes while the others wait for its result, so a deployment asks DingTalk for
 * a token as rarely as one process does. `appKey` names the entry (tokens are per app).
 */
export function sharedTokenCache(store: SharedStore, appKey: string): (opts: TokenCacheOptions, kind: string) => TokenCache {
  const app = createHash('sha256').update(appKey).digest('hex').slice(0, 16)
  return (opts, kind) => {
    const key = `dingtalk-token:${app}:${kind}`
    const margin = opts.refreshMarginMs ?? DEFAULT_REFRESH_MARGIN_MS
    let inFlight: Promise<string> | undefined
    // The token DingTalk last refused here: never handed out again, even before the store forgets it.
    let rejected: string | undefined

    async function refresh(): Promise<string> {
      const claimed = (await store.claim(`${key}:refresh`, 'x', REFRESH_CLAIM_MS)) === null
      if (!claimed) {
        // Another replica is fetching: use its token as soon as it is stored.
        for (let waited = 0; waited < REFRESH_CLAIM_MS; waited += REFRESH_POLL_MS) {
          await new Promise((resolve) => setTimeout(resolve, REFRESH_POLL_MS))
          const token = await store.getValue(key)
          if (token && token !== rejected) return token
        }
      }
      const fetched = await opts.fetchToken()
      const lifeMs = fetched.expireIn * 1000
      const useFor = lifeMs > margin * 2 ? lifeMs - margin : lifeMs / 2
      await store.setValue(key, fetched.accessToken, useFor)
      await store.setValue(`${key}:refresh`, '', 1)
      return fetched.accessToken
    }

    return {
      async get() {
        const token = await store.getValue(key)
        if (token && token !== rejected) return token
        inFlight ??= refresh().finally(() => {
          inFlight = undefined
        })
        return inFlight
      },
      invalidate(token) {
        rejected = token
        // Only the rejected token is dropped; one that another replica already replaced stays.
        store
          .getValue(key)
          .then((current) => (current === token ? store.setValue(key, '', 1) : undefined))
          .catch(() => undefined)
      },
    }
  }
}
