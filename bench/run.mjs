// npm run bench: the plugin beside bare Fastify, Twilio's validateRequest
// and the raw HMAC floor, in one run, with the targets met or
// missed. Every server runs in a child process of its own and the load
// generator (autocannon) in another, both on 127.0.0.1; on Linux with
// taskset they are pinned to different cores. Results are figures, not a
// test: this script exits 0 whatever they are.
//
// Environment (seconds): BENCH_DURATION per route case (default 5; the
// seven seed-sample routes run on BENCH_ROUTE_PROCESSES (default 3)
// persistent servers each, BENCH_ROUTE_ROUNDS (default 3) interleaved
// rounds of BENCH_ROUND seconds (default 2) per server, instead),
// BENCH_SOAK for the memory run (default 60), BENCH_MICRO per
// verification case (default 1), BENCH_CONNECTIONS (default 10),
// BENCH_ONLY=micro,routes,inbox,scaling,soak to run some parts only;
// BENCH_INBOX_CONNECTIONS (default 20) and BENCH_INBOX_ROUNDS (default 2)
// for the inbox part (the in-request route and the SQLite inbox route,
// alternated, each round on fresh servers);
// BENCH_LIB=path/to/index.js to measure another build of the library;
// BENCH_PROFILE=1 starts each server with --cpu-prof (profiles in
// bench/profiles/, summarised by `node profile.mjs FILE`).
import { execFileSync, fork } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, totalmem } from 'node:os'
import { join, relative } from 'node:path'
import { BENCH_DIR, DEFAULT_DIST_ENTRY, DIST_ENTRY, ROOT_DIR, SIZES, canPin, loadLibrary } from './fixtures.mjs'

const DURATION = Number(process.env.BENCH_DURATION ?? 5)
const ROUTE_PROCESSES = Number(process.env.BENCH_ROUTE_PROCESSES ?? 3)
const ROUTE_ROUNDS = Number(process.env.BENCH_ROUTE_ROUNDS ?? 3)
const ROUND = Number(process.env.BENCH_ROUND ?? 2)
const SOAK = Number(process.env.BENCH_SOAK ?? 60)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10)
const PROFILE = process.env.BENCH_PROFILE === '1'
const INBOX_CONNECTIONS = Number(process.env.BENCH_INBOX_CONNECTIONS ?? 20)
const INBOX_ROUNDS = Number(process.env.BENCH_INBOX_ROUNDS ?? 2)
const ONLY = new Set((process.env.BENCH_ONLY ?? 'micro,routes,inbox,scaling,soak').split(',').map((part) => part.trim()))

// Issue 13: against the cheapest correct receiver, the peer, and the floors.
const TARGETS = {
  jsonRoute: 0.9, // plugin JSON route (b) req/s ÷ minimal correct receiver (e, JSON)
  formRoute: 1.2, // plugin form route (c) req/s ÷ formbody + twilio peer (d)
  rawFloor: 1.5, // verification from raw bytes ÷ its floor, JSON and form
  perKiB: 1.5, // slowest ÷ fastest µs per KiB from raw JSON bytes, 1 KiB to 1 MiB
  inboxThroughput: 0.5, // inbox route acknowledged req/s ÷ in-request route, at INBOX_CONNECTIONS (issue 10)
  inboxP99: 10 // inbox route p99 acknowledgement latency, ms (issue 10)
}
// Issue 5's targets, still printed for comparison with earlier runs.
const EARLIER_TARGETS = {
  throughput: 0.85, // route (b) req/s ÷ bare (a)
  floor: 2, // verifySignature time ÷ one raw HMAC
  perKiB: 2 // slowest ÷ fastest time per KiB, 16 KiB to 1 MiB
}
// Heap after a full GC may move by a little (JIT code, inline caches,
// Fastify's internal caches); a retained body per request would be megabytes.
const HEAP_GROWTH_ALLOWED = 2 * 1024 * 1024

const runStarted = Date.now()
const log = (line) => process.stderr.write(line + '\n')

// Builds the library when its output is missing; the root's `npm run bench` builds first anyway.
if (DIST_ENTRY === DEFAULT_DIST_ENTRY && !existsSync(DIST_ENTRY)) {
  log('bench: dist/esm is missing, running npm run build')
  execFileSync('npm', ['run', 'build'], { cwd: ROOT_DIR, stdio: 'inherit' })
}
const lib = await loadLibrary()
const hasPlugin = typeof lib.default === 'function'
if (!hasPlugin) log('bench: dist/esm/index.js has no default export (the plugin): routes (b) and (c) are skipped')

// Pinning keeps the server and the load generator off each other's core.
const pinning = canPin()

