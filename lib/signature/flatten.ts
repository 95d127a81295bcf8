/**
 * The POST variables of a structured payload: our reading of the vendor's
 * "Sort the POST variables of the request by key" for a payload with nested
 * objects ("Generating a Signature", vendor page). A payload has the pairs it
 * would have if PHP's `http_build_query` sent it as a form, so one event
 * signs the same whichever way it travels. Replace it with the
 * `pairsFromBody` option if the vendor is found to do otherwise.
 */
import { MalformedBodyError } from '../errors.js'
import { childOrder, itemOrder, topLevelOrder } from './key-order.js'
import { integerLiteralMayBeFloat, numberTextDependsOnLiteral, phpFloatText, phpNumberLiteralText, phpNumberText } from './php-numbers.js'

/** One POST variable: `[key, value]`, both already decoded (no percent-encoding). */
export type Pair = readonly [key: string, value: string]

/** How deep a payload may nest (objects and arrays) before it is refused: the vendor's sample nests 4 deep. */
export const DEFAULT_MAX_DEPTH = 32

/** Keys that could reach `Object.prototype`: dropped from form pairs and JSON data alike, so both encodings stay deep-equal. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype'])

/** A JSON number literal as written in the body (`1e14`, `-0.0`, `9007199254740993`), for `flattenPayload`. */
export class NumberLiteral {
  constructor (readonly text: string) {}
}

/**
 * Flattens a plain object into pairs, in document order:
 * nested keys as `parent[child]`, array items as `parent[0]`, `parent[1]`, …;
 * strings as they are; a number as PHP writes it after reading it from
 * `JSON.stringify`'s text (`phpNumberText`: `43`, `0.3`, `1.0E+21`; `NaN`
 * and `±Infinity` give no pair), a `NumberLiteral` as PHP writes that
 * literal; `true` → `"1"`, `false` → `"0"`; `null`, `undefined`, `[]` and
 * `{}` contribute no pair.
 *
 * @param payload a plain object (a parsed JSON body)
 * @param maxDepth nesting levels allowed below the top-level object
 * @throws {MalformedBodyError} (400) past `maxDepth`, or for a value JSON cannot hold (function, symbol, bigint)
 */
export function flattenPayload (payload: Record<string, unknown>, maxDepth = DEFAULT_MAX_DEPTH): Pair[] {
  return flatten(payload, maxDepth, false).pairs
}

/** A pair whose integer literal may stand for a PHP float: its index in the pairs, and its text as that float. */
export interface FloatChoice { at: number, floatText: string }

/**
 * Pairs of a payload whose numbers are `NumberLiteral`s, as `json_decode`
 * reads them, plus each integer literal that `json_encode` writes for a float
 * as a choice (a PHP sender signs its own float's text).
 * @throws {MalformedBodyError} (400) as `flattenPayload`
 */
export function flattenLiterals (payload: Record<string, unknown>, maxDepth = DEFAULT_MAX_DEPTH): { pairs: Pair[], floatChoices: FloatChoice[] } {
  const { pairs, floatChoices } = flatten(payload, maxDepth, false)
  return { pairs, floatChoices }
}

/**
 * `flattenPayload` for an object `JSON.parse` made from a body, with whether a key at any depth is one of
 * `FORBIDDEN_KEYS` (seen on the way, so the event reader need not walk the body again); `undefined`
 * when a number's text depends on the literal, which `JSON.parse` lost.
 * @throws {MalformedBodyError} (400) as `flattenPayload`
 */
export function flattenParsedJson (payload: Record<string, unknown>, maxDepth = DEFAULT_MAX_DEPTH): { pairs: Pair[], forbiddenKeys: boolean } | undefined {
  const flattened = flatten(payload, maxDepth, true)
  return flattened.literalNeeded ? undefined : { pairs: flattened.pairs, forbiddenKeys: flattened.forbiddenKeys }
}

