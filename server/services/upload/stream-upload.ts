/**
 * Streams one upload from the browser to DingTalk (docs/architecture.md, step 6; docs/api.md
 * `POST /api/documents/:docId/resources`; docs/dingtalk.md#getresourceuploadinfo, #upload-url). Only a small head is
 * held in memory for sniffing; the rest flows through with backpressure, counted byte by byte,
 * so memory does not grow with the file size.
 */
import { createHash, type Hash } from 'node:crypto'
import { Readable } from 'node:stream'
import type { ResourceResponse } from '@contract/api'
import type { AppConfig } from '../../config'
import { AppError, toAppError } from '../../errors'
import { DingTalkError, UPLOAD_URL_EXPIRED } from '../../dingtalk/errors'
import type { DingTalkApi } from '../../dingtalk/types'
import { declaredLength, type UploadAllowance } from './allowance'
import { extensionOf, sanitizeFileName } from './file-name'
import { signResourceToken } from './resource-token'
import { bytesRelayedTotal } from '../../metrics/registry'
import { findDuplicate, type DuplicateLookup } from './duplicate-index'
import type { EvidenceUpload } from '../evidence/evidence-service'
import { PlainTextScanner, SNIFF_BYTES, sniffType } from './sniff-type'

/** An upload URL that expires within this margin is not worth starting a PUT on. */
const UPLOAD_URL_MARGIN_MS = 5_000
/** The browser resends after this many seconds when the upload slot expired mid-PUT. */
const EXPIRED_RETRY_AFTER_S = 1
/**
 * Bytes passed on are added to the relayed-bytes metric in steps of this size (and at the end),
 * not per 64 KiB chunk: a scrape still sees a large upload move, at a sixteenth of the counter calls.
 */
const METRIC_STEP_BYTES = 1024 * 1024

/** The body ended before, or ran past, its declared Content-Length. */
class SizeMismatchError extends Error {
  override readonly name = 'SizeMismatchError'
}
/** Text whose later part turned out to carry markup (docs/api.md: no markup anywhere in it). */
class MarkupFoundError extends Error {
  override readonly name = 'MarkupFoundError'
}
/** The browser went away (or its stream failed) before the body was complete. */
class ClientAbortedError extends Error {
  override readonly name = 'ClientAbortedError'
}
/** The bytes received do not hash to the SHA-256 the browser announced. */
class ChecksumMismatchError extends Error {
  override readonly name = 'ChecksumMismatchError'
}

/**
 * Reads from `source` until at least `limit` bytes or its end, then pauses it. The bytes read are
 * returned whole (at most `limit` plus one chunk); the stream keeps the rest.
 */
function readHead(source: Readable, limit: number): Promise<{ head: Buffer; ended: boolean }> {
  if (source.readableEnded) return Promise.resolve({ head: Buffer.alloc(0), ended: true })
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let total = 0
    const cleanup = () => {
      source.off('data', onData)
      source.off('end', onEnd)
      source.off('error', onError)
      source.off('close', onClose)
    }
    const finish = (ended: boolean) => {
      cleanup()
      if (!ended) source.pause()
      resolve({ head: Buffer.concat(chunks, total), ended })
    }
    const onData = (chunk: Buffer) => {
      chunks.push(chunk)
      total += chunk.length
      if (total >= limit) finish(false)
    }
    const onEnd = () => finish(true)
    const onError = () => {
      cleanup()
      reject(new ClientAbortedError('upload interrupted'))
    }
    const onClose = () => {
      if (!source.readableEnded) onError()
    }
    source.on('data', onData)
    source.on('end', onEnd)
    source.on('error', onError)
    source.on('close', onClose)
  })
}

/**
 * The body sent to DingTalk: the sniffed head, then the rest of the browser's stream with
 * backpressure (the source is resumed only when the PUT asks for more). It fails — and so aborts
 * the PUT — the moment the source ends short, runs past `size`, or is cut off. Every byte is
 * hashed on the way; the latest chunk is held back until the next one arrives, so when the
 * SHA-256 turns out wrong the PUT is aborted before its last byte and DingTalk keeps nothing.
 */
