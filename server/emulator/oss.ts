/**
 * The OSS-like side of uploads (docs/dingtalk.md#upload-url): presigned PUT URLs in the OSS V1
 * query-string shape (`Expires`, `OSSAccessKeyId`, `Signature`), and the on-disk store the bytes
 * stream into. Bytes never sit in memory whole; each emulator instance has its own temp dir.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { mkdtemp, rm, rename, unlink, readdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Transform, type TransformCallback } from 'node:stream'

/** The bucket name that appears in the string to sign, as OSS V1 does (`/bucket/object`). */
const BUCKET = 'dingtalk-emulator'
/** Public access key id in the URL; the secret half lives only in the emulator. */
const OSS_ACCESS_KEY_ID = 'LTAIemulatorOssKey'

/** OSS V1 string to sign for a presigned PUT: `PUT\n<Content-MD5>\n<Content-Type>\n<Expires>\n/<bucket>/<object>`. */
export function stringToSign(resourceId: string, contentType: string, expires: number): string {
  return `PUT\n\n${contentType}\n${expires}\n/${BUCKET}/${resourceId}`
}

/** Signs and verifies upload URLs with a per-emulator random secret. */
export class UploadSigner {
  private readonly secret = randomBytes(32)

  /** Base64 HMAC-SHA1 over the string to sign (the OSS V1 algorithm). */
  sign(resourceId: string, contentType: string, expires: number): string {
    return createHmac('sha1', this.secret)
      .update(stringToSign(resourceId, contentType, expires))
      .digest('base64')
  }

  /** Constant-time check of a presented signature. */
  verify(resourceId: string, contentType: string, expires: number, signature: string): boolean {
    const expected = Buffer.from(this.sign(resourceId, contentType, expires))
    const given = Buffer.from(signature)
    return expected.length === given.length && timingSafeEqual(expected, given)
  }

  /** The full presigned URL for `PUT <origin>/__oss/<id>`. */
  uploadUrl(origin: string, resourceId: string, contentType: string, expires: number): string {
    const q = new URLSearchParams({
      Expires: String(expires),
      OSSAccessKeyId: OSS_ACCESS_KEY_ID,
      Signature: this.sign(resourceId, contentType, expires),
    })
    return `${origin}/__oss/${resourceId}?${q.toString()}`
  }
}

/** Where uploaded bytes live: one temp dir per emulator instance, created on first use, removed on close. */
export class ResourceStore {
  private dir: Promise<string> | null = null

  private directory(): Promise<string> {
    this.dir ??= mkdtemp(join(tmpdir(), 'dingtalk-emulator-'))
    return this.dir
  }

  /** Path the bytes of an in-flight upload stream into (unique per attempt, so overlapping PUTs never mix). */
  async partPath(resourceId: string): Promise<string> {
    return join(await this.directory(), `${resourceId}.${randomBytes(6).toString('hex')}.part`)
  }

  /** Path of the committed bytes of a resource. */
  async filePath(resourceId: string): Promise<string> {
    return join(await this.directory(), resourceId)
  }

  /** Makes a finished upload the resource's content (atomic rename; a second PUT overwrites, as in OSS). */
  async commit(partPath: string, resourceId: string): Promise<string> {
    const target = await this.filePath(resourceId)
    await rename(partPath, target)
    return target
  }

  /** Drops an unfinished upload; a missing file is fine. */
  async discard(partPath: string): Promise<void> {
    await unlink(partPath).catch(() => undefined)
  }

  /** Deletes every stored resource (used by reset). */
  async clear(): Promise<void> {
    if (!this.dir) return
    const dir = await this.dir
    const names = await readdir(dir).catch(() => [] as string[])
    await Promise.all(names.map((name) => rm(join(dir, name), { force: true })))
  }

  /** Removes the temp dir and everything in it. */
  async close(): Promise<void> {
    if (!this.dir) return
    const dir = await this.dir
    this.dir = null
    await rm(dir, { recursive: true, force: true })
  }
}

/**
 * Passes bytes through at no more than `bytesPerSec` (a bandwidth fault), in wall-clock time. Each
 * slice waits until the rate allows it, so the last byte leaves no earlier than size / rate.
 */
export function throttle(bytesPerSec: number): Transform {
  const started = Date.now()
  // Small slices keep the rate smooth rather than one long pause per 64 KiB chunk.
  const slice = Math.max(1, Math.floor(bytesPerSec / 10))
  let sent = 0
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      const next = (offset: number) => {
        if (offset >= chunk.length) {
          done()
          return
        }
        const part = chunk.subarray(offset, offset + slice)
        sent += part.length
        const wait = (sent / bytesPerSec) * 1000 - (Date.now() - started)
        const go = () => {
          this.push(part)
          next(offset + part.length)
        }
        if (wait > 0) setTimeout(go, wait)
        else go()
      }
      next(0)
    },
  })
}
