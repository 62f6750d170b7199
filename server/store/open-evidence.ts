/**
 * Picks the evidence registry at start (docs/evidence.md#the-registry): PostgreSQL with
 * DATABASE_URL, else DATA_DIR/evidence.jsonl; none when evidence is unavailable (REDIS_URL without
 * DATABASE_URL: a file cannot be shared by replicas).
 */
import { join } from 'node:path'
import type { AppConfig } from '../config'
import { EVIDENCE_FILE, openFileEvidenceRegistry } from './evidence-file'
import { openPostgresEvidenceRegistry } from './evidence-postgres'
import type { EvidenceRegistry } from './evidence-registry'

export async function openEvidenceRegistry(opts: {
  config: AppConfig
  databaseUrl: string | null
  dataDir: string
  logger?: { warn(obj: object, msg: string): void }
}): Promise<EvidenceRegistry | null> {
  const { evidence } = opts.config
  if (!evidence.available) return null
  if (opts.databaseUrl)
    return openPostgresEvidenceRegistry({ url: opts.databaseUrl, retentionMs: evidence.retentionMs, logger: opts.logger })
  return openFileEvidenceRegistry({ path: join(opts.dataDir, EVIDENCE_FILE), retentionMs: evidence.retentionMs, logger: opts.logger })
}
