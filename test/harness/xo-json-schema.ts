// The "XO JSON schema" dialect of API method params, turned into standard JSON Schema the way xo-server's
// `_xoJsonSchema.mjs` does, and compiled with its own Ajv instance (allErrors, allowUnionTypes,
// useDefaults). The dialect: object properties are required unless marked `optional`, additional
// properties are refused unless a `*` property gives their schema, strings must be non-empty unless
// `minLength`, `format` or `pattern` says otherwise. A schema with `enum` is left as is.
import Ajv, { type ValidateFunction } from 'ajv'
import cloneDeep from 'lodash/cloneDeep'

type Schema = Record<string, any>

const ajv = new Ajv({ allErrors: true, allowUnionTypes: true, useDefaults: true })

function hasType(schema: Schema, type: string): boolean {
  return Array.isArray(schema.type) ? schema.type.includes(type) : schema.type === type
}

function convertArray(schema: Schema): void {
  const { items } = schema
  if (Array.isArray(items)) schema.items = items.map(toJsonSchema)
  else if (items !== undefined) schema.items = toJsonSchema(items)
}

function convertObject(schema: Schema): void {
  const properties: Schema = schema.properties ?? {}
  for (const key of Object.keys(properties)) properties[key] = toJsonSchema(properties[key])

  if (schema.additionalProperties === undefined) {
    const wildcard = properties['*']
    if (wildcard === undefined) {
      // Nothing declared means anything goes; otherwise only what is declared.
      schema.additionalProperties = Object.keys(properties).length === 0
    } else {
      delete properties['*']
      schema.additionalProperties = wildcard
    }
  } else if (typeof schema.additionalProperties === 'object') {
    schema.additionalProperties = toJsonSchema(schema.additionalProperties)
  }

  // An explicit `required` wins, and then `optional` keywords stay (Ajv rejects them): never mix both.
  if (schema.required === undefined) {
    const required = Object.keys(properties).filter(key => {
      const isOptional = Boolean(properties[key].optional)
      delete properties[key].optional
      return !isOptional
    })
    if (required.length !== 0) schema.required = required
  }
}

function convertString(schema: Schema): void {
  if (schema.minLength === undefined && schema.format === undefined && schema.pattern === undefined) {
    schema.minLength = 1
  }
}

/** Converts in place (callers pass a deep clone) and returns the schema. */
function toJsonSchema(schema: Schema): Schema {
  if (schema.enum !== undefined) return schema
  if (hasType(schema, 'array')) convertArray(schema)
  if (hasType(schema, 'object')) convertObject(schema)
  if (hasType(schema, 'string')) convertString(schema)
  return schema
}

/** Compiles the params of an API method (a property map) as xo-server's `addApiMethod` does. */
export function compileParamsSchema(params: Record<string, unknown>): ValidateFunction {
  return ajv.compile(toJsonSchema({ type: 'object', properties: cloneDeep(params) }))
}
