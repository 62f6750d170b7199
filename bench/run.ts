/**
 * `npm run bench`: the performance benchmark behind bench/README.md#measured. Phases (each prints progress):
 *   startup — spawn `tsx server/main.ts` until /api/health answers 200
 *   calls   — DingTalk open-API calls per photo, batches of 1/10/50, both layouts
 *   stream  — 1 GiB through the upload route vs straight to storage; server RSS growth; server CPU
 *             per GiB vs a minimal Node relay (and that relay hashing SHA-256) in the same run
 *   attach  — the real H5 in headless Chromium on a 10 Mbit/s, 150 ms link vs naive uploads
 *   takenAt — calls per photo with the taken-at caption line on every photo (batches of 10)
 *   resume  — a 60 MB resumable (tus) upload on that link, cut at 30 % and 70 %: bytes sent, time
 *   scale   — 2 replicas on Redis behind nginx, DingTalk's shared budget the limit: failures, calls/s
 *   evidence — the stamp's cost per 12 MP photo (CPU ×4) and the 10-photo attach with it on and off
 *   markup  — 20 marks drawn into a 2560 px photo (CPU 4× throttled); tap → markup editor ready (150 ms link)
 * Writes bench/results.json, prints a table and pass/fail per target; exits 1 if a target or a
 * phase failed. `npm run bench -- attach calls` runs only the phases named (for working on one;
 * results.json is then left alone, unless `--merge` is given: then the phases run replace their
 * keys in the existing results.json). See bench/README.md.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromiumPath } from '../e2e/browser'
import { killChildrenOnSignals } from '../testing/child-processes'
import { startChildServer } from '../testing/drills/processes'
import { round } from '../testing/drills/stats'
import { ensurePhotos } from './lib/fixtures'
import { runAttach, type AttachResult } from './lib/phase-attach'
import { runEvidenceClient, type EvidenceClientResult } from './lib/phase-evidence'
import { runCallsByProfile, type CallsByProfile, type CallsResult } from './lib/phase-calls'
import { measureHealthReady } from './lib/phase-startup'
import { runResume, type ResumeResult } from './lib/phase-resume'
import { runScale, type ScaleResult } from './lib/phase-scale'
import { runStream, type StreamResult } from './lib/phase-stream'
import { runTakenAtCalls, type TakenAtCallsResult } from './lib/phase-taken-at'
import { runEvidenceLookup, type EvidenceLookupResult } from './lib/phase-evidence-lookup'
import { runMarkup, type MarkupResult } from './lib/phase-markup'
import { progress, target, type TargetCheck } from './lib/report'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const PHOTOS = 10
const PHASES = ['startup', 'calls', 'stream', 'attach', 'resume', 'takenAt', 'scale', 'markup', 'evidence'] as const
const selected = process.argv.slice(2).filter((a): a is (typeof PHASES)[number] => (PHASES as readonly string[]).includes(a))
const runs = (name: (typeof PHASES)[number]) => selected.length === 0 || selected.includes(name)
/** With some phases named: write their results into the existing results.json, keeping the rest. */
const merge = process.argv.includes('--merge')

/**
 * Server environment shared by every phase: sandbox, loopback, warnings only, one session secret,
 * and a throw-away DATA_DIR (the insertion journal) so a developer's `.data/` is never touched.
 */
const SERVER_ENV: Record<string, string> = {
  HOST: '127.0.0.1',
  PORT: '0',
  LOG_LEVEL: 'warn',
  SESSION_SECRET: 'bench-session-secret-0123456789-abcdefghijklmnop',
  DATA_DIR: mkdtempSync(join(tmpdir(), 'doc-attach-bench-')),
}

interface Results {
  attach: AttachResult | null
  stream: StreamResult | null
  /** `calls` of the rich profile, kept under its own key as before. */
  calls: CallsResult | null
  scale: ScaleResult | null
  callsByProfile: CallsByProfile | null
  resume: ResumeResult | null
  takenAtCalls: TakenAtCallsResult | null
  /** `evidence.*` keys of every evidence phase file (lookups, the H5's stamp), merged into one object (DESIGN §8). */
  evidence: (Partial<EvidenceLookupResult> & Partial<EvidenceClientResult> & Record<string, number>) | null
  startup: { healthReadyMs: number | null; firstDocumentsMs: number | null }
  markup?: MarkupResult | null
}

