// .ci/run runs `npm test` on Node 24 and 22 from the npm registry (`npx -p node@N`). This test proves
// the tests really ran on that Node, not on the machine's own: it prints the version from inside a
// test worker and, when CI says which major it meant (EXPECT_NODE_MAJOR), checks it.
import { describe, expect, it } from 'vitest'

const major = Number(process.versions.node.split('.')[0])

describe('the Node running the tests', () => {
  it('is the one CI asked for, and one package.json "engines" allows', () => {
    console.log(`[node-version] tests run on Node ${process.version}`)
    // package.json "engines": ^20.19 || ^22.12 || >=24.
    expect(major === 20 || major === 22 || major >= 24, `Node ${process.version} is outside package.json "engines"`).toBe(true)
    const expected = process.env.EXPECT_NODE_MAJOR
    if (expected !== undefined) expect(String(major)).toBe(expected)
  })
})
