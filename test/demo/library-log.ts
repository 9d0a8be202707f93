// The `xen-api` client reports its event loop's reconnections with console.warn (a stack trace each
// time XAPI restarts): expected while the demo restarts hosts, noise to an admin reading the output.
// They go to a log file instead, named at the end.
import { appendFileSync, writeFileSync } from 'node:fs'
import { format } from 'node:util'

export interface LibraryLog {
  path: string
  /** How many messages went to the file. */
  count(): number
}

export function routeWarningsTo(path: string): LibraryLog {
  writeFileSync(path, '')
  let count = 0
  console.warn = (...args: unknown[]) => {
    count += 1
    appendFileSync(path, `${new Date().toISOString()} ${format(...args)}\n`)
  }
  return { path, count: () => count }
}
