/**
 * Runs once before `npm run test:replicas`: the drills need Debian's redis-server and nginx, and a
 * missing one fails the run with one clear message instead of skipping anything.
 */
import { requireNginxBinary } from './nginx-process'
import { requireRedisBinary } from './redis-process'

export default function setup(): void {
  requireRedisBinary()
  requireNginxBinary()
}
