/**
 * A real PostgreSQL for the tests: MAGNETIS_TEST_DATABASE_URL (set by
 * .ci/run), else the cluster of scripts/pg-cluster.sh, started on demand
 * (and left running for the next run; `scripts/pg-cluster.sh stop` ends it).
 * Each test gets a database of its own, dropped at its end.
 * Without PostgreSQL the tests that need it skip with the reason, except
 * under CI=true, where they fail.
 */
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, rmdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import type { Test } from 'tap'

const script = fileURLToPath(new URL('../../scripts/pg-cluster.sh', import.meta.url))
let serverUrl: Promise<string> | undefined

/** The server's connection string, or why there is none. */
export function postgresServer (): Promise<string> {
  serverUrl ??= findServer()
  return serverUrl
}

async function findServer (): Promise<string> {
  const given = process.env.MAGNETIS_TEST_DATABASE_URL
  if (given !== undefined && given !== '') return given
  // Several test files may ask at once: one starts the cluster, the others wait for it.
  const lock = '/tmp/magnetis-pg-test.lock'
  for (let waited = 0; ; waited += 100) {
    try {
      mkdirSync(lock)
      break
    } catch {
      if (waited > 60_000) throw new Error('timed out waiting for another test to start PostgreSQL')
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
  try {
    return execFileSync('bash', [script, 'start'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim()
  } finally {
    rmdirSync(lock)
  }
}

/**
 * Runs `body` with the connection string of a fresh, empty database, or
 * skips the test when no PostgreSQL can be had (fails instead under CI).
 */
export async function withDatabase (t: Test, body: (connectionString: string) => Promise<void>): Promise<void> {
  let server: string
  try {
    server = await postgresServer()
  } catch (error) {
    const reason = `no PostgreSQL could be started (${(error as Error).message.split('\n')[0]}); set MAGNETIS_TEST_DATABASE_URL or install postgresql`
    if (process.env.CI === 'true') throw new Error(reason)
    t.plan(0, reason)
    return
  }
  const name = 'magnetis_test_' + randomBytes(6).toString('hex')
  const admin = new pg.Client({ connectionString: server })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`)
  await admin.end()
  const url = new URL(server)
  url.pathname = '/' + name
  try {
    await body(url.toString())
  } finally {
    const dropper = new pg.Client({ connectionString: server })
    await dropper.connect()
    await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    await dropper.end()
  }
}
