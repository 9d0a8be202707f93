// API methods of the drop-in service: plan, apply, removeFile, history, revert, setTaskTimeout.
import { DEFAULT_HISTORY_LIMIT, type DropInService } from '../services/dropins'
import type { MethodErrors, MethodTable } from './define'
import { allowUntrustedParam, fileNameParam, idParam, restartParam, scopeParams, settingsParam } from './params'

const fileParam = {
  ...fileNameParam('Drop-in name in /etc/xapi.conf.d; default `zz-xo-xapi-config.conf` (read after the vendor drop-ins)'),
  optional: true,
}

const expertParam = { type: 'boolean', optional: true, description: 'Allow keys the catalog classes as expert' }

/** The change of `plan` and `apply`, without its scope: the form `rollout` takes it in too. */
export const APPLY_FORM_PARAMS = { settings: settingsParam, file: fileParam, expert: expertParam, allowUntrustedCertificate: allowUntrustedParam }

const changeParams = { ...scopeParams, ...APPLY_FORM_PARAMS }

export const REMOVE_FORM_PARAMS = {
  file: fileNameParam('Name of the drop-in in /etc/xapi.conf.d'),
  force: { type: 'boolean', optional: true, description: 'Also remove a drop-in that Xen Orchestra did not write' },
  allowUntrustedCertificate: allowUntrustedParam,
}

export const TASK_TIMEOUT_FORM_PARAMS = {
  pendingSeconds: { type: 'integer', minimum: 1, description: 'Seconds a pending task may live, from its creation' },
  completedSeconds: { type: 'integer', minimum: 1, optional: true, description: 'Seconds a finished task is kept' },
}

const CHANGE_RESULT =
  '- `changeId`: the change\'s entry in the journal (`history`, `revert`); `null` when every host already held the result.\n' +
  '- `outcome`: `applied`, `unchanged`, `rolled-back` (a write failed on one host and was undone everywhere: not an ' +
  'error, look at each host\'s row) or `rollback-incomplete` (a host could not be restored: fix it by hand, or with ' +
  '`revert` once it is reachable).\n' +
  '- `hosts`: one row per host with `path`, `before` and `after` (the file\'s contents, `null` when absent), `outcome` ' +
  '(`written`, `removed`, `unchanged`, `not-written`, `rolled-back`, `rollback-failed`) and `error?`.\n' +
  '- `restart`, with `restart: true`: the restart service\'s report for the hosts that changed (all of its checks ' +
  'apply), or `{ error }` if it refused (the files stay written), or `{ skipped }` when no file changed.'

const CHANGE_ERRORS: MethodErrors = [
  ['forbiddenOperation', 'a vendor drop-in; a file the plugin did not write; XAPI would not start on a host after the change (the linter\'s message is quoted); HSTS turned on where a host\'s certificate is not trusted, without `allowUntrustedCertificate`'],
  ['incorrectState', 'a host of the scope is unreachable (`data.actual` lists each one and its error); a host reads another `config-dir`, or the name is a directory or an unreadable entry there; a toolstack restart of the pool is running'],
  ['noSuchObject', 'an unknown pool or host'],
]

const ALL_OR_NOTHING =
  'All or nothing: every host of the scope must be reachable and accept the change; if writing fails on one host, ' +
  'the hosts already written get their previous contents back and the result says so host by host.'

/** The rollouts of the journal, newest first, listed by `history` with the changes. */
export interface RolloutHistory {
  history(limit: number): Promise<Array<{ at: string }>>
}

