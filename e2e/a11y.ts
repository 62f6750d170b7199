// Accessibility check of whatever the page shows now: axe-core (the package itself, its own browser
// build) injected into the page and run against WCAG 2.1 A/AA rules.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { Page } from 'playwright-core'
import type { AxeResults, Result } from 'axe-core'

const require = createRequire(import.meta.url)
let axeSource: string | null = null

/** axe-core's browser build, read once from node_modules. */
function axeScript(): string {
  axeSource ??= readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8')
  return axeSource
}

/** A violation as a readable line: rule, impact, and where (the first few targets). */
export function describeViolation(violation: Result): string {
  const where = violation.nodes
    .slice(0, 3)
    .map((node) => node.target.join(' '))
    .join(' | ')
  return `${violation.id} (${violation.impact}): ${violation.help} — ${where}`
}

/**
 * Runs axe on the page (WCAG 2.0/2.1 A and AA rules) and returns the serious and critical
 * violations. The app's CSP forbids inline scripts, so `addScriptTag({ content })` would be refused
 * (and logged as an error); the same source is evaluated through the DevTools protocol instead,
 * which leaves the page's CSP in force for everything else.
 */
export async function seriousViolations(page: Page): Promise<Result[]> {
  const loaded = await page.evaluate(() => typeof (window as unknown as { axe?: unknown }).axe === 'object')
  if (!loaded) await page.evaluate(axeScript())
  const results = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<AxeResults> } }).axe
    return axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
      resultTypes: ['violations'],
    })
  })
  return results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
}
