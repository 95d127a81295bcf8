// Decoded `data` → a resource checked against its schema (vendor page, "Testing the Webhook"); the steps are in docs/validation.md.
import { Kind, type TSchema } from '@sinclair/typebox'
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler'
import type { ValueError } from '@sinclair/typebox/errors'
import { Value } from '@sinclair/typebox/value'
import type { BodyEncoding } from '../body/media-types.js'
import { FORBIDDEN_KEYS } from '../signature/unflatten.js'
import { RESOURCE_NAMES, type ResourceName } from './names.js'
import { RESOURCE_SCHEMAS, type ResourceData } from './schemas/index.js'

/** One reason a resource failed its schema: a JSON pointer into `data` (`""` for `data` itself) and a message. Never the value, which may be a phone number or an address. */
export interface ResourceError {
  path: string
  message: string
}

/** The outcome of `prepare`: the converted and completed data, or why it does not match. */
export type PrepareResult<T> =
  | { ok: true, data: T }
  | { ok: false, errors: ResourceError[] }

/** Checks the `data` of deliveries against the resource schemas; from `createResourceValidator`. */
export interface ResourceValidator {
  /** `data` copied (or, `owned`, used as it is and changed), shaped, converted and checked (docs/validation.md); `{ ok: false, errors }` (≤ 20, never values) is a 422. @throws {TypeError} for an unknown resource */
  prepare: <R extends ResourceName>(resource: R, data: unknown, encoding: BodyEncoding, owned?: boolean) => PrepareResult<ResourceData[R]>
}

// A 422 names the first problems; a long list would only grow logs.
const MAX_ERRORS = 20

/** Compiles the resource schemas once (`schemas` replaces some built-in ones) and returns a validator. @throws {TypeError} when a replacement is not a TypeBox schema */
export function createResourceValidator (schemas: Partial<Record<ResourceName, TSchema>> = {}): ResourceValidator {
  const compiled = new Map<ResourceName, { schema: TSchema, plan: SchemaPlan, check: TypeCheck<TSchema>, mayFill: (data: unknown) => boolean, properties: PropertyChecks | undefined }>()
  for (const resource of RESOURCE_NAMES) {
    const schema = schemas[resource] ?? RESOURCE_SCHEMAS[resource]
    // Compiled first, so a schema that is not TypeBox's fails with TypeBox's own error.
    const check = TypeCompiler.Compile(schema)
    const plan = planOf(schema)
    compiled.set(resource, { schema, plan, check, mayFill: compileMayFill(plan), properties: propertyChecksOf(schema) })
  }

  function prepare<R extends ResourceName> (resource: R, data: unknown, encoding: BodyEncoding, owned = false): PrepareResult<ResourceData[R]> {
    const entry = compiled.get(resource)
    if (entry === undefined) {
      throw new TypeError(`fastify-magnetis-webhooks: unknown resource ${JSON.stringify(resource)}: expected one of ${RESOURCE_NAMES.join(', ')}`)
    }
    // The common case on the request path: JSON that already matches and lacks nothing a default fills.
    if (encoding === 'json' && entry.check.Check(data) && !entry.mayFill(data)) {
      return { ok: true, data: data as ResourceData[R] }
    }
    const shaped = shapeByPlan(entry.plan, owned ? data : cloneData(data), encoding === 'form')
    // Most deliveries need no conversion; Convert costs more than a compiled check.
    if (entry.check.Check(shaped)) return { ok: true, data: shaped as ResourceData[R] }
    const value = entry.properties === undefined ? Value.Convert(entry.schema, shaped) : convertProperties(entry.properties, shaped)
    if (entry.check.Check(value)) return { ok: true, data: value as ResourceData[R] }
    return { ok: false, errors: take(innermost(entry.check.Errors(value)), MAX_ERRORS) }
  }

  return { prepare }
}

/** A compiled check of each property of an `Object` schema, for `convertProperties`. */
type PropertyChecks = Array<{ key: string, property: TSchema, check: TypeCheck<TSchema> }>

