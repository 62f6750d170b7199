/**
 * `npm run docs:check`: fails, listing each problem, when a repository path, file name or `#anchor`
 * named in a markdown file or a code comment does not resolve, when a quoted section of a markdown
 * file is not in it, when one cites a file outside the repository, or when a runtime dependency has
 * no row in docs/dependencies.md. The rules are in scripts/docs-check/check.ts.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { checkRepository, undocumentedDependencies, type Repository } from './docs-check/check'

const root = join(import.meta.dirname, '..')

function git(args: string[]): { status: number | null; stdout: string } {
  const result = spawnSync('git', args, { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  if (result.error) throw new Error(`docs:check needs git (${result.error.message})`)
  return { status: result.status, stdout: result.stdout }
}

// Tracked files and new ones not yet added, without what .gitignore excludes; deleted ones dropped.
const listed = git(['ls-files', '-z', '--cached', '--others', '--exclude-standard'])
if (listed.status !== 0) throw new Error('docs:check: `git ls-files` failed; run it inside the repository')
const files = [...new Set(listed.stdout.split('\0'))].filter((f) => f !== '' && existsSync(join(root, f))).sort()

const packageJson = readFileSync(join(root, 'package.json'), 'utf8')
const manifest = JSON.parse(packageJson) as { dependencies?: object; devDependencies?: object }
const packages = [...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.devDependencies ?? {})]

const repo: Repository = {
  files,
  read: (path) => readFileSync(join(root, path), 'utf8'),
  isIgnored: (path) => git(['check-ignore', '-q', path]).status === 0,
  isPackageFile: (path) =>
    existsSync(join(root, 'node_modules', path)) || packages.some((name) => existsSync(join(root, 'node_modules', name, path))),
}

const problems = checkRepository(repo).map((p) => `${p.file}:${p.line}: ${p.target}: ${p.reason}`)
for (const name of undocumentedDependencies(packageJson, repo.read('docs/dependencies.md'))) {
  problems.push(`package.json: ${name}: a runtime dependency without a row in docs/dependencies.md`)
}

if (problems.length > 0) {
  console.error(problems.join('\n'))
  console.error(`\ndocs:check: ${problems.length} problem(s) in ${files.length} files`)
  process.exit(1)
}
console.log(`docs:check: every path, file name and #anchor named in ${files.length} files resolves`)
