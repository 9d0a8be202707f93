// The fleet's status as monitoring tools read it, and what each audit finding weighs. One table, so the
// docs (docs/audit-alerts.md) and the code cannot disagree: a host whose XAPI would not start at its next
// restart, or that browsers may lock out (HSTS `danger`), is CRITICAL; everything else an admin should
// look at is WARNING; informational verdicts (`ok`, `unsupported`, `not-applicable`, `off` where nothing
// asks for HSTS) and linter warnings leave the fleet OK. UNKNOWN is only for a run that could not finish.

export type AlertStatus = 'OK' | 'WARNING' | 'CRITICAL' | 'UNKNOWN'

export type FindingKind =
  | 'would-not-start'
  | 'hsts-danger'
  | 'unreachable'
  | 'pool-unchecked'
  | 'unconnected'
  | 'drift'
  | 'non-compliant'
  | 'reapply-failed'
  | 'written-back'
  | 'interrupted'
  | 'hsts-expiring'
  | 'hsts-off'
  | 'hsts-pending-restart'
  | 'hsts-unreachable'
  | 'hsts-failed'
  | 'ssh-not-put-back'
  | 'ssh-should-be-closed'

/** Each kind of finding: its weight, and the heading of its section in the e-mail (most urgent first). */
export const FINDINGS: Readonly<Record<FindingKind, { status: Exclude<AlertStatus, 'OK' | 'UNKNOWN'>; title: string; /** in one-line summaries, after a count */ short: string }>> = {
  'would-not-start': { status: 'CRITICAL', title: 'XAPI would not start', short: 'would not start' },
  'hsts-danger': { status: 'CRITICAL', title: 'HSTS lockout risk (`danger`)', short: 'HSTS danger' },
  unreachable: { status: 'WARNING', title: 'Hosts not reached', short: 'not reached' },
  'pool-unchecked': { status: 'WARNING', title: 'Pools not checked', short: 'not checked' },
  unconnected: { status: 'WARNING', title: 'Pools XO is not connected to', short: 'not connected' },
  drift: { status: 'WARNING', title: 'Drift between the hosts of a pool', short: 'drifting key(s)' },
  'non-compliant': { status: 'WARNING', title: 'Hosts that differ from the desired drop-ins', short: 'non-compliant' },
  'reapply-failed': { status: 'WARNING', title: 'Desired drop-ins not written back', short: 'not written back' },
  'written-back': { status: 'WARNING', title: 'Written back (restart the toolstack to use the values)', short: 'written back' },
  interrupted: { status: 'WARNING', title: 'Changes interrupted by an xo-server stop', short: 'interrupted change(s)' },
  'hsts-expiring': { status: 'WARNING', title: 'HSTS being withdrawn (`expiring`)', short: 'HSTS expiring' },
  'hsts-off': { status: 'WARNING', title: 'HSTS off where the desired drop-ins set it', short: 'HSTS off' },
  'hsts-pending-restart': { status: 'WARNING', title: 'HSTS setting waiting for a toolstack restart', short: 'HSTS pending restart' },
  'hsts-unreachable': { status: 'WARNING', title: 'Hosts not reached over HTTPS', short: 'HTTPS not reached' },
  'hsts-failed': { status: 'WARNING', title: 'HSTS checks that failed', short: 'HSTS check failed' },
  'ssh-not-put-back': { status: 'WARNING', title: 'SSH the plugin enabled and could not put back', short: 'SSH not put back' },
  'ssh-should-be-closed': { status: 'WARNING', title: 'SSH enabled on pools that should keep it closed', short: 'SSH open' },
}

export const FINDING_ORDER = Object.keys(FINDINGS) as FindingKind[]

const RANK: Readonly<Record<AlertStatus, number>> = { OK: 0, WARNING: 1, UNKNOWN: 2, CRITICAL: 3 }

export function worstStatus(statuses: Iterable<AlertStatus>): AlertStatus {
  let worst: AlertStatus = 'OK'
  for (const status of statuses) {
    if (RANK[status] > RANK[worst]) {
      worst = status
    }
  }
  return worst
}

/** For sorting, the worst status first. */
export function worstFirst(a: AlertStatus, b: AlertStatus): number {
  return RANK[b] - RANK[a]
}

/** The return codes of monitoring plugins, which NSCA passive checks carry (transport-nagios sends the number). */
export const NAGIOS_CODE: Readonly<Record<AlertStatus, number>> = { OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 }