/** The checks of an `Object` schema's properties; `undefined` for another kind, or one with an `$id` that a `Ref` inside may name. */
function propertyChecksOf (schema: TSchema): PropertyChecks | undefined {
  if (schema[Kind] !== 'Object' || schema.$id !== undefined) return undefined
  return Object.getOwnPropertyNames(schema.properties).map((key) => {
    const property = (schema.properties as Record<string, TSchema>)[key] as TSchema
    return { key, property, check: TypeCompiler.Compile(property) }
  })
}

/**
 * `Value.Convert` of an `Object` schema property by property, a property that already passes its compiled check left as it
 * is: Convert gives such a value back unchanged (a union returns a matching value as it is, and every other kind converts
 * only what does not match), so only the properties a form sends as text are converted (docs/performance.md).
 */
function convertProperties (properties: PropertyChecks, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value
  const object = value as Record<string, unknown>
  for (const { key, property, check } of properties) {
    if (!(key in object)) continue
    if (!check.Check(object[key])) object[key] = Value.Convert(property, object[key])
  }
  return object
}

/** Errors as paths and messages, a union's replaced by those of the member it got furthest into, so a 422 names the field at fault. */
function * innermost (errors: Iterable<ValueError>): Generator<ResourceError> {
  for (const error of errors) {
    const inner = error.errors
      .map((member) => take(member, MAX_ERRORS))
      .find((memberErrors) => memberErrors.some((memberError) => memberError.path.length > error.path.length))
    if (inner === undefined) yield { path: error.path, message: error.message }
    else yield * innermost(inner)
  }
}

function take<T> (items: Iterable<T>, limit: number): T[] {
  const taken: T[] = []
  for (const item of items) {
    if (taken.length === limit) break
    taken.push(item)
  }
  return taken
}

/** Whether `prepare` could change data that passes the schema (an absent property with a default), as a function generated per schema (docs/performance.md). */
function compileMayFill (root: SchemaPlan): (value: unknown) => boolean {
  const numbers = new Map<SchemaPlan, number>()
  const functions: string[] = []
  // A part that can never fill (a nullable string, say) is not called at all: most of a resource's fields.
  const call = (plan: SchemaPlan, argument: string): string | undefined => {
    if (neverFills(plan)) return undefined
    let number = numbers.get(plan)
    if (number === undefined) {
      number = functions.length
      numbers.set(plan, number)
      functions.push('')
      functions[number] = `function m${number} (v) {\nif (v === null || typeof v !== 'object') return false\n${bodyOf(plan)}\n}`
    }
    return `m${number}(${argument})`
  }
  const anyOf = (calls: Array<string | undefined>): string => [...calls.filter((inner) => inner !== undefined), 'false'].join(' || ')
  const bodyOf = (plan: SchemaPlan): string => {
    switch (plan.kind) {
      case 'Object':
        return plan.properties.map(({ key, plan: property, fillsAbsent }) => {
          const name = JSON.stringify(key)
          const inner = call(property, `v[${name}]`)
          const absent = fillsAbsent ? `if (!hasOwn(v, ${name})) return true\n` : ''
          if (inner === undefined) return absent
          return fillsAbsent ? `${absent}if (${inner}) return true\n` : `if (hasOwn(v, ${name}) && ${inner}) return true\n`
        }).join('') + `return ${String(plan.additionalSchema)}`
      case 'Union': {
        // The member shapeByPlan would follow, and none when it would follow none (it shapes only by a member that alone fits).
        const only = (members: SchemaPlan[]): string => members.length === 1 ? anyOf([call(members[0] as SchemaPlan, 'v')]) : 'false'
        if (plan.listMembers.length === 0) return `return ${only(plan.objectMembers)}`
        return `return Array.isArray(v) ? ${only(plan.listMembers)} : ${only(plan.objectMembers)}`
      }
      case 'Array':
        return `if (!Array.isArray(v)) return false\nfor (const item of v) if (${anyOf([call(plan.items as SchemaPlan, 'item')])}) return true\nreturn false`
      case 'Record':
        return `for (const item of Object.values(v)) if (${anyOf(plan.patternItems.map((inner) => call(inner, 'item')))}) return true\nreturn false`
      default:
        // A default inside any other kind that may hold an object (Intersect, Tuple, Ref…) is not followed.
        return `return ${String(!LEAF_KINDS.has(plan.kind))}`
    }
  }
  const entry = call(root, 'value') ?? 'false'
  // Generated as TypeBox compiles its checks: named reads stay fast where a loop over keys would not; keys appear only as JSON literals.
  return new Function('hasOwn', `${functions.join('\n')}\nreturn (value) => ${entry}`)(Object.hasOwn) as (value: unknown) => boolean
}