/**
 * What `signatureBaseString` appends to the URL for an object `JSON.parse` made from a body: each pair's key and value,
 * in key order, joined, in pieces of some 16 KiB (`joined`, to hash one after another), without building the pairs.
 * Each object's keys and each list's indexes are sorted on their own, which orders the flat keys as a whole when no key
 * holds a bracket (docs/design.md, "Key order"); `forbiddenKeys` as `flattenParsedJson`'s. `undefined` when a key holds
 * `[`, `]` or a surrogate (whose UTF-8 order differs from code units), or as `flattenParsedJson`: the caller then sorts
 * the pairs.
 * @throws {MalformedBodyError} (400) as `flattenPayload`
 */
export function joinedPairsInKeyOrder (payload: Record<string, unknown>, maxDepth = DEFAULT_MAX_DEPTH): { joined: string[], forbiddenKeys: boolean } | undefined {
  const flattened = flatten(payload, maxDepth, true, { parts: [], joined: [] })
  const joining = flattened.joining as Joining
  if (flattened.unorderable || flattened.literalNeeded) return undefined
  joinParts(joining)
  return { joined: joining.joined, forbiddenKeys: flattened.forbiddenKeys }
}

/** Keys and values not yet joined (`parts`), and the pieces joined so far. */
interface Joining { parts: string[], joined: string[] }

// Parts joined at a time: pieces of some 16 KiB stay young and cheap to collect, where one join of a large body's parts,
// or one string built by `+=`, costs two to three times as much (docs/performance.md, "Issue 13, fifth pass").
const PARTS_PER_PIECE = 2048

function joinParts (joining: Joining): void {
  joining.joined.push(joining.parts.join(''))
  joining.parts.length = 0
}

/** A UTF-16 surrogate (paired or lone): where code-unit order and UTF-8 byte order part ways (docs/design.md, "Sorting"). */
export const SURROGATE = /[\uD800-\uDFFF]/

interface Flattening {
  pairs: Pair[]
  maxDepth: number
  checkLiterals: boolean
  parsedJson: boolean
  literalNeeded: boolean
  forbiddenKeys: boolean
  floatChoices: FloatChoice[]
  /** In key order (joinedPairsInKeyOrder), each pair's key and value go here instead of `pairs`. */
  joining: Joining | undefined
  /** In key order, a key held a bracket or a surrogate: the walk stopped, its pairs are not all there. */
  unorderable: boolean
}

function flatten (payload: Record<string, unknown>, maxDepth: number, checkLiterals: boolean, joining?: Joining): Flattening {
  // `checkLiterals`: the payload came from JSON.parse (flattenParsedJson).
  const parsedJson = checkLiterals && !prototypeEnumerates()
  const state: Flattening = { pairs: [], maxDepth, checkLiterals, parsedJson, literalNeeded: false, forbiddenKeys: false, floatChoices: [], joining, unorderable: false }
  if (joining !== undefined) {
    flattenTopLevelInKeyOrder(state, payload)
    return state
  }
  for (const key of Object.keys(payload)) {
    if (isForbidden(key)) state.forbiddenKeys = true
    flattenValue(state, key, payload[key], 1, true)
  }
  return state
}

/** `remembered`: whether `key` is a top-level key or one kept by `childKey`, whose own children are then worth remembering. */
function flattenValue (state: Flattening, key: string, value: unknown, depth: number, remembered: boolean): void {
  const { maxDepth } = state
  switch (typeof value) {
    case 'string':
      emit(state, key, value)
      return
    case 'number': {
      if (state.checkLiterals && numberTextDependsOnLiteral(value)) state.literalNeeded = true
      const text = phpNumberText(value)
      if (text !== undefined) emit(state, key, text)
      return
    }
    case 'boolean':
      emit(state, key, value ? '1' : '0')
      return
    case 'undefined':
      return
    case 'object':
      if (value === null) return
      if (value instanceof NumberLiteral) {
        if (integerLiteralMayBeFloat(value.text)) state.floatChoices.push({ at: state.pairs.length, floatText: phpFloatText(Number(value.text)) })
        emit(state, key, phpNumberLiteralText(value.text))
        return
      }
      // Recursion stays shallow: depth is bounded before it can exhaust the stack.
      if (depth > maxDepth) {
        throw new MalformedBodyError(`the payload nests deeper than ${maxDepth} levels`)
      }
      if (state.joining !== undefined) flattenChildrenInKeyOrder(state, key, value, depth)
      else flattenChildren(state, key, value, depth, remembered)
      return
    default:
      throw new MalformedBodyError(`the payload holds a ${typeof value} at "${key}", which a form or JSON body cannot carry`)
  }
}

