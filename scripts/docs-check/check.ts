/**
 * `npm run docs:check`'s rules: every repository path, file name and `#anchor` named in a markdown
 * file or in a code comment must resolve, and nothing may cite a file outside the repository.
 *
 * - Markdown links resolve from the file that holds them, as on GitHub (`/x` from the repository's
 *   root); an `#anchor` must be a heading (or `<a id>`) of the markdown file it points into.
 * - A mention (a word of the prose, a code span or a comment) is taken as a path when it starts with
 *   `./` or `../`, or its first folder is a top-level folder of the repository or a folder beside the
 *   file, or it ends in a source file extension (then it must be the end of some file's path). A word
 *   without `/` is a file name when it ends in a source file extension; it must exist somewhere.
 * - A markdown file named with a quoted section or phrase (`README "Faults"`, in a comment) must
 *   contain that text (formatting aside, any case); a bare `README` is the nearest one up the tree.
 * - Not paths: URLs (`https:`, `node:`), package names and aliases (`@scope/x`), `node_modules`,
 *   globs and placeholders (`*`, `<docId>`, `{id}`, `$VAR`, `…`), absolute system paths
 *   (`/usr/bin/chromium`), what git ignores (build output such as `dist/`), and files of installed
 *   packages (`lib/bridge/h5Ios.js` of dingtalk-jsapi).
 * - A relative path (`./<name>`, `../<name>`) in a code example or comment may be a module specifier without
 *   its extension (`./anchors`), or written from the repository's root in a markdown snippet.
 */
import { markdownAnchors } from './anchors'
import { commentLines } from './comments'
import { markdownReferences, mentions, type Reference } from './references'

export interface Repository {
  /** Every file, as a path relative to the repository's root with `/` separators. */
  files: readonly string[]
  read(path: string): string
  /** Whether git ignores this path (generated: build output, fixtures, artifacts). */
  isIgnored(path: string): boolean
  /** Whether this is a file of an installed package (`lib/env.js` of dingtalk-jsapi, `axe-core/axe.min.js`). */
  isPackageFile(path: string): boolean
}

export interface Problem {
  file: string
  line: number
  target: string
  reason: string
}

