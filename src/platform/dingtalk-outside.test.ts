import { expect, it, vi } from 'vitest'
import { createDingTalkPlatform } from './dingtalk'

// A separate file so the SDK is untouched by dingtalk-jsapi/mock (its bridge state is module-global).
it('says not_in_dingtalk when the real SDK finds no DingTalk container (4040)', async () => {
  // The SDK logs its own 4040 diagnostic when a `process` global exists (docs/dingtalk.md#jsapi).
  const log = vi.spyOn(console, 'error').mockImplementation(() => undefined)
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
  const error: unknown = await createDingTalkPlatform()
    .requestAuthCode('ding-corp-1')
    .then(
      () => null,
      (e: unknown) => e,
    )
  expect(error).toMatchObject({ name: 'PlatformError', code: 'not_in_dingtalk' })
  log.mockRestore()
  warn.mockRestore()
})