function emit (state: Flattening, key: string, text: string): void {
  const joining = state.joining
  if (joining === undefined) state.pairs.push([key, text])
  else if (joining.parts.push(key, text) >= PARTS_PER_PIECE) joinParts(joining)
}

function flattenChildren (state: Flattening, key: string, value: object, depth: number, remembered: boolean): void {
  // Under a key that is not remembered (a long list's 1000th item, say), nothing is: a large body would only churn the memory.
  const children = remembered ? childKeysOf(key) : undefined
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const kept = children !== undefined && index < MAX_REMEMBERED_INDEX
      const childText = kept ? children.items[index] ?? itemKey(children, key, index) : `${key}[${index}]`
      flattenValue(state, childText, value[index], depth + 1, kept && childText.length <= MAX_REMEMBERED_KEY_LENGTH)
    }
    return
  }
  const object = value as Record<string, unknown>
  if (state.parsedJson) {
    // for…in walks V8's enumeration cache, about twice as fast as Object.keys: sound for JSON.parse's objects, whose only
    // prototype is Object.prototype, while that has no enumerable key (checked once per payload, in flatten).
    let place = 0
    for (const child in object) {
      // The same child at the same place as last time (the common case): its key without a lookup. JSON.parse's keys
      // are strings of their own, never slices of the body, so keeping one keeps nothing else alive.
      const known = children !== undefined && children.names[place] === child ? children.keys[place] : undefined
      const childText = known ?? childKey(children, key, child)
      if (known === undefined && children !== undefined && place < MAX_REMEMBERED_INDEX && childText.length <= MAX_REMEMBERED_KEY_LENGTH) {
        rememberPlace(children, place, child, childText)
      }
      place++
      const childValue = object[child]
      // Text, most of a payload, is pushed here without the general path's calls; a forbidden key takes that path, which notes it.
      if (typeof childValue === 'string' && !isForbidden(child)) state.pairs.push([childText, childValue])
      else flattenChild(state, children, child, childText, childValue, depth)
    }
    return
  }
  for (const child of Object.keys(object)) flattenChild(state, children, child, childKey(children, key, child), object[child], depth)
}

function flattenChild (state: Flattening, children: ChildKeys | undefined, child: string, childText: string, value: unknown, depth: number): void {
  if (isForbidden(child)) state.forbiddenKeys = true
  flattenValue(state, childText, value, depth + 1, children !== undefined && childText.length <= MAX_REMEMBERED_KEY_LENGTH)
}

function flattenTopLevelInKeyOrder (state: Flattening, payload: Record<string, unknown>): void {
  const names = Object.keys(payload)
  const order = topLevelOrder(payload, names)
  if (order === undefined) {
    state.unorderable = true
    return
  }
  for (let at = 0; at < order.length; at++) {
    const name = names[order[at] as number] as string
    if (isForbidden(name)) state.forbiddenKeys = true
    flattenValue(state, name, payload[name], 1, false)
    if (state.unorderable) return
  }
}

function flattenChildrenInKeyOrder (state: Flattening, key: string, value: object, depth: number): void {
  const joining = state.joining as Joining
  const parts = joining.parts
  const prefix = key + '['
  if (Array.isArray(value)) {
    const { order, closed } = itemOrder(value.length)
    for (let at = 0; at < order.length; at++) {
      const index = order[at] as number
      const item: unknown = value[index]
      // Text, most of a payload, is pushed in parts, so its key is never made a string of its own.
      if (typeof item === 'string') {
        if (parts.push(prefix, closed[index] as string, item) >= PARTS_PER_PIECE) joinParts(joining)
      } else {
        flattenValue(state, prefix + (closed[index] as string), item, depth + 1, false)
        if (state.unorderable) return
      }
    }
    return
  }
  const object = value as Record<string, unknown>
  const names = Object.keys(object)
  const ordered = childOrder(names)
  if (ordered === undefined) {
    state.unorderable = true
    return
  }
  const { order, closed } = ordered
  for (let at = 0; at < order.length; at++) {
    const place = order[at] as number
    const name = names[place] as string
    const child = object[name]
    if (typeof child === 'string' && !isForbidden(name)) {
      if (parts.push(prefix, closed[place] as string, child) >= PARTS_PER_PIECE) joinParts(joining)
    } else {
      if (isForbidden(name)) state.forbiddenKeys = true
      flattenValue(state, prefix + (closed[place] as string), child, depth + 1, false)
      if (state.unorderable) return
    }
  }
}

