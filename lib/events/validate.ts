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

/** Compiles the resource schemas once (`schemas` replaces some built-in ones) and returns a validator. @throws {TypeError} when a replacement is not a TypeBox schema, or has an object `default` or `absentAs` that `structuredClone` cannot copy (a function inside, say) */
export function createResourceValidator (schemas: Partial<Record<ResourceName, TSchema>> = {}): ResourceValidator {
  const compiled = new Map<ResourceName, { schema: TSchema, plan: SchemaPlan, check: TypeCheck<TSchema>, mayFill: (data: unknown) => boolean, convertProperties: PropertyConverter | undefined }>()
  for (const resource of RESOURCE_NAMES) {
    const schema = schemas[resource] ?? RESOURCE_SCHEMAS[resource]
    // Compiled first, so a schema that is not TypeBox's fails with TypeBox's own error.
    const check = TypeCompiler.Compile(schema)
    const plan = planOf(schema)
    assertCopyableFills(plan, resource)
    compiled.set(resource, { schema, plan, check, mayFill: compileMayFill(plan), convertProperties: propertyConverterOf(schema) })
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
    const convertProperties = entry.convertProperties
    // Most JSON deliveries need no conversion, and Convert costs more than a compiled check. A form's values are all text,
    // so its numbers and booleans need one: the property converter checks each property anyway, and leaves what passes.
    if ((encoding === 'json' || convertProperties === undefined) && entry.check.Check(shaped)) return { ok: true, data: shaped as ResourceData[R] }
    const value = convertProperties === undefined ? Value.Convert(entry.schema, shaped) : convertProperties(shaped)
    if (entry.check.Check(value)) return { ok: true, data: value as ResourceData[R] }
    return { ok: false, errors: take(innermost(entry.check.Errors(value)), MAX_ERRORS) }
  }

  return { prepare }
}

/** `Value.Convert` of an `Object` schema, property by property: data that is no object is given back as it is. */
type PropertyConverter = (value: unknown) => unknown

/**
 * The `PropertyConverter` of an `Object` schema, as a function generated for it; `undefined` for another kind, or one
 * with an `$id` that a `Ref` inside may name. A property that already passes its compiled check is left as it is:
 * Convert gives such a value back unchanged (a union returns a matching value as it is, and every other kind converts
 * only what does not match), so only the properties a form sends as text are converted (docs/performance.md).
 */
function propertyConverterOf (schema: TSchema): PropertyConverter | undefined {
  if (schema[Kind] !== 'Object' || schema.$id !== undefined) return undefined
  const properties = schema.properties as Record<string, TSchema>
  const keys = Object.getOwnPropertyNames(properties)
  const schemas = keys.map((key) => properties[key] as TSchema)
  const checks = schemas.map((property) => TypeCompiler.Compile(property))
  // Each property read and written by its name, as TypeBox's compiled checks read them (see compileShape). A form sends
  // every leaf as text: where the schema takes any text, text is not checked (it passes), and anything passes Unknown.
  const body = keys.map((key, at) => {
    const name = JSON.stringify(key)
    const property = schemas[at] as TSchema
    if (ACCEPTS_ANYTHING.has(property[Kind])) return ''
    const unlessText = acceptsEveryString(property) ? ` && typeof v[${name}] !== 'string'` : ''
    return `if (${name} in v${unlessText} && !checks[${at}].Check(v[${name}])) v[${name}] = convert(schemas[${at}], v[${name}])\n`
  }).join('')
  return new Function('checks', 'schemas', 'convert', 'isArray',
    `return (v) => {\nif (v === null || typeof v !== 'object' || isArray(v)) return v\n${body}return v\n}`)(checks, schemas, convertValue, Array.isArray) as PropertyConverter
}

const ACCEPTS_ANYTHING: ReadonlySet<unknown> = new Set(['Unknown', 'Any'])
// The String keywords that TypeBox's check applies; a String without them takes any text.
const STRING_CONSTRAINTS = ['minLength', 'maxLength', 'pattern', 'format'] as const

