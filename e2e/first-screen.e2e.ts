// The first screen's weight (budget: JS + CSS ≤ 150 KiB gzip, bench/README.md#measured), measured on the build the browser
// tests run against: what index.html loads (its script, modulepreloads and stylesheets), gzip -9.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { expect, test } from 'vitest'

const DIST = fileURLToPath(new URL('../dist/', import.meta.url))
const BUDGET_BYTES = 150 * 1024

test('the first screen (JS + CSS index.html loads) is within 150 KiB gzip, with no DingTalk SDK in it', () => {
  const html = readFileSync(`${DIST}index.html`, 'utf8')
  const files = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]!)
  expect(files.some((f) => f.endsWith('.js'))).toBe(true)
  let total = 0
  for (const file of files) {
    const bytes = readFileSync(`${DIST}${file}`)
    total += gzipSync(bytes, { level: 9 }).length
    // dingtalk-jsapi is loaded only inside DingTalk, on first use (docs/dingtalk.md#jsapi).
    expect(bytes.includes('DINGTALK-JSAPI'), `${file} carries dingtalk-jsapi`).toBe(false)
  }
  console.log(`[e2e] first screen: ${files.length} files, ${(total / 1024).toFixed(1)} KiB gzip`)
  expect(total).toBeLessThanOrEqual(BUDGET_BYTES)
})
