/**
 * The call log behind `GET /__emulator/requests`: method, path, query, status, time; never bodies.
 * Secrets in query strings (tokens, app secret, auth codes, upload signatures) are redacted here
 * and in the emulator's own request logs.
 */

/** Query keys whose values must never be recorded or logged. */
const SECRET_QUERY_KEYS = new Set(['access_token', 'signature', 'appsecret', 'code', 'accesstoken'])
const REDACTED = '[redacted]'
/** Oldest entries are dropped beyond this, so a long-running emulator keeps flat memory. */
const MAX_ENTRIES = 10_000

export interface RequestLogEntry {
  method: string
  path: string
  query: Record<string, string | string[]>
  status: number
  /** ISO time on the emulator's clock when the request arrived. */
  at: string
}

/** Splits a raw URL into its path and a redacted query object. */
export function redactedQuery(rawUrl: string): { path: string; query: Record<string, string | string[]> } {
  const q = rawUrl.indexOf('?')
  const path = q === -1 ? rawUrl : rawUrl.slice(0, q)
  const query: Record<string, string | string[]> = {}
  if (q !== -1) {
    for (const [key, raw] of new URLSearchParams(rawUrl.slice(q + 1))) {
      const value = SECRET_QUERY_KEYS.has(key.toLowerCase()) ? REDACTED : raw
      const prev = query[key]
      if (prev === undefined) query[key] = value
      else query[key] = Array.isArray(prev) ? [...prev, value] : [prev, value]
    }
  }
  return { path, query }
}

/** A URL safe to print: secret query values replaced by `[redacted]`. */
export function redactUrl(rawUrl: string): string {
  const { path, query } = redactedQuery(rawUrl)
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) {
    for (const v of Array.isArray(value) ? value : [value]) params.append(key, v)
  }
  const qs = params.toString()
  return qs ? `${path}?${qs}` : path
}

export class RequestLog {
  private entries: RequestLogEntry[] = []

  /** Appends one finished call that arrived at `atMs`. */
  record(method: string, rawUrl: string, status: number, atMs: number): void {
    const { path, query } = redactedQuery(rawUrl)
    this.entries.push({ method, path, query, status, at: new Date(atMs).toISOString() })
    if (this.entries.length > MAX_ENTRIES) this.entries.splice(0, this.entries.length - MAX_ENTRIES)
  }

  /** Every recorded call, oldest first. */
  items(): RequestLogEntry[] {
    return this.entries.slice()
  }

  clear(): void {
    this.entries = []
  }
}
