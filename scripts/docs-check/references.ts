/**
 * What a text names that should resolve: markdown links (`[text](target)`, images, reference
 * definitions) and mentions (a word of the text that may be a path, a file name or a path with an
 * `#anchor`). Mentions are only candidates here; check.ts decides which of them claim to be files of
 * this repository.
 */
import type { TextLine } from './comments'

export interface Reference {
  line: number
  /**
   * `link`: a markdown link target, resolved like GitHub does; `mention`: a word of the text;
   * `section`: a markdown file named with a quoted section or phrase (`docs/api.md "Conventions"`).
   */
  kind: 'link' | 'mention' | 'section'
  target: string
  /** For `section`: the quoted text, which the file must contain. */
  quote?: string
}

/** `README "Faults"`, `docs/api.md "Resumable uploads"`: a quote closed on the same line. */
const SECTION = /((?:[\w.@-]+\/)*(?:README(?:\.md)?|[\w.-]+\.md)),? "([^"]{2,80})"/g

const LINK = /!?\[((?:[^[\]]|\[[^\]]*\])*)\]\(\s*<?([^()\s<>]*(?:\([^()\s]*\)[^()\s<>]*)*)>?(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)/g
const REFERENCE_DEFINITION = /^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/
/** Characters that wrap a word in prose or code comments, never part of a path at its ends. */
const WRAPPING = /^[`'"([{<*_~,;|>]+|[`'")\]}>*_~,;.:!?|]+$/g

/** Links and mentions of a markdown document (fenced code is scanned for mentions only). */
export function markdownReferences(markdown: string): Reference[] {
  const out: Reference[] = []
  let fence: string | null = null
  markdown.split('\n').forEach((text, index) => {
    const line = index + 1
    const fenceMark = /^\s{0,3}(`{3,}|~{3,})/.exec(text)?.[1]
    if (fenceMark) {
      if (fence === null) fence = fenceMark[0]!
      else if (fenceMark[0] === fence) fence = null
      return
    }
    if (fence !== null) {
      out.push(...mentions({ line, text }))
      return
    }
    const definition = REFERENCE_DEFINITION.exec(text)?.[1]
    if (definition !== undefined) {
      out.push({ line, kind: 'link', target: definition })
      return
    }
    // Each link is taken out (its text stays, to be read as prose), then the text again, for an
    // image inside a link: `[![alt](<picture>)](<page>)`.
    let prose = text
    for (let found = true; found;) {
      found = false
      prose = prose.replace(LINK, (_match, label: string, target: string) => {
        found = true
        out.push({ line, kind: 'link', target })
        return ` ${label} `
      })
    }
    out.push(...mentions({ line, text: prose }))
  })
  return out
}

/** The words of a line that could name a file (trimmed of wrapping punctuation, at least `x.y` or `x/y`), and quoted sections. */
export function mentions({ line, text }: TextLine): Reference[] {
  const out: Reference[] = []
  for (const match of text.matchAll(SECTION)) out.push({ line, kind: 'section', target: match[1]!, quote: match[2]! })
  for (const raw of text.split(/[\s\u3000-\u303f\uff08\uff09\uff0c\uff1a\uff1b]+|\)\(|\]\(/)) {
    // A call such as `response.json()` names a method, not a file.
    if (/^[\w.]+\.\w+\(/.test(raw.replace(WRAPPING, ''))) continue
    const word = raw.replace(WRAPPING, '').replace(WRAPPING, '')
    if (word.length < 3 || !/[./]/.test(word)) continue
    out.push({ line, kind: 'mention', target: word })
  }
  return out
}
