import type { Platform } from '@/platform'

/** Where the fake device is: what `device.geolocation.get` answers in e2e/fake-dingtalk.ts too. */
export const FAKE_PLACE = {
  latitude: 30.27415,
  longitude: 120.15515,
  accuracy: 25,
  address: '浙江省杭州市西湖区文三路 90 号',
  isFromMock: false,
}

/**
 * A Platform for client tests: every method does nothing (toast and confirm answer at once), and
 * `overrides` replaces what a test cares about.
 */
export function fakePlatform(overrides: Partial<Platform> = {}): Platform {
  return {
    kind: 'browser',
    requestAuthCode: () => Promise.reject(new Error('requestAuthCode not faked')),
    openLink: () => Promise.resolve(),
    setTitle: () => Promise.resolve(),
    onBack: () => () => undefined,
    onResume: () => () => undefined,
    onPause: () => () => undefined,
    close: () => Promise.resolve(),
    toast: () => Promise.resolve(),
    confirm: () => Promise.resolve(true),
    // Like DingTalk: dd.config with the server's signature first, then a fix with its address.
    locate: async (sign) => {
      await sign('http://localhost:3000/')
      return { ...FAKE_PLACE }
    },
    ...overrides,
  }
}
