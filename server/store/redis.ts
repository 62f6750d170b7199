/**
 * The Redis store (`REDIS_URL`): state every replica of one deployment shares. Built to fail
 * fast rather than pile up: no offline queue, a bounded time per command, one retry; any failure
 * becomes `503 service_unavailable` with Retry-After (storeUnavailable). ioredis reconnects by
 * itself, so service resumes when Redis is back.
 */
import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import { AppError } from '../errors'
import { lockWaitSeconds } from '../metrics/registry'
import { ACQUIRE_SLOT, FENCED_SET, HIT, LOCK_ACQUIRE, LOCK_RELEASE, LOCK_RENEW, QUOTA_HOLD, RESERVE } from './redis-scripts'
import { storeUnavailable, type Lease, type SharedStore } from './types'

/** Every key this app writes starts with this, so one Redis can serve other things too. */
export const KEY_PREFIX = 'doc-attach:'

export interface RedisStoreOptions {
  url: string
  /** Longest a command may take before the request answers 503; default 2 s. */
  commandTimeoutMs?: number
  /** A lock not renewed for this long is free again (its holder died); default 15 s. */
  lockLeaseMs?: number
  /** Longest wait for a document's lock before answering 503; default 120 s. */
  lockWaitMs?: number
  /** Renew held locks while their work runs; default true (false only simulates a frozen holder in tests). */
  renewLocks?: boolean
  logger?: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void }
}

/** The store plus what only Redis-specific code (the journal) needs. */
export interface RedisStore extends SharedStore {
  readonly kind: 'redis'
  readonly client: Redis
  /** Runs a Redis call, turning any failure into 503 service_unavailable. */
  run<T>(call: (client: Redis) => Promise<T>): Promise<T>
  /** Writes `key` only while `lease` still holds its lock (fencing); 503 when it no longer does. */
  fencedSet(lease: Lease, key: string, value: string, ttlMs: number): Promise<void>
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** A lease that lapsed or was taken over: the holder must stop writing. */
export function leaseLost(): AppError {
  return new AppError('service_unavailable', {
    status: 503,
    message: 'Another server took over this document; try again.',
    headers: { 'retry-after': '1' },
  })
}

/** Connects (in the background; the store answers 503 until Redis is reachable). */
export function createRedisStore(opts: RedisStoreOptions): RedisStore {
  const commandTimeout = opts.commandTimeoutMs ?? 2000
  const leaseMs = opts.lockLeaseMs ?? 15_000
  const lockWaitMs = opts.lockWaitMs ?? 120_000
  const client = new Redis(opts.url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout,
    connectTimeout: Math.max(commandTimeout, 2000),
    // Keep trying forever, at most every 2 s: Redis coming back must bring the service back.
    retryStrategy: (times) => Math.min(100 * times, 2000),
    keyPrefix: KEY_PREFIX,
  })
  // An unhandled 'error' event would crash the process; report state changes once each instead.
  let lastError = ''
  client.on('error', (err: Error) => {
    if (err.message === lastError) return
    lastError = err.message
    opts.logger?.warn({ err: { message: err.message } }, 'redis: connection problem')
  })
  client.on('ready', () => {
    if (lastError) opts.logger?.info({}, 'redis: connected again')
    lastError = ''
  })

  async function run<T>(call: (c: Redis) => Promise<T>): Promise<T> {
    if (client.status !== 'ready') throw storeUnavailable()
    try {
      return await call(client)
    } catch (err) {
      if (err instanceof AppError) throw err
      throw storeUnavailable()
    }
  }
  const evalNumber = async (script: string, keys: string[], args: Array<string | number>): Promise<number> =>
    Number(await run((c) => c.eval(script, keys.length, ...keys, ...args.map(String))))

  async function tryLock(key: string, owner: string): Promise<Lease | null> {
    const lockKey = `lock:${key}`
    const fence = await evalNumber(LOCK_ACQUIRE, [lockKey, `fence:${key}`], [owner, leaseMs])
    if (fence === 0) return null
    const holder = `${owner}:${fence}`
    return {
      fence,
      lockKey,
      holder,
      check: async () => {
        const current = await run((c) => c.get(lockKey))
        if (current !== holder) throw leaseLost()
      },
    }
  }

