// Verified form pairs → nested object, the inverse of `http_build_query` (flatten.ts); the rules are in docs/design.md, "Form bodies".
import { MalformedBodyError } from '../errors.js'
import { DEFAULT_MAX_DEPTH, FORBIDDEN_KEYS, type Pair } from './flatten.js'
import { KeyMemo } from './key-memo.js'

/** A decoded form value: text, an array (holes are `null`), or an object. */
export type FormValue = string | null | FormValue[] | FormObject

/** A decoded form object. */
export interface FormObject {
  [key: string]: FormValue
}

/** The largest array index of a bracket segment (larger ones are object keys), and the `null` holes allowed in a whole body. */
export const DEFAULT_MAX_ARRAY_INDEX = 10000

/** Options of `unflattenPairs`: bracket groups per key (default 32; more is a 400) and `DEFAULT_MAX_ARRAY_INDEX`. */
export interface UnflattenOptions {
  maxDepth?: number
  maxArrayIndex?: number
}

export { FORBIDDEN_KEYS }

/** Deletes `FORBIDDEN_KEYS` at every depth of a parsed JSON value, in place, without recursion; returns `value`. */
export function dropForbiddenKeys<T> (value: T): T {
  if (value === null || typeof value !== 'object') return value
  const pending: object[] = [value]
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const object = next as Record<string, unknown>
    // One pass over the own keys: only objects are queued, and a forbidden key is deleted where it is met.
    for (const key of Object.keys(object)) {
      if (FORBIDDEN_KEYS.has(key)) {
        delete object[key]
        continue
      }
      const child = object[key]
      if (child !== null && typeof child === 'object') pending.push(child)
    }
  }
  return value
}

// "0" or digits without a leading zero, exact as a number: "01" and "1.0" are object keys, as in PHP.
const INDEX = /^(?:0|[1-9]\d{0,14})$/

type Container = FormValue[] | FormObject
type Slot = string | number

interface DecodeState {
  readonly maxArrayIndex: number
  holeBudget: number
  // `[]` appends to an object at its largest integer key + 1, as PHP does.
  readonly nextIndex: WeakMap<FormObject, number>
}

/**
 * `data[account][id]=x` → `{ data: { account: { id: 'x' } } }`, in time linear in the keys' length; values stay text.
 * @throws {MalformedBodyError} (400) past `maxDepth` bracket groups; {TypeError} for a limit that is not a whole number
 */
export function unflattenPairs (pairs: Iterable<Pair>, options: UnflattenOptions = {}): FormObject {
  const maxDepth = checkLimit('maxDepth', options.maxDepth ?? DEFAULT_MAX_DEPTH)
  const maxArrayIndex = checkLimit('maxArrayIndex', options.maxArrayIndex ?? DEFAULT_MAX_ARRAY_INDEX)
  if (!Array.isArray(pairs)) return decode(pairs, maxDepth, maxArrayIndex)
  const list = pairs as readonly Pair[]
  const known = template.keys !== undefined && template.maxDepth === maxDepth && template.maxArrayIndex === maxArrayIndex && sameKeys(list, template.keys)
  if (!known) {
    const decoded = decode(list, maxDepth, maxArrayIndex)
    rememberKeys(list, maxDepth, maxArrayIndex)
    return decoded
  }
  // The same keys twice in a row: from now on, a function that builds this very shape from the values.
  template.build ??= compileTemplate(list, maxDepth, maxArrayIndex)
  return template.build(list)
}

/** The general decoding, pair by pair. */
function decode (pairs: Iterable<Pair>, maxDepth: number, maxArrayIndex: number): FormObject {
  const state: DecodeState = { maxArrayIndex, holeBudget: maxArrayIndex, nextIndex: new WeakMap() }
  const root: FormObject = {}
  for (const [key, value] of pairs) {
    const { segments, forbidden } = keyPlanOf(key)
    if (segments.length - 1 > maxDepth) {
      throw new MalformedBodyError(`a form key nests deeper than ${maxDepth} levels`)
    }
    if (!forbidden) assign(root, segments, value, state)
  }
  return root
}

// The object a form decodes to depends on its keys alone (the values are its leaves), and the vendor sends the same keys in
// every delivery. So the keys of the last body are kept (at most MAX_TEMPLATE_PAIRS, none longer than
// MAX_TEMPLATE_KEY_LENGTH: the key memories' own copies, no slice of a body) and, when the next body has the same keys,
// the decoding of that shape is compiled once into object and array literals that read each leaf from its pair.
const MAX_TEMPLATE_PAIRS = 128
const MAX_TEMPLATE_KEY_LENGTH = 128
const template: {
  keys: readonly string[] | undefined
  maxDepth: number
  maxArrayIndex: number
  build: ((pairs: readonly Pair[]) => FormObject) | undefined
} = { keys: undefined, maxDepth: 0, maxArrayIndex: 0, build: undefined }

function sameKeys (pairs: readonly Pair[], keys: readonly string[]): boolean {
  if (pairs.length !== keys.length) return false
  for (let at = 0; at < keys.length; at++) if ((pairs[at] as Pair)[0] !== keys[at]) return false
  return true
}

function rememberKeys (pairs: readonly Pair[], maxDepth: number, maxArrayIndex: number): void {
  const keep = pairs.length <= MAX_TEMPLATE_PAIRS && pairs.every(([key]) => key.length <= MAX_TEMPLATE_KEY_LENGTH)
  template.keys = keep ? pairs.map(([key]) => key) : undefined
  template.maxDepth = maxDepth
  template.maxArrayIndex = maxArrayIndex
  template.build = undefined
}

