/**
 * Small audio and video files for the sniffer's tests and the bad-input drill, written by code
 * (nothing binary is committed): containers whose structure is right from the first byte to the
 * last, with seeded noise where coded audio or video would be.
 */
import { createRng } from './prng'

function noise(length: number, seed: number): Buffer {
  const rng = createRng(seed)
  const out = Buffer.alloc(length)
  for (let i = 0; i < length; i++) out[i] = Math.floor(rng() * 256)
  return out
}

/** 16-bit mono PCM WAV of a 440 Hz tone, `ms` long at 8 kHz. */
export function makeWav(ms = 250): Buffer {
  const rate = 8000
  const samples = Math.round((rate * ms) / 1000)
  const data = Buffer.alloc(samples * 2)
  for (let i = 0; i < samples; i++) data.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate)), i * 2)
  const fmt = Buffer.alloc(16)
  fmt.writeUInt16LE(1, 0) // PCM
  fmt.writeUInt16LE(1, 2) // mono
  fmt.writeUInt32LE(rate, 4)
  fmt.writeUInt32LE(rate * 2, 8)
  fmt.writeUInt16LE(2, 12)
  fmt.writeUInt16LE(16, 14)
  const chunks = Buffer.concat([chunk('fmt ', fmt), chunk('data', data)])
  return Buffer.concat([Buffer.from('RIFF'), u32le(4 + chunks.length), Buffer.from('WAVE'), chunks])
}

function u32le(n: number): Buffer {
  const b = Buffer.alloc(4)
  b.writeUInt32LE(n)
  return b
}

function chunk(id: string, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(id, 'latin1'), u32le(body.length), body, Buffer.alloc(body.length & 1)])
}

/** MPEG-1 Layer III frames at 128 kbit/s, 44.1 kHz (417 bytes each), after an ID3v2.3 tag. */
export function makeMp3(frames = 12, seed = 1): Buffer {
  const id3 = Buffer.from([0x49, 0x44, 0x33, 3, 0, 0, 0, 0, 0, 10, ...Buffer.alloc(10)])
  const out: Buffer[] = [id3]
  for (let i = 0; i < frames; i++) out.push(Buffer.from([0xff, 0xfb, 0x90, 0x64]), noise(413, seed + i))
  return Buffer.concat(out)
}

/** AAC-LC ADTS frames (44.1 kHz, stereo, no CRC) of 200 bytes each. */
export function makeAdts(frames = 12, seed = 1): Buffer {
  const length = 200
  const header = Buffer.from([0xff, 0xf1, 0x50, 0x80 | (length >> 11), (length >> 3) & 0xff, ((length & 7) << 5) | 0x1f, 0xfc])
  const out: Buffer[] = []
  for (let i = 0; i < frames; i++) out.push(header, noise(length - header.length, seed + i))
  return Buffer.concat(out)
}

function box(type: string, ...body: Buffer[]): Buffer {
  const content = Buffer.concat(body)
  const head = Buffer.alloc(8)
  head.writeUInt32BE(8 + content.length)
  head.write(type, 4, 'latin1')
  return Buffer.concat([head, content])
}

/**
 * An ISO base media file: `ftyp` with `brand`, a `moov` holding an `mvhd`, and an `mdat` of
 * `mediaBytes` noise. `isom` → video/mp4, `M4A ` → audio/mp4, `qt  ` → video/quicktime.
 */
export function makeIsoBmff(brand: 'isom' | 'M4A ' | 'qt  ' = 'isom', mediaBytes = 2048, seed = 1): Buffer {
  const ftyp = box('ftyp', Buffer.from(brand, 'latin1'), Buffer.from([0, 0, 2, 0]), Buffer.from(`${brand}isomiso2mp41`, 'latin1'))
  const mvhd = Buffer.alloc(100)
  mvhd.writeUInt32BE(1000, 12) // timescale
  mvhd.writeUInt32BE(1000, 16) // duration: one second
  mvhd.writeUInt32BE(0x00010000, 20) // rate 1.0
  mvhd.writeUInt16BE(0x0100, 24) // volume 1.0
  mvhd.writeUInt32BE(2, 96) // next track id
  return Buffer.concat([ftyp, box('moov', box('mvhd', mvhd)), box('mdat', noise(mediaBytes, seed))])
}

function ebml(id: number[], body: Buffer | null): Buffer {
  // Size as an 8-byte vint; null: "unknown size" (all ones), as MediaRecorder writes live Segments.
  const size = Buffer.alloc(8)
  if (body === null) size.fill(0xff, 1).writeUInt8(0x01, 0)
  else {
    size.writeUInt8(0x01, 0)
    size.writeUIntBE(body.length, 2, 6)
  }
  return Buffer.concat([Buffer.from(id), size, body ?? Buffer.alloc(0)])
}

/** A WebM file: EBML header (DocType webm), a Segment of unknown size with Info, Tracks and one Cluster. */
export function makeWebm(mediaBytes = 2048, seed = 1): Buffer {
  const header = ebml(
    [0x1a, 0x45, 0xdf, 0xa3],
    Buffer.concat([ebml([0x42, 0x86], Buffer.from([1])), ebml([0x42, 0x82], Buffer.from('webm'))]),
  )
  const info = ebml([0x15, 0x49, 0xa9, 0x66], ebml([0x2a, 0xd7, 0xb1], Buffer.from([0x0f, 0x42, 0x40])))
  const tracks = ebml([0x16, 0x54, 0xae, 0x6b], ebml([0xae], ebml([0xd7], Buffer.from([1]))))
  const cluster = ebml([0x1f, 0x43, 0xb6, 0x75], Buffer.concat([ebml([0xe7], Buffer.from([0])), ebml([0xa3], noise(mediaBytes, seed))]))
  return Buffer.concat([header, ebml([0x18, 0x53, 0x80, 0x67], null), info, tracks, cluster])
}
