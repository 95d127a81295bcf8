// README.md's code blocks can never drift from the package: each one is
// type-checked under strict TypeScript against the built package, and run.
//
// The convention, for whoever edits README.md:
// - Every ```ts, ```typescript, ```mts, ```js, ```javascript and ```mjs block
//   is a module of its own: it imports what it uses ('fastify-magnetis-webhooks'
//   resolves to this repository's build, dist/) and declares its own values.
//   TypeScript blocks are checked with `strict`; JavaScript ones with
//   `checkJs` and `strict`.
// - Every block is then run with Node (TypeScript blocks once transpiled), with
//   MAGNETIS_KEY set to a placeholder and no other variable. A program that
//   listens is run too: its `app.listen()` is moved to 127.0.0.1 on a free port,
//   and the app is closed as soon as it listens. A block must exit with code 0.
// - A block that cannot stand alone (a fragment of a larger program) is
//   marked by the line `<!-- readme-test: skip -->` right before its fence;
//   one that type-checks but must not run, by `<!-- readme-test: no-run -->`.
//   Prefer whole programs: a skipped block is checked by nobody.
// Other blocks (```sh, ```json, plain ```) are not code of this package and
// are left alone.
import t from 'tap'
import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import ts from 'typescript'
import { ROOT, ensureBuilt } from '../fixtures/cli.js'

// Type-checking and running a dozen programs on a shared machine.
t.setTimeout(300000)

const TYPESCRIPT = new Set(['ts', 'typescript', 'mts'])
const JAVASCRIPT = new Set(['js', 'javascript', 'mjs'])

/** One code block of README.md. */
interface Block { line: number, language: string, code: string, skip: boolean, run: boolean }

