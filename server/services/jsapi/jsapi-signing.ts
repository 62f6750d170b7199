/**
 * Signing `dd.config` for JSAPIs that need authentication (docs/dingtalk.md#jsapi-signature): the
 * app's jsapi ticket, cached until shortly before it expires with one fetch in flight at a time,
 * and `signature = sha1("jsapi_ticket=…&noncestr=…&timestamp=…&url=…")` over the page URL.
 */
import { createHash, randomBytes } from 'node:crypto'
import type { JsapiConfigResponse } from '@contract/api'
import type { DingTalkApi } from '../../dingtalk/types'
import { AppError } from '../../errors'

/** Fetch a new ticket this long before the old one expires (as the access token is refreshed). */
const REFRESH_MARGIN_MS = 5 * 60 * 1000

export interface JsapiSigner {
  sign(pageUrl: string): Promise<JsapiConfigResponse>
}

/** The SHA-1 signature DingTalk checks: fields in name order, joined as `key=value&…`. */
export function jsapiSignature(fields: { ticket: string; nonceStr: string; timeStamp: number; url: string }): string {
  const plain = `jsapi_ticket=${fields.ticket}&noncestr=${fields.nonceStr}&timestamp=${fields.timeStamp}&url=${fields.url}`
  return createHash('sha1').update(plain, 'utf8').digest('hex')
}

/**
 * The URL as signed: the page URL without its `#fragment`, with its query decoded (DingTalk compares
 * against the decoded form; docs/dingtalk.md#jsapi-signature). It must be on one of `origins`.
 */
export function signedPageUrl(raw: string, origins: string[]): string {
  if (!URL.canParse(raw)) throw invalidUrl()
  const url = new URL(raw)
  if (!origins.includes(url.origin)) throw invalidUrl()
  const withoutHash = raw.split('#')[0] ?? raw
  try {
    return decodeURIComponent(withoutHash)
  } catch {
    return withoutHash
  }
}

function invalidUrl(): AppError {
  return new AppError('invalid_request', { status: 400, message: 'The url must be a page of this app (its own origin).' })
}

export function createJsapiSigner(deps: { dingtalk: DingTalkApi; agentId: string; corpId: string; now: () => number }): JsapiSigner {
  let cached: { ticket: string; refreshAt: number } | null = null
  let inFlight: Promise<string> | null = null
  const ticket = (): Promise<string> => {
    if (cached && cached.refreshAt > deps.now()) return Promise.resolve(cached.ticket)
    inFlight ??= deps.dingtalk
      .getJsapiTicket()
      .then(({ ticket: value, expiresIn }) => {
        cached = { ticket: value, refreshAt: deps.now() + Math.max(0, expiresIn * 1000 - REFRESH_MARGIN_MS) }
        return value
      })
      .finally(() => {
        inFlight = null
      })
    return inFlight
  }
  return {
    async sign(url) {
      const value = await ticket()
      const timeStamp = Math.floor(deps.now() / 1000)
      const nonceStr = randomBytes(12).toString('base64url')
      return {
        agentId: deps.agentId,
        corpId: deps.corpId,
        timeStamp,
        nonceStr,
        signature: jsapiSignature({ ticket: value, nonceStr, timeStamp, url }),
      }
    },
  }
}
