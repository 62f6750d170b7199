/**
 * MP3 (MPEG audio) and AAC (ADTS) are runs of frames, each starting with a sync word and a header
 * that gives its length: a real file is frame after frame, every header valid and in step with the
 * first (ISO/IEC 11172-3 and 13818-3 frame headers, https://www.datavoyage.com/mpgscript/mpeghdr.htm;
 * ADTS, https://wiki.multimedia.cx/index.php/ADTS). Magic bytes followed by anything else are refused.
 */
import type { ContainerInput } from './confirm-container'

/** kbit/s by [version is MPEG-1][layer index 1..3 = III, II, I][bitrate index]. */
const BITRATES = {
  v1: {
    1: [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
    2: [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
    3: [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
  },
  v2: {
    1: [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
    2: [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
    3: [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
  },
} as const
/** Hz by version bits (0 = MPEG-2.5, 2 = MPEG-2, 3 = MPEG-1) and sample-rate index. */
const SAMPLE_RATES: Record<number, readonly number[]> = {
  0: [11025, 12000, 8000],
  2: [22050, 24000, 16000],
  3: [44100, 48000, 32000],
}

/** A frame's length, and what must stay the same from frame to frame. */
interface Frame {
  length: number
  /** Version, layer (or profile) and sample rate bits: constant within one stream. */
  signature: number
}

/** The MPEG audio frame at `at`, or null when these bytes are not a valid frame header. */
function mpegFrame(b: Uint8Array, at: number): Frame | null {
  const [b0, b1, b2, b3] = [b[at], b[at + 1], b[at + 2], b[at + 3]]
  if (b0 !== 0xff || b1 === undefined || b2 === undefined || b3 === undefined || (b1 & 0xe0) !== 0xe0) return null
  const version = (b1 >> 3) & 3
  const layer = (b1 >> 1) & 3
  const bitrateIndex = b2 >> 4
  const rateIndex = (b2 >> 2) & 3
  if (version === 1 || layer === 0 || bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3 || (b3 & 3) === 2) return null
  const sampleRate = SAMPLE_RATES[version]?.[rateIndex] ?? 0
  const kbps = BITRATES[version === 3 ? 'v1' : 'v2'][layer as 1 | 2 | 3][bitrateIndex] ?? 0
  const padding = (b2 >> 1) & 1
  let length: number
  if (layer === 3) length = (Math.floor((12 * kbps * 1000) / sampleRate) + padding) * 4
  else if (layer === 1 && version !== 3) length = Math.floor((72 * kbps * 1000) / sampleRate) + padding
  else length = Math.floor((144 * kbps * 1000) / sampleRate) + padding
  return { length, signature: (b1 << 8) | (b2 & 0x0c) }
}

/** The ADTS frame at `at`, or null when these bytes are not a valid ADTS header. */
function adtsFrame(b: Uint8Array, at: number): Frame | null {
  const [b0, b1, b2, b3, b4, b5] = [b[at], b[at + 1], b[at + 2], b[at + 3], b[at + 4], b[at + 5]]
  if (b0 !== 0xff || b1 === undefined || b2 === undefined || b3 === undefined || b4 === undefined || b5 === undefined) return null
  if ((b1 & 0xf6) !== 0xf0) return null
  const rateIndex = (b2 >> 2) & 0x0f
  if (rateIndex > 12) return null
  const headerLength = (b1 & 1) === 1 ? 7 : 9
  const length = ((b3 & 3) << 11) | (b4 << 3) | (b5 >> 5)
  if (length < headerLength) return null
  return { length, signature: (b1 << 8) | (b2 & 0xfc) }
}

/** Where the audio starts: after any ID3v2 tags (and the zero padding some taggers leave); -1 when a tag is malformed. */
function skipId3(b: Uint8Array): number {
  let at = 0
  while (b[at] === 0x49 && b[at + 1] === 0x44 && b[at + 2] === 0x33) {
    const sizeBytes = [b[at + 6], b[at + 7], b[at + 8], b[at + 9]]
    const major = b[at + 3] ?? 0
    if (major < 2 || major > 4 || sizeBytes.some((x) => x === undefined || x >= 0x80)) return -1
    const size = sizeBytes.reduce<number>((n, x) => n * 128 + (x ?? 0), 0)
    const footer = ((b[at + 5] ?? 0) & 0x10) !== 0 ? 10 : 0
    at += 10 + size + footer
  }
  while (at < b.length && b[at] === 0) at++
  return at
}

/** Tags that may follow the last frame: ID3v1 (`TAG`), APEv2 (`APETAGEX`), Lyrics3 (`LYRICS`). */
function isTrailer(b: Uint8Array, at: number): boolean {
  const text = Buffer.from(b.buffer, b.byteOffset + at, Math.min(8, b.length - at)).toString('latin1')
  return text.startsWith('TAG') || text.startsWith('APETAGEX') || text.startsWith('LYRICS')
}

/**
 * Whether the head from `start` is frame after frame of one stream: at least two frames (or a
 * whole file of one), each header valid and in step with the first, up to the end of the head (or
 * of the file, where a tag may follow).
 */
function chainFrom(head: Uint8Array, start: number, complete: boolean, frameAt: (b: Uint8Array, at: number) => Frame | null): boolean {
  let at = start
  let frames = 0
  let signature: number | undefined
  while (at < head.length) {
    const frame = frameAt(head, at)
    if (!frame || (signature !== undefined && frame.signature !== signature)) {
      // What follows the last frame of a whole file may be a tag; bytes cut off at the head's end are checked no further.
      if (complete && frames > 0 && isTrailer(head, at)) return true
      return !complete && frames >= 2 && head.length - at < 10
    }
    signature = frame.signature
    frames++
    at += frame.length
  }
  return frames >= 2 || (complete && frames === 1 && at === head.length)
}

/**
 * MP3 (MPEG-1/2/2.5 audio frames) or AAC (ADTS frames): false when the frames do not chain, else
 * the leading ID3v2 tags' bytes, which the markup scan skips (tag text such as a podcast's show
 * notes may hold HTML; the file still starts with `ID3`, which no browser renders as a page).
 */
function audioFrames(frameAt: (b: Uint8Array, at: number) => Frame | null) {
  return (input: ContainerInput): false | Array<[number, number]> => {
    const start = skipId3(input.head)
    if (start < 0) return false
    // A tag larger than the head (cover art): the frames lie beyond it; the tag must still fit the file.
    const tagOnly = !input.complete && start >= input.head.length && (input.size === undefined || start < input.size)
    if (!tagOnly && !chainFrom(input.head, start, input.complete, frameAt)) return false
    return start > 0 ? [[0, start]] : []
  }
}

export const mpegAudio = audioFrames(mpegFrame)
export const adtsAudio = audioFrames(adtsFrame)
