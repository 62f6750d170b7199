/**
 * `TRUST_PROXY` decides whose `X-Forwarded-For` / `-Proto` the app believes (Fastify `trustProxy`,
 * matched by @fastify/proxy-addr). Trusting too much lets any client claim any address and dodge
 * the per-address sign-in limit, so only narrow values pass (.env.example "TRUST_PROXY").
 */
import { isIPv4, isIPv6 } from 'node:net'

/** More hops than any sane chain of proxies; a larger count trusts what clients prepend. */
export const MAX_TRUSTED_HOPS = 5
/** Broadest range still accepted: an IPv4 /8 (a large private network), an IPv6 /32 (one allocation). */
const MIN_IPV4_PREFIX = 8
const MIN_IPV6_PREFIX = 32
/** proxy-addr's named classes: fixed, private ranges. */
const NAMED_CLASSES = new Set(['loopback', 'linklocal', 'uniquelocal'])

/** The parsed value: off, a hop count, or proxy addresses, CIDR ranges and named classes. */
export type TrustProxy = false | number | string[]

/** Why `value` is refused, or null when it is acceptable. */
export function trustProxyProblem(value: string): string | null {
  const v = value.trim()
  if (v === 'false') return null
  if (v === 'true') return 'never "true" (any client could claim any address): give the number of proxy hops or the proxies\' addresses'
  if (/^\d+$/.test(v)) {
    return Number(v) <= MAX_TRUSTED_HOPS
      ? null
      : `${v} proxy hops is more than ${MAX_TRUSTED_HOPS}: give the real number of proxies in front`
  }
  for (const part of v.split(',').map((p) => p.trim())) {
    const problem = entryProblem(part)
    if (problem) return problem
  }
  return null
}

/** The value as the app uses it (call only when trustProxyProblem found nothing). */
export function parseTrustProxy(value: string | undefined): TrustProxy {
  const v = value?.trim()
  if (v === undefined || v === 'false') return false
  if (/^\d+$/.test(v)) return Number(v)
  return v.split(',').map((part) => part.trim())
}

function entryProblem(entry: string): string | null {
  if (NAMED_CLASSES.has(entry)) return null
  const unreadable = `"${entry}" is not false, a hop count (0–${MAX_TRUSTED_HOPS}), an IP address, a CIDR range or one of ${[...NAMED_CLASSES].join(', ')}`
  const match = /^([^/]+)(?:\/(\d{1,3}))?$/.exec(entry)
  const address = match?.[1] ?? ''
  const prefixText = match?.[2]
  if (isIPv4(address)) {
    const prefix = prefixText === undefined ? 32 : Number(prefixText)
    if (prefix > 32) return unreadable
    return prefix < MIN_IPV4_PREFIX ? tooBroad(entry, `/${MIN_IPV4_PREFIX}`) : null
  }
  if (!isIPv6(address)) return unreadable
  const prefix = prefixText === undefined ? 128 : Number(prefixText)
  if (prefix > 128) return unreadable
  if (prefix < MIN_IPV6_PREFIX) return tooBroad(entry, `/${MIN_IPV6_PREFIX} for IPv6`)
  // proxy-addr matches IPv4 clients against IPv4-mapped ranges (::ffff:a.b.c.d): judge those as IPv4.
  const network = ipv6Bits(address) >> BigInt(128 - prefix)
  const mapped = IPV4_MAPPED >> BigInt(128 - Math.min(prefix, 96))
  if (prefix <= 96 && network === mapped) return tooBroad(entry, `/${MIN_IPV4_PREFIX} of IPv4 (it holds every IPv4-mapped address)`)
  if (prefix > 96 && ipv6Bits(address) >> 32n === IPV4_MAPPED >> 32n && prefix - 96 < MIN_IPV4_PREFIX) {
    return tooBroad(entry, `/${MIN_IPV4_PREFIX} of IPv4`)
  }
  return null
}

function tooBroad(entry: string, limit: string): string {
  return `"${entry}" trusts more than a ${limit}: list the proxies' own addresses or a narrow range`
}

/** ::ffff:0.0.0.0, the start of the IPv4-mapped block ::ffff:0:0/96. */
const IPV4_MAPPED = 0xffffn << 32n

/** An IPv6 address (already checked by isIPv6) as a 128-bit number. */
function ipv6Bits(address: string): bigint {
  let text = address.split('%')[0] ?? ''
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text)
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number]
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
  }
  const [head = '', tail] = text.split('::')
  const headGroups = head === '' ? [] : head.split(':')
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':')
  const zeros = Array.from({ length: 8 - headGroups.length - tailGroups.length }, () => '0')
  const groups = tail === undefined ? headGroups : [...headGroups, ...zeros, ...tailGroups]
  return groups.reduce((bits, group) => (bits << 16n) | BigInt(parseInt(group, 16)), 0n)
}
