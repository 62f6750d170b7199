/**
 * MP4, M4A and MOV are ISO base media files (ISO/IEC 14496-12; QuickTime's atoms): a chain of
 * top-level boxes, each a 32-bit size (1: a 64-bit size follows; 0: to the end of the file) and a
 * four-character type (https://developer.apple.com/documentation/quicktime-file-format). Every
 * box header in the head must be valid and the sizes must chain to the end of the file.
 */
import type { ContainerInput } from './confirm-container'

/** Boxes a file may start with: `ftyp` (MP4, M4A, modern MOV) or an old QuickTime file's first atom. */
const FIRST_BOXES = new Set(['ftyp', 'moov', 'mdat', 'free', 'skip', 'wide', 'pnot'])

function fourCC(b: Uint8Array, at: number): string | null {
  let out = ''
  for (let i = at; i < at + 4; i++) {
    const c = b[i]
    if (c === undefined || c < 0x20 || c > 0x7e) return null
    out += String.fromCharCode(c)
  }
  return out
}

/** Top-level boxes that chain correctly over the head (and to the end of the file when it is known). */
export function isIsoBmff({ head, complete, size }: ContainerInput): boolean {
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength)
  const fileSize = complete ? head.length : size
  let at = 0
  let boxes = 0
  while (at < head.length) {
    if (at + 8 > head.length) return !complete && boxes > 0
    const type = fourCC(head, at + 4)
    if (type === null || (boxes === 0 && !FIRST_BOXES.has(type))) return false
    let boxSize = view.getUint32(at)
    if (boxSize === 1) {
      if (at + 16 > head.length) return !complete && boxes > 0
      boxSize = Number(view.getBigUint64(at + 8))
      if (boxSize < 16) return false
    } else if (boxSize === 0) {
      // "To the end of the file": only the last box may say so.
      return fileSize !== undefined
    } else if (boxSize < 8) {
      return false
    }
    if (type === 'ftyp' && (boxSize < 16 || boxSize > 1024 || (boxSize - 16) % 4 !== 0)) return false
    if (fileSize !== undefined && at + boxSize > fileSize) return false
    at += boxSize
    boxes++
  }
  return complete ? at === head.length : boxes > 0
}
