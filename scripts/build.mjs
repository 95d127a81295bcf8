// Builds dist/cjs and dist/esm from lib/ with the TypeScript compiler, so the
// package loads from require() and import alike (Node 20+).
import { execFileSync } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
const targets = [
  { dir: 'dist/cjs', type: 'commonjs', module: 'commonjs', moduleResolution: 'node10' },
  { dir: 'dist/esm', type: 'module', module: 'es2022', moduleResolution: 'bundler' }
]

rmSync('dist', { recursive: true, force: true })
for (const target of targets) {
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json',
    '--outDir', target.dir, '--module', target.module, '--moduleResolution', target.moduleResolution],
  { stdio: 'inherit' })
  mkdirSync(target.dir, { recursive: true })
  // The nearest package.json decides how Node reads each .js file.
  writeFileSync(`${target.dir}/package.json`, JSON.stringify({ type: target.type }) + '\n')
}
