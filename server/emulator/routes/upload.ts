/**
 * The upload URL: `PUT /__oss/{resourceId}?Expires&OSSAccessKeyId&Signature`, checked like an OSS
 * V1 presigned PUT (docs/dingtalk.md#upload-url): expired, forged, wrong Content-Type and wrong
 * length are refused with 403 XML. The body streams to disk; bytes are counted, never buffered.
 */
import { createWriteStream } from 'node:fs'
import { Transform, type TransformCallback } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createHash } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { EmulatorContext } from '../context'
import { sendOssError } from '../errors'
import { stringToSign, throttle } from '../oss'
import type { Resource } from '../state'

/** Counts every byte, passes on at most `limit` of them, and hashes what it passes (for the ETag). */
class ByteCounter extends Transform {
  count = 0
  private readonly md5 = createHash('md5')
  constructor(private readonly limit: number) {
    super()
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) {
    const room = this.limit - this.count
    this.count += chunk.length
    if (room > 0) {
      const part = chunk.length > room ? chunk.subarray(0, room) : chunk
      this.md5.update(part)
      this.push(part)
    }
    done()
  }
  etag(): string {
    return `"${this.md5.digest('hex').toUpperCase()}"`
  }
}

async function drain(request: FastifyRequest): Promise<void> {
  const raw = request.raw
  if (raw.readableEnded) return
  await new Promise<void>((resolve) => {
    raw.on('end', resolve)
    raw.on('close', resolve)
    raw.on('error', () => resolve())
    raw.resume()
  })
}

/** Why a presigned PUT is refused before its body is read, or null if it may proceed. */
interface Refusal {
  code: string
  message: string
  extra?: Record<string, string>
}

function refuse(ctx: EmulatorContext, request: FastifyRequest, resource: Resource | undefined, id: string): Refusal | null {
  const query = request.query as Record<string, unknown>
  const expiresRaw = query['Expires']
  const signature = query['Signature']
  const keyId = query['OSSAccessKeyId']
  if (typeof expiresRaw !== 'string' || typeof signature !== 'string' || typeof keyId !== 'string') {
    return { code: 'AccessDenied', message: 'Missing or repeated Expires, OSSAccessKeyId or Signature in the query string.' }
  }
  const expires = /^\d+$/.test(expiresRaw) ? Number(expiresRaw) : NaN
  if (!resource || !Number.isFinite(expires) || !ctx.signer.verify(id, resource.mediaType, expires, signature)) {
    return {
      code: 'SignatureDoesNotMatch',
      message: 'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    }
  }
  const nowSeconds = Math.floor(ctx.clock.now() / 1000)
  if (expires < nowSeconds) {
    return {
      code: 'AccessDenied',
      message: 'Request has expired.',
      extra: { Expires: new Date(expires * 1000).toISOString(), ServerTime: new Date(nowSeconds * 1000).toISOString() },
    }
  }
  const contentType = request.headers['content-type'] ?? ''
  if (contentType !== resource.mediaType) {
    // OSS signs Content-Type: a different one gives a different string to sign.
    return {
      code: 'SignatureDoesNotMatch',
      message: `The request signature we calculated does not match the signature you provided. Content-Type "${contentType}" is not the registered mediaType.`,
      extra: { StringToSign: stringToSign(id, contentType, expires) },
    }
  }
  return null
}

export function registerUploadRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  app.register(async (scope) => {
    // The handler streams the raw body itself: accept any (or no) Content-Type without parsing.
    scope.removeAllContentTypeParsers()
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null))

    scope.put<{ Params: { id: string } }>('/__oss/:id', async (request, reply: FastifyReply) => {
      const { id } = request.params
      const resource = ctx.state.resources.get(id)
      const refusal = refuse(ctx, request, resource, id)
      if (refusal || !resource) {
        await drain(request)
        const r: Refusal = refusal ?? { code: 'AccessDenied', message: 'No upload was registered for this object.' }
        return sendOssError(reply, 403, r.code, r.message, r.extra)
      }

      const part = await ctx.store.partPath(id)
      const counter = new ByteCounter(resource.size)
      const bps = ctx.throttles.get(request)
      const stages = bps ? [request.raw, throttle(bps), counter] : [request.raw, counter]
      try {
        await pipeline([...stages, createWriteStream(part)])
      } catch {
        // The client went away mid-upload: nothing to answer, nothing kept.
        await ctx.store.discard(part)
        return reply.code(400).send()
      }
      if (counter.count !== resource.size) {
        await ctx.store.discard(part)
        return sendOssError(
          reply,
          403,
          'AccessDenied',
          `Body length ${counter.count} does not match the registered size ${resource.size}.`,
          {
            ExpectedSize: String(resource.size),
            ReceivedSize: String(counter.count),
          },
        )
      }
      if (ctx.state.resources.get(id) !== resource) {
        // A reset happened while the bytes were arriving: the slot is gone.
        await ctx.store.discard(part)
        return sendOssError(reply, 403, 'AccessDenied', 'No upload was registered for this object.')
      }
      resource.filePath = await ctx.store.commit(part, id)
      resource.uploaded = true
      return reply.code(200).header('etag', counter.etag()).send()
    })
  })
}
