import type { Mode } from '@contract/api'

/** Everything the app needs at run time, parsed once from the environment by env.ts. */
export interface AppConfig {
  mode: Mode
  corpId: string
  /** The app key, which the H5 passes to `requestAuthCode({corpId, clientId})`; public, not a secret. */
  clientId: string
  /** 32+ bytes of secret for the session cookie and resource tokens. */
  sessionSecret: string
  /** Public origin the browser uses (for Origin checks and Secure cookies); null = derive from the request. */
  publicOrigin: string | null
  limits: {
    maxImageBytes: number
    maxFileBytes: number
    maxFilesPerBatch: number
    loginsPerMinutePerAddress: number
    uploadsPerMinutePerUser: number
    /** Uploads one person may have in flight at once (MAX_CONCURRENT_UPLOADS_PER_PERSON, ≥ 3). */
    concurrentUploadsPerUser: number
    /** Insertion requests per minute per person (INSERT_RATE_PER_MINUTE). */
    insertionsPerMinutePerUser: number
  }
  /** Resumable uploads and duplicate detection (docs/api.md). */
  uploads: {
    /** tus staging directory (UPLOAD_STAGING_DIR); with replicas, one directory every replica sees. */
    stagingDir: string
    /** Partial uploads are refused and removed this long after creation (UPLOAD_EXPIRY_SECONDS). */
    expiryMs: number
    /** An insertion of the same content counts as a duplicate for this long (DUPLICATE_WINDOW_DAYS). */
    duplicateWindowMs: number
    /** Bytes one person may keep staged in unfinished uploads, across replicas (MAX_STAGED_BYTES_PER_PERSON). */
    maxStagedBytesPerPerson: number
    /** New uploads answer 503 below this much free space in the staging directory (MIN_STAGING_FREE_BYTES). */
    minStagingFreeBytes: number
  }
  /** Evidence stamping and its registry (docs/evidence.md). */
  evidence: {
    /** False with REDIS_URL and no DATABASE_URL: uploads with X-Evidence answer 400. */
    available: boolean
    /** Why evidence is unavailable (logged once at start); null when available. */
    unavailableReason: string | null
    /** EVIDENCE_DEFAULT=on: the H5 starts a batch with the stamp on. */
    defaultOn: boolean
    /** Records older than this are dropped (EVIDENCE_RETENTION_DAYS). */
    retentionMs: number
    /** Public lookups per minute per client address (EVIDENCE_LOOKUPS_PER_MINUTE). */
    lookupsPerMinute: number
    store: 'postgres' | 'file'
  }
  /** The app's AgentId for dd.config (DINGTALK_AGENT_ID; the emulator's in sandbox). */
  agentId: string
  /** Where a person can open a document: the emulator's HTML view in sandbox, alidocs in live mode. */
  documentUrl(docId: string): string
}
