/**
 * DingTalk failures and how they map to our API's error codes (docs/api.md; DingTalk's codes:
 * docs/dingtalk.md#errors, #throttling, #silent-login, #getresourceuploadinfo, #docblocksquery, #wiki).
 */
import type { ErrorCode } from '../contract/api'

/** What a DingTalk failure means for our API and for the retry loop. */
export interface DingTalkErrorMapping {
  appCode: ErrorCode
  appStatus: number
  /** Whether trying the same request again may succeed (throttling, busy, timeouts, network). */
  retryable: boolean
  /** Suggested wait before a caller tries again (sent to the browser as `Retry-After`). */
  retryAfterSeconds?: number
}

/** dingtalkCode for a 2xx body that does not match the documented shape (or is not JSON). */
export const INVALID_RESPONSE = 'invalidResponse'
/** dingtalkCode for a non-2xx body that is not a DingTalk error envelope (HTML error pages, proxies). */
export const NON_JSON_ERROR = 'nonJsonError'
/** dingtalkCode for the anti-abuse IP ban (`{"status":1111,"punish":"deny",...}`), docs/dingtalk.md#throttling: banned for 5 min. */
export const IP_BANNED = 'ipBanned'
/** dingtalkCode for an upload URL whose `Expires` has passed: the caller may re-request upload info. */
export const UPLOAD_URL_EXPIRED = 'uploadUrlExpired'
/** dingtalkCode when the upload body did not have exactly `size` bytes. */
export const BODY_LENGTH_MISMATCH = 'bodyLengthMismatch'
/** dingtalkCode when the upload body stream itself failed (e.g. the browser went away mid-upload). */
export const UPLOAD_BODY_ERROR = 'uploadBodyError'
/** dingtalkCode for a request cancelled by the caller's AbortSignal. */
export const ABORTED = 'aborted'
/** dingtalkCode for a request that hit our own timeout. */
export const TIMEOUT = 'timeout'

const THROTTLE_RETRY_AFTER_S = 1 // DingTalk's QPS window is 1 s
const UNAVAILABLE_RETRY_AFTER_S = 5
const IP_BAN_RETRY_AFTER_S = 300

// oapi errcodes (docs/dingtalk.md#errors, #silent-login), compared as strings because dingtalkCode is one string field.
const OAPI_AUTH_CODE_INVALID = new Set(['40078', '40079'])
const OAPI_TOKEN_REJECTED = new Set(['40014', '42001'])
// 45009: get_jsapi_ticket called too often (docs/dingtalk.md#jsapi-ticket).
const OAPI_THROTTLED = new Set(['90018', '90002', '45009'])
const OAPI_QUOTA = '90020'
const OAPI_BUSY = '-1'

/** Gateway per-second / per-minute throttling: `Forbidden.AccessDenied.QpsLimitForAppkeyAndApi` etc. */
const GATEWAY_THROTTLED = /^Forbidden\.AccessDenied\.Qp[sm]/
/** Throttling codes that DingTalk sends with a non-429 status (docs/dingtalk.md#throttling). */
const OTHER_THROTTLED = new Set(['qps.exceed.limit', 'request.overlimit', 'system.busy', 'systemBusy'])
const BUSY = new Set(['systemError', 'unknownError'])
/** Codes that mean "the thing named in the request does not exist". */
const NOT_FOUND = /(NotExist|\.notFound)$/
const INVALID_INPUT = /^(paramError|invalidRequest\.inputArgs|invalidParameter)/

/**
 * Maps a DingTalk failure to our error code, HTTP status and retryability (docs/api.md).
 * `status` is DingTalk's HTTP status (0 for a network failure, 200 for an oapi `errcode`);
 * `code` is DingTalk's `code`/`Code`, the oapi `errcode` as a string, a network errno
 * (`ECONNRESET`…) or one of the pseudo-codes exported above. Pure; unit-tested code by code.
 *
 * Deliberate choices where the design is silent:
 * - Capitalised gateway `Forbidden.AccessDenied.*` codes other than throttling (missing app
 *   permission, IP whitelist) are our deployment's fault, not the user's → 502, not 403.
 * - Monthly quota (`ApiCountLimitForOrg`, 90020) and the IP ban are throttling, but retrying
 *   within seconds cannot help → 429, not retryable.
 */
