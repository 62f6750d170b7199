/**
 * Error parsing: what DingTalk's answers say went wrong, read from every envelope it uses
 * (docs/dingtalk.md#errors) and turned into the pieces of a DingTalkError. No I/O here.
 */
import type { Readable } from 'node:stream'
import { ABORTED, BODY_LENGTH_MISMATCH, IP_BANNED, NON_JSON_ERROR, UPLOAD_BODY_ERROR, UPLOAD_URL_EXPIRED } from './errors'
import type { HttpResponse, NetworkError } from './http'
import { ApiErrorBodySchema, OapiEnvelopeSchema } from './schemas'

/** DingTalk's own account of a failure. */
export interface ParsedFailure {
  code: string
  message?: string
  requestId?: string
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

export function headerValue(h: string | string[] | undefined): string | undefined {
  return Array.isArray(h) ? h[0] : h
}

/**
 * The anti-abuse gateway's ban body `{"status":1111,"wait":5,"punish":"deny",...}`
 * (docs/dingtalk.md#throttling); its HTTP status is not documented.
 */
export function isIpBan(json: unknown): boolean {
  return typeof json === 'object' && json !== null && 'punish' in json
}

/**
 * An oapi answer whose `errcode` is not 0 (oapi reports failures with HTTP 200), or undefined for
 * a success or a body that is not an oapi envelope.
 */
export function oapiFailure(json: unknown): ParsedFailure | undefined {
  const envelope = OapiEnvelopeSchema.safeParse(json)
  if (!envelope.success || envelope.data.errcode === 0) return undefined
  return { code: String(envelope.data.errcode), message: envelope.data.errmsg, requestId: envelope.data.request_id }
}

/**
 * Reads a non-2xx body: v1/v2 `{code,message,requestid}`, gateway `{Code,Message,RequestId}`, oapi
 * `{errcode,errmsg}`, the anti-abuse ban body, or anything else (HTML) as `nonJsonError`.
 */
export function parseErrorBody(res: HttpResponse): ParsedFailure {
  const json = parseJson(res.text)
  if (isIpBan(json)) return { code: IP_BANNED }
  // oapi errors normally come with HTTP 200, but gateways in front of it may use a 4xx/5xx.
  const oapi = OapiEnvelopeSchema.safeParse(json)
  if (oapi.success) return { code: String(oapi.data.errcode), message: oapi.data.errmsg, requestId: oapi.data.request_id }
  const body = ApiErrorBodySchema.safeParse(json)
  if (!body.success) return { code: NON_JSON_ERROR }
  const code = body.data.code ?? body.data.Code
  return {
    code: code ?? NON_JSON_ERROR,
    message: body.data.message ?? body.data.Message,
    requestId: body.data.requestid ?? body.data.RequestId,
  }
}

/**
 * Reads an OSS-style XML error (`<Error><Code>…</Code><Message>…</Message><RequestId>…`,
 * docs/dingtalk.md#upload-url). An expired URL (`AccessDenied` "Request has expired", or
 * `RequestTimeTooSkewed`) becomes `uploadUrlExpired`. `StringToSign`/`SignatureProvided` are
 * deliberately not kept.
 */
export function parseOssError(xml: string): ParsedFailure {
  const tag = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1]
  const code = tag('Code')
  const message = tag('Message')
  if (!code) return { code: NON_JSON_ERROR }
  const expired = code === 'RequestTimeTooSkewed' || /expired/i.test(message ?? '') || /expired/i.test(code)
  return { code: expired ? UPLOAD_URL_EXPIRED : code, message, requestId: tag('RequestId') }
}

/** Why an upload PUT produced no answer: cancelled, a body of the wrong length, a failing source, or the network. */
export function uploadFailureCode(err: NetworkError, body: Readable, signal: AbortSignal | undefined): string {
  if (signal?.aborted) return ABORTED
  // undici destroys the body with this error itself, so it is checked before `body.errored`.
  if (err.code === 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH') return BODY_LENGTH_MISMATCH
  if (body.errored) return UPLOAD_BODY_ERROR
  return err.code
}
