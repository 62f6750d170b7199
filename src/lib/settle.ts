/**
 * One promise's outcome as `Promise.allSettled` reports it. `Promise.allSettled` itself is missing in
 * DingTalk's Android kernel (Chrome 69; docs/dingtalk.md#supported-engines): use
 * `Promise.all([settle(a), settle(b)])` instead.
 */
export function settle<T>(promise: Promise<T>): Promise<PromiseSettledResult<T>> {
  return promise.then(
    (value): PromiseSettledResult<T> => ({ status: 'fulfilled', value }),
    (reason: unknown): PromiseSettledResult<T> => ({ status: 'rejected', reason }),
  )
}
