/**
 * A plain node:http client for drills and the benchmark: it streams request bodies (Buffers or
 * Readables, never buffered here), sends exactly the headers given, and never throws on an HTTP
 * status — callers judge statuses themselves, as a browser would.
 */
import http from 'node:http'
import type { Readable } from 'node:stream'
import type { z } from 'zod'

export interface HttpResponse {
  status: number
  headers: http.IncomingHttpHeaders
  body: Buffer
}

export interface HttpRequestOptions {
  method?: string
  headers?: Record<string, string | number | string[]>
  body?: Buffer | string | Readable
  agent?: http.Agent
  /** Abort the request if it has not completed after this many ms. */
  timeoutMs?: number
}

/** Performs one HTTP request and collects the (small) response body. */
export function httpRequest(url: string, opts: HttpRequestOptions = {}): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? 'GET', headers: opts.headers, agent: opts.agent }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('error', reject)
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }))
    })
    req.on('error', reject)
    if (opts.timeoutMs) req.setTimeout(opts.timeoutMs, () => req.destroy(new Error(`timeout after ${opts.timeoutMs} ms`)))
    const body = opts.body
    if (body === undefined) req.end()
    else if (typeof body === 'string' || Buffer.isBuffer(body)) req.end(body)
    else {
      body.on('error', (err) => req.destroy(err))
      body.pipe(req)
    }
  })
}

/** Parses a JSON response body with `schema`, naming the request when it is not JSON or not that shape. */
export function parseJson<S extends z.ZodType>(res: HttpResponse, schema: S, what: string): z.infer<S> {
  let value: unknown
  try {
    value = JSON.parse(res.body.toString('utf8'))
  } catch {
    throw new Error(`${what}: HTTP ${res.status} with a non-JSON body: ${res.body.toString('utf8').slice(0, 200)}`)
  }
  const parsed = schema.safeParse(value)
  if (!parsed.success) {
    throw new Error(`${what}: HTTP ${res.status} body has an unexpected shape: ${res.body.toString('utf8').slice(0, 300)}`)
  }
  return parsed.data
}

/** Throws with the status and body unless the response has the expected status. */
export function expectStatus(res: HttpResponse, expected: number, what: string): void {
  if (res.status !== expected) {
    throw new Error(`${what}: expected HTTP ${expected}, got ${res.status}: ${res.body.toString('utf8').slice(0, 300)}`)
  }
}
