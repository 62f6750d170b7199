/**
 * The `#anchors` a markdown file offers, as GitHub makes them: each heading's text as rendered
 * (code, emphasis and link syntax gone), lower-cased, with every character that is not a letter, a
 * mark, a number, a connector (`_`), a hyphen or a space removed, spaces turned into hyphens, and a
 * repeated slug numbered `-1`, `-2`, … (the rules of github-slugger, which GitHub's renderer follows:
 * https://github.com/Flet/github-slugger). Letters include CJK, so `## 拍摄时间` is `#拍摄时间`.
 * Explicit `<a id="…">` / `<a name="…">` anchors count too.
 */

const NOT_KEPT = /[^\p{L}\p{M}\p{N}\p{Pc} -]/gu

/** A heading's slug, before duplicates are numbered. */
export function githubSlug(heading: string): string {
  return renderedText(heading).toLowerCase().replace(NOT_KEPT, '').replace(/ /g, '-')
}

/** The heading's text as GitHub renders it: what the slug is made from. Code spans stay literal. */
function renderedText(heading: string): string {
  return heading
    .split(/(`[^`]*`)/)
    .map((part) => (part.startsWith('`') && part.endsWith('`') && part.length > 1 ? part.slice(1, -1) : renderedProse(part)))
    .join('')
    .trim()
}

function renderedProse(text: string): string {
  return text
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // links and images keep their text
    .replace(/<[^>]+>/g, '') // inline HTML
    .replace(/(\*\*|__|\*|~~)/g, '')
    .replace(/(^|\s)_(\S[^_]*\S|\S)_(?=\s|$)/g, '$1$2') // _emphasis_, but not snake_case
}

/** Every anchor a markdown document offers. */
export function markdownAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>()
  const seen = new Map<string, number>()
  let fence: string | null = null
  for (const line of markdown.split('\n')) {
    const fenceMark = /^\s{0,3}(`{3,}|~{3,})/.exec(line)?.[1]
    if (fenceMark) {
      if (fence === null) fence = fenceMark[0]!
      else if (fenceMark[0] === fence) fence = null
      continue
    }
    if (fence !== null) continue
    for (const match of line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(match[1]!)
    const heading = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1]
    if (heading === undefined) continue
    const slug = githubSlug(heading)
    const count = seen.get(slug) ?? 0
    seen.set(slug, count + 1)
    anchors.add(count === 0 ? slug : `${slug}-${count}`)
  }
  return anchors
}
