// API method of the rollout service: one change over many pools, a canary first, then waves.
import { quoteShort } from '../conf'
import type { RolloutService } from '../services/rollout/service'
import { invalidParameters, paramError } from '../xo/errors'
import type { MethodTable } from './define'
import { APPLY_FORM_PARAMS, REMOVE_FORM_PARAMS, TASK_TIMEOUT_FORM_PARAMS } from './dropins'
import { SET_HSTS_FORM_PARAMS } from './hsts'
import { idListParam, idParam, MAX_IDS } from './params'

// Extra keys pass the schema and are refused by the handler, quoting a prefix: Ajv's error would echo a
// key whole, however long (as for `settings`, see ./params.ts).
const form = (description: string, properties: Record<string, unknown>) => ({ type: 'object', optional: true, additionalProperties: true, description, properties })

const HH_MM = '^([01][0-9]|2[0-3]):[0-5][0-9]$'
/** IANA names are at most 30 characters (`America/Argentina/ComodRivadavia`: 32); room to spare. */
const MAX_TIME_ZONE_LENGTH = 64
const MAX_POOLS_AT_ONCE = 64

export const ROLLOUT_PARAMS = {
  change: {
    type: 'object',
    optional: true,
    minProperties: 1,
    maxProperties: 1,
    additionalProperties: true,
    description:
      'The change, in exactly one form: the params of `apply`, `removeFile`, `setTaskTimeout` or `setHsts` without ' +
      '`pool`, `hosts` and `restart`, or `desired: true` to converge to the desired drop-ins of the settings',
    properties: {
      apply: form('As `apply`: `{ settings, file?, expert?, allowUntrustedCertificate? }`', APPLY_FORM_PARAMS),
      removeFile: form('As `removeFile`: `{ file, force?, allowUntrustedCertificate? }`', REMOVE_FORM_PARAMS),
      setTaskTimeout: form('As `setTaskTimeout`: `{ pendingSeconds, completedSeconds? }`', TASK_TIMEOUT_FORM_PARAMS),
      setHsts: form('As `setHsts`: `{ maxAge, allowUntrustedCertificate?, forgetFirst? }`', SET_HSTS_FORM_PARAMS),
      desired: { type: 'boolean', enum: [true], optional: true, description: "Write the settings' desired drop-ins where they differ" },
    },
  },
  pools: idListParam(
    'UUIDs of the pools; default: every pool the change applies to (every connected pool; for `desired`, the pools its entries target)',
    { minItems: 1 }
  ),
  canary: { ...idParam('UUID of the pool to change first, alone; default: the smallest by host count (ties: by name, then UUID)'), optional: true },
  poolsAtOnce: {
    type: 'integer',
    minimum: 1,
    maximum: MAX_POOLS_AT_ONCE,
    optional: true,
    description: 'Pools changed in parallel in each wave after the canary; default 1',
  },
  maxFailedPools: {
    type: 'integer',
    minimum: 0,
    maximum: MAX_IDS,
    optional: true,
    description: 'Failed or refused pools tolerated after the canary before the rollout stops; default 0 (stop at the first). A failed canary always stops it',
  },
  restart: {
    type: 'string',
    enum: ['now', 'no', 'window'],
    optional: true,
    description:
      '`now` (default): restart the hosts that changed, pool by pool, through the restart checks; `no`: write only; ' +
      "`window`: start a pool's restart only inside `window`; pools outside it are written and left `restart-pending` (resume inside the window)",
  },
  window: {
    type: 'object',
    optional: true,
    additionalProperties: true,
    description: 'With `restart: window`: the daily window in which restarts may start; `end` before `start` wraps midnight',
    properties: {
      start: { type: 'string', pattern: HH_MM, description: 'HH:MM, 24-hour clock' },
      end: { type: 'string', pattern: HH_MM, description: 'HH:MM, excluded' },
      timeZone: { type: 'string', maxLength: MAX_TIME_ZONE_LENGTH, description: 'IANA time zone, e.g. `Europe/Paris` or `UTC`' },
    },
  },
  preview: { type: 'boolean', optional: true, description: 'Return the whole plan (order, and per pool: hosts changing, risks, blockers) and touch nothing' },
  resume: { ...idParam('Id of a stopped, partial, waiting or interrupted rollout to go on with (from its result or `history`); no other param'), optional: true },
}

