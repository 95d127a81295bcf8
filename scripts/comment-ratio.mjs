// Prints the share of comment lines in lib/ (lines starting with //, /*, * or */),
// per file and in total: the style guide's target is 16 % or fewer.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

function * files (dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) yield * files(path)
    else if (path.endsWith('.ts')) yield path
  }
}

const isComment = (line) => /^\s*(\/\/|\/\*|\*)/.test(line)
let comments = 0
let lines = 0
for (const path of [...files(process.argv[2] ?? 'lib')].sort()) {
  const all = readFileSync(path, 'utf8').split('\n').filter((line) => line.trim() !== '')
  const own = all.filter(isComment).length
  comments += own
  lines += all.length
  console.log(`${(100 * own / all.length).toFixed(0).padStart(3)} %  ${String(own).padStart(4)}/${String(all.length).padEnd(4)} ${path}`)
}
console.log(`${(100 * comments / lines).toFixed(1)} % comment lines (${comments} of ${lines} non-blank lines)`)
