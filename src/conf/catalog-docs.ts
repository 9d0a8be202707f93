// Derivations of the catalog: a JSON Schema for settings objects and a markdown table for docs.
import { CATALOG, type CatalogEntry, type KeyClass } from './catalog'
import { initialState } from './values'

export type JsonSchema = Readonly<Record<string, unknown>>

const DEFAULT_CLASSES: readonly KeyClass[] = ['managed', 'expert']

function numberSchema(entry: CatalogEntry, integer: boolean): JsonSchema {
  return {
    type: integer ? 'integer' : 'number',
    default: Number(entry.default),
    ...(entry.minimum === undefined ? {} : { minimum: entry.minimum }),
    ...(entry.maximum === undefined ? {} : { maximum: entry.maximum }),
  }
}

function valueSchema(entry: CatalogEntry): JsonSchema {
  if (entry.format === 'delay-pair') return { type: 'string', pattern: '^[0-9]+(\\.[0-9]+)?,[0-9]+(\\.[0-9]+)?$', default: entry.default }
  switch (entry.type) {
    case 'int':
      return numberSchema(entry, true)
    case 'float':
      return numberSchema(entry, false)
    case 'duration':
      return numberSchema(entry, entry.durationOf === 'int')
    case 'bool':
      return { type: 'boolean', default: entry.default === 'true' }
    case 'enumeration':
      return { type: 'string', enum: entry.values, default: entry.default }
    case 'list':
      return { type: 'array', items: { type: 'string', ...(entry.allowedItems === undefined ? {} : { enum: entry.allowedItems }) }, default: initialState(entry).items }
    default:
      return { type: 'string', default: entry.default }
  }
}

/** e.g. `26.16.0 (26.1.17)`: the main-line release, then backports to maintenance lines. */
function versionsOf(entry: CatalogEntry): string {
  if (entry.since === undefined) return ''
  return entry.backports === undefined ? entry.since : `${entry.since} (${entry.backports.join(', ')})`
}

function describe(entry: CatalogEntry): string {
  const since = entry.since === undefined ? '' : ` XAPI ${versionsOf(entry)} and later.`
  const expert = entry.class === 'expert' ? ' Expert key: needs the expert flag.' : ''
  return `${entry.description}.${since}${expert}`
}

/** JSON Schema of a settings object: one optional property per key of the given classes. */
export function catalogJsonSchema(classes: readonly KeyClass[] = DEFAULT_CLASSES): JsonSchema {
  const entries = CATALOG.filter(entry => classes.includes(entry.class))
  return {
    type: 'object',
    additionalProperties: false,
    properties: Object.fromEntries(entries.map(entry => [entry.key, { description: describe(entry), ...valueSchema(entry) }])),
  }
}

const cell = (text: string) => (text === '' ? '' : `\`${text.replace(/\|/g, '\\|')}\``)

/** A markdown table of the catalog (every key unless classes are given). */
export function catalogMarkdownTable(classes: readonly KeyClass[] = ['managed', 'expert', 'forbidden']): string {
  const rows = CATALOG.filter(entry => classes.includes(entry.class)).map(entry =>
    [cell(entry.key), entry.class, entry.type, cell(entry.default), versionsOf(entry), entry.description.replace(/\|/g, '\\|')].join(' | ')
  )
  return ['| key | class | type | default | since | description |', '|---|---|---|---|---|---|', ...rows.map(row => `| ${row} |`)].join('\n') + '\n'
}