const neverFillsMemo = new WeakMap<SchemaPlan, boolean>()

/** Whether `mayFill` of this part answers `false` whatever the value: nothing inside has a fill, and every kind inside is followed. */
function neverFills (plan: SchemaPlan): boolean {
  const known = neverFillsMemo.get(plan)
  if (known !== undefined) return known
  // A part that contains itself is taken to fill while it is being decided: the safe answer.
  neverFillsMemo.set(plan, false)
  let never: boolean
  switch (plan.kind) {
    case 'Object':
      never = !plan.additionalSchema && plan.properties.every(({ plan: property, fillsAbsent }) => !fillsAbsent && neverFills(property))
      break
    case 'Union':
      never = plan.members.every(neverFills)
      break
    case 'Array':
      never = neverFills(plan.items as SchemaPlan)
      break
    case 'Record':
      never = plan.patternItems.every(neverFills)
      break
    default:
      never = LEAF_KINDS.has(plan.kind)
  }
  neverFillsMemo.set(plan, never)
  return never
}

// Kinds with no properties of their own: an object given to one of them (in a union) gets nothing filled.
const LEAF_KINDS: ReadonlySet<string> = new Set(['Unknown', 'Any', 'Null', 'String', 'Number', 'Integer', 'Boolean', 'Literal'])

/** Data shaped as the schema expects, in place: PHP arrays as objects where an object fits, absent properties filled (docs/validation.md); `holes`: `null` list items are holes (form data). */
export function shapeBySchema (schema: TSchema, value: unknown, holes = false): unknown {
  return shapeByPlan(planOf(schema), value, holes)
}

function shapeByPlan (plan: SchemaPlan, value: unknown, holes: boolean): unknown {
  if (value === null || typeof value !== 'object') return value
  const kind = plan.kind
  if (kind === 'Union') {
    const fits = Array.isArray(value) && plan.listMembers.length > 0 ? plan.listMembers : plan.objectMembers
    return fits.length === 1 ? shapeByPlan(fits[0] as SchemaPlan, value, holes) : value
  }
  if (Array.isArray(value)) {
    if (kind === 'Object' || kind === 'Record') {
      const object: Record<string, unknown> = {}
      for (let index = 0; index < value.length; index++) {
        if (!holes || value[index] !== null) object[index] = value[index]
      }
      return shapeByPlan(plan, object, holes)
    }
    if (kind === 'Array') {
      const items = plan.items as SchemaPlan
      for (let index = 0; index < value.length; index++) value[index] = shapeByPlan(items, value[index], holes)
    }
    return value
  }
  const object = value as Record<string, unknown>
  if (kind === 'Record') {
    const items = plan.patternItems[0] as SchemaPlan
    // The envelope's `data` is a record of anything: nothing to walk.
    if (items.inert) return object
    for (const key of Object.keys(object)) object[key] = shapeByPlan(items, object[key], holes)
    return object
  }
  if (kind !== 'Object') return value
  for (const { key, plan: property, fill } of plan.properties) {
    if (Object.hasOwn(object, key)) {
      if (!property.inert) object[key] = shapeByPlan(property, object[key], holes)
    } else if (fill !== NO_FILL) object[key] = fillValue(fill)
  }
  return object
}

/** What `shapeBySchema` and `mayFill` read of one schema and the schemas inside it, worked out once per schema object. */
interface SchemaPlan {
  kind: string
  /** A leaf kind: shaping never changes its value. */
  inert: boolean
  members: SchemaPlan[]
  listMembers: SchemaPlan[]
  objectMembers: SchemaPlan[]
  items: SchemaPlan | undefined
  patternItems: SchemaPlan[]
  additionalSchema: boolean
  properties: Array<{ key: string, plan: SchemaPlan, fill: unknown, fillsAbsent: boolean }>
}

const NO_FILL = Symbol('no fill')
const plans = new WeakMap<TSchema, SchemaPlan>()

