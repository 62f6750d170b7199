// Runs once before the e2e-webkit project: one clear message when WebKitWebDriver, MiniBrowser or Xvfb
// is missing (the suite never skips), then the same stale-build check as the Chromium suite.
import { buildWhenStale } from '../global-setup'
import { missingWebKitTools } from './processes'

export default function setup(): void {
  const missing = missingWebKitTools()
  if (missing) throw new Error(missing)
  buildWhenStale()
}