/** Forks a bench script with an IPC channel, pinned to `cpu` when possible; returns the child process. */
function start (script, argument, { cpu, execArgv = [] } = {}) {
  const options = { cwd: BENCH_DIR, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv }
  if (pinning && cpu !== undefined) {
    // fork() runs `execPath ...execArgv script args`: taskset then execs node, which keeps the IPC channel.
    options.execPath = 'taskset'
    options.execArgv = ['-c', String(cpu), process.execPath, ...execArgv]
  }
  return fork(join(BENCH_DIR, script), [JSON.stringify(argument)], options)
}

/** The next message of `type` from `child`; rejects if it exits first. */
function next (child, type) {
  return new Promise((resolve, reject) => {
    const onMessage = (message) => {
      if (message?.type !== type) return
      child.off('message', onMessage)
      child.off('exit', onExit)
      resolve(message)
    }
    const onExit = (code) => {
      child.off('message', onMessage)
      reject(new Error(`bench: ${child.spawnargs.join(' ')} exited with ${code} before sending "${type}"`))
    }
    child.on('message', onMessage)
    child.once('exit', onExit)
  })
}

async function startServer (kind, size = 0, encoding = 'json') {
  const execArgv = ['--expose-gc']
  if (PROFILE) execArgv.push('--cpu-prof', `--cpu-prof-dir=${join(BENCH_DIR, 'profiles')}`, `--cpu-prof-name=${kind}-${encoding}-${size}-${Date.now()}.cpuprofile`)
  const server = start('server.mjs', { kind, size, encoding }, { cpu: 0, execArgv })
  const { port } = await next(server, 'ready')
  return { server, port }
}

async function stopServer (server) {
  const exited = new Promise((resolve) => server.once('exit', resolve))
  server.disconnect()
  const timer = setTimeout(() => server.kill('SIGKILL'), 5000)
  await exited
  clearTimeout(timer)
}

/** The server's process.cpuUsage(), in µs. */
async function cpuOf (server) {
  const reply = next(server, 'cpu')
  server.send({ type: 'cpu' })
  const { user, system } = await reply
  return user + system
}

/** The server's process.memoryUsage() (and peak RSS), after a full GC when `gc`. */
async function memoryOf (server, gc) {
  const reply = next(server, 'memory')
  server.send({ type: 'memory', gc })
  return reply
}

async function load (port, { size = 0, encoding = 'json', signer = 'ours', duration = DURATION, connections = CONNECTIONS }) {
  const generator = start('load.mjs', { port, size, encoding, signer, duration, connections }, { cpu: 1 })
  return next(generator, 'result')
}

/** One route case: a fresh server, one load run, the server stopped; `undefined` (and a note) if it failed. */
async function routeCase (label, kind, options = {}) {
  log(`bench: route ${label} (${DURATION} s)`)
  let started
  try {
    started = await startServer(kind, options.size, options.encoding)
    const loadAverage = loadavg()[0]
    const warmupRows = kind === 'inbox' ? rowCount(await inboxRows(started.server)) : undefined
    const cpuBefore = await cpuOf(started.server)
    const result = await load(started.port, options)
    // The server's CPU time per request: a figure that other work on the machine skews far less than req/s.
    const cpuPerRequest = (await cpuOf(started.server) - cpuBefore) / result.total
    if (result.non2xx > 0 || result.errors > 0) {
      log(`bench: warning: ${label}: ${result.non2xx} non-2xx replies, ${result.errors} errors`)
    }
    const inbox = kind === 'inbox' ? { warmupRows, ...await drainInbox(started.server) } : undefined
    return { label, kind, ...options, ...result, loadAverage, inbox, cpuPerRequest }
  } catch (error) {
    log(`bench: ${label} failed: ${error.message}`)
    report.failures.push(`${label}: ${error.message}`)
    return undefined
  } finally {
    if (started) await stopServer(started.server)
  }
}

/**
 * The seed-sample route cases side by side: ROUTE_PROCESSES persistent servers each, then ROUTE_ROUNDS rounds that load
 * every server in turn for ROUND seconds, so that a slow spell of the machine falls on all cases alike rather than on one
 * case's only window. Several servers per case, because one process of the same build can run some 10 % above or below
 * another all its life (where the JIT put things; docs/performance.md, seventh pass): one server per case made a ratio
 * of two cases a ratio of two draws. Each case reports the median of all its rounds by req/s (latencies included) and
 * the median of its rounds' CPU per request.
 */
