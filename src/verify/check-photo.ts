/**
 * The verify page's "check a photo" (server/services/evidence/verify-page.ts renders the page; this
 * is its only script, built on its own by scripts/verify-page-script.ts so nothing of it reaches the
 * H5). The chosen file is hashed here, on the device, a slice at a time; nothing is uploaded.
 */
import { createSHA256 } from 'hash-wasm'

const SLICE_BYTES = 1024 * 1024

/** One slice's bytes through FileReader: `Blob.stream()`/`arrayBuffer()` are missing on Chrome 69 (DingTalk's Android kernel). */
function readSlice(blob: Blob): Promise<ArrayBuffer> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader()
    reader.onload = () => (reader.result instanceof ArrayBuffer ? resolve(reader.result) : reject(new Error('unreadable')))
    reader.onerror = () => reject(reader.error ?? new Error('unreadable'))
    reader.readAsArrayBuffer(blob)
  })
}

async function sha256OfFile(file: File): Promise<string> {
  const hasher = await createSHA256()
  hasher.init()
  for (let offset = 0; offset < file.size; offset += SLICE_BYTES) {
    hasher.update(new Uint8Array(await readSlice(file.slice(offset, offset + SLICE_BYTES))))
  }
  return hasher.digest('hex')
}

const section = document.querySelector<HTMLElement>('section.check')
const input = section?.querySelector<HTMLInputElement>('input[type="file"]')
const result = section?.querySelector<HTMLElement>('.result')

if (section && input && result) {
  const { sha256, checking = '', original = '', notOriginal = '' } = section.dataset
  input.disabled = false
  input.addEventListener('change', () => {
    const file = input.files?.[0]
    if (!file) return
    result.textContent = checking
    delete result.dataset.result
    void sha256OfFile(file).then((hex) => {
      const same = hex === sha256
      result.textContent = same ? original : notOriginal
      result.dataset.result = same ? 'original' : 'not-original'
    })
  })
}