class UploadBody extends Readable {
  failure: Error | null = null
  /** Hex SHA-256 of everything sent, once the source has ended whole. */
  sha256: string | null = null
  private received: number
  private readonly hash: Hash = createHash('sha256')
  private held: Buffer | null
  /** Bytes passed on but not yet added to the relayed-bytes metric. */
  private unreported = 0

  constructor(
    private readonly source: Readable,
    head: Buffer,
    headEnded: boolean,
    private readonly size: number,
    private readonly expectedSha256: string | undefined,
    /** For text: checks every further chunk before it is passed on, so markup never reaches DingTalk whole. */
    private readonly textScanner?: PlainTextScanner,
  ) {
    super({ highWaterMark: 64 * 1024 })
    this.received = head.length
    this.hash.update(head)
    this.held = head
    if (headEnded || source.readableEnded) {
      if (head.length === size) this.finish()
      else this.fail(new SizeMismatchError('body shorter than Content-Length'))
      return
    }
    source.on('data', this.onData)
    source.on('end', this.onEnd)
    source.on('error', this.onError)
    source.on('close', this.onClose)
  }

  override _read(): void {
    if (!this.source.readableEnded) this.source.resume()
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.detach()
    this.reportRelayed()
    callback(err)
  }

  private readonly onData = (chunk: Buffer) => {
    this.received += chunk.length
    if (this.received > this.size) {
      this.fail(new SizeMismatchError('body longer than Content-Length'))
      return
    }
    if (this.textScanner && !this.textScanner.push(chunk)) {
      this.fail(new MarkupFoundError('text carries markup'))
      return
    }
    this.hash.update(chunk)
    const previous = this.held
    this.held = chunk
    if (previous && !this.forward(previous)) this.source.pause()
  }

  private readonly onEnd = () => {
    this.detach()
    if (this.received !== this.size) this.fail(new SizeMismatchError('body shorter than Content-Length'))
    else this.finish()
  }

  /** All bytes are in: check the text's end and the hash, then let the held chunk (the last byte) go. */
  private finish(): void {
    if (this.textScanner && !this.textScanner.end()) {
      this.fail(new MarkupFoundError('text carries markup'))
      return
    }
    const digest = this.hash.digest('hex')
    if (this.expectedSha256 !== undefined && digest !== this.expectedSha256) {
      this.fail(new ChecksumMismatchError('SHA-256 differs'))
      return
    }
    this.sha256 = digest
    if (this.held) this.forward(this.held)
    this.held = null
    this.reportRelayed()
    this.push(null)
  }

  private forward(chunk: Buffer): boolean {
    this.unreported += chunk.length
    if (this.unreported >= METRIC_STEP_BYTES) this.reportRelayed()
    return this.push(chunk)
  }

  private reportRelayed(): void {
    if (this.unreported === 0) return
    bytesRelayedTotal.inc(this.unreported)
    this.unreported = 0
  }

  private readonly onError = () => this.fail(new ClientAbortedError('upload interrupted'))

  private readonly onClose = () => {
    if (!this.source.readableEnded) this.onError()
  }

  private fail(err: Error): void {
    if (this.failure) return
    this.failure = err
    this.detach()
    this.destroy(err)
  }

  private detach(): void {
    this.source.off('data', this.onData)
    this.source.off('end', this.onEnd)
    this.source.off('error', this.onError)
    this.source.off('close', this.onClose)
    if (!this.source.destroyed) this.source.pause()
  }
}

function sizeMismatch(): AppError {
  return new AppError('size_mismatch', {
    status: 400,
    message: 'The upload did not have the number of bytes its Content-Length announced.',
  })
}

function checksumMismatch(): AppError {
  return new AppError('checksum_mismatch', {
    status: 400,
    message: 'The bytes received do not match the SHA-256 sent with them; nothing was kept.',
  })
}

function markupFound(): AppError {
  return new AppError('unsupported_type', {
    status: 415,
    message: 'This text file contains web page or script markup, which cannot be attached.',
  })
}

function interrupted(): AppError {
  return new AppError('invalid_request', { status: 400, message: 'The upload was interrupted before it was complete.' })
}

