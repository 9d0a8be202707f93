// The settings docs, from the settings JSON Schema: the README's short table and docs/settings.md.
import { configurationPresets, configurationSchema } from '../../src/settings/schema'
import { cell, code, table } from './markdown'

interface SchemaNode {
  type?: string
  title?: string
  description?: string
  default?: unknown
  enum?: readonly string[]
  enumNames?: readonly string[]
  minimum?: number
  maximum?: number
  pattern?: string
  properties?: Record<string, SchemaNode>
  items?: SchemaNode
}

interface SettingRow {
  /** The titles from the form's top, e.g. `SSH access to hosts › Authentication`. */
  titles: string[]
  /** The JSON path, e.g. `ssh.authentication`, `desired[].file`. */
  path: string
  node: SchemaNode
}

/** Every leaf of the form and every list, depth first, in the schema's order. */
function settingRows(properties: Record<string, SchemaNode>, titles: string[] = [], prefix = ''): SettingRow[] {
  return Object.entries(properties).flatMap(([key, node]) => {
    const row = { titles: [...titles, node.title ?? key], path: `${prefix}${key}`, node }
    if (node.properties !== undefined) return settingRows(node.properties, row.titles, `${row.path}.`)
    if (node.items?.properties !== undefined) return [row, ...settingRows(node.items.properties, row.titles, `${row.path}[].`)]
    return [row]
  })
}

const rows = () => settingRows(configurationSchema.properties as unknown as Record<string, SchemaNode>)

const titleOf = ({ titles }: SettingRow) => titles.join(' › ')

function defaultOf({ node }: SettingRow): string {
  if (node.default === undefined) return '–'
  const value = code(typeof node.default === 'string' ? node.default : JSON.stringify(node.default))
  const label = node.enum === undefined ? undefined : node.enumNames?.[node.enum.indexOf(node.default as string)]
  return label === undefined ? value : `${label} (${value})`
}

function typeOf({ node }: SettingRow): string {
  if (node.enum !== undefined) return node.enum.map(value => code(JSON.stringify(value))).join(', ')
  const bounds = [node.minimum === undefined ? '' : `≥ ${node.minimum}`, node.maximum === undefined ? '' : `≤ ${node.maximum}`].filter(Boolean).join(', ')
  const type = node.type === 'array' ? `list of ${node.items?.type === 'object' ? 'entries' : `${node.items?.type}s`}` : (node.type ?? '')
  const pattern = node.pattern ?? node.items?.pattern
  return [type, bounds, pattern === undefined ? '' : `matching ${code(pattern)}`].filter(Boolean).join(', ')
}

/** The description's first sentence. */
const gistOf = ({ node }: SettingRow) => /^.*?\.(?=\s+[A-Z*])|^.*$/s.exec(node.description ?? '')?.[0] ?? ''

export function readmeSettingsTable(): string {
  return table(
    ['setting', 'JSON key', 'default', 'what'],
    rows().map(row => [cell(titleOf(row)), code(row.path), cell(defaultOf(row)), cell(gistOf(row))])
  )
}

export function settingsReference(): string {
  const settings = table(
    ['setting (form)', 'JSON key', 'type', 'default', 'meaning'],
    rows().map(row => [cell(titleOf(row)), code(row.path), cell(typeOf(row)), cell(defaultOf(row)), cell(row.node.description ?? '')])
  )
  const presets = Object.entries(configurationPresets).map(([name, preset]) => `- *${name}*: ${code(JSON.stringify(preset))}`)
  return `${settings}\n\nPresets (the form's preset menu):\n\n${presets.join('\n')}`
}
