import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
// @ts-expect-error -- plain .mjs script without type declarations
import { needsBuild } from './start.mjs'

let dir: string
const T0 = new Date('2026-01-01T00:00:00Z')
const LATER = new Date('2026-01-02T00:00:00Z')

function file(path: string, time: Date) {
  const full = join(dir, path)
  mkdirSync(join(full, '..'), { recursive: true })
  writeFileSync(full, 'x')
  utimesSync(full, time, time)
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'doc-attach-start-'))
  file('src/main.ts', T0)
  file('index.html', T0)
  // Directories count too (a deleted file changes its folder's time): pin them to T0.
  utimesSync(join(dir, 'src'), T0, T0)
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

describe('npm start: needsBuild', () => {
  it('builds when dist/index.html is missing', () => {
    expect(needsBuild(dir)).toBe(true)
  })

  it('does not build when dist is newer than every source', () => {
    file('dist/index.html', LATER)
    expect(needsBuild(dir)).toBe(false)
  })

  it('builds when a source changed after the last build', () => {
    file('dist/index.html', LATER)
    file('src/components/NewThing.vue', new Date('2026-01-03T00:00:00Z'))
    expect(needsBuild(dir)).toBe(true)
  })

  it('ignores changed tests, which are not part of the bundle', () => {
    file('dist/index.html', LATER)
    file('src/api/http.test.ts', new Date('2026-01-03T00:00:00Z'))
    utimesSync(join(dir, 'src'), T0, T0)
    utimesSync(join(dir, 'src', 'api'), T0, T0)
    expect(needsBuild(dir)).toBe(false)
  })
})
