/**
 * The comments of a source file, line by line, so that the paths they name can be checked. Strings,
 * template literals and regular expressions are skipped, so a `//` inside a URL string or a `/*` in a
 * regex is not taken for a comment.
 */

export interface TextLine {
  /** 1-based line number in the file. */
  line: number
  text: string
}

/** The comments of a file, by its kind: `js` (ts/js/mjs), `vue`, `css` or `sh`. */
export function commentLines(source: string, kind: 'js' | 'vue' | 'css' | 'sh'): TextLine[] {
  if (kind === 'sh') return shellComments(source)
  if (kind === 'css') return scriptComments(source, 0, false)
  if (kind === 'js') return scriptComments(source, 0, true)
  return vueComments(source)
}

/** `# …` to the end of the line, outside quotes; not the `#!` line, `$#` or `${#…}`. */
function shellComments(source: string): TextLine[] {
  const out: TextLine[] = []
  source.split('\n').forEach((text, index) => {
    if (index === 0 && text.startsWith('#!')) return
    let quote: string | null = null
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!
      if (quote !== null) {
        if (c === '\\' && quote === '"') i++
        else if (c === quote) quote = null
      } else if (c === '"' || c === "'") quote = c
      else if (c === '\\') i++
      else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) {
        out.push({ line: index + 1, text: text.slice(i + 1) })
        return
      }
    }
  })
  return out
}

/** HTML comments in the template, and the comments of each `<script>` and `<style>` block. */
function vueComments(source: string): TextLine[] {
  const out: TextLine[] = []
  const lineAt = (offset: number) => source.slice(0, offset).split('\n').length - 1
  for (const block of source.matchAll(/<(script|style)\b[^>]*>([\s\S]*?)<\/\1>/g)) {
    const bodyStart = block.index + block[0].indexOf('>') + 1
    out.push(...scriptComments(block[2]!, lineAt(bodyStart), block[1] === 'script'))
  }
  const template = source.replace(/<(script|style)\b[^>]*>[\s\S]*?<\/\1>/g, (m) => m.replace(/[^\n]/g, ' '))
  for (const comment of template.matchAll(/<!--([\s\S]*?)-->/g)) {
    splitLines(comment[1]!, lineAt(comment.index + 4), out)
  }
  return out.sort((a, b) => a.line - b.line)
}

function splitLines(text: string, firstLineIndex: number, out: TextLine[]): void {
  text.split('\n').forEach((part, i) => out.push({ line: firstLineIndex + i + 1, text: part }))
}

/**
 * Comments of JavaScript/TypeScript (`//` and block comments; `js` true) or CSS (block comments
 * only). `lineOffset` is the 0-based line the source starts on in its file.
 */
function scriptComments(source: string, lineOffset: number, js: boolean): TextLine[] {
  const out: TextLine[] = []
  let line = lineOffset
  /** Open template literals' `${` depths, innermost last. */
  const templates: number[] = []
  let braces = 0
  let lastSignificant = ''
  let i = 0
  const n = source.length
  while (i < n) {
    const c = source[i]!
    const next = source[i + 1]
    if (c === '\n') {
      line++
      i++
      continue
    }
    if (c === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2)
      const stop = end === -1 ? n : end
      splitLines(source.slice(i + 2, stop), line, out)
      line += countNewlines(source, i, stop)
      i = stop + 2
      continue
    }
    if (js && c === '/' && next === '/') {
      const end = source.indexOf('\n', i)
      const stop = end === -1 ? n : end
      out.push({ line: line + 1, text: source.slice(i + 2, stop) })
      i = stop
      continue
    }
    if (c === '"' || c === "'" || (js && c === '/' && startsRegex(lastSignificant))) {
      const stop = endOfLiteral(source, i, c)
      line += countNewlines(source, i, stop)
      i = stop
      lastSignificant = 'a'
      continue
    }
    if (js && (c === '`' || (c === '}' && templates.length > 0 && templates[templates.length - 1] === braces))) {
      if (c === '}') templates.pop()
      const stop = endOfTemplateChunk(source, i + 1)
      line += countNewlines(source, i, stop.end)
      if (stop.opensExpression) templates.push(braces)
      i = stop.end
      lastSignificant = stop.opensExpression ? '{' : 'a'
      continue
    }
    if (c === '{') braces++
    if (c === '}') braces--
    if (!/\s/.test(c)) lastSignificant = /[\w$)\]]/.test(c) ? 'a' : c
    i++
  }
  return out
}

/** A `/` after one of these (or at the start) begins a regular expression, not a division. */
function startsRegex(previous: string): boolean {
  return previous === '' || '(,=:[!&|?{};+-*%<>~^'.includes(previous)
}

/** The index just after a quoted string or regex literal starting at `start`. */
function endOfLiteral(source: string, start: number, quote: string): number {
  let inClass = false
  for (let i = start + 1; i < source.length; i++) {
    const c = source[i]!
    if (c === '\\') i++
    else if (c === '\n') return i
    else if (quote === '/' && c === '[') inClass = true
    else if (quote === '/' && c === ']') inClass = false
    else if (c === quote && !inClass) return i + 1
  }
  return source.length
}

/** From inside a template literal: the end of its text, either at the closing backtick or at `${`. */
function endOfTemplateChunk(source: string, from: number): { end: number; opensExpression: boolean } {
  for (let i = from; i < source.length; i++) {
    const c = source[i]!
    if (c === '\\') i++
    else if (c === '`') return { end: i + 1, opensExpression: false }
    else if (c === '$' && source[i + 1] === '{') return { end: i + 2, opensExpression: true }
  }
  return { end: source.length, opensExpression: false }
}

function countNewlines(source: string, from: number, to: number): number {
  let count = 0
  for (let i = from; i < to; i++) if (source[i] === '\n') count++
  return count
}
