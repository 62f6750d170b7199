/**
 * `npm run docs:check` (scripts/docs-check/): what it reports in a small repository held in memory,
 * and what it must leave alone (URLs, package names, globs, placeholders, generated files).
 */
import { describe, expect, it } from 'vitest'
import { githubSlug, markdownAnchors } from './docs-check/anchors'
import { checkRepository, undocumentedDependencies, type Repository } from './docs-check/check'
import { commentLines } from './docs-check/comments'

const BASE: Record<string, string> = {
  'README.md': '# Doc Attach\n\n## Configuration\n',
  'docs/api.md': '# API\n\n## Conventions\n\n### `POST /api/documents/:docId/insertions`\n\n## Conventions\n',
  'docs/evidence.md': '# 证据码：拍摄「时间」与地点？\n\n## Stream CPU and scale (2026-12-02)\n',
  'server/dingtalk/client.ts': 'export const x = 1\n',
  'server/dingtalk/README.md': '# server/dingtalk\n\n## Errors\n',
  'src/media/jpeg-metadata.ts': 'export const y = 2\n',
  '.ci/run': '#!/usr/bin/env bash\nnpm test\n',
}

function repo(extra: Record<string, string>, ignored: string[] = [], packageFiles: string[] = []): Repository {
  const files = { ...BASE, ...extra }
  return {
    files: Object.keys(files),
    read: (path) => files[path] ?? '',
    isIgnored: (path) => ignored.some((prefix) => path === prefix || path.startsWith(prefix)),
    isPackageFile: (path) => packageFiles.includes(path),
  }
}

/** The problems docs:check reports for the added files, as `file:line target`. */
function problems(extra: Record<string, string>, ignored?: string[], packageFiles?: string[]): string[] {
  return checkRepository(repo(extra, ignored, packageFiles)).map((p) => `${p.file}:${p.line} ${p.target}`)
}

describe('docs:check anchors', () => {
  it('slugs headings as GitHub does: code, punctuation and CJK punctuation go, CJK letters stay', () => {
    expect(githubSlug('`POST /api/documents/:docId/insertions`')).toBe('post-apidocumentsdocidinsertions')
    expect(githubSlug('`POST /api/documents/:docId/resources?name=<file name>`')).toBe('post-apidocumentsdocidresourcesnamefile-name')
    expect(githubSlug('Sign in <em>first</em>')).toBe('sign-in-first')
    expect(githubSlug('Stream CPU and scale (2026-12-02)')).toBe('stream-cpu-and-scale-2026-12-02')
    expect(githubSlug('证据码：拍摄「时间」与地点？')).toBe('证据码拍摄时间与地点')
    expect(githubSlug('Files *and* [links](x.md) in `snake_case`')).toBe('files-and-links-in-snake_case')
  })

  it('numbers a repeated heading, ignores headings in fenced code, and keeps explicit ids', () => {
    const anchors = markdownAnchors('# A\n\n```sh\n# not a heading\n```\n\n## A\n\n<a id="kept"></a>\n')
    expect([...anchors].sort()).toEqual(['a', 'a-1', 'kept'])
  })
})

describe('docs:check in markdown', () => {
  it('resolves relative links from the file and checks their anchors', () => {
    const doc = [
      '[ok](api.md#conventions) [ok too](../README.md#configuration) [CJK](evidence.md#证据码拍摄时间与地点)',
      '[encoded](evidence.md#%E8%AF%81%E6%8D%AE%E7%A0%81%E6%8B%8D%E6%91%84%E6%97%B6%E9%97%B4%E4%B8%8E%E5%9C%B0%E7%82%B9)',
      '[second](api.md#conventions-1) [self](#reading) [dir](../server/dingtalk/)',
      '[gone](upload.md) [no anchor](api.md#errors) [wrong base](docs/api.md)',
      '## Reading',
    ].join('\n')
    expect(problems({ 'docs/guide.md': doc })).toEqual([
      'docs/guide.md:4 upload.md',
      'docs/guide.md:4 api.md#errors',
      'docs/guide.md:4 docs/api.md',
    ])
  })

  it('checks backticked and plain paths, file names and their anchors', () => {
    const doc = [
      'See `server/dingtalk/client.ts`, client.ts and docs/api.md#conventions.',
      'Gone: `server/drills/`, `client.test.ts`, docs/api.md#nothing, `dingtalk/transport.ts`.',
      'In fenced code too:',
      '```sh',
      'npx vitest run server/drills',
      '```',
    ].join('\n')
    expect(problems({ 'docs/guide.md': doc })).toEqual([
      'docs/guide.md:2 server/drills/',
      'docs/guide.md:2 client.test.ts',
      'docs/guide.md:2 docs/api.md#nothing',
      'docs/guide.md:2 dingtalk/transport.ts',
      'docs/guide.md:5 server/drills',
    ])
  })

  it('leaves URLs, package names, globs, placeholders, MIME types and generated files alone', () => {
    const doc = [
      '<https://open.dingtalk.com/document/development/api-docinsertblocks> [doc](https://x.example/a.md#b)',
      '`@alicloud/dingtalk`, `node:fs`, `src/**/*.test.ts`, `/api/documents/<docId>/uploads`, `server/routes/<area>.ts`',
      '`image/jpeg`, `application/json`, and/or, `/usr/bin/chromium`, `v1.0/v2.0`, `.d.ts`, `IMG_1.jpg`',
      '`dist/index.html`, `e2e/artifacts/`, `node_modules/@alicloud/dingtalk/dist/client.d.ts`',
      '`lib/bridge/h5Android.js` of dingtalk-jsapi, response.json() and `{id}.md`',
    ].join('\n')
    expect(problems({ 'docs/guide.md': doc }, ['dist/', 'e2e/artifacts/'], ['lib/bridge/h5Android.js'])).toEqual([])
  })

  it('flags files cited outside the repository', () => {
    const doc = 'Read `../outside/brief.md`, /work/elsewhere/notes.md, [brief](../../elsewhere/brief.md) and `shared/reference/x.md`.'
    expect(problems({ 'docs/guide.md': doc })).toEqual([
      'docs/guide.md:1 ../../elsewhere/brief.md',
      'docs/guide.md:1 ../outside/brief.md',
      'docs/guide.md:1 /work/elsewhere/notes.md',
      'docs/guide.md:1 shared/reference/x.md',
    ])
  })
})

