/**
 * `GET /v/:code`: the verification page, rendered on the server (docs/evidence.md#the-verify-page).
 * Every text a person or phone supplied is escaped; the page has no inline script (the app's CSP
 * forbids it): the photo check is `/verify/check-photo.js`, built from src/verify/check-photo.ts.
 */
import type { EvidenceLookupResponse } from '@contract/api'
import type { EvidenceFlags } from './evidence-service'
import { VERIFY_TEXT, type VerifyLocale, type VerifyText } from './verify-page-text'

/** Where the built check-a-photo script is served (a stable name, revalidated on every load). */
export const CHECK_PHOTO_SCRIPT = '/verify/check-photo.js'

export type VerifyPageInput =
  | { locale: VerifyLocale; state: 'malformed' }
  | { locale: VerifyLocale; state: 'unknown' | 'busy' | 'unavailable'; code: string }
  | {
      locale: VerifyLocale
      state: 'found'
      code: string
      evidence: EvidenceLookupResponse
      flags: EvidenceFlags
      documentUrl: string | null
    }

/** English only when the browser prefers it over Chinese; zh-CN otherwise. */
export function verifyPageLocale(acceptLanguage: string | undefined): VerifyLocale {
  const first = (acceptLanguage ?? '').split(',')[0]?.trim().toLowerCase() ?? ''
  return first.startsWith('en') ? 'en' : 'zh-CN'
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, key: string) => values[key] ?? '')
}

/** A server time in China time (zh-CN) or UTC (en), saying which. */
function serverTime(iso: string, locale: VerifyLocale): string {
  const timeZone = locale === 'zh-CN' ? 'Asia/Shanghai' : 'UTC'
  const text = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'medium', timeZone }).format(new Date(iso))
  return `${text} (${locale === 'zh-CN' ? 'UTC+08:00' : 'UTC'})`
}

/** The phone's time as the phone stated it, with its own offset. */
function phoneTime(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.\d+)?(Z|[+-]\d{2}:\d{2})$/.exec(iso)
  if (!m) return iso
  return `${m[1]} ${m[2]} (UTC${m[3] === 'Z' ? '' : m[3]})`
}

function paragraph(html: string, cls = ''): string {
  return `<p${cls ? ` class="${cls}"` : ''}>${html}</p>`
}

function foundSection(t: VerifyText, input: Extract<VerifyPageInput, { state: 'found' }>): string {
  const e = input.evidence
  const esc = escapeHtml
  const parts: string[] = []
  if (e.withdrawn) {
    parts.push(
      `<p class="notice bad" data-testid="verify-status" data-state="withdrawn">${esc(fill(t.withdrawn, { by: e.withdrawn.by, time: serverTime(e.withdrawn.at, input.locale) }))}</p>`,
    )
  } else {
    parts.push(`<p class="sr-only" data-testid="verify-status" data-state="registered">${esc(t.proven)}</p>`)
  }
  parts.push(
    `<section aria-labelledby="proven"><h2 id="proven">${esc(t.proven)}</h2>`,
    paragraph(`<time datetime="${esc(e.receivedAt)}">${esc(fill(t.received, { time: serverTime(e.receivedAt, input.locale) }))}</time>`),
    paragraph(esc(t.receivedNote), 'muted'),
    paragraph(`${esc(t.hash)}<br><code class="hash" data-testid="verify-sha256">${esc(e.sha256)}</code>`),
    '</section>',
  )
  const taken =
    e.takenAt === null ? t.takenUnknown : fill(e.takenAtSource === 'picked' ? t.takenPicked : t.takenExif, { time: phoneTime(e.takenAt) })
  parts.push(`<section aria-labelledby="claimed"><h2 id="claimed">${esc(t.claimed)}</h2>`, paragraph(esc(taken)))
  if (e.place !== null && e.place !== '') parts.push(paragraph(esc(fill(t.place, { place: e.place }))))
  if (e.lines.length > 0) {
    parts.push(paragraph(esc(t.lines)), `<ul class="lines">${e.lines.map((l) => `<li>${esc(l)}</li>`).join('')}</ul>`)
  }
  if (input.flags.nameNotUploader) parts.push(`<p class="notice warn" data-testid="verify-flag-name">${esc(t.nameFlag)}</p>`)
  if (input.flags.takenAfterReceived) parts.push(`<p class="notice warn" data-testid="verify-flag-time">${esc(t.timeFlag)}</p>`)
  parts.push('</section>')
  if (e.document || e.uploader) {
    parts.push('<section class="reader">')
    if (e.document) parts.push(paragraph(esc(fill(t.document, { name: e.document.name }))))
    if (e.uploader) parts.push(paragraph(esc(fill(t.uploader, { name: e.uploader.name }))))
    if (input.documentUrl) {
      parts.push(paragraph(`<a href="${esc(input.documentUrl)}" data-testid="verify-document-link">${esc(t.openDocument)}</a>`))
    }
    parts.push('</section>')
  }
  parts.push(
    `<section aria-labelledby="check" class="check" data-sha256="${esc(e.sha256)}" data-checking="${esc(t.checking)}" data-original="${esc(t.original)}" data-not-original="${esc(t.notOriginal)}">`,
    `<h2 id="check">${esc(t.check)}</h2>`,
    paragraph(esc(t.checkHelp)),
    `<label class="pick"><span>${esc(t.checkChoose)}</span><input type="file" data-testid="check-photo-input" disabled></label>`,
    `<p class="result" role="status" aria-live="polite" data-testid="check-photo-result"></p>`,
    paragraph(esc(t.copyNote), 'muted'),
    `<noscript><p>${esc(t.noScript)}</p></noscript>`,
    '</section>',
  )
  return parts.join('\n')
}

