// The linter's reports of the last trees linted, by content: the hosts of a pool usually hold the same
// files, and a change lints each host's tree before and after, so a fleet call lints each distinct tree
// once instead of twice per host. The linter is a pure function of the tree and the XAPI version.
import { createHash } from 'node:crypto'
import { lintTree, type LintOptions, type LintReport } from './linter'
import type { ConfEntry, ConfTree } from './tree'

const REMEMBERED = 256
const reports = new Map<string, LintReport>()

/** lintTree's report, the same object for trees with the same entries, bytes and version. */
export function lintTreeMemo(tree: ConfTree, options: LintOptions = {}): LintReport {
  const key = treeKey(tree, options.xapiVersion)
  let report = reports.get(key)
  if (report === undefined) {
    report = lintTree(tree, options)
  }
  reports.delete(key) // most recently used last
  reports.set(key, report)
  for (const oldest of reports.keys()) {
    if (reports.size <= REMEMBERED) break
    reports.delete(oldest)
  }
  return report
}

/** A digest of everything the linter reads, each field length-prefixed so that no two trees share a key. */
function treeKey(tree: ConfTree, xapiVersion: string | undefined): string {
  const hash = createHash('sha256')
  const field = (value: string | undefined) => hash.update(value === undefined ? '-;' : `${value.length}:${value};`)
  field(xapiVersion)
  field(tree.configDir)
  field(tree.dirState)
  const entry = (item: ConfEntry | null) => {
    if (item === null) return field(undefined)
    ;[item.name, item.path, item.kind, item.target, item.resolved].forEach(field)
    field(item.content === undefined ? undefined : String(item.content.length))
    if (item.content !== undefined) hash.update(item.content)
  }
  entry(tree.main)
  field(String(tree.dropIns.length))
  tree.dropIns.forEach(entry)
  return hash.digest('base64')
}
