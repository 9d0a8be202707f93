// What `getHost` shows of a host's files: every entry XAPI reads, in read order, with its parsed lines.
import { parseFile, simulate, type ConfEntry, type ConfTree, type EffectiveValue } from '../../conf'

export interface FileView {
  path: string
  role: 'main' | 'drop-in'
  kind: ConfEntry['kind']
  target?: string
  resolved?: ConfEntry['resolved']
  /** The text XAPI reads (absent for directories and unreadable entries). */
  content?: string
  lines: Array<{ line: number; key: string; value: string }>
}

export interface ConfigView {
  files: FileView[]
  effective: Record<string, EffectiveValue>
}

export function describeTree(tree: ConfTree, xapiVersion?: number[]): ConfigView {
  const simulation = simulate(tree, xapiVersion === undefined ? {} : { xapiVersion })
  const files = simulation.sources.map(({ entry, role, text }) => ({
    path: entry.path,
    role,
    kind: entry.kind,
    target: entry.target,
    resolved: entry.resolved,
    content: text,
    lines: text === undefined ? [] : parseFile(text).map(({ line, key, value }) => ({ line, key, value })),
  }))
  return { files, effective: Object.fromEntries(simulation.values) }
}
