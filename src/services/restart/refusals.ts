// The errors a restart ends with. They are xo-common's (so xo-web and the REST API recognise them by
// code: forbiddenOperation → the confirm-and-bypass dialog, 403; incorrectState → 409), with a message
// that says what happened in full, for xo-cli users, and the preflight or the report in `data`.
import { forbiddenOperation, incorrectState, operationFailed, throwDetailed } from '../../xo/errors'
import { summarizeFailure } from './diagnosis'
import { describeRisks } from './preflight'
import type { Preflight, RestartReport } from './types'

export const RESTART_OPERATION = 'restart toolstack'

export { throwDetailed }

/** Something would be lost: the caller may confirm and retry with `bypassTaskCheck`. */
export function refuseRisks(preflight: Preflight): never {
  const risks = describeRisks(preflight)
  const reason = `${risks.length} thing(s) would be lost on pool ${preflight.pool.label}: ${risks.join('; ')}`
  return throwDetailed(() => forbiddenOperation(RESTART_OPERATION, reason), `${reason}. Pass bypassTaskCheck=true to restart anyway.`, {
    preflight,
  })
}

/** HA, a config that would not start, another restart, an unreachable host: no option overrides these. */
export function refuseBlockers(preflight: Preflight): never {
  return throwDetailed(
    () =>
      incorrectState({
        object: preflight.pool.id,
        property: 'toolstackRestartBlockers',
        actual: preflight.blockers.map(blocker => blocker.code),
        expected: [],
      }),
    `cannot restart the toolstack of pool ${preflight.pool.label}: ${preflight.blockers.map(blocker => blocker.message).join('; ')}`,
    { preflight }
  )
}

export function reportFailure(report: RestartReport): never {
  return throwDetailed(() => operationFailed({ objectId: report.pool.id, code: 'TOOLSTACK_RESTART_STOPPED' }), summarizeFailure(report), {
    report,
  })
}
