/**
 * Injected faults (`POST /__emulator/faults`, README "Faults"): an error answer, a delay, a
 * throttled upload/download, a lost reply (`apply`: the write happens, the answer is an error) or a
 * dropped connection (`drop`), for matching requests, `times` times or until cleared.
 */
import { z } from 'zod'

export const FaultSpecSchema = z
  .object({
    /** Path prefix, e.g. `/v1.0/doc/docs/resources/` or `/__oss/`. */
    path: z.string().startsWith('/', 'must start with "/"'),
    method: z.string().min(1).optional(),
    status: z.number().int().min(200).max(599).optional(),
    /** DingTalk code: a string for api.dingtalk.com, a number (errcode) for oapi, an OSS code for uploads. */
    code: z.union([z.string().min(1), z.number().int()]).optional(),
    message: z.string().min(1).optional(),
    probability: z.number().min(0).max(1).optional(),
    times: z.number().int().positive().optional(),
    latencyMs: z.number().int().min(0).max(120_000).optional(),
    bandwidthBytesPerSec: z.number().int().positive().optional(),
    /** Let the request through (the write happens), then answer the error or drop the connection. */
    apply: z.boolean().optional(),
    /** Close the connection without an answer (after the write when `apply` is set). */
    drop: z.boolean().optional(),
  })
  .strict()
  .refine(
    (f) =>
      f.status !== undefined ||
      f.code !== undefined ||
      f.latencyMs !== undefined ||
      f.bandwidthBytesPerSec !== undefined ||
      f.drop === true,
    'a fault needs at least one of status, code, latencyMs, bandwidthBytesPerSec, drop',
  )
  .refine((f) => f.apply !== true || f.status !== undefined || f.code !== undefined || f.drop === true, {
    message: 'apply needs status, code or drop: what the caller gets instead of the real answer',
    path: ['apply'],
  })
  .refine((f) => !f.path.startsWith('/__emulator'), 'faults never apply to /__emulator/ paths')
export type FaultSpec = z.infer<typeof FaultSpecSchema>

export interface Fault extends FaultSpec {
  faultId: string
}

/** What a matched fault asks the request to suffer. */
export interface FaultEffect {
  faultId: string
  latencyMs: number
  bandwidthBytesPerSec: number | null
  /** Present when the fault answers with an error (instead of the real answer when `apply` is set). */
  error: FaultError | null
  /** The request reaches its handler; the fault's error or drop replaces the answer. */
  apply: boolean
  /** The connection is closed with no answer. */
  drop: boolean
}

export interface FaultError {
  status: number | undefined
  code: string | number | undefined
  message: string | undefined
}

export class FaultRegistry {
  private faults: Fault[] = []
  private counter = 0

  /** `random` decides probabilistic faults; tests may pass a deterministic one. */
  constructor(private readonly random: () => number = Math.random) {}

  /** Registers a fault and returns its id. */
  add(spec: FaultSpec): string {
    this.counter += 1
    const faultId = `fault-${this.counter}`
    this.faults.push({ ...spec, faultId })
    return faultId
  }

  /** Removes every fault; returns how many there were. */
  clear(): number {
    const n = this.faults.length
    this.faults = []
    return n
  }

  /** Removes one fault; false if there was no such fault. */
  remove(faultId: string): boolean {
    const before = this.faults.length
    this.faults = this.faults.filter((f) => f.faultId !== faultId)
    return this.faults.length !== before
  }

  /** The active faults (with their remaining `times`). */
  list(): Fault[] {
    return this.faults.map((f) => ({ ...f }))
  }

  /**
   * The first fault that matches this request and fires (after its probability roll). A fired
   * fault spends one of its `times` and disappears when none are left.
   */
  take(method: string, path: string): FaultEffect | null {
    for (const fault of this.faults) {
      if (!path.startsWith(fault.path)) continue
      if (fault.method && fault.method.toUpperCase() !== method.toUpperCase()) continue
      if (fault.probability !== undefined && !(this.random() < fault.probability)) continue
      if (fault.times !== undefined) {
        fault.times -= 1
        if (fault.times <= 0) this.remove(fault.faultId)
      }
      const isError = fault.status !== undefined || fault.code !== undefined
      return {
        faultId: fault.faultId,
        latencyMs: fault.latencyMs ?? 0,
        bandwidthBytesPerSec: fault.bandwidthBytesPerSec ?? null,
        error: isError ? { status: fault.status, code: fault.code, message: fault.message } : null,
        apply: fault.apply === true,
        drop: fault.drop === true,
      }
    }
    return null
  }
}
