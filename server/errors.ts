import type { ErrorCode } from '@contract/api'

/**
 * The one error type routes and services throw. The error handler (registered in app.ts) turns it
 * into `{"error":{"code","message","requestId","details"?}}` with `status`.
 */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly status: number,
    message: string,
    readonly details?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(message)
    this.name = 'AppError'
  }
}