const SOURCE_FILE = /\.(ts|tsx|vue|js|mjs|cjs|json|md|css|sh|ya?ml|conf|service|html)$/
const SCHEME = /^[a-z][a-z0-9+.-]*:/i
const PLACEHOLDER = /[<>{}*?$…|\\%=,;'"`[\]]/

type Verdict = { reason: string } | { file: string; anchor: string } | null

export function checkRepository(repo: Repository): Problem[] {
  const index = indexFiles(repo.files)
  const anchorCache = new Map<string, Set<string>>()
  const anchorsOf = (path: string) => {
    let anchors = anchorCache.get(path)
    if (!anchors) anchorCache.set(path, (anchors = markdownAnchors(repo.read(path))))
    return anchors
  }
  const problems: Problem[] = []
  for (const file of repo.files) {
    for (const ref of referencesOf(file, repo)) {
      if (ref.kind === 'section') {
        const reason = checkSection(file, ref.target, ref.quote ?? '', index, repo)
        if (reason !== null) problems.push({ file, line: ref.line, target: `${ref.target} "${ref.quote}"`, reason })
        continue
      }
      const verdict = ref.kind === 'link' ? resolveLink(file, ref.target, index, repo) : resolveMention(file, ref.target, index, repo)
      if (verdict === null) continue
      if ('reason' in verdict) {
        problems.push({ file, line: ref.line, target: ref.target, reason: verdict.reason })
      } else if (verdict.anchor !== '' && verdict.file.endsWith('.md') && !anchorsOf(verdict.file).has(decodeAnchor(verdict.anchor))) {
        problems.push({ file, line: ref.line, target: ref.target, reason: `${verdict.file} has no heading for #${verdict.anchor}` })
      }
    }
  }
  return problems
}

/** Runtime dependencies of package.json without a row (`` `name` ``) in docs/dependencies.md. */
export function undocumentedDependencies(packageJson: string, dependenciesDoc: string): string[] {
  const parsed: unknown = JSON.parse(packageJson)
  const deps = typeof parsed === 'object' && parsed !== null && 'dependencies' in parsed ? parsed.dependencies : {}
  const names = typeof deps === 'object' && deps !== null ? Object.keys(deps) : []
  return names.filter((name) => !dependenciesDoc.includes(`\`${name}\``))
}

interface FileIndex {
  files: Set<string>
  dirs: Set<string>
  topDirs: Set<string>
  byName: Map<string, string[]>
}

function indexFiles(files: readonly string[]): FileIndex {
  const dirs = new Set<string>()
  const byName = new Map<string, string[]>()
  for (const file of files) {
    const parts = file.split('/')
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'))
    const name = parts[parts.length - 1]!
    byName.set(name, [...(byName.get(name) ?? []), file])
  }
  const topDirs = new Set([...dirs].filter((d) => !d.includes('/')))
  return { files: new Set(files), dirs, topDirs, byName }
}

function referencesOf(file: string, repo: Repository): Reference[] {
  if (file.endsWith('.md')) return markdownReferences(repo.read(file))
  const kind = /\.(ts|tsx|js|mjs|cjs)$/.test(file)
    ? 'js'
    : file.endsWith('.vue')
      ? 'vue'
      : file.endsWith('.css')
        ? 'css'
        : file.endsWith('.sh') || file === '.ci/run'
          ? 'sh'
          : null
  if (kind === null) return []
  return commentLines(repo.read(file), kind).flatMap(mentions)
}

function resolveLink(file: string, target: string, index: FileIndex, repo: Repository): Verdict {
  if (SCHEME.test(target) || target.startsWith('//')) return null
  const [rawPath, anchor = ''] = splitAnchor(target)
  const path = safeDecode(rawPath)
  if (path === '') return { file, anchor }
  const resolved = path.startsWith('/') ? normalize(path.slice(1)) : normalize(join(dirOf(file), path))
  return existing(resolved, path, anchor, index, repo)
}

function resolveMention(file: string, word: string, index: FileIndex, repo: Repository): Verdict {
  const target = word.replace(/:\d+(?:[-:]\d+)*$/, '')
  if (SCHEME.test(target) || target.startsWith('@') || PLACEHOLDER.test(target) || target.includes('node_modules')) return null
  if (target.startsWith('/')) return target.startsWith('/work/') ? outside(target) : null
  const [rawPath, anchor = ''] = splitAnchor(target)
  const path = rawPath.replace(/\/+$/, '')
  const dir = dirOf(file)
  if (path === '' || path === '.' || path === '..' || /^\.[\w.]*$/.test(path.split('/').pop()!)) return null
  if (path.startsWith('./') || path.startsWith('../')) return relativeMention(file, path, anchor, index, repo)
  if (!path.includes('/')) {
    if (!SOURCE_FILE.test(path)) return null
    const beside = join(dir, path)
    if (index.files.has(beside)) return { file: beside, anchor }
    const found = index.byName.get(path)
    if (found) return { file: found.find((f) => f.endsWith('.md') && anchorsKnown(f, anchor, repo)) ?? found[0]!, anchor }
    return missing(path, `no file named ${path} in the repository`, repo)
  }
  const first = path.split('/')[0]!
  if (index.topDirs.has(first)) {
    const beside = join(dir, path)
    if (!exists(path, index) && exists(beside, index)) return { file: beside, anchor }
    return exists(path, index) ? { file: path, anchor } : missing(path, `${path} does not exist`, repo)
  }
  if (first === 'shared') return outside(path)
  if (index.dirs.has(join(dir, first))) {
    const beside = join(dir, path)
    return exists(beside, index) ? { file: beside, anchor } : missing(beside, `${beside} does not exist`, repo)
  }
  if (!SOURCE_FILE.test(path)) return null
  const match = [...index.files].find((f) => f.endsWith(`/${path}`))
  return match ? { file: match, anchor } : missing(path, `no file ending in ${path} in the repository`, repo)
}

/**
 * `./<name>` or `../<name>` in prose, a snippet or a comment: from the file's folder (or, in markdown, from the
 * root, as snippets are written), with or without a module's extension. Missing, it is a problem when
 * it climbs out of the repository, names a source file, or its folder exists; otherwise it is an
 * example value (`../../etc/x` in a comment on path traversal).
 */
function relativeMention(file: string, path: string, anchor: string, index: FileIndex, repo: Repository): Verdict {
  const fromFile = normalize(join(dirOf(file), path))
  if (fromFile === null || fromFile.split('/')[0] === 'shared') return outside(path)
  const fromRoot = file.endsWith('.md') ? normalize(path) : null
  for (const base of [fromFile, fromRoot]) {
    if (base === null) continue
    const hit = ['', '.ts', '.vue', '.js', '.mjs', '/index.ts'].map((ext) => base + ext).find((p) => exists(p, index))
    if (hit !== undefined) return { file: hit, anchor }
  }
  if (SOURCE_FILE.test(path) || index.dirs.has(dirOf(fromFile))) return missing(fromFile, `${fromFile} does not exist`, repo)
  return null
}

function exists(path: string, index: FileIndex): boolean {
  return index.files.has(path) || index.dirs.has(path)
}

/** A path that is not in the repository: fine when generated (git ignores it) or a package's file. */
function missing(path: string, reason: string, repo: Repository): Verdict {
  return repo.isIgnored(path) || repo.isIgnored(`${path}/`) || repo.isPackageFile(path) ? null : { reason }
}

/** Why a quoted section or phrase does not resolve, or null when its file contains it. */
function checkSection(file: string, named: string, quote: string, index: FileIndex, repo: Repository): string | null {
  let target: string | null = null
  if (named === 'README') {
    for (let dir = dirOf(file); target === null; dir = dirOf(dir)) {
      if (index.files.has(join(dir, 'README.md'))) target = join(dir, 'README.md')
      else if (dir === '') break
    }
  } else {
    const verdict = resolveMention(file, named, index, repo)
    if (verdict !== null && !('reason' in verdict)) target = verdict.file
    else if (verdict !== null) return verdict.reason
  }
  if (target === null || !target.endsWith('.md') || !index.files.has(target)) return null
  return plainText(repo.read(target)).includes(plainText(quote)) ? null : `${target} has no section or text "${quote}"`
}

/** Markdown reduced to comparable text: no code or emphasis marks, one space, lower case. */
function plainText(markdown: string): string {
  return markdown.replace(/[`*]/g, '').replace(/\s+/g, ' ').toLowerCase()
}

/** Whether a markdown file has the anchor (used to pick among files of the same name). */
function anchorsKnown(file: string, anchor: string, repo: Repository): boolean {
  return anchor === '' || markdownAnchors(repo.read(file)).has(decodeAnchor(anchor))
}

function existing(resolved: string | null, named: string, anchor: string, index: FileIndex, repo: Repository): Verdict {
  if (resolved === null) return outside(named)
  if (exists(resolved, index) || resolved === '') return { file: resolved, anchor }
  return missing(resolved, `${resolved} does not exist`, repo)
}

function outside(named: string): Verdict {
  return { reason: `${named} is outside the repository: cite the repository's own docs/ or a public URL` }
}

function splitAnchor(target: string): [string, string?] {
  const at = target.indexOf('#')
  return at === -1 ? [target] : [target.slice(0, at), target.slice(at + 1)]
}

function decodeAnchor(anchor: string): string {
  return safeDecode(anchor).toLowerCase()
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

function dirOf(file: string): string {
  const at = file.lastIndexOf('/')
  return at === -1 ? '' : file.slice(0, at)
}

function join(dir: string, path: string): string {
  return dir === '' ? path : `${dir}/${path}`
}

/** `a/./b/../c` → `a/c`; null when it climbs above the repository's root. */
function normalize(path: string): string | null {
  const parts: string[] = []
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue
    if (part === '..') {
      if (parts.length === 0) return null
      parts.pop()
    } else parts.push(part)
  }
  return parts.join('/')
}