/**
 * A function that builds what `decode` makes of pairs with these keys: `decode` is run once on the same keys with each
 * value replaced by a marker naming its pair, and its result written out as literals (`{"data":{"id":p[0][1]}}`). Keys
 * are JSON string literals; none is `__proto__`, which a literal would take for the prototype, since `decode` drops
 * every FORBIDDEN_KEYS segment (test/signature/unflatten.test.ts).
 */
function compileTemplate (pairs: readonly Pair[], maxDepth: number, maxArrayIndex: number): (pairs: readonly Pair[]) => FormObject {
  const marker = (at: number): string => `\u0000${at}`
  const shape = decode(pairs.map(([key], at) => [key, marker(at)] as const), maxDepth, maxArrayIndex)
  const write = (value: FormValue): string => {
    if (value === null) return 'null'
    if (typeof value === 'string') return `p[${value.slice(1)}][1]`
    if (Array.isArray(value)) return `[${value.map(write).join(',')}]`
    return `{${Object.keys(value).map((key) => `${JSON.stringify(key)}:${write(value[key] as FormValue)}`).join(',')}}`
  }
  // eslint-disable-next-line no-new-func -- generated from decode's own output: keys only as JSON literals, leaves as indexes.
  return new Function('p', `return ${write(shape)}`) as (pairs: readonly Pair[]) => FormObject
}

/** A key's segments and whether one of them is a FORBIDDEN_KEYS member; never changed once made. */
interface KeyPlan {
  readonly segments: readonly string[]
  readonly forbidden: boolean
}

const keyPlans = new KeyMemo<KeyPlan>()

function keyPlanOf (key: string): KeyPlan {
  return keyPlans.get(key, planOf)
}

function planOf (key: string): KeyPlan {
  const segments = segmentsOf(key)
  return { segments, forbidden: segments.some((segment) => FORBIDDEN_KEYS.has(segment)) }
}

/** How many keys' segments are remembered (for tests: the memory they take is bounded). */
export function rememberedKeyPlanCount (): number {
  return keyPlans.size
}

function checkLimit (name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new TypeError(`fastify-magnetis-webhooks: "${name}" must be a non-negative whole number`)
  }
  return value
}

/** `head[s1][s2]…` → `[head, s1, s2, …]`; a malformed key (`a[b`, `[a]`, `a[b]c`) → `[key]`. */
function segmentsOf (key: string): string[] {
  const open = key.indexOf('[')
  if (open <= 0) return [key]
  const head = key.slice(0, open)
  if (head.includes(']')) return [key]
  const segments = [head]
  let at = open
  while (at < key.length) {
    if (key.charCodeAt(at) !== 0x5b /* [ */) return [key]
    const close = key.indexOf(']', at + 1)
    if (close === -1) return [key]
    const segment = key.slice(at + 1, close)
    if (segment.includes('[')) return [key]
    segments.push(segment)
    at = close + 1
  }
  return segments
}

function assign (root: FormObject, segments: readonly string[], value: string, state: DecodeState): void {
  // (container, slot) is where the next value lives; it descends one segment per step.
  let container: Container = root
  let slot: Slot = segments[0] as string
  for (let depth = 1; depth < segments.length; depth++) {
    const segment = segments[depth] as string
    let child = read(container, slot)
    if (child === null || typeof child !== 'object') {
      // Absent, or text that a later pair now nests into: the later wins.
      child = segment === '' || INDEX.test(segment) ? [] : {}
      write(container, slot, child)
    }
    const next = Array.isArray(child) ? arraySlot(child, segment, state) : undefined
    if (next !== undefined) {
      container = child as FormValue[]
      slot = next
      continue
    }
    const object = Array.isArray(child) ? arrayToObject(child, state) : child
    if (object !== child) write(container, slot, object)
    container = object
    slot = objectSlot(object, segment, state)
  }
  write(container, slot, value)
}

/** The index `segment` names in `array`, holes filled; `undefined` when the array must become an object. */
function arraySlot (array: FormValue[], segment: string, state: DecodeState): number | undefined {
  let index: number
  if (segment === '') index = array.length
  else if (INDEX.test(segment)) index = Number(segment)
  else return undefined
  if (index > state.maxArrayIndex) return undefined
  const holes = index - array.length
  if (holes > state.holeBudget) return undefined
  if (holes > 0) {
    state.holeBudget -= holes
    for (let hole = 0; hole < holes; hole++) array.push(null)
  }
  return index
}

/** The key `segment` names in `object`: itself, or for `[]` the next integer key. */
function objectSlot (object: FormObject, segment: string, state: DecodeState): string {
  if (segment === '') {
    const next = state.nextIndex.get(object) ?? 0
    state.nextIndex.set(object, next + 1)
    return String(next)
  }
  if (INDEX.test(segment)) {
    const index = Number(segment)
    if (index >= (state.nextIndex.get(object) ?? 0)) state.nextIndex.set(object, index + 1)
  }
  return segment
}

function arrayToObject (array: FormValue[], state: DecodeState): FormObject {
  const object: FormObject = {}
  for (let index = 0; index < array.length; index++) {
    // Form values are text, so every null is a hole, which was never sent.
    const item = array[index] as FormValue
    if (item !== null) object[String(index)] = item
  }
  state.nextIndex.set(object, array.length)
  return object
}

function read (container: Container, slot: Slot): FormValue | undefined {
  if (Array.isArray(container)) return container[slot as number]
  return Object.hasOwn(container, slot) ? container[slot as string] : undefined
}

function write (container: Container, slot: Slot, value: FormValue): void {
  if (Array.isArray(container)) container[slot as number] = value
  else container[slot as string] = value
}
