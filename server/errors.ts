import { randomUUID } from 'node:crypto'
import type { Socket } from 'node:net'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod'
import type { ErrorBody, ErrorCode } from '@contract/api'
import { DingTalkError } from './dingtalk/errors'

/** What an AppError answers with, besides its code. */
export interface AppErrorOptions {
  status: number
  /** Human text for the caller; the client shows its own text per code, this is for logs and API users. */
  message: string
  /** Machine-readable extras, sent as `error.details` (e.g. InsertionIncompleteDetails). */
  details?: unknown
  /** Extra response headers, e.g. `retry-after`. */
  headers?: Record<string, string>
}

/**
 * The one error type routes and services throw: `new AppError(code, { status, message, details? })`.
 * The error handler (registered in app.ts) turns it into `{"error":{"code","message","requestId","details"?}}`
 * with `status`.
 */
export class AppError extends Error {
  readonly status: number
  readonly details?: unknown
  readonly headers?: Record<string, string>

  constructor(
    readonly code: ErrorCode,
    { status, message, details, headers }: AppErrorOptions,
  ) {
    super(message)
    this.name = 'AppError'
    this.status = status
    this.details = details
    this.headers = headers
  }
}

// ---- the one error handler ----------------------------------------------------------------------

/** Human text for DingTalk failures; DingTalk's own message stays in the log (it may be Chinese or internal). */
const DINGTALK_MESSAGES: Partial<Record<ErrorCode, string>> = {
  invalid_request: 'DingTalk rejected the request as invalid.',
  forbidden: 'You do not have permission for this in DingTalk.',
  document_not_found: 'The document was not found in DingTalk.',
  rate_limited: 'DingTalk is receiving too many requests; try again shortly.',
  auth_code_invalid: 'The sign-in code is unknown, expired or already used; sign in again.',
  dingtalk_unavailable: 'DingTalk is not available right now; try again shortly.',
  size_mismatch: 'The upload did not have the declared size.',
}

/**
 * The one place a DingTalk failure becomes our error: the code and status come from DingTalkError
 * (its mapping lives in dingtalk/errors.ts), the text from the table above, and `Retry-After` from
 * DingTalk's suggested wait. Services call it to attach `details`; the handler calls it for any
 * DingTalkError that escapes. Anything that is not a DingTalkError is returned unchanged.
 */
export function toAppError(err: unknown, details?: unknown): unknown {
  if (!(err instanceof DingTalkError)) return err
  return new AppError(err.appCode, {
    status: err.appStatus,
    message: DINGTALK_MESSAGES[err.appCode] ?? 'DingTalk could not complete the request.',
    details,
    headers: err.retryAfterSeconds !== undefined ? { 'retry-after': String(err.retryAfterSeconds) } : undefined,
  })
}

/** Fastify's own client errors (`FST_ERR_*`), by code, as our codes. */
const FASTIFY_ERRORS: Record<string, { code: ErrorCode; status: number; message: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'invalid_request', status: 400, message: 'The request body is not valid JSON.' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'invalid_request', status: 400, message: 'The request body is empty; send a JSON object.' },
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'payload_too_large', status: 413, message: 'The request body is too large.' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    code: 'unsupported_type',
    status: 415,
    message: 'Unsupported Content-Type; send application/json.',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    code: 'invalid_request',
    status: 400,
    message: 'Content-Length does not match the body.',
  },
  // Router refusals (the `frameworkErrors` option in app.ts): bad percent-encoding, over-long ids.
  FST_ERR_BAD_URL: { code: 'invalid_request', status: 400, message: 'The request URL is not valid.' },
  FST_ERR_MAX_PARAM_LENGTH: { code: 'invalid_request', status: 414, message: 'A path parameter is too long.' },
}

const STATUS_CODES: Record<number, ErrorCode> = {
  400: 'invalid_request',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  411: 'length_required',
  413: 'payload_too_large',
  408: 'request_timeout',
  415: 'unsupported_type',
  429: 'rate_limited',
}

interface ErrorReply {
  status: number
  code: ErrorCode
  message: string
  details?: unknown
  headers?: Record<string, string>
}

