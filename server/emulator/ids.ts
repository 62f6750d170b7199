import { createHash, randomBytes, randomUUID } from 'node:crypto'

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
const BASE36 = '0123456789abcdefghijklmnopqrstuvwxyz'

function encode(bytes: Uint8Array, length: number, alphabet: string): string {
  let out = ''
  for (let i = 0; i < length; i += 1) out += alphabet[(bytes[i] ?? 0) % alphabet.length]
  return out
}

/**
 * A deterministic alphanumeric id derived from `seed`, so seeded ids are the same on every run
 * (tests and the README can name them). Shaped like DingTalk dentryUuids: 32 base62 characters.
 */
export function stableId(seed: string, length = 32, alphabet: string = BASE62): string {
  let bytes = Buffer.alloc(0)
  for (let round = 0; bytes.length < length; round += 1) {
    bytes = Buffer.concat([bytes, createHash('sha256').update(`${round}:${seed}`).digest()])
  }
  return encode(bytes, length, alphabet)
}

/** A deterministic block id shaped like DingTalk's (`lc4si5p3n84zwqxxx`: 17 lowercase base36). */
export function stableBlockId(seed: string): string {
  return stableId(`block:${seed}`, 17, BASE36)
}

/** A fresh random block/element id in DingTalk's shape. */
export function randomBlockId(): string {
  return encode(randomBytes(17), 17, BASE36)
}

/** A fresh opaque secret-ish value (tokens, auth codes). */
export function randomToken(bytes = 16): string {
  return randomBytes(bytes).toString('hex')
}

/** A request id like the `requestid` of api.dingtalk.com errors (uppercase UUID). */
export function apiRequestId(): string {
  return randomUUID().toUpperCase()
}

/** A request id like oapi's `request_id` (short lowercase alphanumeric). */
export function oapiRequestId(): string {
  return encode(randomBytes(12), 12, BASE36)
}

/** A resource id shaped like GetResourceUploadInfo's (a UUID, docs/dingtalk.md#getresourceuploadinfo). */
export function resourceId(): string {
  return randomUUID()
}
