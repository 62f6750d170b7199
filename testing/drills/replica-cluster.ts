/**
 * Several replicas of our server (child processes) sharing one real Redis, behind Debian's nginx
 * with the shipped deploy/ config, against one emulator: the deployment that
 * docs/operations.md#running-several-replicas describes, for the replica drills and the benchmark's
 * scale phase. Anything that fails to start stops everything already started and throws.
 */
import { startEmulator } from '../../server/emulator/index'
import { startNginx, type NginxProcess } from './nginx-process'
import { startChildServer, type ChildServer } from './processes'
import { startRedisProcess, type RedisProcess } from './redis-process'
import { drillEnv, removeDataDir } from './stack'

export interface ReplicaCluster {
  /** nginx: what people's phones talk to. */
  url: string
  emulatorUrl: string
  redis: RedisProcess
  replicas: ChildServer[]
  /** SIGKILLs replica `i`, as a crash would. */
  kill(i: number): Promise<void>
  /** Starts replica `i` again on its port (nginx keeps pointing there). */
  restart(i: number): Promise<void>
  close(): Promise<void>
}

export async function startReplicaCluster(
  opts: {
    replicas?: number
    env?: Record<string, string>
    /** Run the emulator in its own process (the benchmark: its timestamps are not delayed by the load generator). */
    emulatorProcess?: boolean
  } = {},
): Promise<ReplicaCluster> {
  const count = opts.replicas ?? 3
  const started: Array<{ stop(): Promise<void> }> = []
  const envs: Array<Record<string, string>> = []
  try {
    const emulator = opts.emulatorProcess
      ? await startChildServer({}, { emulator: true }).then((child) => ({ url: child.url, close: () => child.stop() }))
      : await startEmulator({ port: 0, host: '127.0.0.1' })
    started.push({ stop: () => emulator.close() })
    const redis = await startRedisProcess()
    started.push(redis)
    const replicas: ChildServer[] = []
    for (let i = 0; i < count; i++) {
      // Each replica keeps its own DATA_DIR, as on separate hosts; what they share is in Redis.
      const env = drillEnv(emulator.url, { REDIS_URL: redis.url, ...opts.env })
      envs.push(env)
      const replica = await startChildServer(env)
      replicas.push(replica)
      started.push(replica)
    }
    const nginx: NginxProcess = await startNginx(replicas.map((r) => new URL(r.url).host))
    started.push(nginx)
    return {
      url: nginx.url,
      emulatorUrl: emulator.url,
      redis,
      replicas,
      async kill(i) {
        await replicas[i]?.kill()
      },
      async restart(i) {
        const old = replicas[i]
        const env = envs[i]
        if (!old || !env) throw new Error(`no replica ${i}`)
        const replica = await startChildServer({ ...env, PORT: new URL(old.url).port })
        replicas[i] = replica
        started.push(replica)
      },
      async close() {
        for (const s of started.reverse()) await s.stop().catch(() => undefined)
        for (const env of envs) removeDataDir(env)
      },
    }
  } catch (err) {
    for (const s of started.reverse()) await s.stop().catch(() => undefined)
    for (const env of envs) removeDataDir(env)
    throw err
  }
}
