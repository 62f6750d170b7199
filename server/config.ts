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
  /** Where a person can open a document: the emulator's HTML view in sandbox, alidocs in live mode. */
  documentUrl(docId: string): string
}
