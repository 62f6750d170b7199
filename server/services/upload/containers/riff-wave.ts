/**
 * WAV is a RIFF file: `RIFF`, the size of what follows, `WAVE`, then chunks (a four-character id,
 * a size, the data, a pad byte when the size is odd), a `fmt ` chunk before the `data` chunk
 * (https://www.mmsp.ece.mcgill.ca/Documents/AudioFormats/WAVE/WAVE.html). The sizes must chain to
 * exactly the end the RIFF header declares, within the file.
 */
import type { ContainerInput } from './confirm-container'

const isFourCC = (b: Uint8Array, at: number): boolean => {
  for (let i = at; i < at + 4; i++) {
    const c = b[i]
    if (c === undefined || c < 0x20 || c > 0x7e) return false
  }
  return true
}

const ascii = (b: Uint8Array, at: number, length: number): string =>
  Buffer.from(b.buffer, b.byteOffset + at, Math.max(0, Math.min(length, b.length - at))).toString('latin1')

/** Whether a `fmt ` chunk body at `at` of `size` bytes describes audio (PCM or any coded format). */
function isFormat(view: DataView, at: number, size: number): boolean {
  if (size < 16 || at + 16 > view.byteLength) return false
  const formatTag = view.getUint16(at, true)
  const channels = view.getUint16(at + 2, true)
  const sampleRate = view.getUint32(at + 4, true)
  const blockAlign = view.getUint16(at + 12, true)
  return formatTag !== 0 && channels >= 1 && channels <= 64 && sampleRate >= 1 && sampleRate <= 1_536_000 && blockAlign >= 1
}

/**
 * Chunks whose body is XML by definition: iXML (field recorders' production metadata) and Adobe's
 * XMP (`_PMX`). The markup scan skips their bodies; the file still starts with `RIFF`, which no
 * browser renders as a page.
 */
const XML_CHUNKS = new Set(['iXML', '_PMX'])

/**
 * RIFF/WAVE with consistent chunk sizes over the head: false when not, else the byte ranges of the
 * XML metadata chunks' bodies within the head (for the markup scan to skip).
 */
export function riffWave({ head, complete, size }: ContainerInput): false | Array<[number, number]> {
  const xml: Array<[number, number]> = []
  const ok = walkChunks({ head, complete, size }, (id, start, end) => {
    if (XML_CHUNKS.has(id)) xml.push([start, Math.min(end, head.length)])
  })
  return ok && xml
}

function walkChunks({ head, complete, size }: ContainerInput, onChunk: (id: string, start: number, end: number) => void): boolean {
  if (head.length < 12 || ascii(head, 0, 4) !== 'RIFF' || ascii(head, 8, 4) !== 'WAVE') return false
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength)
  const riffEnd = 8 + view.getUint32(4, true)
  const fileSize = complete ? head.length : size
  // Bytes after the RIFF end are allowed (some recorders append), a RIFF larger than the file is not.
  if (riffEnd < 12 + 8 || (fileSize !== undefined && riffEnd > fileSize + 1)) return false
  let at = 12
  let sawFormat = false
  let sawData = false
  while (at < riffEnd) {
    if (at + 8 > head.length) return !complete && sawFormat
    if (!isFourCC(head, at)) return false
    const id = ascii(head, at, 4)
    const chunkSize = view.getUint32(at + 4, true)
    const end = at + 8 + chunkSize + (chunkSize & 1)
    // The last chunk's pad byte may be missing; nothing may run past the RIFF end otherwise.
    if (end > riffEnd + 1) return false
    if (id === 'fmt ') {
      if (sawFormat || !isFormat(view, at + 8, chunkSize)) return false
      sawFormat = true
    } else if (id === 'data') {
      if (!sawFormat) return false
      sawData = true
    }
    onChunk(id, at + 8, at + 8 + chunkSize)
    at = end
  }
  return sawFormat && sawData
}
