/**
 * Audio and video are accepted only when their container holds together beyond the magic bytes
 * the type was recognised by, and their head carries no markup (docs/api.md "Accepted types by
 * content"): "\xff\xfb" or "RIFF…WAVE" or "ftyp" followed by a web page is refused.
 */
import { bytesHoldMarkup } from '../markup-markers'
import { isIsoBmff } from './iso-bmff'
import { isAdts, isMpegAudio } from './mpeg-audio'
import { isRiffWave } from './riff-wave'
import { isWebm } from './webm'

export interface ContainerInput {
  /** The sniffed head (the whole file when `complete`). */
  head: Uint8Array
  complete: boolean
  /** The file's declared size in bytes, when known. */
  size?: number
}

const CHECKS: Record<string, (input: ContainerInput) => boolean> = {
  'audio/mpeg': isMpegAudio,
  'audio/aac': isAdts,
  'audio/wav': isRiffWave,
  'audio/mp4': isIsoBmff,
  'video/mp4': isIsoBmff,
  'video/quicktime': isIsoBmff,
  'video/webm': isWebm,
}

/**
 * Whether bytes recognised as `mediaType` really are that container. Types without a check here
 * (pictures, PDF, Office, ZIP, text: each has its own rules) pass.
 */
export function confirmContainer(mediaType: string, input: ContainerInput): boolean {
  const check = CHECKS[mediaType]
  if (!check) return true
  return check(input) && !bytesHoldMarkup(input.head)
}
