// What `npm pack` ships from a fresh checkout (no dist/ yet): the prepack
// script builds, so the tarball holds dist/ for ESM and CommonJS with their
// types, the command and the README, and none of the sources or tests.
// Runs in a copy of the working tree, so the suite's own dist/ is never rebuilt
// under the other test files' feet.
import t from 'tap'
import { execFile, execFileSync } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ROOT } from './fixtures/cli.js'

// Two TypeScript builds on a shared machine: minutes, not seconds.
t.setTimeout(600000)

t.test('npm pack on a fresh checkout builds first and ships dist/, bin and the README only', async t => {
  const copy = mkdtempSync(join(tmpdir(), 'magnetis-pack-'))
  t.teardown(() => rmSync(copy, { recursive: true, force: true }))
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: ROOT, encoding: 'utf8' })
    .split('\0').filter((file) => file !== '' && existsSync(join(ROOT, file)))
  for (const file of files) cpSync(join(ROOT, file), join(copy, file))
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'), 'dir')
  t.notOk(existsSync(join(copy, 'dist')), 'the checkout has no dist/')

  const output = await new Promise<string>((resolve, reject) => {
    execFile('npm', ['pack', '--dry-run', '--json'], {
      cwd: copy,
      maxBuffer: 16 * 1024 * 1024,
      // tap's coverage of child processes would follow npm into the build.
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? copy, _TAPJS_PROCESSINFO_COVERAGE_: '0' }
    }, (error, stdout, stderr) => {
      if (error !== null) reject(new Error(`${error.message}\n${stderr}`))
      else resolve(stdout)
    })
  })
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