/** Whether `Object.prototype` has an enumerable key, which `for…in` would add to every object's own (a polluted prototype). */
function prototypeEnumerates (): boolean {
  for (const _key in Object.prototype) return true
  return false
}

function isForbidden (key: string): boolean {
  // The length first: the set is asked about few keys.
  return (key.length === 9 || key.length === 11) && FORBIDDEN_KEYS.has(key)
}

// `parent[child]` keys, remembered: the vendor sends the same keys in every delivery, and a remembered key is one flat string
// that the sort compares without flattening it first. Bounded (cleared when full, list items past the first 64 not kept);
// every string kept is a copy, so none shares a body's memory.
const MAX_REMEMBERED_KEYS = 4096
const MAX_REMEMBERED_KEY_LENGTH = 128
const MAX_REMEMBERED_INDEX = 64
/** What is remembered under one parent: `parent[child]` by child, by list index (`items`), and by place (`names[i]`, the i-th child of a JSON object last time, and its key `keys[i]`). */
interface ChildKeys {
  byChild: Map<string, string>
  items: string[]
  names: string[]
  keys: string[]
}
const childKeys = new Map<string, ChildKeys>()
let rememberedKeys = 0

/** The remembered keys under `parent`, or `undefined` for a parent too long to remember. */
function childKeysOf (parent: string): ChildKeys | undefined {
  if (parent.length > MAX_REMEMBERED_KEY_LENGTH) return undefined
  let children = childKeys.get(parent)
  if (children === undefined) {
    makeRoom()
    children = { byChild: new Map(), items: [], names: [], keys: [] }
    childKeys.set(ownCopy(parent), children)
    rememberedKeys++
  }
  return children
}

function makeRoom (): void {
  if (rememberedKeys < MAX_REMEMBERED_KEYS) return
  childKeys.clear()
  rememberedKeys = 0
}

function childKey (children: ChildKeys | undefined, parent: string, child: string): string {
  if (children === undefined) return `${parent}[${child}]`
  const known = children.byChild.get(child)
  if (known !== undefined) return known
  const key = `${parent}[${child}]`
  if (key.length > MAX_REMEMBERED_KEY_LENGTH) return key
  makeRoom()
  const own = ownCopy(key)
  children.byChild.set(ownCopy(child), own)
  rememberedKeys++
  return own
}

/** Remembers `child` as the child at `place` under a parent, with its key; a place filled for the first time counts towards the bound. */
function rememberPlace (children: ChildKeys, place: number, child: string, childText: string): void {
  if (children.names[place] === undefined) {
    makeRoom()
    rememberedKeys++
  }
  children.names[place] = child
  children.keys[place] = childText
}

/** `parent[index]` for a list item (index < MAX_REMEMBERED_INDEX), remembered under `parent` at its index. */
function itemKey (children: ChildKeys, parent: string, index: number): string {
  const key = `${parent}[${index}]`
  if (key.length > MAX_REMEMBERED_KEY_LENGTH) return key
  makeRoom()
  const own = ownCopy(key)
  children.items[index] = own
  rememberedKeys++
  return own
}

/** How many parents and `parent[child]` keys are remembered (for tests: the memory they take is bounded). */
export function rememberedChildKeyCount (): number {
  return rememberedKeys
}

function ownCopy (text: string): string {
  return Buffer.from(text, 'utf16le').toString('utf16le')
}
