// Route A/B on a shared machine: persistent servers, interleaved rounds of short autocannon loads, and
// the server's CPU time per request (median of the rounds), so a slow spell falls on every case alike.
//   node bench/routes-ab.mjs 'plugin:json:A,plugin:json:B,minimal:json:B' [rounds=7] [seconds=2]
// Each case is kind:encoding:build (kinds of server.mjs); builds A and B are BENCH_LIB_A and
// BENCH_LIB_B (paths to a built index.js inside this repository, so its dependencies resolve), both
// ../dist/esm/index.js by default. Needs bench/'s dependencies (npm --prefix bench ci).
import { fork } from 'node:child_process'
import { join, resolve } from 'node:path'
import { BENCH_DIR, DEFAULT_DIST_ENTRY, canPin } from './fixtures.mjs'

const builds = { A: resolve(process.env.BENCH_LIB_A ?? DEFAULT_DIST_ENTRY), B: resolve(process.env.BENCH_LIB_B ?? DEFAULT_DIST_ENTRY) }
const [cases = 'plugin:json:B,minimal:json:B', rounds = '7', seconds = '2'] = process.argv.slice(2)

// Servers on core 0, the load generator on core 1 (as run.mjs does), when taskset is there.
const pinning = canPin()
function pinned (cpu, options) {
  if (!pinning) return options
  return { ...options, execPath: 'taskset', execArgv: ['-c', String(cpu), process.execPath, ...(options.execArgv ?? [])] }
}

function next (child, type) {
  return new Promise((resolve) => {
    const onMessage = (message) => {
      if (message?.type !== type) return
      child.off('message', onMessage)
      resolve(message)
    }
    child.on('message', onMessage)
  })
}

async function cpuOf (server) {
  const reply = next(server, 'cpu')
  server.send({ type: 'cpu' })
  const { user, system } = await reply
  return user + system
}

const servers = []
for (const name of cases.split(',')) {
  const [kind, encoding = 'json', build = 'B'] = name.split(':')
  const env = { ...process.env, BENCH_LIB: builds[build] }
  const server = fork(join(BENCH_DIR, 'server.mjs'), [JSON.stringify({ kind, encoding })], pinned(0, { cwd: BENCH_DIR, env, execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }))
  const { port } = await next(server, 'ready')
  servers.push({ name, kind, encoding, server, port, samples: [] })
}
for (let round = 0; round < Number(rounds); round++) {
  for (const entry of servers) {
    const before = await cpuOf(entry.server)
    const options = { port: entry.port, size: 0, encoding: entry.encoding, signer: entry.kind === 'peer' ? 'twilio' : 'ours', duration: Number(seconds), connections: 10 }
    const generator = fork(join(BENCH_DIR, 'load.mjs'), [JSON.stringify(options)], pinned(1, { cwd: BENCH_DIR, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }))
    const result = await next(generator, 'result')
    const used = await cpuOf(entry.server) - before
    if (result.non2xx > 0 || result.errors > 0) console.log(`${entry.name}: ${result.non2xx} non-2xx, ${result.errors} errors`)
    entry.samples.push(used / result.total)
  }
}
for (const { name, server, samples } of servers) {
  const sorted = samples.sort((a, b) => a - b)
  console.log(`${name.padEnd(18)} CPU µs/req median ${sorted[sorted.length >> 1].toFixed(1)}  lower quartile ${sorted[(sorted.length - 1) >> 2].toFixed(1)}  rounds ${sorted.map((value) => value.toFixed(0)).join(' ')}`)
  server.disconnect()
}
