/**
 * Error envelopes as DingTalk sends them (docs/dingtalk.md#errors) and OSS's XML errors
 * (docs/dingtalk.md#upload-url). Route code throws `ApiError` / `OapiError`; the app's error handler renders them.
 */
import type { FastifyReply } from 'fastify'
import type { ZodError } from 'zod'
import { apiRequestId, oapiRequestId } from './ids'

/** A v1.0/v2.0 error: `{code, message, requestid}` with an HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

/** An oapi error: HTTP 200 with `{errcode, errmsg, request_id}`. */
export class OapiError extends Error {
  constructor(
    readonly errcode: number,
    readonly errmsg: string,
  ) {
    super(errmsg)
    this.name = 'OapiError'
  }
}

/** Which envelope family a path belongs to. */
export type PathFamily = 'api' | 'oapi' | 'oss' | 'control' | 'other'

/** Classifies a request path: api.dingtalk.com, oapi.dingtalk.com, the OSS-like upload/resource host, or the control API. */
export function pathFamily(path: string): PathFamily {
  if (path.startsWith('/v1.0/') || path.startsWith('/v2.0/')) return 'api'
  if (path === '/gettoken' || path === '/get_jsapi_ticket' || path.startsWith('/topapi/')) return 'oapi'
  if (path.startsWith('/__oss/') || path.startsWith('/core/api/resources/')) return 'oss'
  if (path.startsWith('/__emulator/') || path === '/__emulator') return 'control'
  return 'other'
}

/** An error answer as data, so it can replace an answer already produced (a fault with `apply`). */
export interface ErrorAnswer {
  status: number
  headers: Record<string, string>
  body: string
}

const JSON_TYPE = 'application/json; charset=utf-8'

/** A v1.0/v2.0 error: `{code, message, requestid}` with `x-acs-request-id`, like the real gateway. */
export function apiErrorAnswer(status: number, code: string, message: string): ErrorAnswer {
  const requestid = apiRequestId()
  return {
    status,
    headers: { 'content-type': JSON_TYPE, 'x-acs-request-id': requestid },
    body: JSON.stringify({ code, message, requestid }),
  }
}

/** An oapi error envelope (HTTP `status`, 200 unless a fault says otherwise). */
export function oapiErrorAnswer(errcode: number, errmsg: string, status = 200): ErrorAnswer {
  return { status, headers: { 'content-type': JSON_TYPE }, body: JSON.stringify({ errcode, errmsg, request_id: oapiRequestId() }) }
}

function escapeXml(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c)
}

/**
 * An OSS-style XML error (`<Error><Code>…</Code><Message>…</Message>…</Error>`), the shape an
 * OSS V1 presigned URL answers with (https://help.aliyun.com/zh/oss/user-guide/error-responses).
 */
export function ossErrorAnswer(status: number, code: string, message: string, extra: Record<string, string> = {}): ErrorAnswer {
  const requestId = apiRequestId().replace(/-/g, '').slice(0, 24)
  const fields = Object.entries(extra)
    .map(([k, v]) => `  <${k}>${escapeXml(v)}</${k}>\n`)
    .join('')
  const xml =
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error>\n  <Code>${escapeXml(code)}</Code>\n` +
    `  <Message>${escapeXml(message)}</Message>\n  <RequestId>${requestId}</RequestId>\n` +
    `  <HostId>emulator-oss.dingtalk.local</HostId>\n${fields}</Error>\n`
  return { status, headers: { 'content-type': 'application/xml', 'x-oss-request-id': requestId }, body: xml }
}

/** Sends an error answer. */
export function sendAnswer(reply: FastifyReply, answer: ErrorAnswer): FastifyReply {
  return reply.code(answer.status).headers(answer.headers).send(answer.body)
}

/** Sends a v1.0/v2.0 error body; also sets `x-acs-request-id` like the real gateway. */
export function sendApiError(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return sendAnswer(reply, apiErrorAnswer(status, code, message))
}

/** Sends an oapi error envelope (HTTP `status`, 200 unless a fault says otherwise). */
export function sendOapiError(reply: FastifyReply, errcode: number, errmsg: string, status = 200): FastifyReply {
  return sendAnswer(reply, oapiErrorAnswer(errcode, errmsg, status))
}

/** Sends an OSS-style XML error. */
export function sendOssError(
  reply: FastifyReply,
  status: number,
  code: string,
  message: string,
  extra: Record<string, string> = {},
): FastifyReply {
  return sendAnswer(reply, ossErrorAnswer(status, code, message, extra))
}

/** A one-line human message from a zod error: `size: Invalid input: expected number; mediaType: …`. */
export function zodMessage(error: ZodError, prefix = 'body'): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.length ? `${prefix}.${issue.path.map(String).join('.')}` : prefix
      return `${path}: ${issue.message}`
    })
    .join('; ')
}

/** Default HTTP status for a DingTalk error code (docs/dingtalk.md#errors, #docblocksquery, #wiki, #throttling). */
export function statusForCode(code: string): number {
  if (code.startsWith('Forbidden.AccessDenied')) return 403
  if (code.startsWith('forbidden.') || code === 'permissionDenied') return 403
  if (code.endsWith('NotExist') || code.endsWith('.notFound')) return 404
  switch (code) {
    case 'paramError':
    case 'InvalidAuthentication':
    case 'invalidRequest.inputArgs.invalid':
      return 400
    case 'system.busy':
    case 'systemBusy':
      return 429
    case 'operationTimeout':
      return 503
    default:
      return 500
  }
}

/** Default DingTalk error code for an HTTP status, used by faults that give only a status. */
export function codeForStatus(status: number): string {
  switch (status) {
    case 400:
      return 'paramError'
    case 401:
      return 'authFailed'
    case 403:
      return 'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi'
    case 404:
      return 'docNotExist'
    case 429:
      return 'systemBusy'
    case 503:
      return 'operationTimeout'
    default:
      return status >= 500 ? 'systemError' : 'paramError'
  }
}
