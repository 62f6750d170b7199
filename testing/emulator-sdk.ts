/**
 * Helpers for the emulator's own tests: the official `@alicloud/dingtalk` SDK pointed at a running
 * emulator (docs/dingtalk.md#official-node-sdk), and small fetch wrappers.
 */
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)

type OpenApiModule = typeof import('@alicloud/openapi-client')
type TeaUtilModule = typeof import('@alicloud/tea-util')
type OAuthModule = typeof import('@alicloud/dingtalk/dist/oauth2_1_0/client')
type DocModule = typeof import('@alicloud/dingtalk/dist/doc_1_0/client')
type WikiModule = typeof import('@alicloud/dingtalk/dist/wiki_2_0/client')

// The SDK is CommonJS; these are the subpaths the official samples require.
export const OpenApi: OpenApiModule = require('@alicloud/openapi-client')
export const TeaUtil: TeaUtilModule = require('@alicloud/tea-util')
export const oauth2: OAuthModule = require('@alicloud/dingtalk/oauth2_1_0')
export const doc: DocModule = require('@alicloud/dingtalk/doc_1_0')
export const wiki: WikiModule = require('@alicloud/dingtalk/wiki_2_0')

/** SDK clients for an emulator at `url` (`http://127.0.0.1:PORT`). */
export function sdkClients(url: string) {
  const config = new OpenApi.Config({
    endpoint: url.replace(/^http:\/\//, ''),
    protocol: 'http',
    readTimeout: 10_000,
    connectTimeout: 10_000,
  })
  return {
    oauth: new oauth2.default(config),
    doc: new doc.default(config),
    wiki: new wiki.default(config),
  }
}

/** Per-call runtime options (no SDK retries, explicit timeouts). */
export function runtime() {
  return new TeaUtil.RuntimeOptions({ readTimeout: 10_000, connectTimeout: 10_000 })
}

/** What the SDK throws for a DingTalk error: `code`, `statusCode` and the parsed body in `data`. */
export interface SdkError {
  code: string
  statusCode: number
  data: { code: string; message: string; requestid: string; statusCode: number }
}

/** Runs an SDK call that must fail and returns its error. */
export async function sdkError(call: () => Promise<unknown>): Promise<SdkError> {
  try {
    await call()
  } catch (err) {
    return err as SdkError
  }
  throw new Error('expected the SDK call to fail')
}

/** A parsed JSON body, inspected ad hoc by assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary response fields
export type Json = any

/** POST JSON and return status + parsed body. */
export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: Json }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })
  const text = await res.text()
  return { status: res.status, body: text ? JSON.parse(text) : null }
}

/** GET and return status + parsed JSON body. */
export async function getJson(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Json }> {
  const res = await fetch(url, { headers })
  const text = await res.text()
  return { status: res.status, body: text ? JSON.parse(text) : null }
}

/**
 * Sends `chunks` with `Transfer-Encoding: chunked` (no Content-Length), as the SDK does, and
 * returns the status and body text.
 */
export async function chunkedRequest(
  method: string,
  url: string,
  headers: Record<string, string>,
  chunks: Array<string | Buffer>,
): Promise<{ status: number; text: string; headers: Record<string, string | string[] | undefined> }> {
  const { request } = await import('node:http')
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: { ...headers, 'transfer-encoding': 'chunked' } }, (res) => {
      const parts: Buffer[] = []
      res.on('data', (c: Buffer) => parts.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(parts).toString('utf8'), headers: res.headers }))
      res.on('error', reject)
    })
    req.on('error', reject)
    for (const chunk of chunks) req.write(chunk)
    req.end()
  })
}
