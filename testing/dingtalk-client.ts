/**
 * Helpers for the DingTalk client's own tests (test-only): a client whose waits are recorded
 * instead of slept, and the DingTalkError a failing call rejects with.
 */
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