/** Classifies anything thrown into what the caller sees. Internals never leave the server. */
function toErrorReply(error: unknown): ErrorReply {
  const known = toAppError(error)
  if (known instanceof AppError) {
    return { status: known.status, code: known.code, message: known.message, details: known.details, headers: known.headers }
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const where = error.validationContext ?? 'request'
    const issues = error.validation
      .slice(0, 5)
      .map((v) => (v.instancePath && v.instancePath !== '/' ? `${v.instancePath.slice(1).replaceAll('/', '.')}: ${v.message}` : v.message))
    return { status: 400, code: 'invalid_request', message: `Invalid ${where}: ${issues.join('; ')}` }
  }
  if (isFastifyError(error)) {
    const known = FASTIFY_ERRORS[error.code]
    if (known) return known
    const status = error.statusCode ?? 500
    const code = STATUS_CODES[status]
    // Other 4xx from Fastify or a plugin: their messages describe the request, not our internals.
    if (code && status < 500) return { status, code, message: error.message }
  }
  return { status: 500, code: 'internal_error', message: 'Something went wrong on our side; try again.' }
}

function isFastifyError(error: unknown): error is FastifyError {
  return error instanceof Error && 'code' in error && typeof error.code === 'string'
}

/**
 * The one error handler (docs/architecture.md#layers-and-who-may-call-whom): every failure becomes
 * `{"error":{"code","message","requestId","details"?}}`; 5xx causes are logged with the request id.
 */
export function errorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const out = toErrorReply(error)
  if (out.status >= 500) {
    request.log.error({ err: error }, 'request failed')
  } else if (error instanceof DingTalkError) {
    request.log.warn(
      { dingtalk: { api: error.api, status: error.status, code: error.dingtalkCode, requestId: error.requestId } },
      `DingTalk refused: ${out.code}`,
    )
  } else {
    request.log.info({ code: out.code, status: out.status }, 'request refused')
  }
  // Failed mid-response (e.g. a stream broke after the headers went out): nothing more can be said.
  if (reply.sent || reply.raw.headersSent) return reply
  if (out.headers) reply.headers(out.headers)
  // Refused before the body was read (auth, CSRF, limits): close the connection after answering,
  // or Node would read and discard the rest of a possibly huge upload to keep the socket alive.
  if (hasUnreadBody(request)) reply.header('connection', 'close')
  const body: ErrorBody = { error: { code: out.code, message: out.message, requestId: String(request.id) } }
  if (out.details !== undefined) body.error.details = out.details
  return reply.code(out.status).type('application/json; charset=utf-8').send(body)
}

function hasUnreadBody(request: FastifyRequest): boolean {
  const { headers, complete } = request.raw
  const announced = headers['transfer-encoding'] !== undefined || Number(headers['content-length'] ?? 0) > 0
  return announced && !complete
}

/** Unknown routes (and wrong methods on known paths) get the same envelope. */
export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const body: ErrorBody = {
    error: {
      code: 'not_found',
      message: `No such endpoint: ${request.method} ${request.url.split('?')[0]}`,
      requestId: String(request.id),
    },
  }
  return reply.code(404).type('application/json; charset=utf-8').send(body)
}

/**
 * Answers a connection Node's HTTP parser refused before there was a request (invalid bytes in the
 * request line or a header, headers over 16 KB, a malformed Content-Length, a body cut short) in
 * the same error shape as every other answer; Fastify's default writes its own JSON instead.
 * Mirrors Fastify's defaultClientErrorHandler otherwise: nothing to say on a reset, then close.
 */
export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return
  const [status, reason, code, message]: [number, string, ErrorCode, string] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large', 'invalid_request', 'The request headers are too large.']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', 'request_timeout', 'The request headers took too long to arrive; send the request again.']
        : [400, 'Bad Request', 'invalid_request', 'The request is not valid HTTP.']
  const body: ErrorBody = { error: { code, message, requestId: randomUUID() } }
  const text = JSON.stringify(body)
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
    )
  }
  socket.destroy(err)
}
