// setHsts: writes `hsts_max_age` through the drop-in service; the change gate refuses to turn HSTS on
// where it would lock browsers out of a host whose certificate they do not trust (see lockoutMessage).
import { invalidParameters, paramError } from '../../xo/errors'
import type { ScopeParams } from '../../xo/targets'
import type { HostRef } from '../fleet'
import type { HstsRow, PoolHstsReport } from './report'

export interface SetHstsParams extends ScopeParams {
  /** Seconds; `null` removes the key (XAPI's default: no header). */
  maxAge: number | null
  allowUntrustedCertificate?: boolean
  /** With `maxAge: null`: write `max-age=0` now so browsers forget the policy, remove the key later. */
  forgetFirst?: boolean
  restart?: boolean
}

export interface UntrustedHost {
  host: HostRef
  why: string
}

export interface SetHstsResult {
  /** What the managed drop-in now says: a max-age, or `null` when the key was removed. */
  hstsMaxAge: number | null
  /** The drop-in service's result (change id, each host's file before and after, the restart report). */
  change: unknown
  /** Hosts with a certificate browsers will not trust, accepted through `allowUntrustedCertificate`. */
  untrustedAccepted?: UntrustedHost[]
  /** What the admin should do next, when anything. */
  nextStep?: string
  /** Each host's HSTS verdict after the restart (with `restart: true`). */
  after?: PoolHstsReport
}

/** The value to write: `maxAge`, or 0 when `forgetFirst` asks to make browsers forget first. */
export function valueToWrite({ maxAge, forgetFirst }: Pick<SetHstsParams, 'maxAge' | 'forgetFirst'>): number | null {
  if (forgetFirst !== true) {
    return maxAge
  }
  if (maxAge !== null) {
    invalidParameters('`forgetFirst` is a way to disable HSTS: use it with `maxAge: null`', [
      paramError('forgetFirst', 'forgetFirst requires maxAge: null', { params: { maxAge }, maxAge }),
    ])
  }
  return 0
}

/** The hosts of a check whose certificate browsers would not trust, or that could not be checked. */
export function untrustedHosts(rows: readonly HstsRow[]): UntrustedHost[] {
  return rows.flatMap(row => {
    const why = distrustOf(row)
    return why === undefined ? [] : [{ host: row.host, why }]
  })
}

/** Why the change gate refuses a positive max-age on a host whose certificate browsers do not trust. */
export function lockoutMessage(why: string): string {
  return (
    `HSTS would lock browsers out of this host, whose certificate they do not trust (${why}). ` +
    "Install a certificate browsers trust (or add your CA to the plugin's trusted certificates), " +
    'or pass allowUntrustedCertificate: true to accept the risk.'
  )
}

export function nextStepAfter(
  written: number | null,
  { forgetFirst, restart }: Pick<SetHstsParams, 'forgetFirst' | 'restart'>
): string | undefined {
  const restartFirst = restart === true ? '' : 'Restart the toolstack (restart: true) for XAPI to use the new value. '
  if (forgetFirst === true) {
    return (
      `${restartFirst}The hosts send max-age=0: browsers forget the policy the next time they visit each host over ` +
      'a trusted connection. Once your users have visited (allow as long as they usually take to come back), ' +
      'call setHsts with maxAge: null to remove the setting.'
    )
  }
  if (written === null) {
    return (
      `${restartFirst}The hosts stop sending the header; browsers that cached the policy keep it until its max-age ` +
      'runs out (use forgetFirst: true to make them forget it first).'
    )
  }
  return restartFirst === '' ? undefined : restartFirst.trim()
}

function distrustOf(row: HstsRow): string | undefined {
  if (!row.ok) {
    return `the check failed (${row.error.message})`
  }
  if (row.error !== undefined) {
    return `its certificate could not be checked (${row.error.message})`
  }
  if (row.certificate === undefined) {
    return 'it presented no certificate'
  }
  return row.certificate.trusted ? undefined : row.certificate.problems.map(problem => `${problem.reason}: ${problem.detail}`).join(', ')
}
