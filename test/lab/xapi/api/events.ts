// event.from and event.inject (xapi_event.ml): tokens "%020d,%020d" (database generation,
// message generation), long polls that return as soon as a subscribed object changed,
// `valid_ref_counts` of every table, `del` events without a snapshot.
import { parseSubscriptions, type PoolDatabase, type XapiEvent } from '../db/database'
import { intOfString } from '../ocaml'
import { XapiError, handleInvalid } from './errors'

// Xapi_globs event_from_delay / event_from_task_delay: before the first look, and between looks.
const DELAY_BEFORE_MS = 50
const DELAY_BEFORE_TASK_ONLY_MS = 0
const DELAY_BETWEEN_MS = 50
const NO_TIMEOUT_MS = 24 * 3600_000

export interface EventBatch {
  events: XapiEvent[]
  valid_ref_counts: Record<string, number>
  token: string
}

export const formatToken = (generation: number) => `${String(generation).padStart(20, '0')},${'0'.padStart(20, '0')}`

function parseToken(token: string): number {
  if (token === '') return 0
  const parts = token.split(',')
  try {
    if (parts.length !== 2) throw new Error(`not two generations: ${token}`)
    intOfString(parts[1]!)
    return Number(intOfString(parts[0]!))
  } catch {
    throw new XapiError('EVENT_FROM_TOKEN_PARSE_FAILURE', [token])
  }
}

export async function eventFrom(
  db: PoolDatabase,
  classes: string[],
  token: string,
  timeoutSeconds: number,
  signal: AbortSignal
): Promise<EventBatch> {
  const subscriptions = parseSubscriptions(classes)
  let since = parseToken(token)
  const timeoutMs = timeoutSeconds >= 0 && timeoutSeconds * 1000 < NO_TIMEOUT_MS ? timeoutSeconds * 1000 : NO_TIMEOUT_MS
  const deadline = Date.now() + timeoutMs
  const taskOnly = subscriptions.every(subscription => subscription.kind !== 'all' && subscription.cls === 'task')
  await delay(taskOnly ? DELAY_BEFORE_TASK_ONLY_MS : DELAY_BEFORE_MS, signal)
  for (;;) {
    const observed = db.currentGeneration
    const changes = db.changesSince(since, subscriptions)
    if (changes.events.length > 0 || Date.now() >= deadline || signal.aborted) {
      return { events: changes.events, valid_ref_counts: db.counts(), token: formatToken(changes.last) }
    }
    since = changes.last
    await db.waitForChange(observed, deadline - Date.now(), signal)
    await delay(DELAY_BETWEEN_MS, signal)
  }
}

/** Touches the object and returns the token just before that touch: the next event.from sees it. */
export function eventInject(db: PoolDatabase, cls: string, ref: string): string {
  if (db.classOfRef(ref) !== cls) throw handleInvalid(cls, ref)
  return formatToken(db.touch(cls, ref) - 1)
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve()
  return new Promise(resolve => {
    const done = () => {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done)
  })
}