/** Deadline of an OSS-style presigned URL (`Expires` = Unix seconds), or null when it has none. */
export function uploadUrlExpiresAt(uploadUrl: string): number | null {
  try {
    const expires = new URL(uploadUrl).searchParams.get('Expires')
    return expires && /^\d+$/.test(expires) ? Number(expires) * 1000 : null
  } catch {
    return null
  }
}

/** The upload's body as the route's pass-through parser left it (or the raw request when none ran). */
export function requestBodyStream(parsed: unknown, raw: Readable): Readable {
  return parsed instanceof Readable ? parsed : raw
}

export interface UploadInput {
  docId: string
  unionId: string
  /** The raw `Content-Length` header; required. */
  contentLength: string | undefined
  /** The declared `Content-Type`; only a hint between sibling types (CSV/text, Office/ZIP). */
  declaredType: string | undefined
  /** `?name=` as the browser sent it. */
  name: string | undefined
  /** The request body, not yet read. */
  body: Readable
  /** SHA-256 (lowercase hex) the browser computed (`X-Content-SHA256`); the bytes must match it. */
  sha256?: string
  /** A checked evidence claim (X-Evidence), recorded once DingTalk has the bytes (docs/evidence.md). */
  evidence?: Pick<EvidenceUpload, 'record'>
}

/** What relaying a file to DingTalk needs. */
export interface RelayContext {
  dingtalk: DingTalkApi
  config: AppConfig
  now: () => number
  /** What was inserted into each document lately, for `duplicateOf`; none: always null. */
  duplicates?: DuplicateLookup
}

/** What a browser's single-request upload needs besides: the person's allowance (size, slots, rate). */
export interface UploadContext extends RelayContext {
  allowance: UploadAllowance
}

/**
 * One browser upload (`POST …/resources`): Content-Length present (411) and a number (400), then
 * the allowance (allowance.ts: 413/415 on the size, a slot and the per-minute count, 429), then
 * the relay below.
 */
export async function uploadResource(ctx: UploadContext, input: UploadInput): Promise<ResourceResponse> {
  const size = declaredLength(input.contentLength)
  return ctx.allowance.run(input.unionId, { size, starts: true, carriesBytes: true }, () => relayResource(ctx, input, size))
}

/**
 * Sniffs, names and streams one file of `size` bytes to DingTalk (its size and the person's
 * allowance already judged); returns what the browser needs to insert it. Order (each step before
 * anything more expensive): sniff the head (415; pictures over MAX_IMAGE_BYTES 413) →
 * GetResourceUploadInfo → PUT the head + rest (size_mismatch when the byte count is off; DingTalk
 * never sees a short body succeed).
 */
