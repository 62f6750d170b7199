import type { Ref } from 'vue'

/** Lets the uploader and the inserter wait for the network instead of failing on a dead one. */
export function createOnlineGate(online: Readonly<Ref<boolean>>) {
  let waiters: Array<() => void> = []
  return {
    /** Resolves now when online, else once `open()` is called. */
    whenOnline(): Promise<void> {
      return online.value ? Promise.resolve() : new Promise((resolve) => waiters.push(resolve))
    },
    /** The network is back: wake every waiter. */
    open(): void {
      const waiting = waiters
      waiters = []
      for (const wake of waiting) wake()
    },
  }
}
