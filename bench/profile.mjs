// Summarises a V8 .cpuprofile (from `node --cpu-prof`, or BENCH_PROFILE=1
// npm run bench): self time by function and by file, and total time
// (the function and what it calls) of the functions whose file matches
// FILTER (default: the library, dist/).
//   node profile.mjs bench/profiles/plugin-0-….cpuprofile [top=25] [filter=/dist/]
import { readFileSync } from 'node:fs'

const [file, topArgument = '25', filter = '/dist/'] = process.argv.slice(2)
if (!file) {
  console.error('usage: node profile.mjs FILE.cpuprofile [top]')
  process.exit(1)
}
const top = Number(topArgument)
const profile = JSON.parse(readFileSync(file, 'utf8'))
const byId = new Map(profile.nodes.map((node) => [node.id, node]))

// Sample counts to microseconds: each sample lasts until the next one.
const selfTime = new Map()
for (let index = 0; index < profile.samples.length; index++) {
  const id = profile.samples[index]
  const delta = profile.timeDeltas[index + 1] ?? 0
  selfTime.set(id, (selfTime.get(id) ?? 0) + delta)
}
const total = [...selfTime.values()].reduce((sum, value) => sum + value, 0)

const functions = new Map()
const files = new Map()
const nameOf = ({ callFrame }) => {
  const where = callFrame.url.replace(/^file:\/\//, '').replace(/.*\/node_modules\//, '~/') || '(native)'
  return { where, name: `${callFrame.functionName || '(anonymous)'}  ${where}:${callFrame.lineNumber + 1}` }
}
for (const [id, time] of selfTime) {
  const { where, name } = nameOf(byId.get(id))
  functions.set(name, (functions.get(name) ?? 0) + time)
  files.set(where, (files.get(where) ?? 0) + time)
}

// Total time: each sample counts once for every distinct matching function on its stack.
const parentOf = new Map()
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id)
const totals = new Map()
for (const [id, time] of selfTime) {
  const seen = new Set()
  for (let at = id; at !== undefined; at = parentOf.get(at)) {
    const node = byId.get(at)
    if (!node.callFrame.url.includes(filter)) continue
    const { name } = nameOf(node)
    if (seen.has(name)) continue
    seen.add(name)
    totals.set(name, (totals.get(name) ?? 0) + time)
  }
}
const print = (title, map) => {
  console.log(`\n${title}`)
  for (const [name, time] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${(100 * time / total).toFixed(1).padStart(5)} %  ${name}`)
  }
}
console.log(`${file}: ${(total / 1e6).toFixed(2)} s sampled`)
print('self time by function', functions)
print('self time by file', files)
print(`total time (self and callees) of functions in files matching ${JSON.stringify(filter)}`, totals)
