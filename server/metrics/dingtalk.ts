import type { DingTalkApi } from '../dingtalk/types'
import { DingTalkError } from '../dingtalk/errors'
import { dingtalkCallSeconds, dingtalkCallsTotal } from './registry'

/**
 * `api` with every call counted and timed by API and outcome (`ok`, or the error code the
 * failure maps to), retries included: what a person waited for.
 */
export function instrumentDingTalk(api: DingTalkApi): DingTalkApi {
  return new Proxy(api, {
    get(target, name, receiver) {
      const value: unknown = Reflect.get(target, name, receiver)
      if (typeof value !== 'function' || typeof name !== 'string') return value
      return async (...args: unknown[]) => {
        const started = process.hrtime.bigint()
        let outcome = 'ok'
        try {
          return await Reflect.apply(value, target, args)
        } catch (err) {
          outcome = err instanceof DingTalkError ? err.appCode : 'error'
          throw err
        } finally {
          const labels = { api: name, outcome }
          dingtalkCallsTotal.inc(labels)
          dingtalkCallSeconds.observe(labels, Number(process.hrtime.bigint() - started) / 1e9)
        }
      }
    },
  })
}
