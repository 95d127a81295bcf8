/**
 * Form body → nested object: the inverse of PHP's `http_build_query` (see
 * flatten.ts), so that a form delivery reaches handlers shaped as its JSON
 * twin. It runs on the pairs the signature covered ("Generating a
 * Signature", vendor page), after they are verified; it never changes them.
 *
 * What a form cannot carry is restored later, from the schemas' defaults
 * (`null`, `[]`), and text is turned into numbers and booleans by the
 * resource validator (resource.ts); this module only rebuilds the shape, and
 * every value it produces is a string (or a `null` array hole).
 */
import { MalformedBodyError } from '../errors.js'
import { DEFAULT_MAX_DEPTH, type Pair } from './flatten.js'

/** A decoded form value: text, an array (holes are `null`), or an object. */
export type FormValue = string | null | FormValue[] | FormObject

/** A decoded form object. */
export interface FormObject {
  [key: string]: FormValue
}

/**
 * The largest index that a bracket segment may use as an array index;
 * larger ones become object keys. The vendor's arrays are short lists (five
 * timeline steps in the sample); 10000 leaves room for any real call
 * timeline while bounding what one pair can allocate (10001 slots). The same
 * number bounds the `null` holes of a whole body (see `unflattenPairs`).
 */
export const DEFAULT_MAX_ARRAY_INDEX = 10000

/** Options of `unflattenPairs`. */
export interface UnflattenOptions {
  /** bracket groups a key may have (`a[b][c]` has 2); more is a 400. Default `DEFAULT_MAX_DEPTH` (32), as for JSON bodies. */
  maxDepth?: number
  /** largest array index, and the number of `null` holes allowed in a whole body. Default `DEFAULT_MAX_ARRAY_INDEX` (10000). */
  maxArrayIndex?: number
}

/**
 * Keys that could reach `Object.prototype` or a constructor through a later
 * lookup or assignment: a form pair naming one as a segment is dropped, and
 * the resource validator drops them from JSON data too, so both encodings
 * stay deep-equal.
 */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype'])

/**
 * Deletes `FORBIDDEN_KEYS` own properties at every depth of a parsed JSON
 * value, in place, so a JSON body reaches handlers with the same keys its
 * form twin would. Runs after verification: the signature covered them.
 * Iterative, so depth cannot exhaust the stack.
 *
 * @returns `value`, cleaned
 */
export function dropForbiddenKeys<T> (value: T): T {
  const pending: unknown[] = [value]
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (next === null || typeof next !== 'object') continue
    const object = next as Record<string, unknown>
    for (const key of FORBIDDEN_KEYS) {
      if (Object.hasOwn(object, key)) delete object[key]
    }
    for (const key of Object.keys(object)) pending.push(object[key])
  }
  return value
}

// A canonical array index: "0" or digits without a leading zero, short
// enough to stay exact as a number ("01" and "1.0" are object keys, as in PHP).
const INDEX = /^(?:0|[1-9]\d{0,14})$/

type Container = FormValue[] | FormObject
type Slot = string | number

interface DecodeState {
  readonly maxArrayIndex: number
  holeBudget: number
  // The next index `[]` appends to an object: the largest integer key + 1, as PHP does.
  readonly nextIndex: WeakMap<FormObject, number>
}

/**
 * Rebuilds the nested object that `http_build_query` flattened:
 * `data[account][id]=x` → `{ data: { account: { id: 'x' } } }`.
 *
 * - A numeric segment (`0`, `1`, …; not `01`) indexes an array when its
 *   container is new or already an array and the index is at most
 *   `maxArrayIndex`; otherwise it is an object key, so `a[100000000]=x`
 *   gives `{ a: { '100000000': 'x' } }`, never a huge array. An array that
 *   then meets a non-numeric or too-large key becomes an object keyed
 *   `"0"`, `"1"`, … (as PHP's array would encode).
 * - Holes in an array are `null`: a JSON array `[null, 1]` is sent as
 *   `a[1]=1`, so this restores it. Holes are budgeted: a whole body may open
 *   at most `maxArrayIndex` of them; an index that would open more makes its
 *   array an object, so memory stays proportional to the body.
 * - `a[]=x` appends (to an object: at its largest integer key + 1).
 * - A key whose brackets are malformed (`a[b`, `a]b`, `[a]`, `a[b]c`) is
 *   kept literal, as one top-level key.
 * - A pair with a segment `__proto__`, `constructor` or `prototype` is
 *   dropped whole, with no other effect (no prototype pollution).
 * - Later pairs win: `a=1&a=2` gives `a: '2'` (as PHP); a key seen both as
 *   text and as a container (`a=1&a[b]=2`, or the reverse) keeps the later.
 * - What a form cannot carry is not restored here: `null`, `[]`, `{}` and
 *   trailing `null` array items send no pair, and every value stays text.
 *
 * Runs in time linear in the total length of the keys (no recursion).
 *
 * @param pairs `[key, value]` pairs as read from the form body, in arrival order
 * @returns a plain object whose values are strings, `null` array holes, arrays and objects
 * @throws {MalformedBodyError} (400) when a key has more than `maxDepth` bracket groups
 * @throws {TypeError} when an option is not a non-negative integer
 */
export function unflattenPairs (pairs: Iterable<Pair>, options: UnflattenOptions = {}): FormObject {
  const maxDepth = checkLimit('maxDepth', options.maxDepth ?? DEFAULT_MAX_DEPTH)
  const maxArrayIndex = checkLimit('maxArrayIndex', options.maxArrayIndex ?? DEFAULT_MAX_ARRAY_INDEX)
  const state: DecodeState = { maxArrayIndex, holeBudget: maxArrayIndex, nextIndex: new WeakMap() }
  const root: FormObject = {}
  for (const [key, value] of pairs) {
    const segments = segmentsOf(key)
    if (segments.length - 1 > maxDepth) {
      throw new MalformedBodyError(`a form key nests deeper than ${maxDepth} levels`)
    }
    if (segments.some((segment) => FORBIDDEN_KEYS.has(segment))) continue
    assign(root, segments, value, state)
  }
  return root
}

function checkLimit (name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new TypeError(`fastify-magnetis-webhooks: "${name}" must be a non-negative whole number`)
  }
  return value
}

/**
 * `head[s1][s2]…` → `[head, s1, s2, …]`; anything else → `[key]`. The head
 * must be non-empty and bracket-free, each group `[…]` bracket-free inside,
 * and the groups must run to the end of the key.
 */
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

function assign (root: FormObject, segments: string[], value: string, state: DecodeState): void {
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
  const next = state.nextIndex.get(object) ?? 0
  if (segment === '') {
    state.nextIndex.set(object, next + 1)
    return String(next)
  }
  if (INDEX.test(segment)) {
    const index = Number(segment)
    if (index >= next) state.nextIndex.set(object, index + 1)
  }
  return segment
}

function arrayToObject (array: FormValue[], state: DecodeState): FormObject {
  const object: FormObject = {}
  for (let index = 0; index < array.length; index++) {
    // Every null in a decoded array is a hole (form values are text), and a hole was never sent.
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
