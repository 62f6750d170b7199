/**
 * Helpers for the DingTalk client's own tests (test-only): a client whose waits are recorded
 * instead of slept, the DingTalkError a failing call rejects with, and a fake DingTalk server.
 */
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { expect } from 'vitest'
import { createDingTalkClient, DingTalkError, type DingTalkClientConfig } from '../server/dingtalk/client'
import type { DingTalkApi } from '../server/dingtalk/types'

/**
 * A client built from `cfg` whose `sleep` only records each wait (ms) in `sleeps`, so backoff is
 * observable without real time passing. A `sleep` in `cfg` replaces the recording one.
 */
export function recordingClient(cfg: DingTalkClientConfig): { api: DingTalkApi; sleeps: number[] } {
  const sleeps: number[] = []
  const api = createDingTalkClient({ sleep: async (ms) => void sleeps.push(ms), ...cfg })
  return { api, sleeps }
}

/** Awaits a call that must fail and returns its DingTalkError (the test fails on anything else). */
export async function failure(p: Promise<unknown>): Promise<DingTalkError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(DingTalkError)
  return err as DingTalkError
}

/** One request the fake DingTalk received. */
export interface SeenRequest {
  method: string
  /** Path and query as sent. */
  url: string
  headers: IncomingMessage['headers']
  body: string
}

/** A JSON answer of the fake: HTTP status and body. */
export interface FakeAnswer {
  status?: number
  body: unknown
}

export interface FakeDingTalk {
  base: string
  seen: SeenRequest[]
  /**
   * Answers by `"METHOD /path"` (no query); a function answer sees the request. Unrouted paths get
   * 404 `{"code":"notRouted"}`. The v1.0 token endpoint answers `tok-1` unless routed.
   */
  routes: Map<string, FakeAnswer | ((req: SeenRequest) => FakeAnswer)>
  close(): Promise<void>
}

/**
 * A tiny local HTTP server standing in for DingTalk, for answers the emulator does not give on
 * purpose (answers shaped only as documented, refusals of one token kind). 127.0.0.1, free port.
 */
export async function startFakeDingTalk(): Promise<FakeDingTalk> {
  const seen: SeenRequest[] = []
  const routes: FakeDingTalk['routes'] = new Map()
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const entry = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') }
      seen.push(entry)
      const key = `${entry.method} ${entry.url.split('?')[0]}`
      const route = routes.get(key)
      const answer: FakeAnswer =
        typeof route === 'function'
          ? route(entry)
          : (route ??
            (key === 'POST /v1.0/oauth2/accessToken'
              ? { body: { accessToken: 'tok-1', expireIn: 7200 } }
              : { status: 404, body: { code: 'notRouted' } }))
      res.writeHead(answer.status ?? 200, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    base,
    seen,
    routes,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** A recording client for the fake at `base`: no rate-limit waits, backoff recorded. */
export function fakeClient(base: string, extra: Partial<DingTalkClientConfig> = {}) {
  return recordingClient({
    apiBase: base,
    oapiBase: base,
    appKey: 'k',
    appSecret: 's',
    random: () => 0,
    requestsPerSecond: 1000,
    burst: 1000,
    ...extra,
  })
}
