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
  }
  /** Where a person can open a document: the emulator's HTML view in sandbox, alidocs in live mode. */
  documentUrl(docId: string): string
}
