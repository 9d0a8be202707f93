// The conf module's linter, seen from a drop-in change: XAPI's predicted startup in a few words, and
// where XAPI takes the values of the keys a change concerns.
import { catalogEntry } from '../../conf/catalog'
import { displayValue } from '../../conf/display'
import { lintTreeMemo } from '../../conf/lint-memo'
import type { LintReport, Problem } from '../../conf/linter'
import { parseFile } from '../../conf/parser'
import type { ConfTree } from '../../conf/tree'

export interface StartupPrediction {
  outcome: LintReport['outcome']
  /** `XAPI starts`, or what stops it and where. */
  summary: string
  /** The problems of severity `error`. */
  errors: Problem[]
}

export interface EffectiveValue {
  /** As XAPI holds it after parsing (`172800.`), or the default. */
  value: string
  /** As an admin writes it: `172800 (48 h)`. */
  display: string
  /** The file it comes from; `null` for XAPI's built-in default. */
  file: string | null
  line?: number
}

export function lintOf(tree: ConfTree, xapiVersion: string | undefined): LintReport {
  return lintTreeMemo(tree, xapiVersion === undefined ? {} : { xapiVersion })
}

export function describeStartup(report: LintReport): StartupPrediction {
  const errors = report.problems.filter(problem => problem.severity === 'error')
  const summary =
    report.outcome === 'starts'
      ? 'XAPI starts'
      : `XAPI exits with status ${report.outcome === 'exit1' ? 1 : 2}: ${errors.map(problem => problem.message).join('; ') || 'see problems'}`
  return { outcome: report.outcome, summary, errors }
}

export function effectiveOf(report: LintReport, keys: readonly string[]): Record<string, EffectiveValue> {
  const values: Record<string, EffectiveValue> = {}
  for (const key of keys) {
    const set = Object.hasOwn(report.effective, key) ? report.effective[key] : undefined
    const { value, file, line } = set ?? { value: catalogEntry(key)?.default ?? '', file: null }
    values[key] = { value, display: displayValue(key, value), file, ...(line === undefined ? {} : { line }) }
  }
  return values
}

/** Keys of `keys` that the file at `path` sets but a file read later sets again. */
export function shadowingWarnings(report: LintReport, path: string, keys: readonly string[], content: string | null): string[] {
  const written = new Set(content === null ? [] : parseFile(content).map(assignment => assignment.key))
  return keys.flatMap(key => {
    const source = Object.hasOwn(report.effective, key) ? report.effective[key].file : undefined
    return source !== undefined && source !== path && written.has(key)
      ? [`\`${key}\` is set again in ${source}, which XAPI reads after ${path}: the value written here has no effect until that file changes`]
      : []
  })
}
