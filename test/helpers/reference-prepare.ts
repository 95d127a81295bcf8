/**
 * The resource preparation as it was before its fast paths (docs/performance.md), for tests only: a copy, the old
 * `shapeBySchema` (members filtered, fills copied by structuredClone, on every call), then TypeBox's `Value.Convert`
 * over the whole object. lib/events/validate.ts must give the same outcome on every input.
 */
import { Kind, type TSchema } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { Value } from '@sinclair/typebox/value'

/** Whether the old JSON fast path was refused: data that passes the schema but lacks a defaulted property somewhere. */
export function referenceMayFill (schema: TSchema, value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false
  switch (schema[Kind] as string) {
    case 'Object': {
      const record = value as Record<string, unknown>
      for (const [key, property] of Object.entries(schema.properties as Record<string, TSchema>)) {
        if (!Object.hasOwn(record, key)) {
          if ('default' in property || property.absentAs !== undefined) return true
        } else if (referenceMayFill(property, record[key])) return true
      }
      // Defaults of extra properties' schema would apply to unknown keys.
      return typeof schema.additionalProperties === 'object'
    }
    case 'Union':
      return (schema.anyOf as TSchema[]).some((member) => referenceMayFill(member, value))
    case 'Array':
      return Array.isArray(value) && value.some((item) => referenceMayFill(schema.items as TSchema, item))
    case 'Record': {
      const items = Object.values(value)
      return Object.values(schema.patternProperties as Record<string, TSchema>).some((inner) => items.some((item) => referenceMayFill(inner, item)))
    }
    default:
      // A default inside any other kind that may hold an object (Intersect, Tuple, Ref…) is not followed.
      return !LEAF_KINDS.has(schema[Kind] as string)
  }
}

// Kinds with no properties of their own: an object given to one of them (in a union) gets nothing filled.
const LEAF_KINDS: ReadonlySet<string> = new Set(['Unknown', 'Any', 'Null', 'String', 'Number', 'Integer', 'Boolean', 'Literal'])

/** `{ ok, data }` as the old `prepare` gave it for form data (no JSON fast path involved). */
export function referencePrepare (schema: TSchema, data: unknown, holes: boolean): { ok: boolean, data?: unknown } {
  const check = TypeCompiler.Compile(schema)
  const shaped = referenceShape(schema, structuredClone(data), holes)
  if (check.Check(shaped)) return { ok: true, data: shaped }
  const value = Value.Convert(schema, shaped)
  return check.Check(value) ? { ok: true, data: value } : { ok: false }
}

export function referenceShape (schema: TSchema, value: unknown, holes = false): unknown {
  if (value === null || typeof value !== 'object') return value
  const kind = schema[Kind] as string
  if (kind === 'Union') {
    const members = schema.anyOf as TSchema[]
    const lists = Array.isArray(value) ? members.filter((member) => LIST_KINDS.has(member[Kind] as string)) : []
    const fits = lists.length > 0 ? lists : members.filter((member) => OBJECT_KINDS.has(member[Kind] as string))
    return fits.length === 1 ? referenceShape(fits[0] as TSchema, value, holes) : value
  }
  if (Array.isArray(value)) {
    if (OBJECT_KINDS.has(kind)) {
      const entries = [...value.entries()].filter(([, item]) => !holes || item !== null)
      return referenceShape(schema, Object.fromEntries(entries), holes)
    }
    if (kind === 'Array') {
      for (let index = 0; index < value.length; index++) value[index] = referenceShape(schema.items as TSchema, value[index], holes)
    }
    return value
  }
  const object = value as Record<string, unknown>
  if (kind === 'Record') {
    const items = Object.values(schema.patternProperties as Record<string, TSchema>)[0] as TSchema
    for (const key of Object.keys(object)) object[key] = referenceShape(items, object[key], holes)
    return object
  }
  if (kind !== 'Object') return value
  for (const [key, property] of Object.entries(schema.properties as Record<string, TSchema>)) {
    if (Object.hasOwn(object, key)) {
      object[key] = referenceShape(property, object[key], holes)
      continue
    }
    const fill: unknown = 'absentAs' in property ? property.absentAs : property.default
    if (fill !== undefined) object[key] = typeof fill === 'function' ? fill() : structuredClone(fill)
  }
  return object
}

const OBJECT_KINDS: ReadonlySet<string> = new Set(['Object', 'Record'])
// Members that take a list as it is.
const LIST_KINDS: ReadonlySet<string> = new Set(['Array', 'Tuple', 'Unknown', 'Any'])
