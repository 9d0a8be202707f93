// xapiConfig.preflightRestart and xapiConfig.restartToolstack.
import type { RestartService } from '../services/restart/service'
import type { RestartMode, RestartOptions, RestartScope } from '../services/restart/types'
import type { MethodTable } from './define'
import { scopeParams } from './params'

const modeParam = {
  type: 'string',
  enum: ['toolstack', 'agent'],
  optional: true,
  description:
    "'toolstack': xe-toolstack-restart over SSH, then xapi-wait-init-complete (default when SSH access is configured); " +
    "'agent': XAPI's host.restart_agent, no SSH needed (default otherwise)",
}

const masterFirstParam = {
  type: 'boolean',
  optional: true,
  description: 'restart the master first instead of last (default: members first, as canaries)',
}

interface RestartParams extends RestartScope {
  mode?: RestartMode
  bypassTaskCheck?: boolean
  /** xo-server's own name for the same flag (host.restartAgent, xo-web's confirm dialog). */
  bypassBackupCheck?: boolean
  masterFirst?: boolean
  timeout?: number
}

export function restartMethods(restart: RestartService): MethodTable {
  return {
    preflightRestart: {
      description:
        'What a toolstack restart of a pool or of some of its hosts would do, without doing it: the XAPI tasks, ' +
        'VM transfers, XO jobs and XO tasks it would cut, what forbids it (HA, a host whose files would stop XAPI, ' +
        'a restart already running, an unreachable host) and the order of the hosts.',
      params: { ...scopeParams, mode: modeParam, masterFirst: masterFirstParam },
      doc: {
        summary: 'what a toolstack restart would kill, what blocks it, the order',
        example: 'xo-cli xapiConfig.preflightRestart pool=<pool uuid>',
        result:
          '`pool`, `order` (the hosts in the order they would restart), `mode` and `modeReason`, what would be lost: ' +
          '`tasksAtRisk` (XAPI tasks with name, kind, progress, age, host and why), `vmTransfers`, `jobs` (running XO ' +
          'jobs and the pools they touch), `xoTasks`; `blockers` (`haEnabled`, `configWouldNotStart`, ' +
          '`restartRunning`, `unreachable`, each with a message), `warnings`, `needsBypass` (something would be lost: ' +
          'the restart needs `bypassTaskCheck`) and `canRestart` (no blocker).',
        errors: [['noSuchObject', 'an unknown pool or host']],
        guide: 'restart.md',
      },
      handler: ({ pool, hosts, mode, masterFirst }: RestartParams) => restart.preflight({ pool, hosts }, { mode, masterFirst }),
    },
    restartToolstack: {
      description:
        'Restarts the toolstack host by host (members first, the master last), waiting for each host to be back ' +
        'before the next, and stops at the first host that fails or does not come back within `timeout`. ' +
        'Refused while HA is on, when a host would not start with its current files, or while another restart ' +
        'of the pool runs; refused with the list of what would be lost (tasks, transfers, jobs) unless bypassTaskCheck.',
      params: {
        ...scopeParams,
        mode: modeParam,
        bypassTaskCheck: {
          type: 'boolean',
          optional: true,
          description: 'restart even though tasks or jobs would be lost (recorded in the XO task with your name)',
        },
        bypassBackupCheck: { type: 'boolean', optional: true, description: 'alias of bypassTaskCheck, the name XO uses' },
        masterFirst: masterFirstParam,
        timeout: {
          type: 'integer',
          minimum: 1,
          maximum: 3600,
          optional: true,
          description: "seconds to wait for each host's XAPI to come back (default: the plugin's restart timeout)",
        },
      },
      doc: {
        summary: 'safe rolling restart, host by host',
        example: 'xo-cli xapiConfig.restartToolstack pool=<pool uuid> timeout=json:120',
        result:
          'The report: `pool`, `mode`, `ok`, `durationMs`, `hosts` (each host\'s `outcome`: `restarted`, `failed` or ' +
          '`notAttempted`, its `durationMs`, `agentStartTime` before and after, and for a failed host its `error` and a ' +
          '`diagnosis`: what its files predict now and how to roll back), `warnings` (e.g. XO slow to show the pool ' +
          'again) and `bypassed` (who bypassed the task check, and how many tasks, jobs and transfers were at risk).',
        errors: [
          ['forbiddenOperation', 'something would be lost: the message lists each task, transfer and job; `data.preflight` has the full list (`bypassTaskCheck=true` goes on anyway)'],
          ['incorrectState', 'a blocker: HA is on, a host whose files would stop XAPI (file, line, key), an unreachable host, or another restart of the pool is running; `data.preflight.blockers` lists them'],
          ['operationFailed', 'a host failed or did not come back in time: the restart stopped there; `data.report` says which hosts restarted, which did not, and what to do'],
          ['noSuchObject', 'an unknown pool or host'],
        ],
        guide: 'restart.md',
      },
      handler: (params: RestartParams, { user }) => restart.restart({ pool: params.pool, hosts: params.hosts }, restartOptions(params), { user }),
    },
  }
}

function restartOptions({ mode, bypassTaskCheck, bypassBackupCheck, masterFirst, timeout }: RestartParams): RestartOptions {
  return { mode, bypassTaskCheck: bypassTaskCheck === true || bypassBackupCheck === true, masterFirst, timeout }
}