async function interleavedRoutes (cases) {
  const running = []
  for (let copy = 1; copy <= ROUTE_PROCESSES; copy++) {
    for (const { label, kind, options } of cases) {
      try {
        running.push({ label, kind, options, copy, rounds: [], ...await startServer(kind, 0, options.encoding) })
      } catch (error) {
        log(`bench: ${label} (server ${copy}) failed: ${error.message}`)
        report.failures.push(`${label} (server ${copy}): ${error.message}`)
      }
    }
  }
  try {
    // A first second of HTTP load per server, not counted: the JIT settles on the network path (warm-up used inject()).
    for (const entry of running) await load(entry.port, { ...entry.options, duration: 1 })
    for (let round = 1; round <= ROUTE_ROUNDS; round++) {
      for (const entry of running) {
        log(`bench: route ${entry.label}, server ${entry.copy} of ${ROUTE_PROCESSES}, round ${round} of ${ROUTE_ROUNDS} (${ROUND} s)`)
        const loadAverage = loadavg()[0]
        const cpuBefore = await cpuOf(entry.server)
        const result = await load(entry.port, { ...entry.options, duration: ROUND })
        const cpuPerRequest = (await cpuOf(entry.server) - cpuBefore) / result.total
        if (result.non2xx > 0 || result.errors > 0) log(`bench: warning: ${entry.label}: ${result.non2xx} non-2xx replies, ${result.errors} errors`)
        entry.rounds.push({ ...result, loadAverage, cpuPerRequest, copy: entry.copy })
      }
    }
  } finally {
    for (const entry of running) await stopServer(entry.server)
  }
  return cases.filter(({ label }) => running.some((entry) => entry.label === label)).map(({ label, kind, options }) => {
    const rounds = running.filter((entry) => entry.label === label).flatMap((entry) => entry.rounds)
    const middle = rounds.slice().sort((a, b) => a.requestsPerSecond - b.requestsPerSecond)[rounds.length >> 1]
    const cpus = rounds.map((round) => round.cpuPerRequest).sort((a, b) => a - b)
    // Any round's refusals count: a clean median round must not hide them.
    const non2xx = rounds.reduce((sum, round) => sum + round.non2xx, 0)
    const errors = rounds.reduce((sum, round) => sum + round.errors, 0)
    return {
      label, kind, ...options, ...middle, non2xx, errors, cpuPerRequest: cpus[cpus.length >> 1],
      rounds: rounds.map(({ requestsPerSecond, cpuPerRequest, copy }) => ({ requestsPerSecond, cpuPerRequest, server: copy }))
    }
  })
}

/** Each round's req/s, a server's rounds together: "12,000, 11,800 / 12,100, …". */
function roundsByServer (rounds) {
  const servers = new Map()
  for (const round of rounds) {
    const server = round.server ?? 1
    if (!servers.has(server)) servers.set(server, [])
    servers.get(server).push(fixed(round.requestsPerSecond))
  }
  return [...servers.values()].map((values) => values.join(', ')).join(' / ')
}

/** The inbox server's rows by status: `{ pending, processing, done, … }`. */
async function inboxRows (server) {
  const reply = next(server, 'inbox')
  server.send({ type: 'inbox' })
  const { type, ...counts } = await reply
  return counts
}

function rowCount (counts) {
  return Object.values(counts).reduce((sum, count) => sum + count, 0)
}

/**
 * The inbox server's rows when the load stopped, then how long its worker
 * took to handle the backlog (polled every 100 ms, at most 120 s).
 */
async function drainInbox (server) {
  const ask = () => inboxRows(server)
  const atEnd = await ask()
  const started = Date.now()
  let now = atEnd
  while ((now.pending ?? 0) + (now.processing ?? 0) > 0 && Date.now() - started < 120_000) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    now = await ask()
  }
  return { atEnd, drained: now, drainSeconds: (Date.now() - started) / 1000 }
}

// ---------------------------------------------------------------------------
const report = {
  date: new Date().toISOString(),
  node: process.version,
  v8: process.versions.v8,
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memory: totalmem(),
  platform: `${process.platform} ${process.arch}`,
  loadBefore: loadavg()[0],
  pinning,
  library: relative(ROOT_DIR, DIST_ENTRY),
  failures: [],
  settings: { DURATION, ROUTE_PROCESSES, ROUTE_ROUNDS, ROUND, SOAK, CONNECTIONS, INBOX_CONNECTIONS, INBOX_ROUNDS, MICRO: Number(process.env.BENCH_MICRO ?? 1) }
}
if (report.loadBefore > 0.5) log(`bench: warning: load average ${report.loadBefore.toFixed(2)} before the run; other work on this machine skews the figures`)

