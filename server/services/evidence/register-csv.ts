/**
 * A document's evidence register as CSV for Excel and WPS (docs/api.md#evidence-register): UTF-8
 * with a BOM (both then read Chinese text correctly), CRLF rows, every cell quoted, and any cell a
 * spreadsheet would run as a formula (starting with = + - @, a tab or a carriage return) prefixed
 * with `'` (OWASP "CSV Injection": https://owasp.org/www-community/attacks/CSV_Injection).
 */
import type { EvidenceRecord } from '@contract/api'
import { stripControls } from '../text/strip-controls'

const HEADER = [
  'code',
  'receivedAt',
  'sha256',
  'takenAt',
  'takenAtSource',
  'place',
  'lines',
  'uploader',
  'resourceId',
  'blockId',
  'withdrawnAt',
  'withdrawnBy',
  'verifyUrl',
]

/** One cell: defused, then quoted with inner quotes doubled. */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value
  return `"${safe.replace(/"/g, '""')}"`
}

export function registerCsv(records: EvidenceRecord[]): string {
  const rows = records.map((r) => [
    r.code,
    r.receivedAt,
    r.sha256,
    r.takenAt ?? '',
    r.takenAtSource ?? '',
    r.place ?? '',
    r.lines.join('\n'),
    r.uploader.name,
    r.resourceId,
    r.blockId ?? '',
    r.withdrawn?.at ?? '',
    r.withdrawn?.by ?? '',
    r.verifyUrl,
  ])
  return `\uFEFF${[HEADER, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n')}\r\n`
}

/**
 * `Content-Disposition` naming the document (RFC 6266 with the RFC 5987 `filename*` for the UTF-8
 * name; the plain `filename` is an ASCII stand-in for old clients).
 */
export function csvDisposition(documentName: string): string {
  const base = `${
    stripControls(documentName)
      .replace(/[\\/:*?"<>|\t\n]/g, '_')
      .trim() || 'document'
  } evidence.csv`
  const ascii = base.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_')
  const encoded = encodeURIComponent(base).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`
}
