/** Byte-array helpers shared by the metadata strippers (JPEG segments, PNG and WebP chunks). */

/** One array holding `parts` back to back, in order (the parts are copied, never aliased). */
export function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let off = 0
  for (const p of parts) {
    out.set(p, off)
    off += p.length
  }
  return out
}
