// The params of a method, checked exactly as xo-server checks JSON-RPC calls ("XO JSON schema": properties
// required unless `optional`, no extra properties unless a `*` property allows them, non-empty strings),
// for the callers that do not go through xo-server's API pipeline: the REST routes.
import Ajv, { type ValidateFunction } from 'ajv'
import { invalidParameters } from '../xo/errors'
import { detachedParams, type MethodDefinition } from './define'

type Schema = Record<string, any>

const ajv = new Ajv({ allErrors: true, allowUnionTypes: true, useDefaults: true })
const compiled = new WeakMap<MethodDefinition, ValidateFunction>()

/** Validates (and fills defaults into) `params`; throws invalidParameters listing every error. */
export function validateParams(definition: MethodDefinition, params: Record<string, unknown>): void {
  let validate = compiled.get(definition)
  if (validate === undefined) {
    validate = ajv.compile(toJsonSchema({ type: 'object', properties: detachedParams(definition.params) }))
    compiled.set(definition, validate)
  }
  if (!validate(params)) {
    invalidParameters(validate.errors ?? [])
  }
}

function toJsonSchema(schema: Schema): Schema {
  if (schema.enum !== undefined) {
    return schema
  }
  const types = [schema.type].flat()
  if (types.includes('object')) {
    convertObject(schema)
  }
  if (types.includes('array') && schema.items !== undefined) {
    schema.items = toJsonSchema(schema.items)
  }
  if (types.includes('string') && schema.minLength === undefined && schema.format === undefined && schema.pattern === undefined) {
    schema.minLength = 1
  }
  return schema
}

function convertObject(schema: Schema): void {
  const properties: Schema = schema.properties ?? {}
  const { '*': wildcard, ...declared } = properties
  schema.properties = Object.fromEntries(Object.entries(declared).map(([key, value]) => [key, toJsonSchema(value)]))
  if (schema.additionalProperties === undefined) {
    schema.additionalProperties = wildcard === undefined ? Object.keys(declared).length === 0 : toJsonSchema(wildcard)
  }
  if (schema.required === undefined) {
    const required = Object.keys(declared).filter(key => declared[key].optional !== true)
    for (const key of Object.keys(declared)) {
      delete declared[key].optional
    }
    if (required.length !== 0) {
      schema.required = required
    }
  }
}
