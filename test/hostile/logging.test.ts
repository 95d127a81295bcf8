// The hostile-input matrix replayed with the logger at trace (issue 4): no
// log line may hold a signature key (or any 6-character piece of one), a
// received signature, or a full caller / recipient / tracked number of the
// vendor's sample. Every row of hostile-{signature,url,body,config} runs
// here against its own app and line collector, so a leak names its row.
import t from 'tap'
import {
  FOREIGN_KEY, PHONE_NUMBERS, SERVER_KEYS, lineCollector, runRow, signaturesSent, type MatrixRow
} from '../helpers/hostile-harness.js'
import { bodyRows } from '../helpers/hostile-rows-body.js'
import { configRows, resolverRows, startUp } from '../helpers/hostile-rows-config.js'
import { signatureRows } from '../helpers/hostile-rows-signature.js'
import { urlRows } from '../helpers/hostile-rows-url.js'

interface Logged {
  name: string
  lines: string[]
  row?: MatrixRow
}

const rows = [...signatureRows, ...urlRows, ...bodyRows, ...resolverRows]
const logged: Logged[] = []
const wrongStatus: string[] = []

for (const row of rows) {
  const { stream, lines } = lineCollector()
  // What follows a raw row's reply (a second request on its connection) says nothing of logs.
  const outcome = await runRow(row, { level: 'trace', stream }, { followUp: false })
  if (outcome.status !== row.status) wrongStatus.push(`${row.name}: ${outcome.status}`)
  logged.push({ name: row.name, lines, row })
}
for (const row of configRows) {
  const { stream, lines } = lineCollector()
  await startUp(row.setup, { level: 'trace', stream })
  logged.push({ name: `start-up: ${row.name}`, lines })
}

const allLines = logged.flatMap((entry) => entry.lines)
t.comment(`${rows.length} request rows and ${configRows.length} start-ups replayed at trace: ${allLines.length} log lines`)

/** The rows whose lines hold one of `needles`, with the needle found. */
function leaks (entries: Logged[], needles: readonly string[]): string[] {
  const found: string[] = []
  for (const entry of entries) {
    for (const needle of needles) {
      if (entry.lines.some((line) => line.includes(needle))) found.push(`${entry.name}: holds ${JSON.stringify(needle.length > 40 ? needle.slice(0, 40) + '…' : needle)}`)
    }
  }
  return found
}

t.test('the matrix ran as it does without a logger, and the logger captured it', async t => {
  t.strictSame(wrongStatus, [], 'every row gave its status')
  t.ok(allLines.some((line) => line.includes('"level":10')), 'trace lines were captured')
  t.ok(allLines.some((line) => line.includes('incoming request')), 'request lines were captured')
  t.ok(allLines.some((line) => line.includes('FST_MAGNETIS_INVALID_SIGNATURE')), 'refusals were logged')
})

t.test('no line holds a signature key', async t => {
  t.strictSame(leaks(logged, [...SERVER_KEYS, FOREIGN_KEY]), [])
})

t.test('no line holds any 6-character piece of a signature key', async t => {
  const pieces = new Set<string>()
  for (const key of [...SERVER_KEYS, FOREIGN_KEY]) {
    for (let start = 0; start + 6 <= key.length; start++) pieces.add(key.slice(start, start + 6))
  }
  t.strictSame(leaks(logged, [...pieces]), [])
  t.comment(`${pieces.size} pieces looked for`)
})

t.test('no line holds a received signature', async t => {
  // Blank and very short values (" ", "") would match anything; every real-looking one is kept.
  const signatures = [...new Set(rows.flatMap(signaturesSent).flatMap((value) => value.split(', ')).filter((value) => value.trim().length >= 8))]
  t.ok(signatures.length > 30, `${signatures.length} distinct signatures looked for`)
  t.strictSame(leaks(logged, signatures), [])
})

t.test('no line holds a full caller, recipient or tracked number', async t => {
  t.strictSame(leaks(logged, PHONE_NUMBERS), [])
})
