/**
 * Audio and video are accepted only when their container holds together beyond the magic bytes
 * the type was recognised by, and their head carries no markup (docs/api.md "Accepted types by
 * content"): "\xff\xfb" or "RIFF…WAVE" or "ftyp" followed by a web page is refused.
 */
import { bytesHoldMarkup } from '../markup-markers'
import { isIsoBmff } from './iso-bmff'
import { adtsAudio, mpegAudio } from './mpeg-audio'
import { riffWave } from './riff-wave'
import { isWebm } from './webm'

export interface ContainerInput {
  /** The sniffed head (the whole file when `complete`). */
  head: Uint8Array
  complete: boolean
  /** The file's declared size in bytes, when known. */
  size?: number
}

/** Per type: false when the structure is wrong, else the byte ranges the markup scan skips (tags, XML metadata). */
type Check = (input: ContainerInput) => false | Array<[number, number]>
const plain =
  (check: (input: ContainerInput) => boolean): Check =>
  (input) =>
    check(input) && []

const CHECKS: Record<string, Check> = {
  'audio/mpeg': mpegAudio,
  'audio/aac': adtsAudio,
  'audio/wav': riffWave,
  'audio/mp4': plain(isIsoBmff),
  'video/mp4': plain(isIsoBmff),
  'video/quicktime': plain(isIsoBmff),
  'video/webm': plain(isWebm),
}

/**
 * Whether bytes recognised as `mediaType` really are that container. Types without a check here
 * (pictures, PDF, Office, ZIP, text: each has its own rules) pass.
 */
export function confirmContainer(mediaType: string, input: ContainerInput): boolean {
  const check = CHECKS[mediaType]
  if (!check) return true
  const skip = check(input)
  if (skip === false) return false
  let scanned = input.head
  if (skip.length > 0) {
    scanned = Uint8Array.from(input.head)
    for (const [start, end] of skip) scanned.fill(0x20, start, end)
  }
  return !bytesHoldMarkup(scanned)
}