/** Newest modification time under `dir` (files only). */
function newestMtime(path: string): number {
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  return Math.max(0, ...readdirSync(path).map((name) => newestMtime(join(path, name))))
}

/** Builds the H5 when dist/ is missing or older than its sources, as `npm start` does. */
function ensureBuiltH5(): void {
  const index = join(ROOT, 'dist/index.html')
  const sources = ['src', 'index.html', 'vite.config.ts', 'public'].map((p) => join(ROOT, p)).filter(existsSync)
  if (existsSync(index) && statSync(index).mtimeMs >= Math.max(...sources.map(newestMtime))) return
  progress('build', 'building the H5 (vite build)')
  const res = spawnSync(join(ROOT, 'node_modules/.bin/vite'), ['build', '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit' })
  if (res.status !== 0) throw new Error('vite build failed')
}

async function phase<T>(name: string, errors: string[], fn: () => Promise<T>): Promise<T | null> {
  progress(name, 'start')
  const t0 = performance.now()
  try {
    const out = await fn()
    progress(name, `done in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
    return out
  } catch (err) {
    const message = err instanceof Error ? (err.stack ?? err.message) : String(err)
    progress(name, `FAILED: ${message}`)
    errors.push(`${name}: ${message.split('\n')[0]}`)
    return null
  }
}

function roundAll<T extends object>(obj: T): T {
  return JSON.parse(JSON.stringify(obj, (_k, v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? round(v, 3) : v))) as T
}

/**
 * What the phases need and can be checked in a second, before minutes of work: the attach phase needs
 * Chromium. Throws one clear line.
 */
function checkPrerequisites(): void {
  if (runs('attach') || runs('evidence')) chromiumPath()
}

/** What the table shows for a phase without a result: it was not asked for, or it failed. */
function missing(phase: (typeof PHASES)[number]): string {
  return runs(phase) ? 'failed' : 'not run'
}

/** Table rows "calls/photo <profile> <layout> 1 | 10 | 50". */
function profileRows(byProfile: CallsByProfile | null): Record<string, string> {
  const rows: Record<string, string> = {}
  for (const profile of ['documented', 'minimal'] as const) {
    for (const layout of ['separate', 'together'] as const) {
      const values = byProfile?.[profile][layout]
      rows[`calls/photo ${profile} ${layout} 1 | 10 | 50`] = values
        ? Object.values(values)
            .map((v) => round(v, 2))
            .join(' | ')
        : missing('calls')
    }
  }
  return rows
}

async function main(): Promise<number> {
  checkPrerequisites()
  const errors: string[] = []
  const photos =
    runs('attach') || runs('evidence')
      ? await phase('fixtures', errors, () => ensurePhotos(join(ROOT, 'bench/fixtures'), PHOTOS, (m) => progress('fixtures', m)))
      : null
  if (runs('attach') || runs('evidence') || runs('markup')) await phase('build', errors, async () => ensureBuiltH5())
  const healthReadyMs = runs('startup') ? await phase('startup', errors, () => measureHealthReady(SERVER_ENV)) : null

  // One emulator for the other phases, in its own process so the server's memory is the server's.
  const emulator = await startChildServer({}, { emulator: true })
  const emulatorUrl = emulator.url
  let callsByProfile: CallsByProfile | null = null
  let stream: StreamResult | null = null
  let resume: ResumeResult | null = null
  let takenAtCalls: TakenAtCallsResult | null = null
  let browser: Awaited<ReturnType<typeof runAttach>> | null = null
  let scale: ScaleResult | null = null
  let evidenceLookup: EvidenceLookupResult | null = null
  let evidenceClient: EvidenceClientResult | null = null
  let markup: MarkupResult | null = null
  try {
    // Each profile gets its own emulator process; the shared one serves the other phases.
    if (runs('calls')) callsByProfile = await phase('calls', errors, () => runCallsByProfile(SERVER_ENV))
    if (runs('stream')) stream = await phase('stream', errors, () => runStream(emulatorUrl, SERVER_ENV))
    if (runs('takenAt')) takenAtCalls = await phase('takenAt', errors, () => runTakenAtCalls(emulatorUrl, SERVER_ENV))
    if (runs('resume')) resume = await phase('resume', errors, () => runResume(emulatorUrl, SERVER_ENV))
    if (runs('attach') && photos) browser = await phase('attach', errors, () => runAttach(emulatorUrl, SERVER_ENV, photos))
    // Its own emulator, Redis, replicas and nginx (needs Debian's redis-server and nginx).
    if (runs('scale')) scale = await phase('scale', errors, () => runScale())
    if (runs('evidence')) evidenceLookup = await phase('evidence', errors, () => runEvidenceLookup(emulatorUrl, SERVER_ENV))
    if (runs('evidence') && photos)
      evidenceClient = await phase('evidence', errors, () => runEvidenceClient(emulatorUrl, SERVER_ENV, photos))
    if (runs('markup')) markup = await phase('markup', errors, () => runMarkup(emulatorUrl, SERVER_ENV))
  } finally {
    await emulator.stop()
    rmSync(SERVER_ENV['DATA_DIR'] ?? '', { recursive: true, force: true })
  }

  const calls = callsByProfile?.rich ?? null
  const measured: Results = roundAll({
    attach: browser?.attach ?? null,
    stream,
    calls,
    scale,
    callsByProfile,
    resume,
    takenAtCalls,
    evidence: evidenceLookup || evidenceClient ? { ...evidenceLookup, ...evidenceClient } : null,
    startup: { healthReadyMs, firstDocumentsMs: browser?.firstDocumentsMs ?? null },
    markup,
  })
  const resultsPath = join(ROOT, 'bench/results.json')
  let results = measured
  if (selected.length > 0 && merge && existsSync(resultsPath)) {
    const previous = JSON.parse(readFileSync(resultsPath, 'utf8')) as Results
    results = {
      attach: runs('attach') ? measured.attach : previous.attach,
      stream: runs('stream') ? measured.stream : previous.stream,
      calls: runs('calls') ? measured.calls : previous.calls,
      callsByProfile: runs('calls') ? measured.callsByProfile : (previous.callsByProfile ?? null),
      resume: runs('resume') ? measured.resume : (previous.resume ?? null),
      takenAtCalls: runs('takenAt') ? measured.takenAtCalls : (previous.takenAtCalls ?? null),
      scale: runs('scale') ? measured.scale : (previous.scale ?? null),
      evidence: runs('evidence') ? { ...previous.evidence, ...measured.evidence } : (previous.evidence ?? null),
      markup: runs('markup') ? measured.markup : (previous.markup ?? null),
      startup: {
        healthReadyMs: runs('startup') ? measured.startup.healthReadyMs : previous.startup.healthReadyMs,
        firstDocumentsMs: runs('attach') ? measured.startup.firstDocumentsMs : previous.startup.firstDocumentsMs,
      },
    }
  }
  if (selected.length === 0 || merge) writeFileSync(resultsPath, JSON.stringify(results, null, 2) + '\n')

  const a = results.attach
  console.log(
    selected.length === 0
      ? '\nResults (bench/results.json)'
      : `\nResults of ${selected.join(', ')} (bench/results.json ${merge ? 'updated for these phases' : 'not written'})`,
  )
  console.table({
    'attach: photos / MB original / MB sent': a
      ? `${a.photos} / ${(a.originalBytes / 1e6).toFixed(1)} / ${(a.sentBytes / 1e6).toFixed(1)}`
      : missing('attach'),
    'attach: link': a ? `${a.uplinkBitsPerSec / 1e6} Mbit/s up, ${a.rttMs} ms RTT` : missing('attach'),
    'attach: our app (s)': a?.seconds ?? missing('attach'),
    'attach: naive uploads (s)': a?.naiveSeconds ?? missing('attach'),
    'attach: originals on the link (s)': a?.originalLinkSeconds ?? missing('attach'),
    'attach: app / originals': a ? round(a.seconds / a.originalLinkSeconds, 3) : missing('attach'),
    'stream: GiB × clients': stream ? `${stream.bytes / 1024 ** 3} × ${stream.concurrency}` : missing('stream'),
    'stream: via server (MB/s)': stream ? round(stream.throughputMBps, 1) : missing('stream'),
    'stream: direct to storage (MB/s)': stream ? round(stream.directThroughputMBps, 1) : missing('stream'),
    'stream: server RSS growth (MB)': stream ? round(stream.rssGrowthMB, 1) : missing('stream'),
    'stream: CPU s/GiB server | minimal relay | relay + SHA-256': stream
      ? `${round(stream.serverCpuSecondsPerGiB, 2)} | ${round(stream.baselineCpuSecondsPerGiB, 2)} | ${round(stream.baselineWithSha256CpuSecondsPerGiB, 2)}`
      : missing('stream'),
    'scale: replicas × people × photos, failures': scale
      ? `${scale.replicas} × ${scale.people} × ${scale.photos}, ${scale.failures}`
      : missing('scale'),
    'scale: uploadInfo/s peak | mean, p95 (s)': scale
      ? `${scale.peakUploadInfoPerSecond} | ${round(scale.meanUploadInfoPerSecond, 1)}, ${round(scale.p95Seconds, 2)}`
      : missing('scale'),
    'calls/photo separate 1 | 10 | 50': calls
      ? Object.values(calls.separate)
          .map((v) => round(v, 2))
          .join(' | ')
      : missing('calls'),
    'calls/photo together 1 | 10 | 50': calls
      ? Object.values(calls.together)
          .map((v) => round(v, 2))
          .join(' | ')
      : missing('calls'),
    ...profileRows(callsByProfile),
    'calls/photo with taken-at caption separate | together (10)': takenAtCalls
      ? `${round(takenAtCalls.separate, 2)} | ${round(takenAtCalls.together, 2)}`
      : missing('takenAt'),
    'resume: MB on the link / file (ratio)': resume
      ? `${(resume.bytes / 1e6).toFixed(1)} / 60 (${round(resume.bytesSentRatio, 3)}), ${resume.cuts} cuts`
      : missing('resume'),
    'resume: seconds / link seconds': resume ? `${round(resume.seconds, 1)} / ${resume.linkSeconds}` : missing('resume'),
    'evidence: lookup p95 anonymous | signed in (ms)': results.evidence
      ? `${round(results.evidence.lookupMsAnonymous ?? NaN, 1)} | ${round(results.evidence.lookupMsSignedIn ?? NaN, 1)}`
      : missing('evidence'),
    'markup: 20 marks into 2560 px, CPU 4× (ms) draw | compose': results.markup
      ? `${round(results.markup.renderMs, 0)} | ${round(results.markup.composeMs, 0)}`
      : missing('markup'),
    'markup: tap → editor ready, 150 ms link (ms)': results.markup ? round(results.markup.firstOpenMs, 0) : missing('markup'),
    'startup: health ready (ms)': healthReadyMs === null ? missing('startup') : round(healthReadyMs, 0),
    'startup: sign-in → first document (ms)': browser ? round(browser.firstDocumentsMs, 0) : missing('attach'),
    'evidence: stamp ms/photo (12 MP, CPU ×4)': results.evidence?.stampMsPerPhoto ?? missing('evidence'),
    'evidence: attach s stamped | without': results.evidence?.attachSeconds
      ? `${results.evidence.attachSeconds} | ${results.evidence.attachSecondsWithout}`
      : missing('evidence'),
  })

  const checks: TargetCheck[] = [
    target('attach.seconds ≤ 0.35 × originalLinkSeconds', a?.seconds ?? NaN, 'max', a ? 0.35 * a.originalLinkSeconds : NaN),
    target(
      'stream.throughputMBps ≥ 0.7 × directThroughputMBps',
      stream?.throughputMBps ?? NaN,
      'min',
      stream ? 0.7 * stream.directThroughputMBps : NaN,
    ),
    target('stream.rssGrowthMB ≤ 64', stream?.rssGrowthMB ?? NaN, 'max', 64),
    target(
      'stream.serverCpuSecondsPerGiB ≤ 1.3 × baselineCpuSecondsPerGiB',
      stream?.serverCpuSecondsPerGiB ?? NaN,
      'max',
      stream ? 1.3 * stream.baselineCpuSecondsPerGiB : NaN,
    ),
    target('scale.failures = 0', scale?.failures ?? NaN, 'max', 0),
    target('scale.peakUploadInfoPerSecond ≤ 20', scale?.peakUploadInfoPerSecond ?? NaN, 'max', 20),
    target('scale.meanUploadInfoPerSecond ≥ 0.85 × 18', scale?.meanUploadInfoPerSecond ?? NaN, 'min', 0.85 * 18),
    target('calls.separate["10"] ≤ 2.05', calls?.separate['10'] ?? NaN, 'max', 2.05),
    target('calls.together["10"] ≤ 1.15', calls?.together['10'] ?? NaN, 'max', 1.15),
    // documented and minimal: at most one call per batch beyond rich (lost replies aside).
    ...(['documented', 'minimal'] as const).flatMap((profile) =>
      (['separate', 'together'] as const).map((layout) =>
        target(
          `callsByProfile.${profile}.${layout}["10"] ≤ rich + 1/10`,
          callsByProfile?.[profile][layout]['10'] ?? NaN,
          'max',
          (callsByProfile?.rich[layout]['10'] ?? NaN) + 1 / 10,
        ),
      ),
    ),
    target('resume.bytesSentRatio ≤ 1.1', resume?.bytesSentRatio ?? NaN, 'max', 1.1),
    target('evidence.stampMsPerPhoto ≤ 400', results.evidence?.stampMsPerPhoto ?? NaN, 'max', 400),
    target(
      'evidence.attachSeconds ≤ 1.1 × attachSecondsWithout',
      results.evidence?.attachSeconds ?? NaN,
      'max',
      1.1 * (results.evidence?.attachSecondsWithout ?? NaN),
    ),
    target('markup.renderMs ≤ 300', results.markup?.renderMs ?? NaN, 'max', 300),
    target('markup.firstOpenMs ≤ 1000', results.markup?.firstOpenMs ?? NaN, 'max', 1000),
  ]
  console.log('\nTargets')
  // With phases named, only theirs are judged (the others were not measured).
  for (const c of checks.filter((check) => runs(phaseOfTarget(check.name)))) {
    console.log(`  ${c.pass ? 'PASS' : 'FAIL'}  ${c.name}: measured ${round(c.measured, 3)}, limit ${round(c.limit, 3)}`)
  }
  for (const e of errors) console.log(`  ERROR ${e}`)
  return errors.length > 0 || checks.some((c) => runs(phaseOfTarget(c.name)) && !c.pass) ? 1 : 0
}

/** The phase that measures a target, from the key it names (`callsByProfile.…` → calls). */
function phaseOfTarget(name: string): (typeof PHASES)[number] {
  const key = name.split(/[.[ ]/, 1)[0] ?? ''
  if (key === 'callsByProfile') return 'calls'
  return (PHASES as readonly string[]).includes(key) ? (key as (typeof PHASES)[number]) : 'calls'
}

// Ctrl-C, a CI timeout or a failure anywhere stops every child process (servers, emulator, Chromium's
// own are playwright's) and ends the run with a non-zero code instead of leaving it waiting on them.
killChildrenOnSignals()
process.on('exit', () => rmSync(SERVER_ENV['DATA_DIR'] ?? '', { recursive: true, force: true }))
try {
  process.exit(await main())
} catch (err) {
  console.error(`bench: ${err instanceof Error ? err.message : String(err)}`)
  process.exit(1)
}
