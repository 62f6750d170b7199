import type { Platform } from '@/platform'

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
    keepScreenOn: () => Promise.resolve(),
    onBack: () => () => undefined,
    onResume: () => () => undefined,
    onPause: () => () => undefined,
    close: () => Promise.resolve(),
    toast: () => Promise.resolve(),
    confirm: () => Promise.resolve(true),
    ...overrides,
  }
}