export function mapDingTalkError(status: number, code: string): DingTalkErrorMapping {
  if (code === ABORTED) return { appCode: 'dingtalk_unavailable', appStatus: 503, retryable: false }
  if (code === BODY_LENGTH_MISMATCH) return { appCode: 'size_mismatch', appStatus: 400, retryable: false }
  if (code === UPLOAD_BODY_ERROR) return { appCode: 'invalid_request', appStatus: 400, retryable: false }
  if (code === UPLOAD_URL_EXPIRED) return { appCode: 'dingtalk_unavailable', appStatus: 502, retryable: true }
  if (status === 0) return unavailable(true)

  if (OAPI_AUTH_CODE_INVALID.has(code)) return { appCode: 'auth_code_invalid', appStatus: 401, retryable: false }

  if (status === 429 || GATEWAY_THROTTLED.test(code) || OAPI_THROTTLED.has(code)) return throttled(true)
  if (code === 'Forbidden.AccessDenied.ApiCountLimitForOrg' || code === OAPI_QUOTA) return throttled(false)
  if (code === IP_BANNED) {
    return { appCode: 'rate_limited', appStatus: 429, retryable: false, retryAfterSeconds: IP_BAN_RETRY_AFTER_S }
  }
  if (OTHER_THROTTLED.has(code)) return throttled(false)

  if (status === 503 || code === 'operationTimeout' || code === OAPI_BUSY) return unavailable(true)
  if (status === 500 && BUSY.has(code)) return unavailable(true)
  // systemError/unknownError with an unexpected status still mean "DingTalk is unwell", just not retried.
  if (BUSY.has(code)) return unavailable(false)

  if (NOT_FOUND.test(code)) return { appCode: 'document_not_found', appStatus: 404, retryable: false }
  if (code === 'permissionDenied' || code.startsWith('forbidden.')) {
    return { appCode: 'forbidden', appStatus: 403, retryable: false }
  }
  if (INVALID_INPUT.test(code)) return { appCode: 'invalid_request', appStatus: 400, retryable: false }
  return { appCode: 'dingtalk_unavailable', appStatus: 502, retryable: false }
}

function throttled(retryable: boolean): DingTalkErrorMapping {
  return { appCode: 'rate_limited', appStatus: 429, retryable, retryAfterSeconds: THROTTLE_RETRY_AFTER_S }
}

function unavailable(retryable: boolean): DingTalkErrorMapping {
  return { appCode: 'dingtalk_unavailable', appStatus: 503, retryable, retryAfterSeconds: UNAVAILABLE_RETRY_AFTER_S }
}

/**
 * True when DingTalk rejected the app access token itself, so a fresh token may fix the call
 * (400/401 `InvalidAuthentication`, or any 401 such as `authFailed`/`Unauthorized`;
 * oapi 40014/42001; docs/dingtalk.md#errors).
 */
export function isTokenRejected(status: number, code: string): boolean {
  return (code === 'InvalidAuthentication' && status === 400) || status === 401 || OAPI_TOKEN_REJECTED.has(code)
}

/**
 * True when DingTalk certainly did not act on the request (refused at the gateway, or no
 * connection was made), so even a non-idempotent call (an insert, a single-use auth code) may
 * be sent again without risk of doing it twice.
 */
export function wasNotDelivered(status: number, code: string): boolean {
  return (
    status === 429 ||
    GATEWAY_THROTTLED.test(code) ||
    OAPI_THROTTLED.has(code) ||
    (status === 0 && (code === 'ECONNREFUSED' || code === 'UND_ERR_CONNECT_TIMEOUT'))
  )
}

export interface DingTalkErrorInit {
  status: number
  dingtalkCode: string
  /** DingTalk's own message text (never contains our secrets; may be Chinese). */
  dingtalkMessage?: string
  requestId?: string
  /** The call that failed, as `METHOD /path/{template}` (no ids, no query). */
  api: string
  /**
   * True when the request may have taken effect although it failed (a timeout or 5xx after the
   * body was sent on a non-idempotent call). The caller should check before repeating it.
   */
  outcomeUnknown?: boolean
  /** Overrides the mapped Retry-After, e.g. from DingTalk's own `Retry-After` header. */
  retryAfterSeconds?: number
}

/** A failed DingTalk call, already mapped to our error code . */
export class DingTalkError extends Error {
  override readonly name = 'DingTalkError'
  /** DingTalk's HTTP status; 0 for a network failure. */
  readonly status: number
  readonly dingtalkCode: string
  readonly dingtalkMessage?: string
  readonly requestId?: string
  readonly api: string
  readonly appCode: ErrorCode
  readonly appStatus: number
  readonly retryable: boolean
  readonly retryAfterSeconds?: number
  readonly outcomeUnknown: boolean
  /** True when retryAfterSeconds came from DingTalk's `Retry-After` header, not our defaults. */
  readonly retryAfterFromDingTalk: boolean

  constructor(init: DingTalkErrorInit) {
    const mapped = mapDingTalkError(init.status, init.dingtalkCode)
    super(`DingTalk ${init.api} failed: ${init.status || 'network'} ${init.dingtalkCode}`)
    this.status = init.status
    this.dingtalkCode = init.dingtalkCode
    this.dingtalkMessage = init.dingtalkMessage?.slice(0, 300)
    this.requestId = init.requestId
    this.api = init.api
    this.appCode = mapped.appCode
    this.appStatus = mapped.appStatus
    this.retryable = mapped.retryable
    this.retryAfterSeconds = init.retryAfterSeconds ?? mapped.retryAfterSeconds
    this.outcomeUnknown = init.outcomeUnknown ?? false
    this.retryAfterFromDingTalk = init.retryAfterSeconds !== undefined
  }
}