function planOf (schema: TSchema): SchemaPlan {
  const known = plans.get(schema)
  if (known !== undefined) return known
  const kind = schema[Kind] as string
  const plan: SchemaPlan = {
    kind,
    inert: LEAF_KINDS.has(kind),
    members: [],
    listMembers: [],
    objectMembers: [],
    items: undefined,
    patternItems: [],
    additionalSchema: typeof schema.additionalProperties === 'object',
    properties: []
  }
  // Registered before its parts, so a schema that contains itself ends the recursion.
  plans.set(schema, plan)
  if (kind === 'Union') {
    const members = schema.anyOf as TSchema[]
    plan.members = members.map(planOf)
    plan.listMembers = members.filter((member) => LIST_KINDS.has(member[Kind] as string)).map(planOf)
    plan.objectMembers = members.filter((member) => OBJECT_KINDS.has(member[Kind] as string)).map(planOf)
  } else if (kind === 'Array') {
    plan.items = planOf(schema.items as TSchema)
  } else if (kind === 'Record') {
    plan.patternItems = Object.values(schema.patternProperties as Record<string, TSchema>).map(planOf)
  } else if (kind === 'Object') {
    plan.properties = Object.entries(schema.properties as Record<string, TSchema>).map(([key, property]) => {
      const fill: unknown = 'absentAs' in property ? property.absentAs : property.default
      return { key, plan: planOf(property), fill: fill === undefined ? NO_FILL : isBareEmptyList(fill) ? EMPTY_LIST : fill, fillsAbsent: 'default' in property || property.absentAs !== undefined }
    })
  }
  return plan
}

// `[]` (PHP arrays' absentAs) is the common fill: a new one costs less than structuredClone.
const EMPTY_LIST = Symbol('[]')

function isBareEmptyList (fill: unknown): boolean {
  return Array.isArray(fill) && Object.keys(fill).length === 0
}

function fillValue (fill: unknown): unknown {
  if (fill === EMPTY_LIST) return []
  if (typeof fill === 'function') return fill()
  // A copy per delivery, so no handler can change the schema's default; a primitive is its own copy.
  return fill === null || typeof fill !== 'object' ? fill : structuredClone(fill)
}

const OBJECT_KINDS: ReadonlySet<string> = new Set(['Object', 'Record'])
// Members that take a list as it is.
const LIST_KINDS: ReadonlySet<string> = new Set(['Array', 'Tuple', 'Unknown', 'Any'])

/** A deep copy of JSON-like data without FORBIDDEN_KEYS, iterative; not `Value.Clone`, which assigns `__proto__` (docs/validation.md). */
function cloneData (data: unknown): unknown {
  const copies = new Map<object, unknown>()
  const pending: Array<[source: object, target: Record<string | number, unknown>]> = []
  const copy = (value: unknown): unknown => {
    if (value === null || typeof value !== 'object') return value
    const known = copies.get(value)
    if (known !== undefined) return known
    const target = Array.isArray(value) ? [] : {}
    copies.set(value, target)
    pending.push([value, target as Record<string | number, unknown>])
    return target
  }
  const root = copy(data)
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [source, target] = next
    if (Array.isArray(source)) {
      for (let index = 0; index < source.length; index++) target[index] = copy(source[index])
      continue
    }
    for (const key of Object.keys(source)) {
      if (!FORBIDDEN_KEYS.has(key)) target[key] = copy((source as Record<string, unknown>)[key])
    }
  }
  return root
}

/** OUR reading of a `test` event's resource: `data.id` prefix (`call-`; `lead-`/`led-`; `email-`/`eml-`/`mail-`), else `calling_number` → call, else `undefined` (docs/validation.md, "Test events"; option `inferTestResource`). */
export function inferTestResource (data: unknown): ResourceName | undefined {
  if (data === null || typeof data !== 'object') return undefined
  const record = data as Record<string, unknown>
  const id = record.id
  if (typeof id === 'string') {
    if (id.startsWith('call-')) return 'call'
    if (id.startsWith('lead-') || id.startsWith('led-')) return 'lead'
    if (id.startsWith('email-') || id.startsWith('eml-') || id.startsWith('mail-')) return 'email'
  }
  return Object.hasOwn(record, 'calling_number') ? 'call' : undefined
}
