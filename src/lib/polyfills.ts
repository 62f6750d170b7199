/**
 * Built-ins the oldest engines the H5 supports lack (docs/dingtalk.md#supported-engines), installed
 * before anything else runs, in the page and in each worker. Only what the app or its dependencies
 * call and cannot be written around: `Blob.prototype.arrayBuffer` arrived in Chrome 76, and DingTalk's
 * Android kernel reports Chrome 69.
 */
if (typeof Blob !== 'undefined' && typeof Blob.prototype.arrayBuffer !== 'function') {
  Object.defineProperty(Blob.prototype, 'arrayBuffer', {
    configurable: true,
    writable: true,
    value(this: Blob): Promise<ArrayBuffer> {
      return new Promise((resolve, reject) => {
        const reader = new FileReader()
        reader.onload = () => resolve(reader.result as ArrayBuffer)
        reader.onerror = () => reject(reader.error ?? new Error('reading the Blob failed'))
        reader.readAsArrayBuffer(this)
      })
    },
  })
}

export {}
