// What every bench process agrees on: the endpoint, the signature key, and
// the signed bodies. Bodies are rebuilt from their size in each process
// (deterministically) so that the orchestrator only passes small arguments.
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

export const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url))
export const ROOT_DIR = fileURLToPath(new URL('..', import.meta.url))
export const DEFAULT_DIST_ENTRY = fileURLToPath(new URL('../dist/esm/index.js', import.meta.url))
/** The built library under test: `BENCH_LIB` (a path to another build's index.js, e.g. to compare two versions) or ../dist/esm. */
export const DIST_ENTRY = process.env.BENCH_LIB ? resolve(process.env.BENCH_LIB) : DEFAULT_DIST_ENTRY

/** The route path the servers listen on, and the URL as typed in the vendor's interface. */
export const PATH = '/webhooks/magnetis'
export const ENDPOINT_URL = 'https://shop.example/webhooks/magnetis'
export const SIGNATURE_KEY = 'bench-signature-key-7d1c0a5e'
export const SIGNATURE_HEADER = 'x-calltracking-signature'

/** Large enough for the 1 MiB body and its form encoding's growth in the route. */
export const BODY_LIMIT = Math.ceil(1.25 * 1024 * 1024)

/** The body sizes of the scaling runs, in bytes; 0 stands for the seed sample as is. */
export const SIZES = [1024, 16 * 1024, 256 * 1024, 1024 * 1024]

// A copy of /work/shared/fixtures/call-sample.seed.json (the vendor page's sample).
const SEED_PATH = new URL('./call-sample.seed.json', import.meta.url)

/** The vendor's call:completed sample (the seed fixture), parsed. */
export function loadSeed () {
  return JSON.parse(readFileSync(SEED_PATH, 'utf8'))
}

/**
 * The seed sample grown (or trimmed) so that its compact JSON is exactly
 * `bytes` long. It grows the way a real call's payload grows: more visitor
 * `utm` items, so the number of POST variables (and the sort) grows with it,
 * not just one long value. The last item's value absorbs the remainder.
 */
export function sampleOfSize (bytes) {
  const seed = loadSeed()
  if (bytes === 0) return seed
  const sample = structuredClone(seed)
  // Trimmed first (no call events, no Google click id) so 1 KiB is reachable.
  sample.data.events = []
  sample.data.visitor.gclid = null
  const utm = sample.data.visitor.utm = []
  const base = JSON.stringify(sample).length
  // Each item: {"key":"utm_content_00042","value":"…"} plus a comma.
  const item = (index, value) => ({ key: 'utm_content_' + String(index).padStart(5, '0'), value })
  const filler = 'campaign-spring-sale-adgroup-brand'
  const itemLength = JSON.stringify(item(0, filler)).length + 1
  const padding = JSON.stringify(item(0, '')).length + 1
  if (base + padding > bytes) throw new Error(`bench: cannot make a sample as small as ${bytes} bytes`)
  let length = base
  while (length + itemLength + padding <= bytes) {
    utm.push(item(utm.length, filler))
    length += itemLength
  }
  // The first item has no comma before it; every later one does.
  const last = item(utm.length, '')
  utm.push(last)
  last.value = 'x'.repeat(bytes - JSON.stringify(sample).length)
  const size = JSON.stringify(sample).length
  if (size !== bytes) throw new Error(`bench: sample of ${size} bytes, wanted ${bytes}`)
  return sample
}

/**
 * Everything a server or a load generator needs about one body: the JSON
 * text, the flat pairs and their form encoding, and the signatures.
 *
 * @param lib the built library (`dist/esm/index.js`)
 * @param bytes 0 for the seed sample, else the JSON body's size
 */
export function bodiesOf (lib, bytes) {
  const sample = sampleOfSize(bytes)
  const json = JSON.stringify(sample)
  const pairs = lib.pairsFromBody(json, 'application/json')
  const form = new URLSearchParams(pairs).toString()
  return {
    sample,
    json,
    pairs,
    form,
    params: Object.fromEntries(pairs),
    jsonSignature: lib.sign(SIGNATURE_KEY, ENDPOINT_URL, sample),
    formSignature: lib.sign(SIGNATURE_KEY, ENDPOINT_URL, pairs),
    baseString: lib.signatureBaseString(ENDPOINT_URL, pairs)
  }
}

/** The built library, its /signature and /inbox subpaths merged in (an older build has them in index.js); import only after the orchestrator has built it. */
export async function loadLibrary () {
  const subpaths = ['signature', 'inbox'].map((name) => join(dirname(DIST_ENTRY), name, 'index.js')).filter((file) => existsSync(file))
  const modules = await Promise.all([DIST_ENTRY, ...subpaths].map((file) => import(pathToFileURL(file).href)))
  return Object.assign({}, ...modules)
}

/** Whether servers and load generators can be pinned to cores of their own: Linux, two cores or more, and `taskset`. */
export function canPin () {
  if (process.platform !== 'linux' || cpus().length < 2) return false
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}