export async function relayResource(ctx: RelayContext, input: UploadInput, size: number): Promise<ResourceResponse> {
  const { config, dingtalk } = ctx
  let head: Buffer
  let headEnded: boolean
  try {
    ;({ head, ended: headEnded } = await readHead(input.body, Math.min(SNIFF_BYTES, size + 1)))
  } catch {
    input.body.destroy()
    throw interrupted()
  }
  if (head.length > size || (headEnded && head.length !== size)) throw sizeMismatch()

  const type = await sniffType(head, {
    complete: headEnded,
    nameExt: extensionOf(input.name ?? ''),
    declaredType: input.declaredType,
    size,
  })
  if (!type) {
    throw new AppError('unsupported_type', {
      status: 415,
      message:
        'This kind of file cannot be attached. Photos, PDF, Office, text, ZIP, audio (MP3, M4A, WAV) and video (MP4, MOV, WebM) can.',
    })
  }
  if (type.isImage && size > config.limits.maxImageBytes) {
    throw new AppError('file_too_large', { status: 413, message: `Photos can be at most ${config.limits.maxImageBytes} bytes.` })
  }
  const name = sanitizeFileName(input.name, type, ctx.now())

  const infoRequest = { size, mediaType: type.mediaType, resourceName: name }
  let info
  try {
    info = await dingtalk.getResourceUploadInfo(input.docId, input.unionId, infoRequest)
    const expiresAt = uploadUrlExpiresAt(info.uploadUrl)
    // A slot that expired while we waited (DingTalk retries, a slow start) is replaced once; if the
    // fresh one also looks expired our clock is off, and OSS itself will judge the PUT.
    if (expiresAt !== null && expiresAt - UPLOAD_URL_MARGIN_MS <= ctx.now()) {
      info = await dingtalk.getResourceUploadInfo(input.docId, input.unionId, infoRequest)
    }
  } catch (err) {
    throw toAppError(err)
  }

  let sha256: string | undefined
  const put = async (uploadUrl: string): Promise<void> => {
    // Text was checked in its head; the rest is checked as it streams (markup anywhere refuses it).
    let scanner: PlainTextScanner | undefined
    if (type.mediaType.startsWith('text/') && !headEnded) {
      scanner = new PlainTextScanner()
      scanner.push(head)
    }
    const body = new UploadBody(input.body, head, headEnded, size, input.sha256, scanner)
    const controller = new AbortController()
    body.once('error', () => controller.abort())
    try {
      await dingtalk.putResource(uploadUrl, body, { mediaType: type.mediaType, size, signal: controller.signal })
    } catch (err) {
      if (body.failure instanceof SizeMismatchError) throw sizeMismatch()
      if (body.failure instanceof ChecksumMismatchError) throw checksumMismatch()
      if (body.failure instanceof MarkupFoundError) throw markupFound()
      if (body.failure instanceof ClientAbortedError) {
        input.body.destroy()
        throw interrupted()
      }
      throw err
    } finally {
      if (!body.destroyed) body.destroy()
    }
    if (body.failure instanceof MarkupFoundError) throw markupFound()
    if (body.failure) throw body.failure instanceof SizeMismatchError ? sizeMismatch() : interrupted()
    sha256 = body.sha256 ?? undefined
  }

  try {
    await put(info.uploadUrl)
  } catch (err) {
    // A file that fit in the sniffed head is still in memory, so an expired slot is replaced and
    // the PUT repeated once; a bigger body is spent and the browser must resend (503 below).
    if (!(headEnded && isSlotRefused(err))) throw putFailure(err)
    try {
      info = await dingtalk.getResourceUploadInfo(input.docId, input.unionId, infoRequest)
      await put(info.uploadUrl)
    } catch (retryErr) {
      throw putFailure(retryErr)
    }
  }

  const evidence =
    input.evidence && sha256 ? await input.evidence.record({ sha256, docId: input.docId, resourceId: info.resourceId }) : null
  const claims = {
    ...(evidence ? { evidence } : {}),
    resourceId: info.resourceId,
    resourceUrl: info.resourceUrl,
    kind: type.kind,
    name,
    mediaType: type.mediaType,
    size,
    docId: input.docId,
    unionId: input.unionId,
    issuedAt: ctx.now(),
    sha256,
  }
  return {
    resourceId: info.resourceId,
    resourceUrl: info.resourceUrl,
    resourceToken: signResourceToken(config.sessionSecret, claims),
    name,
    mediaType: type.mediaType,
    size,
    kind: type.kind,
    duplicateOf: await findDuplicate(ctx.duplicates, input.docId, sha256, ctx.now()),
    evidence,
  }
}

/**
 * A PUT that failed after the body started flowing cannot be replayed (the browser's stream is
 * spent), so an expired or refused slot (OSS answers 403) becomes 503 + Retry-After: the browser
 * sends the file again and gets a fresh slot.
 */
function putFailure(err: unknown): unknown {
  if (isSlotRefused(err)) {
    return new AppError('dingtalk_unavailable', {
      status: 503,
      message: 'The upload slot expired; send the file again.',
      headers: {
        'retry-after': String(EXPIRED_RETRY_AFTER_S),
      },
    })
  }
  return toAppError(err)
}

/** OSS refused the upload URL itself: expired (`uploadUrlExpired`) or any other 403. */
function isSlotRefused(err: unknown): boolean {
  return err instanceof DingTalkError && (err.dingtalkCode === UPLOAD_URL_EXPIRED || err.status === 403)
}