if (ONLY.has('micro')) {
  log('bench: verification alone (no HTTP)')
  try {
    report.micro = await next(start('micro.mjs', {}, { execArgv: ['--expose-gc'] }), 'micro')
  } catch (error) {
    log(`bench: the verification benchmarks failed: ${error.message}`)
    report.failures.push(`verification: ${error.message}`)
  }
}

if (ONLY.has('routes')) {
  const cases = [
    { label: '(a) bare Fastify, JSON', kind: 'bare', options: { encoding: 'json' } },
    { label: '(a′) bare Fastify + formbody, form', kind: 'bare-form', options: { encoding: 'form' } }
  ]
  if (hasPlugin) {
    cases.push({ label: '(b) plugin, JSON', kind: 'plugin', options: { encoding: 'json' } })
    cases.push({ label: '(c) plugin, form', kind: 'plugin', options: { encoding: 'form' } })
  }
  cases.push({ label: '(d) formbody + twilio.validateRequest', kind: 'peer', options: { encoding: 'form', signer: 'twilio' } })
  cases.push({ label: '(e) minimal correct receiver, JSON', kind: 'minimal', options: { encoding: 'json' } })
  cases.push({ label: '(e′) minimal correct receiver, form', kind: 'minimal', options: { encoding: 'form' } })
  report.routes = await interleavedRoutes(cases)
}

if (ONLY.has('inbox') && hasPlugin && typeof lib.sqliteInbox === 'function') {
  log('bench: the price of a durable SQLite commit on this disk')
  try {
    report.fsync = await next(start('fsync.mjs', {}), 'fsync')
  } catch (error) {
    report.failures.push(`fsync: ${error.message}`)
  }
  // Alternated, so that the machine's other work weighs on both routes alike.
  report.inbox = []
  for (let round = 1; round <= INBOX_ROUNDS; round++) {
    const inRequest = await routeCase(`(b) plugin, in-request, JSON, round ${round}`, 'plugin', { encoding: 'json', connections: INBOX_CONNECTIONS })
    const inbox = await routeCase(`(e) plugin + SQLite inbox, JSON, round ${round}`, 'inbox', { encoding: 'json', connections: INBOX_CONNECTIONS })
    report.inbox.push({ round, inRequest, inbox })
  }
}

if (ONLY.has('scaling')) {
  report.scaling = []
  for (const size of SIZES) {
    const bare = await routeCase(`bare, JSON ${kib(size)}`, 'bare', { size, encoding: 'json' })
    const plugin = hasPlugin ? await routeCase(`plugin, JSON ${kib(size)}`, 'plugin', { size, encoding: 'json' }) : undefined
    report.scaling.push({ size, bare, plugin })
  }
}

if (ONLY.has('soak') && hasPlugin) {
  log(`bench: memory, route (b) for ${SOAK} s`)
  let started
  try {
    started = await startServer('plugin')
    const { server, port } = started
    const before = await memoryOf(server, true)
    const generator = load(port, { duration: SOAK })
    // Heap after GC at the middle and at the end: a leak grows between them.
    await new Promise((resolve) => setTimeout(resolve, SOAK * 500))
    const middle = await memoryOf(server, true)
    const result = await generator
    const after = await memoryOf(server, true)
    report.soak = { before, middle, after, requests: result.total, requestsPerSecond: result.requestsPerSecond, non2xx: result.non2xx }
  } catch (error) {
    log(`bench: the memory run failed: ${error.message}`)
    report.failures.push(`memory run: ${error.message}`)
  } finally {
    if (started) await stopServer(started.server)
  }
}
report.seconds = (Date.now() - runStarted) / 1000
report.loadAfter = loadavg()[0]

// ---------------------------------------------------------------------------
const markdown = render(report)
process.stdout.write(markdown)
writeFileSync(join(BENCH_DIR, 'RESULTS.md'), markdown)
writeFileSync(join(BENCH_DIR, 'results.json'), JSON.stringify(report, null, 2) + '\n')
log('bench: wrote bench/RESULTS.md (and bench/results.json)')

// ---------------------------------------------------------------------------
function kib (bytes) {
  return bytes >= 1024 * 1024 ? `${bytes / 1024 / 1024} MiB` : `${bytes / 1024} KiB`
}
function fixed (value, digits = 0) {
  return value === undefined || Number.isNaN(value) ? '–' : value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
}
function mib (bytes) {
  return (bytes / 1024 / 1024).toFixed(1) + ' MiB'
}
function metOrMissed (met) {
  return met === undefined ? 'not measured' : met ? '**met**' : '**missed**'
}
function table (header, rows) {
  return [
    '| ' + header.join(' | ') + ' |',
    '| ' + header.map((_, index) => (index === 0 ? '---' : '---:')).join(' | ') + ' |',
    ...rows.map((row) => '| ' + row.join(' | ') + ' |')
  ].join('\n') + '\n'
}