/** The checked blocks of a Markdown text, with their line numbers (1-based, of the opening fence). */
function readmeBlocks (markdown: string): Block[] {
  const lines = markdown.split('\n')
  const blocks: Block[] = []
  for (let index = 0; index < lines.length; index++) {
    const fence = /^(`{3,}|~{3,})\s*([\w-]*)/.exec(lines[index] as string)
    if (fence === null) continue
    const [, marker, language = ''] = fence as unknown as [string, string, string]
    const start = index
    let end = index + 1
    while (end < lines.length && !(lines[end] as string).startsWith(marker)) end++
    index = end
    if (!TYPESCRIPT.has(language) && !JAVASCRIPT.has(language)) continue
    let previous = start - 1
    while (previous >= 0 && (lines[previous] as string).trim() === '') previous--
    const comment = previous >= 0 ? (lines[previous] as string).trim() : ''
    blocks.push({
      line: start + 1,
      language,
      code: lines.slice(start + 1, end).join('\n') + '\n',
      skip: comment === '<!-- readme-test: skip -->',
      run: comment !== '<!-- readme-test: no-run -->'
    })
  }
  return blocks
}

/** Moves listen() to a free loopback port and closes the app once it listens (preloaded with --import). */
const LISTEN_ONCE = `import { channel } from 'node:diagnostics_channel'
channel('fastify.initialization').subscribe(({ fastify }) => {
  const listen = fastify.listen
  fastify.listen = function (options, ...rest) {
    const moved = typeof options === 'object' && options !== null ? { ...options, port: 0, host: '127.0.0.1' } : { port: 0, host: '127.0.0.1' }
    return listen.call(this, moved, ...rest.filter((argument) => typeof argument === 'function'))
  }
  fastify.addHook('onListen', function (done) {
    process.stdout.write('[readme-test] listening\\n')
    setImmediate(() => { fastify.close() })
    done()
  })
})
`

const COMPILER_OPTIONS: ts.CompilerOptions = {
  strict: true,
  noEmit: true,
  allowJs: true,
  checkJs: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  lib: ['lib.es2022.d.ts'],
  types: ['node'],
  skipLibCheck: true
}

function run (file: string, preload: string): Promise<{ code: number | null, stdout: string, stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', preload, file], {
      // In the block's temporary folder: what a block writes (an inbox file) goes away with it.
      cwd: dirname(file),
      timeout: 60000,
      // tap's coverage of child processes stays out: these programs run the built package.
      env: { PATH: process.env.PATH ?? '', MAGNETIS_KEY: 'readme-test-signature-key', _TAPJS_PROCESSINFO_COVERAGE_: '0' }
    }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : (typeof error.code === 'number' ? error.code : null), stdout, stderr })
    })
  })
}

t.before(ensureBuilt)

t.test('the fence reader: languages, line numbers and markers', async t => {
  const blocks = readmeBlocks([
    '# Title', '```sh', 'npm i', '```', '```ts', 'const a = 1', '```',
    '<!-- readme-test: skip -->', '', '```js', 'a.b', '```',
    '<!-- readme-test: no-run -->', '```typescript', 'export {}', '```', '````json', '{}', '````'
  ].join('\n'))
  t.same(blocks.map(({ line, language, skip, run }) => ({ line, language, skip, run })), [
    { line: 5, language: 'ts', skip: false, run: true },
    { line: 10, language: 'js', skip: true, run: true },
    { line: 14, language: 'typescript', skip: false, run: false }
  ])
  t.equal(blocks[0]?.code, 'const a = 1\n')
})

t.test('every TypeScript and JavaScript block of README.md type-checks under strict and runs', async t => {
  const blocks = readmeBlocks(readFileSync(join(ROOT, 'README.md'), 'utf8'))
  t.ok(blocks.length > 0, 'README.md has code blocks to check')
  // Inside the package's folder, so that the package's own name resolves to it (package.json "exports").
  const dir = mkdtempSync(join(ROOT, '.readme-test-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const preload = join(dir, 'listen-once.mjs')
  writeFileSync(preload, LISTEN_ONCE)

  const checked = blocks.filter((block) => !block.skip)
  const files = checked.map((block) => {
    // A folder per block: its working directory too, so blocks that write a file (an inbox) never share one.
    const folder = join(dir, `line-${block.line}`)
    mkdirSync(folder)
    const file = join(folder, `readme-line-${block.line}.${TYPESCRIPT.has(block.language) ? 'mts' : 'mjs'}`)
    // `export {}` keeps a block without imports a module, so blocks never share names.
    writeFileSync(file, `${block.code}export {}\n`)
    return file
  })
  // The blocks start running now, side by side, while the type-check below keeps this thread busy; a block's run
  // is judged only once its type-check passed.
  const runs = checked.map((block, index) => {
    if (!block.run) return undefined
    const file = files[index] as string
    const runnable = file.endsWith('.mts') ? file.replace(/\.mts$/, '.run.mjs') : file
    if (runnable !== file) {
      const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } })
      writeFileSync(runnable, outputText)
    }
    return run(runnable, preload)
  })
  const program = ts.createProgram(files, COMPILER_OPTIONS)
  const failedCheck = new Set<number>()
  for (const [index, block] of checked.entries()) {
    const file = files[index] as string
    const diagnostics = ts.getPreEmitDiagnostics(program, program.getSourceFile(file))
    const messages = diagnostics.map((diagnostic) => {
      const where = diagnostic.file !== undefined && diagnostic.start !== undefined
        ? `README.md:${block.line + 1 + diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line}: `
        : ''
      return where + ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')
    })
    t.same(messages, [], `the ${block.language} block at README.md:${block.line} type-checks`)
    if (messages.length > 0) failedCheck.add(index)
  }
  for (const [index, block] of checked.entries()) {
    const result = await runs[index]
    if (result === undefined || failedCheck.has(index)) continue
    t.equal(result.code, 0, `the block at README.md:${block.line} runs and exits 0`, { stdout: result.stdout.slice(-2000), stderr: result.stderr.slice(-2000) })
    if (/\.listen\(/.test(block.code)) t.match(result.stdout, /\[readme-test\] listening/, `the block at README.md:${block.line} got as far as listening`)
  }
})