/** Whether every string passes `schema`'s check: an unconstrained String, Unknown or Any, or a Union with such a member. */
function acceptsEveryString (schema: TSchema): boolean {
  const kind = schema[Kind]
  if (ACCEPTS_ANYTHING.has(kind)) return true
  if (kind === 'String') return STRING_CONSTRAINTS.every((keyword) => schema[keyword] === undefined)
  if (kind === 'Union') return (schema.anyOf as TSchema[]).some(acceptsEveryString)
  return false
}

function convertValue (schema: TSchema, value: unknown): unknown {
  return Value.Convert(schema, value)
}

/**
 * Each object fill of a schema is copied for every delivery that lacks its property: one that `structuredClone` cannot
 * copy would fail each such delivery with a 500, so it is refused when the route is prepared (`ready()` rejects).
 * @throws {TypeError} naming the property
 */
function assertCopyableFills (root: SchemaPlan, resource: ResourceName): void {
  const seen = new Set<SchemaPlan>()
  const pending = [root]
  for (let plan = pending.pop(); plan !== undefined; plan = pending.pop()) {
    if (seen.has(plan)) continue
    seen.add(plan)
    for (const { key, plan: property, fill } of plan.properties) {
      pending.push(property)
      if (fill === null || typeof fill !== 'object') continue
      try {
        structuredClone(fill)
      } catch (error) {
        throw new TypeError(`fastify-magnetis-webhooks: the ${resource} schema's default for "${key}" cannot be copied for each delivery ` +
          `(${(error as Error).message}): give plain data, or a function that returns a new value`)
      }
    }
    pending.push(...plan.members, ...plan.patternItems)
    if (plan.items !== undefined) pending.push(plan.items)
  }
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

/**
 * The functions of a generated validator part by part (`compileMayFill`, `compileShape`): one per schema part that
 * `call` names, `${prefix}0`, `${prefix}1`…, made once each (a part that contains itself calls its own); a part that
 * `skip` accepts gets none (`call` gives `undefined`). Each returns `notObject` for a value that is no object, else
 * runs the body `bodyOf` writes for it.
 */
function partFunctions (prefix: string, skip: (plan: SchemaPlan) => boolean, notObject: string, bodyOf: (plan: SchemaPlan, name: string) => string):
{ call: (plan: SchemaPlan, argument: string) => string | undefined, functions: string[] } {
  const names = new Map<SchemaPlan, string>()
  const functions: string[] = []
  const call = (plan: SchemaPlan, argument: string): string | undefined => {
    if (skip(plan)) return undefined
    let name = names.get(plan)
    if (name === undefined) {
      name = `${prefix}${functions.length}`
      names.set(plan, name)
      // Its place is taken before its body is written, which may name other parts' functions.
      const at = functions.push('') - 1
      functions[at] = `function ${name} (v) {\nif (v === null || typeof v !== 'object') return ${notObject}\n${bodyOf(plan, name)}\n}`
    }
    return `${name}(${argument})`
  }
  return { call, functions }
}

/** Whether `prepare` could change data that passes the schema (an absent property with a default), as a function generated per schema (docs/performance.md). */
function compileMayFill (root: SchemaPlan): (value: unknown) => boolean {
  // A part that can never fill (a nullable string, say) is not called at all: most of a resource's fields.
  const { call, functions } = partFunctions('m', neverFills, 'false', (plan) => bodyOf(plan))
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

/** Whether `mayFill` of this part answers `false` whatever the value: nothing inside has a fill, and every kind inside is followed. */
const neverFills = answeredOncePerPart((plan) => {
  switch (plan.kind) {
    case 'Object':
      return !plan.additionalSchema && plan.properties.every(({ plan: property, fillsAbsent }) => !fillsAbsent && neverFills(property))
    case 'Union':
      return plan.members.every(neverFills)
    case 'Array':
      return neverFills(plan.items as SchemaPlan)
    case 'Record':
      return plan.patternItems.every(neverFills)
    default:
      return LEAF_KINDS.has(plan.kind)
  }
})

/**
 * A question about a schema part (`neverFills`, `neverShapes`), answered once per part. A part that contains itself
 * is answered `false` while it is being decided: it may fill, it may shape, the safe answer for both.
 */
function answeredOncePerPart (decide: (plan: SchemaPlan) => boolean): (plan: SchemaPlan) => boolean {
  const answers = new WeakMap<SchemaPlan, boolean>()
  return (plan) => {
    const known = answers.get(plan)
    if (known !== undefined) return known
    answers.set(plan, false)
    const answer = decide(plan)
    answers.set(plan, answer)
    return answer
  }
}

// Kinds with no properties of their own: an object given to one of them (in a union) gets nothing filled.
const LEAF_KINDS: ReadonlySet<string> = new Set(['Unknown', 'Any', 'Null', 'String', 'Number', 'Integer', 'Boolean', 'Literal'])

/** Data shaped as the schema expects, in place: PHP arrays as objects where an object fits, absent properties filled (docs/validation.md); `holes`: `null` list items are holes (form data). */
export function shapeBySchema (schema: TSchema, value: unknown, holes = false): unknown {
  return shapeByPlan(planOf(schema), value, holes)
}

function shapeByPlan (plan: SchemaPlan, value: unknown, holes: boolean): unknown {
  const shapers = plan.shapers
  const shape = holes ? (shapers[1] ??= compileShape(plan, true)) : (shapers[0] ??= compileShape(plan, false))
  return shape(value)
}

/**
 * The shaping of one schema as a function generated for it, as `compileMayFill` is and for the same reason: each
 * property is read and written by its name, where a loop over the plan's keys makes every read and write a keyed one
 * (docs/performance.md, "Issue 13, sixth pass"). The rules, part by part:
 * - a value that is not an object is left as it is;
 * - a union shapes by its one member that fits (a list member for a list, if any, else an object or record member),
 *   and leaves the value as it is when none or several fit;
 * - a list where an object or record fits becomes an object keyed by index (with `holes`, `null` items get no key);
 * - a list's items, a record's values and an object's present properties are shaped by their schemas; an object's
 *   absent properties get their fill (`absentAs`, else `default`);
 * - any other kind is left as it is.
 */
function compileShape (root: SchemaPlan, holes: boolean): (value: unknown) => unknown {
  const fills: unknown[] = []
  // A part that never changes a value (a leaf, or a union of leaves: most fields) is not called at all.
  const { call, functions } = partFunctions('s', neverShapes, 'v', (plan, name) => bodyOf(plan, name))
  const only = (members: SchemaPlan[]): string => members.length === 1 ? call(members[0] as SchemaPlan, 'v') ?? 'v' : 'v'
  const asObject = (name: string): string => `if (isArray(v)) return ${name}(indexed(v))\n`
  const bodyOf = (plan: SchemaPlan, name: string): string => {
    switch (plan.kind) {
      case 'Union':
        if (plan.listMembers.length === 0) return `return ${only(plan.objectMembers)}`
        return `return isArray(v) ? ${only(plan.listMembers)} : ${only(plan.objectMembers)}`
      case 'Array': {
        const item = call(plan.items as SchemaPlan, 'v[i]')
        return item === undefined ? 'return v' : `if (isArray(v)) for (let i = 0; i < v.length; i++) v[i] = ${item}\nreturn v`
      }
      case 'Record': {
        const item = call(plan.patternItems[0] as SchemaPlan, 'v[k]')
        return asObject(name) + (item === undefined ? 'return v' : `for (const k of keys(v)) v[k] = ${item}\nreturn v`)
      }
      default:
        // An object: `call` leaves out every other kind, which never shapes.
        return asObject(name) + plan.properties.map(({ key, plan: property, fill }) => {
          const literal = JSON.stringify(key)
          const inner = call(property, `v[${literal}]`)
          const present = inner === undefined ? '' : `v[${literal}] = ${inner}`
          if (fill === NO_FILL) return inner === undefined ? '' : `if (hasOwn(v, ${literal})) ${present}\n`
          fills.push(fill)
          const filled = `v[${literal}] = ${fillExpression(fill, fills.length - 1)}`
          return inner === undefined ? `if (!hasOwn(v, ${literal})) ${filled}\n` : `if (hasOwn(v, ${literal})) ${present}\nelse ${filled}\n`
        }).join('') + 'return v'
    }
  }
  const entry = call(root, 'value') ?? 'value'
  const indexed = holes ? indexedWithoutHoles : indexedWithNulls
  return new Function('hasOwn', 'isArray', 'keys', 'indexed', 'fills', 'fillValue',
    `${functions.join('\n')}\nreturn (value) => ${entry}`)(Object.hasOwn, Array.isArray, Object.keys, indexed, fills, fillValue) as (value: unknown) => unknown
}

/** How a fill is written in generated code: `[]` and primitives as they are, anything else copied per delivery by `fillValue`. */
function fillExpression (fill: unknown, at: number): string {
  if (fill === EMPTY_LIST) return '[]'
  return fill === null || (typeof fill !== 'object' && typeof fill !== 'function') ? `fills[${at}]` : `fillValue(fills[${at}])`
}

/** A list as an object keyed by index, every item kept (JSON). */
function indexedWithNulls (list: unknown[]): Record<string, unknown> {
  const object: Record<string, unknown> = {}
  for (let index = 0; index < list.length; index++) object[index] = list[index]
  return object
}

/** A list as an object keyed by index, `null` items (form holes) left out. */
function indexedWithoutHoles (list: unknown[]): Record<string, unknown> {
  const object: Record<string, unknown> = {}
  for (let index = 0; index < list.length; index++) if (list[index] !== null) object[index] = list[index]
  return object
}

/** Whether shaping by this part leaves every value as it is: a kind shaping does not follow, or a union whose fitting member (if exactly one) never shapes. */
const neverShapes = answeredOncePerPart((plan) => {
  if (plan.kind !== 'Union') return !SHAPED_KINDS.has(plan.kind)
  const follows = (members: SchemaPlan[]): boolean => members.length === 1 && !neverShapes(members[0] as SchemaPlan)
  return !follows(plan.objectMembers) && !follows(plan.listMembers)
})

// Kinds whose values shaping changes (or whose parts it follows).
const SHAPED_KINDS: ReadonlySet<string> = new Set(['Union', 'Object', 'Record', 'Array'])

/** What `shapeBySchema` and `mayFill` read of one schema and the schemas inside it, worked out once per schema object. */
interface SchemaPlan {
  kind: string
  members: SchemaPlan[]
  listMembers: SchemaPlan[]
  objectMembers: SchemaPlan[]
  items: SchemaPlan | undefined
  patternItems: SchemaPlan[]
  additionalSchema: boolean
  properties: Array<{ key: string, plan: SchemaPlan, fill: unknown, fillsAbsent: boolean }>
  /** `compileShape`'s functions, without and with holes, made at first use. */
  shapers: [((value: unknown) => unknown)?, ((value: unknown) => unknown)?]
}

const NO_FILL = Symbol('no fill')
const plans = new WeakMap<TSchema, SchemaPlan>()

function planOf (schema: TSchema): SchemaPlan {
  const known = plans.get(schema)
  if (known !== undefined) return known
  const kind = schema[Kind] as string
  const plan: SchemaPlan = {
    kind,
    members: [],
    listMembers: [],
    objectMembers: [],
    items: undefined,
    patternItems: [],
    additionalSchema: typeof schema.additionalProperties === 'object',
    properties: [],
    shapers: []
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

/** An object or function fill for one delivery (`[]` and primitives are written as they are: `fillExpression`). */
function fillValue (fill: unknown): unknown {
  if (typeof fill === 'function') return fill()
  // A copy per delivery, so no handler can change the schema's default.
  return structuredClone(fill)
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