function render (report) {
  const out = []
  const targets = []
  out.push('# Benchmark results\n')
  out.push('Written by `npm run bench` (bench/run.mjs). Absolute figures depend on the machine; the ratios are what to compare. Results are not a test.\n')
  out.push(table(['', ''], [
    ['date', report.date],
    ['machine', `${report.cpu}, ${report.cores} cores, ${mib(report.memory)} RAM, ${report.platform}`],
    ['Node.js', `${report.node} (V8 ${report.v8})`],
    ['library measured', '`' + report.library + '`'],
    ['load average (1 min) before and after the run', `${report.loadBefore.toFixed(2)}, ${report.loadAfter.toFixed(2)}`],
    ['settings', `${report.settings.ROUTE_PROCESSES ?? 1} servers per seed-sample route, ${report.settings.ROUTE_ROUNDS} interleaved rounds of ${report.settings.ROUND} s per server, ${report.settings.DURATION} s per other route case, ${report.settings.CONNECTIONS} connections, ${report.settings.SOAK} s soak, ${report.settings.MICRO} s per verification case, server and load generator ${report.pinning ? 'pinned to cores 0 and 1' : 'not pinned'}`],
    ['run time', `${report.seconds.toFixed(0)} s`]
  ]))

  const earlier = []
  if (report.micro) {
    const { seed, scaling } = report.micro
    const ns = seed.ns
    const rate = (value) => fixed(1e9 / value)
    const us = (value) => fixed(value / 1000, 2)
    const times = (value, floor) => fixed(value / floor, 2)
    out.push(`\n## Verification alone (no HTTP), seed sample\n\nThe vendor's sample: ${seed.jsonBytes} bytes of JSON, ${seed.pairs} POST variables, a signature base string of ${seed.baseStringLength} characters. CPU time per call (user + system), median of timed batches after a warm-up.\n\nFloors, what any correct receiver does at least: JSON, the body decoded and \`JSON.parse\`d plus one HMAC over the base string; form, the body split by \`fast-querystring\` (@fastify/formbody's parser) plus one HMAC.\n`)
    out.push(table(['case', 'ops/s', 'µs/op', '× HMAC', '× its floor'], [
      ['one `createHmac(\'sha1\')` over the base string', rate(ns.floor), us(ns.floor), '1.00', ''],
      ['JSON floor: `JSON.parse` + one HMAC', rate(ns.floorJson), us(ns.floorJson), times(ns.floorJson, ns.floor), '1.00'],
      ['form floor: `fast-querystring` + one HMAC', rate(ns.floorForm), us(ns.floorForm), times(ns.floorForm, ns.floor), '1.00'],
      ['**ours from raw JSON bytes**: `verifyRawBody` (what the route runs)', rate(ns.oursRawJson), us(ns.oursRawJson), times(ns.oursRawJson, ns.floor), times(ns.oursRawJson, ns.floorJson)],
      ['**ours from raw form bytes**: `verifyRawBody` (what the route runs)', rate(ns.oursRawForm), us(ns.oursRawForm), times(ns.oursRawForm, ns.floor), times(ns.oursRawForm, ns.floorForm)],
      ['ours from raw JSON bytes in two public steps: `pairsFromBody` + `verifySignature`', rate(ns.oursTwoStepJson), us(ns.oursTwoStepJson), times(ns.oursTwoStepJson, ns.floor), times(ns.oursTwoStepJson, ns.floorJson)],
      ['ours: `verifySignature` on the pairs', rate(ns.ours), us(ns.ours), times(ns.ours, ns.floor), ''],
      ['ours: `verifySignature` on the object (flattened inside)', rate(ns.oursObject), us(ns.oursObject), times(ns.oursObject, ns.floor), ''],
      ['peer: twilio `validateRequest` on the flat params', rate(ns.twilio), us(ns.twilio), times(ns.twilio, ns.floor), ''],
      ['split alone: `fast-querystring` (the form floor\'s)', rate(ns.splitFastQuerystring), us(ns.splitFastQuerystring), '', ''],
      ['split alone: ours (`pairsFromBody`, lib/body/form-pairs.ts)', rate(ns.splitOurs), us(ns.splitOurs), '', ''],
      ['split alone: `URLSearchParams` (ours until issue 13)', rate(ns.splitUrlSearchParams), us(ns.splitUrlSearchParams), '', '']
    ]))
    targets.push([`verification from raw JSON bytes ≤ ${TARGETS.rawFloor}× its floor (seed sample)`, `${times(ns.oursRawJson, ns.floorJson)}× (${us(ns.oursRawJson)} µs ÷ ${us(ns.floorJson)} µs)`, metOrMissed(ns.oursRawJson / ns.floorJson <= TARGETS.rawFloor)])
    targets.push([`verification from raw form bytes ≤ ${TARGETS.rawFloor}× its floor (seed sample)`, `${times(ns.oursRawForm, ns.floorForm)}× (${us(ns.oursRawForm)} µs ÷ ${us(ns.floorForm)} µs)`, metOrMissed(ns.oursRawForm / ns.floorForm <= TARGETS.rawFloor)])
    earlier.push(['verification faster than the peer (seed sample)', `ours ${rate(ns.ours)} ops/s vs twilio ${rate(ns.twilio)} ops/s (${fixed(ns.twilio / ns.ours, 2)}×)`, metOrMissed(ns.ours < ns.twilio)])
    earlier.push([`verification within ${EARLIER_TARGETS.floor}× of the raw HMAC floor (seed sample)`, `${times(ns.ours, ns.floor)}×`, metOrMissed(ns.ours / ns.floor <= EARLIER_TARGETS.floor)])

    out.push('\n## Scaling: verification time by body size\n\nThe sample grown with visitor `utm` items (so the number of POST variables grows too) to an exact JSON size. µs per KiB of JSON body (the form body of the same pairs is longer: its own KiB are not used). \"raw\" is `verifyRawBody`, what the route runs: past 4 KiB of JSON it joins the pairs in key order instead of sorting them; \"two steps\" is `pairsFromBody` + `verifySignature`, which always sorts.\n')
    const perKiB = (value, size) => value / 1000 / (size / 1024)
    out.push(table(['JSON body', 'pairs', 'HMAC µs', 'ours (pairs) µs', 'JSON floor µs', 'raw JSON µs', 'raw JSON µs/KiB', 'raw JSON × floor', 'two steps µs/KiB', 'form floor µs', 'raw form µs', 'raw form × floor', 'twilio µs'],
      scaling.map((row) => [kib(row.size), fixed(row.pairs), us(row.ns.floor), us(row.ns.ours), us(row.ns.floorJson), us(row.ns.oursRawJson),
        fixed(perKiB(row.ns.oursRawJson, row.size), 2), times(row.ns.oursRawJson, row.ns.floorJson), fixed(perKiB(row.ns.oursTwoStepJson, row.size), 2), us(row.ns.floorForm), us(row.ns.oursRawForm),
        times(row.ns.oursRawForm, row.ns.floorForm), us(row.ns.twilio)])))
    const rawPerKiB = scaling.map((row) => perKiB(row.ns.oursRawJson, row.size))
    const rawSpread = Math.max(...rawPerKiB) / Math.min(...rawPerKiB)
    const floorPerKiB = scaling.map((row) => perKiB(row.ns.floorJson, row.size))
    const floorSpread = Math.max(...floorPerKiB) / Math.min(...floorPerKiB)
    targets.push([`µs per KiB from raw JSON bytes flat within ${TARGETS.perKiB}× from 1 KiB to 1 MiB`, `slowest ÷ fastest = ${fixed(rawSpread, 2)}× (${rawPerKiB.map((value) => fixed(value, 2)).join(', ')} µs/KiB; the JSON floor's own: ${fixed(floorSpread, 2)}×)`, metOrMissed(rawSpread <= TARGETS.perKiB)])
    const oursPerKiB = scaling.filter((row) => row.size >= 16 * 1024).map((row) => row.ns.ours / row.size)
    const spread = Math.max(...oursPerKiB) / Math.min(...oursPerKiB)
    earlier.push([`time per KiB flat within ${EARLIER_TARGETS.perKiB}× from 16 KiB to 1 MiB`, `slowest ÷ fastest = ${fixed(spread, 2)}×`, metOrMissed(spread <= EARLIER_TARGETS.perKiB)])
  }

  if (report.routes) {
    const bare = report.routes.find((row) => row.kind === 'bare') ?? { requestsPerSecond: NaN, cpuPerRequest: NaN }
    out.push(`\n## HTTP routes (autocannon, ${report.settings.CONNECTIONS} connections, ${report.settings.ROUTE_PROCESSES ?? 1} servers per route, ${report.settings.ROUTE_ROUNDS} interleaved rounds of ${report.settings.ROUND} s per server)\n\nThe seed sample, signed; every server replies 200 \`{"ok":true,"event":…,"id":…}\`. Each route runs on ${report.settings.ROUTE_PROCESSES ?? 1} server processes of its own (one process can run some 10 % above or below another of the same build all its life), for the whole part; each server gets one uncounted second of load first, and each round then loads every server in turn, so a slow spell of the machine weighs on all routes alike. A row is the route's median round, all its servers' rounds together, by req/s (latencies in whole milliseconds, autocannon's resolution); "CPU µs/req" is the server process's CPU time (user + system) per request during the load, the median of the rounds: far less skewed by other work on the machine than req/s. "rounds" lists each round's req/s, server by server.\n`)
    out.push(table(['route', 'body bytes', 'req/s', 'p50 ms', 'p99 ms', '÷ (a)', 'CPU µs/req', 'non-2xx', 'rounds (req/s)'],
      report.routes.map((row) => [row.label, fixed(row.bodyBytes), fixed(row.requestsPerSecond), fixed(row.latency.p50), fixed(row.latency.p99),
        fixed(row.requestsPerSecond / bare.requestsPerSecond, 2), fixed(row.cpuPerRequest, 1), fixed(row.non2xx), roundsByServer(row.rounds ?? [])])))
    const find = (kind, encoding) => report.routes.find((row) => row.kind === kind && row.encoding === encoding)
    const routeTarget = (title, ours, theirs, target) => {
      if (!ours || !theirs) return [title, 'not measured', metOrMissed(undefined)]
      const ratio = ours.requestsPerSecond / theirs.requestsPerSecond
      const cpuRatio = theirs.cpuPerRequest / ours.cpuPerRequest
      const clean = ours.non2xx === 0 && theirs.non2xx === 0 && ours.errors === 0 && theirs.errors === 0
      return [title, `${fixed(ratio, 2)}× (${fixed(ours.requestsPerSecond)} ÷ ${fixed(theirs.requestsPerSecond)} req/s; by CPU per request ${fixed(cpuRatio, 2)}×)`, metOrMissed(clean ? ratio >= target : undefined)]
    }
    targets.push(routeTarget(`plugin JSON route (b) ≥ ${TARGETS.jsonRoute}× the minimal correct receiver (e, JSON)`, find('plugin', 'json'), find('minimal', 'json'), TARGETS.jsonRoute))
    targets.push(routeTarget(`plugin form route (c) ≥ ${TARGETS.formRoute}× formbody + twilio (d)`, find('plugin', 'form'), find('peer', 'form'), TARGETS.formRoute))
    const plugin = find('plugin', 'json')
    const ratio = plugin && plugin.requestsPerSecond / bare.requestsPerSecond
    earlier.push([`route (b) at ${EARLIER_TARGETS.throughput} or more of (a)`, plugin ? `${fixed(ratio, 2)}` : 'no plugin', metOrMissed(plugin && plugin.non2xx === 0 ? ratio >= EARLIER_TARGETS.throughput : undefined)])
  }

  if (report.inbox) {
    const rounds = report.inbox.filter(({ inRequest, inbox }) => inRequest && inbox)
    out.push(`\n## Durable inbox (issue 10): in-request dispatch beside the SQLite inbox (autocannon, ${report.settings.INBOX_CONNECTIONS} connections, ${report.settings.DURATION} s each)\n\n` +
      'The seed sample (a `test` event, never deduplicated: every request is a new row), signed, JSON. (b) runs the no-op handler inside the request; ' +
      '(e) replies 200 once the row is committed (`sqliteInbox` defaults: WAL, `synchronous = FULL`; the writes of one event-loop turn, the requests\' inserts and the worker\'s claims and settles, in one commit) ' +
      'and its worker runs the handler from the row, in the same process. Rounds alternate the two routes on fresh servers; ' +
      '"rows stored" counts the rows of the load (not those of the warm-up); "backlog" is the rows not yet handled when the load stopped, "drain" the time the worker then took to handle them. Latencies in whole milliseconds.\n')
    out.push(table(['route', 'load avg', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'non-2xx', 'rows stored', 'backlog', 'drain s', 'inbox ÷ in-request'],
      report.inbox.flatMap(({ inRequest, inbox }) => [inRequest, inbox].filter(Boolean).map((row) => {
        const rows = row.inbox && rowCount(row.inbox.drained) - row.inbox.warmupRows
        return [row.label, fixed(row.loadAverage, 2), fixed(row.requestsPerSecond), fixed(row.latency.p50), fixed(row.latency.p99), fixed(row.latency.max),
          fixed(row.non2xx), row.inbox ? fixed(rows) : '', row.inbox ? fixed((row.inbox.atEnd.pending ?? 0) + (row.inbox.atEnd.processing ?? 0)) : '',
          row.inbox ? fixed(row.inbox.drainSeconds, 1) : '', row === inbox && inRequest ? fixed(inbox.requestsPerSecond / inRequest.requestsPerSecond, 2) : ''
        ]
      }))))
    if (report.fsync) {
      const { FULL, NORMAL, commits } = report.fsync
      out.push(`\nOne-row SQLite commits on this disk (WAL, ${commits} in a row, bench/fsync.mjs): \`synchronous = FULL\` (the inbox's) median ${fixed(FULL.medianMs, 2)} ms, p99 ${fixed(FULL.p99Ms, 2)} ms; ` +
        `\`NORMAL\` (no fsync) median ${fixed(NORMAL.medianMs, 2)} ms, p99 ${fixed(NORMAL.p99Ms, 2)} ms. A request that arrives while a commit is on its way waits for it and then for its own: ` +
        'about two FULL commits is the floor of the inbox route\'s worst acknowledgements, whatever the CPU.\n')
    }
    if (rounds.length > 0) {
      const ratios = rounds.map(({ inRequest, inbox }) => inbox.requestsPerSecond / inRequest.requestsPerSecond)
      const p99s = rounds.map(({ inbox }) => inbox.latency.p99)
      const clean = rounds.every(({ inbox }) => inbox.non2xx === 0 && inbox.errors === 0)
      targets.push([`inbox route at ${TARGETS.inboxThroughput} or more of the in-request route (${report.settings.INBOX_CONNECTIONS} connections)`,
        `${ratios.map((ratio) => fixed(ratio, 2)).join(', ')} (per round)`, metOrMissed(clean ? Math.min(...ratios) >= TARGETS.inboxThroughput : undefined)])
      targets.push([`inbox route p99 acknowledgement latency under ${TARGETS.inboxP99} ms`, `${p99s.map((p99) => fixed(p99)).join(', ')} ms (per round)`,
        metOrMissed(clean ? Math.max(...p99s) < TARGETS.inboxP99 : undefined)])
    }
  }

  if (report.scaling) {
    out.push(`\n## Scaling: route throughput by body size (JSON, ${report.settings.DURATION} s each)\n`)
    out.push(table(['JSON body', 'bare req/s', 'bare p99 ms', 'plugin req/s', 'plugin p99 ms', 'plugin ÷ bare', 'plugin MiB/s'],
      report.scaling.map(({ size, bare, plugin }) => [kib(size), fixed(bare?.requestsPerSecond), fixed(bare?.latency.p99),
        fixed(plugin?.requestsPerSecond), fixed(plugin?.latency.p99), plugin && bare ? fixed(plugin.requestsPerSecond / bare.requestsPerSecond, 2) : '–',
        plugin ? fixed(plugin.requestsPerSecond * size / 1024 / 1024, 1) : '–'])))
  }

  if (report.soak) {
    const { before, middle, after, requests, requestsPerSecond, non2xx } = report.soak
    out.push(`\n## Memory: route (b) for ${report.settings.SOAK} s\n\n${fixed(requests)} requests (${fixed(requestsPerSecond)} req/s, ${fixed(non2xx)} non-2xx). The server's \`process.memoryUsage()\` after a full GC; peak RSS from \`process.resourceUsage().maxRSS\`.\n`)
    out.push(table(['', 'before', 'middle', 'after', 'after − middle'], [
      ['heap used', mib(before.heapUsed), mib(middle.heapUsed), mib(after.heapUsed), mib(after.heapUsed - middle.heapUsed)],
      ['RSS', mib(before.rss), mib(middle.rss), mib(after.rss), mib(after.rss - middle.rss)],
      ['external + array buffers', mib(before.external + before.arrayBuffers), mib(middle.external + middle.arrayBuffers), mib(after.external + after.arrayBuffers), mib(after.external + after.arrayBuffers - middle.external - middle.arrayBuffers)],
      ['peak RSS', '', '', mib(after.maxRSS), '']
    ]))
    const grew = after.heapUsed - middle.heapUsed
    earlier.push(['no memory growth over the sustained run', `heap after GC ${mib(middle.heapUsed)} at the middle, ${mib(after.heapUsed)} at the end (${requests.toLocaleString('en-US')} requests)`, metOrMissed(grew <= HEAP_GROWTH_ALLOWED)])
  }

  out.push('\n## Targets (issues 10 and 13)\n')
  out.push(table(['target', 'measured', ''], targets))
  out.push('\n## Earlier targets (issue 5)\n')
  out.push(table(['target', 'measured', ''], earlier))
  if (report.failures.length > 0) out.push('\nCases that failed: ' + report.failures.join('; ') + '\n')
  return out.join('\n')
}