const ROLLOUT_RESULT =
  '- `rolloutId`; `status`: `done`, `stopped` (a pool failed or was refused), `partial` (every pool reached, some ' +
  'failed or were refused within `maxFailedPools`), `waiting` (restarts pending outside the window); `change` (the ' +
  'form), `restart`, `window`, `canary`.\n' +
  '- `pools`, in order: `pool` (`{ id, label }`), `wave` (0: the canary), `state` (`not-reached`, `skipped`, `refused`, ' +
  '`failed`, `changed`, `restart-pending`, `restarted`), `reason` (why skipped, refused, failed or pending), `written` ' +
  '(`{ changeIds, hosts, at }`: the journal\'s changes and the hosts whose file changed), `restartedAt`, `replanned` (a ' +
  'resume found its files changed since and wrote them again).\n' +
  '- `summary`: the pool ids by outcome: `written` (by this call), `changed`, `restarted`, `skipped`, `deferred`, ' +
  '`refused`, `failed`, `notReached`.\n' +
  'With `preview: true`: `waves` (pools in order, wave 0 the canary), `insideWindowNow`, and per pool `would` (`skip`, ' +
  '`refuse`, `write`, `write and restart`, `write; restart waits for the window`), `hosts` (each changing host\'s file ' +
  'before and after, and the diff), `risks` (what its restart would cut) and `blockers` (what refuses it).'

export function rolloutMethods(rollouts: RolloutService): MethodTable {
  return {
    rollout: {
      description:
        'Makes one change over many pools: a canary pool first, then waves of `poolsAtOnce` pools; each pool is planned, ' +
        'written all or nothing and restarted through the same checks as the single-pool methods (a pool whose restart ' +
        'would be refused is refused before anything is written). Stops at the first pool that fails or is refused ' +
        '(after `maxFailedPools` more with waves), and says which pools were changed, restarted, skipped, deferred, ' +
        'refused, failed and not reached. Its pools are reserved while it runs: other calls on them are refused, ' +
        'naming the rollout. One XO task, a subtask per pool (and per host restarted); journaled (`history`): ' +
        '`resume` goes on after a stop, a failure, a window or an xo-server restart, checking every pool again first.',
      params: ROLLOUT_PARAMS,
      doc: {
        summary: 'one change over many pools: canary, waves, stop rules, restart window, preview, resume',
        example: 'xo-cli xapiConfig.rollout change=json:\'{"setTaskTimeout":{"pendingSeconds":172800}}\' pools=json:\'["<pool uuid>","<pool uuid>"]\' preview=true',
        result: ROLLOUT_RESULT,
        errors: [
          ['incorrectState', 'a pool of the rollout is being changed, restarted or rolled out; resuming a rollout that is running or done'],
          ['noSuchObject', 'an unknown pool or rollout'],
        ],
        guide: 'rollout.md',
      },
      handler: (params, context) => {
        refuseUndeclaredKeys(params.change)
        refuseUndeclared('window', params.window, ROLLOUT_PARAMS.window.properties)
        return params.preview === true ? rollouts.preview(params) : rollouts.run(params, context)
      },
    },
  }
}

/** A form or a param of a form that the schema does not declare: invalidParameters quoting a prefix of it. */
function refuseUndeclaredKeys(change: Record<string, unknown> | undefined): void {
  const forms = ROLLOUT_PARAMS.change.properties as Record<string, { properties?: Record<string, unknown> }>
  refuseUndeclared('change', change, forms)
  for (const [name, value] of Object.entries(change ?? {})) {
    refuseUndeclared(`change.${name}`, value, forms[name].properties ?? {})
  }
}

function refuseUndeclared(path: string, value: unknown, declared: Record<string, unknown>): void {
  const unknown = Object.keys(typeof value === 'object' && value !== null ? value : {}).find(key => !Object.hasOwn(declared, key))
  if (unknown !== undefined) {
    invalidParameters(`${path}: ${quoteShort(unknown)} is not one of ${Object.keys(declared).join(', ')}`, [paramError(path, 'undeclared property')])
  }
}
