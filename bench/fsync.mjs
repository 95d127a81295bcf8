// The disk's price of a durable commit, which bounds the inbox route's
// acknowledgement latency: one-row SQLite commits (WAL) with synchronous=FULL
// (an fsync per commit, the inbox's setting) and NORMAL (no fsync), in a
// file under bench/var/. Started by run.mjs with an IPC channel; also runs
// alone: node bench/fsync.mjs
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'libsql'
import { BENCH_DIR } from './fixtures.mjs'

const COMMITS = 200
mkdirSync(join(BENCH_DIR, 'var'), { recursive: true })
const dir = mkdtempSync(join(BENCH_DIR, 'var', 'fsync-'))
const result = { commits: COMMITS }
try {
  for (const setting of ['FULL', 'NORMAL']) {
    const db = new Database(join(dir, `${setting}.db`))
    db.exec('PRAGMA journal_mode = WAL')
    db.exec(`PRAGMA synchronous = ${setting}`)
    db.exec('CREATE TABLE rows (id INTEGER PRIMARY KEY, body BLOB)')
    const insert = db.prepare('INSERT INTO rows (body) VALUES (?)')
    const body = Buffer.alloc(2048, 7)
    const times = []
    for (let index = 0; index < COMMITS; index++) {
      const started = process.hrtime.bigint()
      db.exec('BEGIN IMMEDIATE')
      insert.run([body])
      db.exec('COMMIT')
      times.push(Number(process.hrtime.bigint() - started) / 1e6)
    }
    db.close()
    times.sort((a, b) => a - b)
    result[setting] = { medianMs: times[COMMITS >> 1], p99Ms: times[Math.floor(COMMITS * 0.99)] }
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
if (process.send) process.send({ type: 'fsync', ...result }, () => process.exit(0))
else console.log(result)
