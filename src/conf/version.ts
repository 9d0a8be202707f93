// XAPI version numbers (`host.software_version.xapi_build`, e.g. 26.1.3 or 1.249.41).
import type { CatalogEntry } from './catalog-types'

/** Numeric parts of a version such as `26.1.3` or `v23.16.0`; undefined when it is not one. */
export function parseVersion(version: string): number[] | undefined {
  const match = /^v?(\d+(?:\.\d+)*)$/.exec(version.trim())
  return match === null ? undefined : match[1].split('.').map(Number)
}

export function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let index = 0; index < Math.max(a.length, b.length); index++) {
    const difference = (a[index] ?? 0) - (b[index] ?? 0)
    if (difference !== 0) return difference
  }
  return 0
}

const sameLine = (a: readonly number[], b: readonly number[]) => a[0] === b[0] && a[1] === b[1]

/** Whether an XAPI of this version reads the key (true when the key predates XCP-ng 8.2). */
export function isKnownToVersion(entry: CatalogEntry, version: readonly number[]): boolean {
  if (entry.since === undefined || compareVersions(version, parseVersion(entry.since) as number[]) >= 0) return true
  return (entry.backports ?? []).some(backport => {
    const first = parseVersion(backport) as number[]
    return sameLine(version, first) && compareVersions(version, first) >= 0
  })
}