  const store: RedisStore = {
    kind: 'redis',
    client,
    run,
    isReachable: () => client.status === 'ready',
    async ping() {
      try {
        await run((c) => c.ping())
        return true
      } catch {
        return false
      }
    },

    async hit(key, windowMs) {
      const reply = await run((c) => c.eval(HIT, 1, `hits:${key}`, String(windowMs)))
      const [count, ttl] = Array.isArray(reply) ? reply.map(Number) : [Number.NaN, 0]
      if (!Number.isFinite(count)) throw storeUnavailable()
      return { count: count ?? 0, resetMs: Math.max(0, ttl ?? 0) }
    },

    async acquireSlot(key, max, slotLeaseMs) {
      const slot = randomUUID()
      const taken = await evalNumber(ACQUIRE_SLOT, [`slots:${key}`], [max, slotLeaseMs, slot])
      return taken === 1 ? slot : null
    },
    async renewSlot(key, slot, slotLeaseMs) {
      const until = Number(await run((c) => c.time()).then(([s, us]) => Number(s) * 1000 + Math.floor(Number(us) / 1000))) + slotLeaseMs
      await run((c) => c.zadd(`slots:${key}`, 'XX', until, slot))
      await run((c) => c.pexpire(`slots:${key}`, slotLeaseMs))
    },
    async releaseSlot(key, slot) {
      await run((c) => c.zrem(`slots:${key}`, slot))
    },

    async holdQuota(key, holder, amount, max, ttlMs) {
      return (await evalNumber(QUOTA_HOLD, [`quota:${key}`], [holder, amount, max, ttlMs])) === 1
    },
    async releaseQuota(key, holder) {
      await run((c) => c.hdel(`quota:${key}`, holder))
    },

    async revoke(id, untilMs) {
      const ttl = Math.max(1000, untilMs - Date.now())
      await run((c) => c.set(`revoked:${id}`, '1', 'PX', ttl))
    },
    async isRevoked(id) {
      return (await run((c) => c.exists(`revoked:${id}`))) === 1
    },

    reserve: (key, ratePerSecond, burst) => evalNumber(RESERVE, [`bucket:${key}`], [ratePerSecond, burst]),

    getValue: (key) => run((c) => c.get(`value:${key}`)),
    async setValue(key, value, ttlMs) {
      await run((c) => c.set(`value:${key}`, value, 'PX', Math.max(1, Math.round(ttlMs))))
    },
    async claim(key, value, ttlMs) {
      const set = await run((c) => c.set(`value:${key}`, value, 'PX', Math.max(1, Math.round(ttlMs)), 'NX'))
      return set === 'OK' ? null : ((await run((c) => c.get(`value:${key}`))) ?? '')
    },

    async withLock(key, work) {
      const owner = randomUUID()
      const started = Date.now()
      let lease: Lease | null = null
      for (let delay = 10; !(lease = await tryLock(key, owner)); delay = Math.min(delay * 2, 200)) {
        if (Date.now() - started > lockWaitMs) throw storeUnavailable()
        await sleep(delay + Math.random() * delay)
      }
      lockWaitSeconds.observe((Date.now() - started) / 1000)
      const held = lease
      // Renew well inside the lease; a failed renewal only means check() will refuse the next write.
      const renewal = setInterval(() => {
        if (opts.renewLocks === false) return
        run((c) => c.eval(LOCK_RENEW, 1, held.lockKey, held.holder, String(leaseMs))).catch(() => undefined)
      }, leaseMs / 3)
      renewal.unref()
      try {
        return await work(held)
      } finally {
        clearInterval(renewal)
        await run((c) => c.eval(LOCK_RELEASE, 1, held.lockKey, held.holder)).catch(() => undefined)
      }
    },

    async fencedSet(lease, key, value, ttlMs) {
      const written = await evalNumber(FENCED_SET, [lease.lockKey, key], [lease.holder, value, Math.max(1, Math.round(ttlMs))])
      if (written !== 1) throw leaseLost()
    },

    async close() {
      client.disconnect()
    },
  }
  return store
}