export function dropInMethods(dropIns: DropInService, rollouts?: RolloutHistory): MethodTable {
  return {
    plan: {
      description:
        'Shows what setting keys in a managed drop-in would do on each host: the file before and after, a unified diff, ' +
        'effective values before and after, whether XAPI would still start, and warnings. Writes nothing.',
      params: changeParams,
      doc: {
        summary: 'what a change would do on each host; writes nothing',
        example: 'xo-cli xapiConfig.plan pool=<pool uuid> settings=json:\'{"pending_task_timeout":172800}\'',
        result:
          '- `applicable`: `true` when `apply` would go through; `changes`: `true` when at least one file would change.\n' +
          '- `settings`: the values as they would be written.\n' +
          '- one row per host with `before` and `after` (the file\'s contents, `null` when absent or removed), `diff` ' +
          '(unified), `effective.before` and `effective.after` (for each key, the `value` XAPI would use, as XAPI prints ' +
          'it, e.g. `172800.`, the same as an admin writes it in `display`, e.g. `172800 (48 h)`, and the `file` it ' +
          'comes from, `null` for XAPI\'s built-in default), `startup.before` and ' +
          '`startup.after` (`starts`, `exit1` or `exit2`, with a summary), `warnings` (a later file shadows the value; ' +
          'the key is used by the master only; a toolstack restart is needed) and `refusals` (why `apply` would refuse ' +
          'the change on this host). A host that cannot be read is `{ ok: false, error }`.',
        errors: [
          ['forbiddenOperation', 'a vendor drop-in name'],
          ['noSuchObject', 'an unknown pool or host'],
        ],
        guide: 'dropins.md',
      },
      handler: params => dropIns.plan(params),
    },
    apply: {
      description: `Sets keys in a managed drop-in on every host of a pool (or of some hosts). ${ALL_OR_NOTHING} ` +
        'Refused when XAPI would not start afterwards on any host. Hosts already holding the result are not touched. ' +
        'Returns the change id (see `history` and `revert`).',
      params: { ...changeParams, restart: restartParam },
      doc: {
        summary: 'writes the change pool-wide, all or nothing; returns a change id',
        example: 'xo-cli xapiConfig.apply pool=<pool uuid> settings=json:\'{"pending_task_timeout":172800}\' restart=true',
        result: CHANGE_RESULT,
        errors: CHANGE_ERRORS,
        guide: 'dropins.md',
      },
      handler: (params, context) => dropIns.apply(params, context),
    },
    removeFile: {
      description:
        `Removes a drop-in from every host of a pool (or of some hosts). ${ALL_OR_NOTHING} ` +
        'A file Xen Orchestra did not write needs `force: true`; /etc/xapi.conf and the XCP-ng drop-ins are never removed.',
      params: { ...scopeParams, ...REMOVE_FORM_PARAMS, restart: restartParam },
      doc: {
        summary: 'removes a drop-in, all or nothing',
        example: 'xo-cli xapiConfig.removeFile pool=<pool uuid> file=zz-xo-xapi-config.conf',
        result: `As \`apply\`:\n${CHANGE_RESULT}\nHosts that do not have the file are \`unchanged\`.`,
        errors: CHANGE_ERRORS,
        guide: 'dropins.md',
      },
      handler: (params, context) => dropIns.removeFile(params, context),
    },
    history: {
      description:
        'The journal of drop-in changes and rollouts, newest first: who, when, kind, hosts, and each file before and after; ' +
        'for a rollout, what each pool reached.',
      params: { limit: { type: 'integer', minimum: 1, maximum: 1000, optional: true, description: 'How many entries; default 20' } },
      doc: {
        summary: 'the journal of changes',
        example: 'xo-cli xapiConfig.history limit=json:5',
        result:
          'The changes, newest first, each with `id`, `kind` (`apply`, `remove`, `revert`, `reapply`), `at` and ' +
          '`finishedAt`, `user` (`{ id, name }`; `null` for the scheduled re-apply), `targets` (`{ poolId, poolLabel, ' +
          'hostIds }`), `file`, `request` (the params as given), `revertOf` (for a revert, the change it undoes), ' +
          '`outcome` (`applied`, `unchanged`, `rolled-back`, `rollback-incomplete`, `pending`: still running, ' +
          '`interrupted`: xo-server stopped during the change) and `hosts` (one row per host: `path`, `before` and ' +
          '`after` as `{ sha256, bytes, preview }` (the first 200 characters; the exact file is kept in the data ' +
          'directory for `revert`) or `null` when absent, `outcome` and `error?`; in an interrupted change, ' +
          '`written` or `not-written` per host, `unknown` for a host whose write was under way).\n' +
          'Rollouts are listed among them with `kind: rollout`, `id`, `at`, `finishedAt`, `user`, `change` (its form), ' +
          '`request`, `status` (`running`, `done`, `partial`, `stopped`, `waiting`, `interrupted`: xo-server stopped during it), ' +
          '`resumedAt`, `canary` and `pools` (what each pool reached, as `rollout` returns them).',
        errors: [],
        guide: 'dropins.md',
      },
      handler: async ({ limit = DEFAULT_HISTORY_LIMIT }) => {
        const [changes, rolled] = await Promise.all([dropIns.history({ limit }), rollouts?.history(limit) ?? []])
        return [...changes, ...rolled].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0)).slice(0, limit)
      },
    },
    revert: {
      description: `Puts back, byte for byte, what every host held before a change of the journal. ${ALL_OR_NOTHING} ` +
        'A host whose file was changed since (it holds neither the change\'s result nor its previous contents) is refused unless `force: true`.',
      params: {
        changeId: idParam('Id of the change, from `apply` or `history`'),
        force: { type: 'boolean', optional: true, description: 'Restore even on hosts whose file changed since' },
        allowUntrustedCertificate: allowUntrustedParam,
        restart: restartParam,
      },
      doc: {
        summary: 'puts every host back, byte for byte',
        example: 'xo-cli xapiConfig.revert changeId=<change id>',
        result: `As \`apply\`; the revert is journaled as \`kind: 'revert'\` with \`revertOf\`:\n${CHANGE_RESULT}`,
        errors: [
          ['incorrectState', "a host's file changed since the change (`force=true` overrides); a host of the change is unreachable"],
          ['forbiddenOperation', 'XAPI would not start on a host after the revert'],
          ['noSuchObject', 'an unknown change id'],
        ],
        guide: 'dropins.md',
      },
      handler: (params, context) => dropIns.revert(params, context),
    },
    setTaskTimeout: {
      description:
        'Sets how long XAPI lets a task live (`pending_task_timeout`, and optionally `completed_task_timeout`), in seconds, ' +
        'on every host. Only the pool master uses these values (its task garbage collector); they are written on every ' +
        'host so that they survive a change of master. The timeout counts from the task\'s creation, not from its last ' +
        'progress: a pending task older than this is destroyed when its progress has not moved for one GC pass (30 s). ' +
        `Default 86400 (24 h); 172800 is 48 h. ${ALL_OR_NOTHING}`,
      params: { ...scopeParams, ...TASK_TIMEOUT_FORM_PARAMS, restart: restartParam },
      doc: {
        summary: 'the "24 h task timeout": `pending_task_timeout` (and `completed_task_timeout`)',
        example: 'xo-cli xapiConfig.setTaskTimeout pool=<pool uuid> pendingSeconds=json:172800 restart=true',
        result: `As \`apply\`:\n${CHANGE_RESULT}`,
        errors: CHANGE_ERRORS,
        guide: 'dropins.md',
      },
      handler: (params, context) => dropIns.setTaskTimeout(params, context),
    },
  }
}
