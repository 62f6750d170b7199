import { describe, expect, it } from 'vitest'
import { EncodeUnavailableError } from '@/media/canvas-encode'
import { QUEUE_SETTINGS } from '.'
import { useQueueHarness, LIMITS, uploaded, bodyOf, settle, photo } from '@testing/uploads-harness'

const queue = useQueueHarness()
const { serve, openStore, insertCalls, until } = queue

describe('preparation', () => {
  it('downscales photos to the long edge the server configures', async () => {
    serve({
      config: () => ({ status: 200, body: { mode: 'sandbox', corpId: 'c', limits: { ...LIMITS, photoMaxEdge: 1280 } } }),
    })
    const store = await openStore()
    await until(() => store.limits.photoMaxEdge === 1280, 'config loaded')
    const seen: number[] = []
    store.prepareDeps.encoder = {
      encode: async (req) => {
        seen.push(req.maxEdge)
        return { blob: new Blob([new Uint8Array(10)], { type: 'image/jpeg' }), width: 48, height: 64, resized: false }
      },
    }
    store.addFiles([await photo('IMG_1.jpg')])
    await store.prepared()
    expect(seen).toEqual([1280])
  })

  it('prepares the first photo alone, then at most QUEUE_SETTINGS.preparations at once, keeping the picked order', async () => {
    QUEUE_SETTINGS.preparations = 2
    const uploadsWaiting: Array<() => void> = []
    serve({ upload: (call) => new Promise((resolve) => uploadsWaiting.push(() => resolve(uploaded(call)))) })
    const store = await openStore()
    const gates: Array<() => void> = []
    let inFlight = 0
    let maxInFlight = 0
    store.prepareDeps.encoder = {
      encode: async () => {
        maxInFlight = Math.max(maxInFlight, ++inFlight)
        await new Promise<void>((resolve) => gates.push(resolve))
        inFlight--
        throw new EncodeUnavailableError('no canvas')
      },
    }
    store.addFiles([await photo('IMG_1.jpg'), await photo('IMG_2.jpg'), await photo('IMG_3.jpg'), await photo('IMG_4.jpg')])
    // Nothing is on its way up yet: the first photo is prepared alone, so its upload starts soonest.
    await until(() => gates.length === 1, 'first preparation started')
    await settle()
    expect(gates.length).toBe(1)
    gates[0]!()
    // The uplink has work now: two preparations at once, never three.
    await until(() => gates.length === 3, 'two more preparations started')
    await settle()
    expect(gates.length).toBe(3)
    expect(store.items[0]?.status).toBe('uploading')
    // The third photo finishes before the second; the fourth starts in its slot.
    gates[2]!()
    await until(() => gates.length === 4, 'fourth preparation started')
    await until(() => store.items[2]?.status === 'uploading', 'third photo uploading')
    expect(store.items[1]?.status).toBe('preparing')
    gates[1]!()
    gates[3]!()
    await store.prepared()
    expect(maxInFlight).toBe(2)
    store.submit()
    for (let i = 0; i < 200 && !store.done; i++) {
      for (const release of uploadsWaiting.splice(0)) release()
      await settle(1)
    }
    expect(store.done).toBe(true)
    expect(store.items.map((i) => i.pickedName)).toEqual(['IMG_1.jpg', 'IMG_2.jpg', 'IMG_3.jpg', 'IMG_4.jpg'])
    const body = bodyOf(insertCalls()[0]!)
    const tokenOf = (name: string) => store.items.find((i) => i.pickedName === name)?.resource?.resourceToken
    expect(body.items.map((i: { resourceToken: string }) => i.resourceToken)).toEqual(
      ['IMG_1.jpg', 'IMG_2.jpg', 'IMG_3.jpg', 'IMG_4.jpg'].map(tokenOf),
    )
  })
})
