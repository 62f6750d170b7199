import { afterEach, describe, expect, it, vi } from 'vitest'
import { browserLocation, formatCoordinates, placeFromDingTalk } from './geolocation'
import { PlatformError } from './types'

describe('where the device is', () => {
  afterEach(() => vi.unstubAllGlobals())

  it('reads DingTalk’s answer, the reverse-geocoded address and Android’s mock flag, also nested under location (Android ≤ 2.1)', () => {
    const answer = { longitude: 120.1, latitude: 30.2, accuracy: 25, address: ' 杭州市西湖区文三路 ', isFromMock: true }
    expect(placeFromDingTalk(answer)).toEqual({
      latitude: 30.2,
      longitude: 120.1,
      accuracy: 25,
      address: '杭州市西湖区文三路',
      isFromMock: true,
    })
    expect(placeFromDingTalk({ location: { longitude: 1, latitude: 2, address: '' } })).toEqual({
      latitude: 2,
      longitude: 1,
      accuracy: null,
      address: null,
      isFromMock: false,
    })
    expect(() => placeFromDingTalk({ address: 'no coordinates' })).toThrow(PlatformError)
  })

  it('a browser gives coordinates, shown with their accuracy; a refusal is a cancel', async () => {
    const getCurrentPosition = vi.fn((ok: PositionCallback) =>
      ok({ coords: { latitude: 31.2304, longitude: 121.4737, accuracy: 29.6 } } as GeolocationPosition),
    )
    vi.stubGlobal('navigator', { geolocation: { getCurrentPosition } })
    const fix = await browserLocation()
    expect(formatCoordinates(fix)).toBe('31.23040, 121.47370 (±30 m)')

    getCurrentPosition.mockImplementation(((_ok: PositionCallback, fail: PositionErrorCallback) =>
      fail({ code: 1, PERMISSION_DENIED: 1, message: 'denied' } as GeolocationPositionError)) as never)
    await expect(browserLocation()).rejects.toMatchObject({ code: 'cancelled' })
  })
})