describe('docs:check in code comments', () => {
  it('checks paths, file names and anchors named in comments, never in strings or code', () => {
    const source = [
      '/**',
      ' * Maps errors (docs/api.md#conventions, server/dingtalk/README.md#errors); see client.ts and ./jpeg-metadata.',
      ' * Gone: client.test.ts, server/drills/faults.test.ts, docs/api.md#mapping, ../../elsewhere/brief.md.',
      ' */',
      "const url = 'https://x.example/a//b' // nothing here: docs/evidence.md#stream-cpu-and-scale-2026-12-02",
      "const path = 'server/drills/gone.ts' + `${'docs/missing.md'}` // but this: docs/missing.md",
      'const re = /\\/\\/ not a comment docs\\/gone.md/',
    ].join('\n')
    expect(problems({ 'src/media/metadata-strip.ts': source })).toEqual([
      'src/media/metadata-strip.ts:3 client.test.ts',
      'src/media/metadata-strip.ts:3 server/drills/faults.test.ts',
      'src/media/metadata-strip.ts:3 docs/api.md#mapping',
      'src/media/metadata-strip.ts:3 ../../elsewhere/brief.md',
      'src/media/metadata-strip.ts:6 docs/missing.md',
    ])
  })

  it('reads comments of Vue, CSS and shell files, .ci/run included, with their line numbers', () => {
    const vue =
      '<template>\n  <!-- docs/gone.md -->\n  <p>don\'t: docs/not-a-comment.md</p>\n</template>\n<script setup lang="ts">\n// src/gone.ts\n</script>\n<style>\n/* styles/gone.css */\n</style>\n'
    expect(commentLines(vue, 'vue').map((c) => [c.line, c.text.trim()])).toEqual([
      [2, 'docs/gone.md'],
      [6, 'src/gone.ts'],
      [9, 'styles/gone.css'],
    ])
    const run = '#!/usr/bin/env bash\n# docs/operations.md#supported-node-versions\necho "#not" ${#x} # docs/gone.md\n'
    expect(problems({ '.ci/run': run, 'docs/operations.md': '## Supported Node versions\n' })).toEqual(['.ci/run:3 docs/gone.md'])
  })

  it('takes an example value in a comment for what it is when nothing it names could exist', () => {
    const comment = '// `../../etc/x` becomes `x`; `../../etc/x.ts` would be a file\n'
    expect(problems({ 'server/services/upload/file-name.ts': comment })).toEqual(['server/services/upload/file-name.ts:1 ../../etc/x.ts'])
  })
})

describe('docs:check quoted sections', () => {
  it('needs the named markdown file to hold the quoted section or phrase; a bare README is the nearest one up', () => {
    const source = [
      '// docs/api.md "Conventions" and docs/api.md "Retry list"',
      '// README "Errors" (server/dingtalk/README.md) and README "Faults"',
    ].join('\n')
    expect(checkRepository(repo({ 'server/dingtalk/endpoints/auth.ts': source })).map((p) => `${p.line} ${p.target}`)).toEqual([
      '1 docs/api.md "Retry list"',
      '2 README "Faults"',
    ])
  })
})

describe('docs:check dependencies', () => {
  it('names each runtime dependency without a row in docs/dependencies.md', () => {
    const pkg = JSON.stringify({ dependencies: { pg: '^8', konva: '^10' }, devDependencies: { vitest: '^4' } })
    expect(undocumentedDependencies(pkg, '| `pg` | the registry |')).toEqual(['konva'])
  })
})
