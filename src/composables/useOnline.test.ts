import { expect, it } from 'vitest'
import { useOnline } from './useOnline'

function goOnline(value: boolean): void {
  Object.defineProperty(navigator, 'onLine', { configurable: true, get: () => value })
  window.dispatchEvent(new Event(value ? 'online' : 'offline'))
}

it('follows navigator.onLine and the online/offline events, shared by every caller', () => {
  goOnline(true)
  const a = useOnline()
  const b = useOnline()
  expect(a.online.value).toBe(true)
  goOnline(false)
  expect([a.online.value, b.online.value]).toEqual([false, false])
  goOnline(true)
  expect(a.online.value).toBe(true)
})
