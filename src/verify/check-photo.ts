/**
 * The verify page's "check a photo" (server/services/evidence/verify-page.ts renders the page; this
 * is its only script, a separate Vite entry so nothing of it reaches the H5's first screen). The
 * chosen file is hashed here, on the device, a slice at a time; nothing is uploaded.
 */
import { sha256OfBlob } from '@/media/content-hash'

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
    void sha256OfBlob(file).then((hex) => {
      const same = hex === sha256
      result.textContent = same ? original : notOriginal
      result.dataset.result = same ? 'original' : 'not-original'
    })
  })
}
