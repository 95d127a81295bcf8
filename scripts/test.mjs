// `npm test` after the build: tap (coverage of lib/ enforced at 100 %) and tsd side by side, a short
// report that shows failures in full and passes as counts, and "N passed, N failed" as its last line.
// Extra arguments go to tap, e.g. `node scripts/test.mjs test/cli/*.test.ts --disable-coverage`.
import { spawn } from 'node:child_process'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const bin = (name) => join(root, 'node_modules', '.bin', name)
const started = performance.now()

// Raw TAP from tap (its results are also kept in .tap/ for `npx tap replay`).
const tap = spawn(process.execPath, [bin('tap'), '--reporter=tap', '--coverage-report=text', '--coverage-report=text-summary', ...process.argv.slice(2)],
  { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] })
// tsd needs no test result, only dist/: it runs while tap does, and its output waits.
const tsd = spawn(process.execPath, [bin('tsd')], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
let tsdOutput = ''
tsd.stdout.on('data', (chunk) => { tsdOutput += chunk })
tsd.stderr.on('data', (chunk) => { tsdOutput += chunk })

const files = { passed: 0, failed: [] }
const totals = { pass: 0, fail: 0, skip: 0, todo: 0 }
let block = []
let ended = false
for await (const line of createInterface({ input: tap.stdout })) {
  if (ended) {
    // After the totals: the coverage summary (and table, when lines are missed), or an error.
    if (!/^# time=/.test(line)) console.log(line)
    continue
  }
  const top = /^(not )?ok \d+ - (.*?)(?: # (?:time=.*|SKIP.*|TODO.*))?$/.exec(line)
  if (top !== null) {
    if (top[1] === undefined) files.passed++
    else {
      files.failed.push(top[2])
      // A failing file: its subtest headers, failing asserts and their diagnostics; passing asserts are dropped.
      for (const kept of block) if (!/^\s+ok \d+ /.test(kept)) console.log(kept)
      console.log(line)
    }
    block = []
  } else if (/^# Subtest: /.test(line) || block.length > 0) {
    block.push(line)
  } else if (/^# \{ /.test(line)) {
    for (const key of Object.keys(totals)) totals[key] = Number(new RegExp(`\\b${key}: (\\d+)`).exec(line)?.[1] ?? 0)
    ended = true
  } else if (!/^(TAP version|1\.\.|# time=|$)/.test(line)) {
    // Anything else tap says: the coverage summary or table, a bail out, an error.
    console.log(line)
  }
}
const [tapCode, tsdCode] = await Promise.all([tap, tsd].map((child) => new Promise((resolve) => {
  if (child.exitCode !== null) resolve(child.exitCode)
  else child.on('close', (code) => resolve(code ?? 1))
})))

if (tsdCode !== 0) console.log(tsdOutput.trimEnd())
const seconds = ((performance.now() - started) / 1000).toFixed(1)
console.log(`test files: ${files.passed} passed, ${files.failed.length} failed${files.failed.length === 0 ? '' : ` (${files.failed.join(', ')})`}; ${seconds} s`)
console.log(`types (tsd): ${tsdCode === 0 ? 'passed' : 'FAILED'}`)
// tap exits non-zero for a failed assert, and also for coverage under 100 %: that counts as a failure too.
const coverageFailed = tapCode !== 0 && totals.fail === 0 && files.failed.length === 0
if (coverageFailed) console.log('tap failed without a failed assert: coverage of lib/ is under 100 % (table above), or tap itself failed')
const failed = Math.max(totals.fail, files.failed.length) + (coverageFailed ? 1 : 0) + (tsdCode === 0 ? 0 : 1)
const skipped = totals.skip + totals.todo
console.log(`${totals.pass} passed, ${failed} failed${skipped === 0 ? '' : `, ${skipped} skipped`}`)
process.exitCode = failed === 0 && tapCode === 0 ? 0 : 1