const STYLE = `
:root{color-scheme:light dark;--bg:#f7f8fa;--fg:#1f2329;--muted:#5c6370;--card:#fff;--line:#dee0e3;--warn-bg:#fff4e5;--warn-fg:#7a4500;--bad-bg:#fdecea;--bad-fg:#8a1c12;--link:#0b57d0}
@media (prefers-color-scheme:dark){:root{--bg:#111318;--fg:#e8eaed;--muted:#aab0b8;--card:#1c1f26;--line:#3a3f47;--warn-bg:#3d2a00;--warn-fg:#ffd591;--bad-bg:#3f1512;--bad-fg:#ffb4a9;--link:#8ab4f8}}
*{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.6 system-ui,-apple-system,"PingFang SC","Noto Sans CJK SC",sans-serif}
main{max-width:40rem;margin:0 auto;padding:1rem}h1{font-size:1.4rem;margin:.5rem 0}h2{font-size:1.1rem;margin:0 0 .5rem}
section{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:1rem;margin:1rem 0}
.muted{color:var(--muted);font-size:.9rem}.hash{word-break:break-all;font-size:.85rem}.code{font-family:ui-monospace,monospace;letter-spacing:.05em}
.notice{border-radius:8px;padding:.75rem}.warn{background:var(--warn-bg);color:var(--warn-fg)}.bad{background:var(--bad-bg);color:var(--bad-fg)}
a{color:var(--link)}.lines{margin:0;padding-left:1.2rem}.result{font-weight:600;min-height:1.6em}
.pick{display:inline-block;margin:.5rem 0}.pick input{display:block;margin-top:.25rem;color:var(--fg)}
.sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}`

/** The whole page; 200 for a well-formed code whether known or not (the route picks the status). */
export function renderVerifyPage(input: VerifyPageInput): string {
  const t: VerifyText = VERIFY_TEXT[input.locale]
  const esc = escapeHtml
  let body: string
  if (input.state === 'found') body = foundSection(t, input)
  else {
    const message = { malformed: t.malformed, unknown: t.unknown, busy: t.busy, unavailable: t.unavailable }[input.state]
    body = `<p class="notice ${input.state === 'unknown' || input.state === 'malformed' ? 'bad' : 'warn'}" data-testid="verify-status" data-state="${input.state}">${esc(message)}</p>`
  }
  const code = input.state === 'malformed' ? '' : `<p>${esc(t.code)}: <span class="code">${esc(input.code)}</span></p>`
  const script = input.state === 'found' ? `<script type="module" src="${CHECK_PHOTO_SCRIPT}"></script>` : ''
  return `<!doctype html>
<html lang="${input.locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="robots" content="noindex">
<title>${esc(t.title)}</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>
${script}
</head>
<body>
<main>
<h1>${esc(t.title)}</h1>
${code}
${body}
</main>
</body>
</html>
`
}
