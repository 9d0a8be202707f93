// The API docs, from the method definitions (src/api/): the README's tables of methods and REST routes,
// and docs/api.md.
import { NAMESPACE, type MethodDefinition, type MethodTable } from '../../src/api/define'
import { buildMethods } from '../../src/api/methods'
import { REST_BASE, ROUTES } from '../../src/api/rest'
import type { Runtime } from '../../src/runtime'
import { cell, code, table } from './markdown'

interface ParamSchema {
  type?: string | string[]
  optional?: boolean
  description?: string
  enum?: ReadonlyArray<string | boolean | number>
  items?: ParamSchema
  minimum?: number
  maximum?: number
  minItems?: number
  /** An object's declared fields: rows of their own, named `param.field` (required within their object). */
  properties?: Record<string, ParamSchema>
}

/** The definitions as the plugin registers them; handlers are never called, so they need no services. */
const methods = (): MethodTable => buildMethods({ services: {}, xo: {} } as unknown as Runtime)

const fullName = (name: string) => `${NAMESPACE}.${name}`

const routesOf = (name: string) => ROUTES.filter(route => route.api === name).map(route => `${route.method.toUpperCase()} ${route.endpoint}`)

function typeOf(schema: ParamSchema): string {
  if (schema.enum !== undefined) return schema.enum.map(value => code(typeof value === 'string' ? `'${value}'` : String(value))).join(' or ')
  const types = ([] as string[]).concat(schema.type ?? 'any')
  const named = types.map(type => (type === 'array' ? `${schema.items?.type ?? 'any'}[]` : type)).join(' or ')
  const bounds = [schema.minimum === undefined ? '' : `≥ ${schema.minimum}`, schema.maximum === undefined ? '' : `≤ ${schema.maximum}`]
  return [named, ...bounds.filter(Boolean)].join(', ')
}

function paramsTable(definition: MethodDefinition): string {
  const params = Object.entries(definition.params as Record<string, ParamSchema>)
  if (params.length === 0) return 'No params.'
  return table(['param', 'type', 'required', 'meaning'], params.flatMap(([name, schema]) => paramRows(name, schema)))
}

function paramRows(name: string, schema: ParamSchema): string[][] {
  const row = [code(name), cell(typeOf(schema)), schema.optional === true ? 'no' : 'yes', cell(schema.description ?? '')]
  const fields = Object.entries(schema.properties ?? {})
  return [row, ...fields.flatMap(([field, fieldSchema]) => paramRows(`${name}.${field}`, fieldSchema))]
}

function errorsTable(definition: MethodDefinition): string {
  const always: Array<[string, string]> = [
    ['invalidParameters', 'a missing, extra or ill-typed param, or a value the checks refuse (`data.errors` lists every problem)'],
    ['unauthorized', 'the caller is not an XO admin'],
  ]
  return table(['error', 'when'], [...always, ...definition.doc.errors].map(([name, when]) => [code(name), cell(when)]))
}

function methodSection(name: string, definition: MethodDefinition): string {
  const rest = routesOf(name)
  return [
    `## ${code(fullName(name))}`,
    definition.description.replace(/\.?$/, '.'),
    '```sh\n' + definition.doc.example + '\n```',
    paramsTable(definition),
    `**Result.**\n\n${definition.doc.result}`,
    `**Errors.**\n\n${errorsTable(definition)}`,
    `**REST twin:** ${rest.length === 0 ? 'none (JSON-RPC only).' : rest.map(code).join(', ')}`,
    `**Guide:** [${definition.doc.guide}](${definition.doc.guide}).`,
  ].join('\n\n')
}

export function apiReference(): string {
  return Object.entries(methods())
    .map(([name, definition]) => methodSection(name, definition))
    .join('\n\n')
}

const anchorOf = (name: string) => `docs/api.md#${fullName(name).toLowerCase().replace(/[^a-z0-9-]/g, '')}`

export function readmeMethods(): string {
  const entries = Object.entries(methods())
  const rows = entries.map(([name, definition]) => [`[${code(name)}](${anchorOf(name)})`, cell(definition.doc.summary)])
  const examples = entries.map(([, definition]) => definition.doc.example)
  return `${table(['method', 'what'], rows)}\n\n\`\`\`sh\n${examples.join('\n')}\n\`\`\``
}

export function readmeRestTable(): string {
  const names = [...new Set(ROUTES.map(route => route.api))]
  return table(
    ['method', 'route (under `/rest/v0' + REST_BASE + '`)'],
    names.map(name => [code(name), routesOf(name).map(code).join(', ')])
  )
}
