/** Runs once before `npm run test:postgres`: missing PostgreSQL binaries fail the run with one clear message. */
import { postgresBinDir } from './postgres-process'

export default function setup(): void {
  postgresBinDir()
}
