/**
 * The verify page's "check a photo" (server/services/evidence/verify-page.ts renders the page; this
 * is its only script, built on its own by scripts/verify-page-script.ts so nothing of it reaches the
 * H5). The chosen file is hashed here, on the device, a chunk at a time as it is read; nothing is
 * uploaded.
 */
import { createSHA256 } from 'hash-wasm'

async function sha256OfFile(file: File): Promise<string> {
  const hasher = await createSHA256()
  hasher.init()
  const reader = file.stream().getReader()
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) hasher.update(chunk.value)
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
