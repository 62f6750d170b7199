/**
 * What the server counts, for Prometheus (`/metrics` on METRICS_PORT, never on the public port).
 * One registry per process: every app built in the process (tests build many) adds to it.
 */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

export const registry = new Registry()
collectDefaultMetrics({ register: registry, prefix: 'doc_attach_' })

/** Latency of our HTTP answers, by route template and status. */
export const httpRequestSeconds = new Histogram({
  name: 'doc_attach_http_request_duration_seconds',
  help: 'Time to answer an HTTP request, by method, route template and status code.',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
  registers: [registry],
})

/** Calls to DingTalk, by API (`METHOD /path/{template}`) and outcome (`ok` or our error code). */
export const dingtalkCallSeconds = new Histogram({
  name: 'doc_attach_dingtalk_call_duration_seconds',
  help: 'Duration of one DingTalk call attempt, by API and outcome.',
  labelNames: ['api', 'outcome'] as const,
  buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [registry],
})

export const dingtalkCallsTotal = new Counter({
  name: 'doc_attach_dingtalk_calls_total',
  help: 'DingTalk call attempts, by API and outcome.',
  labelNames: ['api', 'outcome'] as const,
  registers: [registry],
})

/** Bytes of uploads relayed to DingTalk's upload URLs. */
export const bytesRelayedTotal = new Counter({
  name: 'doc_attach_upload_bytes_relayed_total',
  help: 'Upload bytes sent on to DingTalk.',
  registers: [registry],
})

/** Waiting for the DingTalk budget (token bucket) before a call. */
export const dingtalkLimiterWaitSeconds = new Histogram({
  name: 'doc_attach_dingtalk_limiter_wait_seconds',
  help: 'Time a DingTalk call waited for the per-API budget.',
  labelNames: ['api'] as const,
  buckets: [0, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [registry],
})

/** Waiting for a resumable upload's lock (one request at a time per upload; a newer one waits for the older to let go). */
export const uploadLockWaitSeconds = new Histogram({
  name: 'doc_attach_upload_lock_wait_seconds',
  help: 'Time a resumable-upload request waited for its upload lock.',
  buckets: [0, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [registry],
})

/** Waiting for a document's lock (insertions into one document run one at a time). */
export const lockWaitSeconds = new Histogram({
  name: 'doc_attach_document_lock_wait_seconds',
  help: 'Time an insertion waited for its document lock.',
  buckets: [0, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  registers: [registry],
})
