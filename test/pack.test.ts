// What `npm pack` ships from a fresh checkout (no dist/ yet): the prepack
// script builds, so the tarball holds dist/ for ESM and CommonJS with their
// types, the command and the README, and none of the sources or tests.
// Runs in a copy of the working tree, so the suite's own dist/ is never touched.
// The build itself is not run a second time: `npm test` has just built dist/
// from these very sources (ensureBuilt builds it when this file runs alone).
// npm runs prepack through its script shell; here that shell is a stand-in
// that records the command npm gives it and, for `npm run build`, puts that
// build's output (the suite's dist/) where the build writes it.
import t from 'tap'
import { execFile, execFileSync } from 'node:child_process'
import { chmodSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ensureBuilt, ROOT } from './fixtures/cli.js'

// A build when run alone on a stale tree, and npm itself, on a shared machine.
t.setTimeout(300000)
t.before(ensureBuilt)

/** The script shell npm runs prepack with: logs `-c <command>`, and stands in for `npm run build` by copying dist/. */
const SCRIPT_SHELL = `#!/usr/bin/env node
const { appendFileSync, cpSync } = require('node:fs')
const { join } = require('node:path')
const command = process.argv[process.argv.indexOf('-c') + 1]
appendFileSync(process.env.PACK_TEST_LOG, JSON.stringify({ command, cwd: process.cwd() }) + '\\n')
if (command === 'npm run build') cpSync(join(process.env.PACK_TEST_ROOT, 'dist'), join(process.cwd(), 'dist'), { recursive: true })
else process.exit(1)
`

t.test('npm pack on a fresh checkout builds first and ships dist/, bin and the README only', async t => {
  const copy = mkdtempSync(join(tmpdir(), 'magnetis-pack-'))
  t.teardown(() => rmSync(copy, { recursive: true, force: true }))
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: ROOT, encoding: 'utf8' })
    .split('\0').filter((file) => file !== '' && existsSync(join(ROOT, file)))
  for (const file of files) cpSync(join(ROOT, file), join(copy, file))
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'), 'dir')
  t.notOk(existsSync(join(copy, 'dist')), 'the checkout has no dist/')

  const tools = mkdtempSync(join(tmpdir(), 'magnetis-pack-shell-'))
  t.teardown(() => rmSync(tools, { recursive: true, force: true }))
  const shell = join(tools, 'script-shell.cjs')
  writeFileSync(shell, SCRIPT_SHELL)
  chmodSync(shell, 0o755)
  const log = join(tools, 'scripts.log')
  writeFileSync(log, '')

  const output = await new Promise<string>((resolve, reject) => {
    execFile('npm', ['pack', '--dry-run', '--json', '--script-shell', shell], {
      cwd: copy,
      maxBuffer: 16 * 1024 * 1024,
      // tap's coverage of child processes would follow npm.
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? copy, _TAPJS_PROCESSINFO_COVERAGE_: '0', PACK_TEST_LOG: log, PACK_TEST_ROOT: ROOT }
    }, (error, stdout, stderr) => {
      if (error !== null) reject(new Error(`${error.message}\n${stderr}`))
      else resolve(stdout)
    })
  })
  const scripts = readFileSync(log, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { command: string, cwd: string })
  t.same(scripts.map(({ command }) => command), ['npm run build'], 'npm pack ran the prepack script, which builds (and nothing else)')
  t.equal(scripts[0]?.cwd, copy, 'in the checkout being packed')
  const { scripts: own } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
  t.match(own.test, /^npm run build && /, 'npm test runs the same build first: its dist/ stands in for the build here')

  const packed = (JSON.parse(output) as Array<{ files: Array<{ path: string }> }>)[0]?.files.map((file) => file.path) ?? []
  for (const expected of [
    'package.json', 'README.md', 'bin/magnetis-webhooks.js',
    'dist/esm/index.js', 'dist/esm/index.d.ts', 'dist/esm/package.json',
    'dist/cjs/index.js', 'dist/cjs/index.d.ts', 'dist/cjs/package.json',
    'dist/esm/plugin.js', 'dist/cjs/cli/main.js',
    // The subpaths of package.json "exports" (test/package.test.ts loads them by name).
    ...['esm', 'cjs'].flatMap((format) => ['inbox', 'signature'].flatMap((subpath) => [`dist/${format}/${subpath}/index.js`, `dist/${format}/${subpath}/index.d.ts`]))
  ]) {
    t.ok(packed.includes(expected), `ships ${expected}`)
  }
  t.same(packed.filter((path) => !/^(dist|bin)\//.test(path) && !['package.json', 'README.md', 'LICENSE'].includes(path)), [], 'nothing else')
})
