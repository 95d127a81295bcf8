// The order of a payload's children that makes its flat keys come out sorted (docs/design.md, "Key order"): each
// object's keys and each list's indexes are sorted on their own, a few at a time, instead of all flat keys at once.
//
// Why that is the flat keys' order: two flat keys share their path down to where they part, `parent[a]…` against
// `parent[b]…` (or `a…` against `b…` at the top). When no key holds a bracket, the first character where they differ
// lies within `a` and `b`, or is the character that follows the shorter: `]` below the top; at the top, `[` after a key
// holding an object or list, nothing after one holding a value (then that flat key is a prefix of the other, so first).
// So comparing each child's name followed by that character orders every flat key under it, and no two differ only
// after it. A bracket in a key breaks this (`{"a[b]": 1}` and `{"a": {"b": 2}}` flatten to the same key): the caller
// sorts the flat keys instead.

const CLOSE = 0x5d // `]`
const OPEN = 0x5b // `[`
const END = -1 // nothing follows: sorts before any character

/** Compares `a` followed by the character `aNext` with `b` followed by `bNext`, by code units (names hold no bracket). */
function compareNames (a: string, aNext: number, b: string, bNext: number): number {
  const length = a.length < b.length ? a.length : b.length
  for (let index = 0; index < length; index++) {
    const difference = a.charCodeAt(index) - b.charCodeAt(index)
    if (difference !== 0) return difference
  }
  // One is a prefix of the other: the character after it decides.
  return (length < a.length ? a.charCodeAt(length) : aNext) - (length < b.length ? b.charCodeAt(length) : bNext)
}

// A bracket lets `a[b]` stand for `a` → `b`; a surrogate sorts apart in UTF-8 (docs/design.md, "Sorting"). Values may
// hold either: they are never compared, and between keys free of surrogates they encode as they would on their own.
const UNORDERABLE = /[[\]\uD800-\uDFFF]/

function unorderable (name: string): boolean {
  return UNORDERABLE.test(name)
}

function indexes (count: number): number[] {
  const order: number[] = []
  for (let index = 0; index < count; index++) order.push(index)
  return order
}

/** Where each top-level key of the payload (`names`, its own keys) goes in key order; `undefined` when a key holds a bracket or a surrogate. */
export function topLevelOrder (payload: Record<string, unknown>, names: readonly string[]): number[] | undefined {
  for (const name of names) if (unorderable(name)) return undefined
  // A value's flat key is its name alone; an object's or a list's go on with `[`. (`null` gives no pair: its place,
  // as an object's, changes nothing.)
  const next = names.map((name) => typeof payload[name] === 'object' ? OPEN : END)
  return indexes(names.length).sort((x, y) => compareNames(names[x] as string, next[x] as number, names[y] as string, next[y] as number))
}

// Objects of a payload tend to repeat their keys (a list's items): the last few orders are kept with their keys, which
// JSON.parse gives as the same strings each time. Only small objects are kept.
const KEPT_ORDERS = 4
const MAX_KEPT_NAMES = 64
const MAX_KEPT_NAME_LENGTH = 128
const keptNames: Array<readonly string[]> = []
const keptOrders: ChildOrder[] = []
let nextKept = 0

/** Where each of an object's keys goes in key order (`order`), and each key followed by `]` (`closed`, by key). */
export interface ChildOrder { order: readonly number[], closed: readonly string[] }

/** The key order of an object below the top (`names`, its own keys); `undefined` when a key holds a bracket or a surrogate. */
export function childOrder (names: readonly string[]): ChildOrder | undefined {
  for (let kept = 0; kept < keptNames.length; kept++) {
    if (sameNames(names, keptNames[kept] as readonly string[])) return keptOrders[kept]
  }
  let short = names.length <= MAX_KEPT_NAMES
  for (const name of names) {
    if (unorderable(name)) return undefined
    if (name.length > MAX_KEPT_NAME_LENGTH) short = false
  }
  const order = indexes(names.length).sort((x, y) => compareNames(names[x] as string, CLOSE, names[y] as string, CLOSE))
  const kept = { order, closed: names.map((name) => name + ']') }
  if (short) {
    keptNames[nextKept] = names
    keptOrders[nextKept] = kept
    nextKept = (nextKept + 1) % KEPT_ORDERS
  }
  return kept
}

function sameNames (names: readonly string[], kept: readonly string[]): boolean {
  if (names.length !== kept.length) return false
  for (let index = 0; index < names.length; index++) if (names[index] !== kept[index]) return false
  return true
}

// Indexes 0 to 9 are in order as they are; `10]` sorts before `1]`, so longer lists are sorted once per length.
const SHORT_LIST = 10
const MAX_KEPT_ITEMS = 1 << 16
/** The indexes of a list in key order (`order`), and each index followed by `]` (`closed`, by index). */
export interface ItemOrder { order: readonly number[], closed: readonly string[] }
const shortItemOrders: ItemOrder[] = Array.from({ length: SHORT_LIST + 1 }, (_, length) => ({ order: indexes(length), closed: indexes(length).map((index) => `${index}]`) }))
let lastItemOrder: ItemOrder = shortItemOrders[0] as ItemOrder

/** Where each index of a list of `length` items goes in key order (`parent[10]` before `parent[1]`). */
export function itemOrder (length: number): ItemOrder {
  if (length <= SHORT_LIST) return shortItemOrders[length] as ItemOrder
  if (lastItemOrder.order.length === length) return lastItemOrder
  const texts = indexes(length).map(String)
  const order = indexes(length).sort((x, y) => compareNames(texts[x] as string, CLOSE, texts[y] as string, CLOSE))
  const kept = { order, closed: texts.map((text) => text + ']') }
  if (length <= MAX_KEPT_ITEMS) lastItemOrder = kept
  return kept
}
