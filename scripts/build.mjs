// Builds dist/cjs and dist/esm from lib/ with the TypeScript compiler, so the
// package loads from require() and import alike (Node 20+).
import { spawn } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
const targets = [
  { dir: 'dist/cjs', type: 'commonjs', module: 'commonjs', moduleResolution: 'node10' },
  { dir: 'dist/esm', type: 'module', module: 'es2022', moduleResolution: 'bundler' }
]

rmSync('dist', { recursive: true, force: true })
// The two compilations are independent: on two cores they run side by side.
await Promise.all(targets.map(async (target) => {
  await compile(['-p', 'tsconfig.build.json', '--outDir', target.dir, '--module', target.module, '--moduleResolution', target.moduleResolution])
  mkdirSync(target.dir, { recursive: true })
  // The nearest package.json decides how Node reads each .js file.
  writeFileSync(`${target.dir}/package.json`, JSON.stringify({ type: target.type }) + '\n')
}))

function compile (args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [tsc, ...args], { stdio: 'inherit' })
    child.on('error', reject)
    child.on('close', (code) => code === 0 ? resolve() : reject(new Error(`tsc ${args.join(' ')} exited with ${code}`)))
  })
}
