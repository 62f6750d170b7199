import { describe, expect, it } from 'vitest'
import { deviceOffsetAt, formatTakenAt, withTakenAtLine } from './taken-at-caption'

const DEC_1 = { year: 2026, month: 12, day: 1, hour: 14, minute: 3 }

describe('formatTakenAt', () => {
  it('shows the time the camera showed when the photo has no offset', () => {
    expect(formatTakenAt({ ...DEC_1, offsetMinutes: null }, 480)).toBe('2026-12-01 14:03')
  })

  it('adds nothing when the photo was taken in the device’s own offset', () => {
    expect(formatTakenAt({ ...DEC_1, offsetMinutes: 480 }, 480)).toBe('2026-12-01 14:03')
  })

  it('adds the photo’s offset when it differs from the device’s', () => {
    expect(formatTakenAt({ ...DEC_1, offsetMinutes: 540 }, 480)).toBe('2026-12-01 14:03 (UTC+09:00)')
    expect(formatTakenAt({ ...DEC_1, offsetMinutes: -210 }, 480)).toBe('2026-12-01 14:03 (UTC-03:30)')
  })

  it('knows the device offset for that date', () => {
    const offset = deviceOffsetAt({ ...DEC_1, offsetMinutes: null })
    expect(offset).toBe(-new Date(2026, 11, 1, 14, 3).getTimezoneOffset())
  })
})

describe('withTakenAtLine', () => {
  it('puts the taken-at line before the person’s own caption', () => {
    expect(withTakenAtLine('  north wall ', '拍摄于 2026-12-01 14:03')).toBe('拍摄于 2026-12-01 14:03\nnorth wall')
    expect(withTakenAtLine('', 'Taken 2026-12-01 14:03')).toBe('Taken 2026-12-01 14:03')
    expect(withTakenAtLine(' north wall ', null)).toBe('north wall')
  })
})
