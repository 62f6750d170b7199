import { describe, expect, it } from 'vitest'
import { createLocalStore } from './local'
import { describeSharedStore } from '@testing/store-contract'

describeSharedStore('local', () => createLocalStore())

describe('local store leases', () => {
  it('frees a slot whose holder never gave it back once its lease passed', async () => {
    let now = 0
    const store = createLocalStore({ now: () => now })
    expect(await store.acquireSlot('p', 1, 1000)).not.toBeNull()
    expect(await store.acquireSlot('p', 1, 1000)).toBeNull()
    now = 1001
    expect(await store.acquireSlot('p', 1, 1000)).not.toBeNull()
  })
})
