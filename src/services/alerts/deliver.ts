// Sends one run's alert to every transport that is chosen, loaded and due, all at once, each bounded by
// its own timeout: a transport that throws or never answers does not hold up the others, and fails
// nothing but its own delivery. Outcomes are returned (and failures logged) without secrets.
import type { Settings } from '../../settings/settings'
import { describeError } from '../../xo/errors'
import type { XoApp } from '../../xo/types'
import { TimeoutError, withTimeout } from '../../util/timeout'
import { clip, redactUrls } from './text'
import { describeMissing, isPresent, TRANSPORTS, type Alert, type Transport, type TransportMethods, type TransportName } from './transports'

export interface Delivery {
  transport: TransportName
  /** `missing`: chosen, but its plugin is not loaded (logged once per loaded plugin, never a failure of the audit). */
  outcome: 'sent' | 'failed' | 'missing'
  error?: string
}

export interface DeliveryOptions {
  xo: XoApp
  audit: Settings['audit']
  timeoutMs: number
  log?: (message: string, error?: unknown) => void
  /** Transports already logged as missing: each is logged once. */
  reportedMissing: Set<TransportName>
}

const ERROR_CHARS = 300

/** Chat and e-mail get a report when something needs attention (always with `allClear`); monitoring gets every run. */
export function isDue(transport: Transport, alert: Alert, audit: Settings['audit']): boolean {
  return transport.monitoring || (alert.kind === 'report' && (alert.message.assessment.status !== 'OK' || audit.allClear))
}

export async function deliver(alert: Alert, options: DeliveryOptions): Promise<Delivery[]> {
  const due = TRANSPORTS.filter(transport => transport.chosen(options.audit) && isDue(transport, alert, options.audit))
  return Promise.all(due.map(transport => deliverTo(transport, alert, options)))
}

async function deliverTo(transport: Transport, alert: Alert, { xo, audit, timeoutMs, log, reportedMissing }: DeliveryOptions): Promise<Delivery> {
  if (!isPresent(xo, transport)) {
    if (!reportedMissing.has(transport.name)) {
      reportedMissing.add(transport.name)
      log?.(describeMissing([transport]))
    }
    return { transport: transport.name, outcome: 'missing' }
  }
  try {
    // async: a transport that throws before returning a promise (transport-xmpp returns nothing) is caught too
    const sending = (async () => transport.send(xo as unknown as TransportMethods, alert, audit))()
    await withTimeout(sending, timeoutMs, () => new TimeoutError(`sending the audit report through ${transport.plugin}`, timeoutMs))
    return { transport: transport.name, outcome: 'sent' }
  } catch (error) {
    const message = clip(redactUrls(describeError(error).message), ERROR_CHARS)
    log?.(`the audit report could not be sent through ${transport.plugin}: ${message}`)
    return { transport: transport.name, outcome: 'failed', error: message }
  }
}
