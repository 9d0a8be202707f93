// API methods of the drop-in service: plan, apply, removeFile, history, revert, setTaskTimeout.
import type { DropInService } from '../services/dropins'
import type { MethodTable } from './define'
import { restartParam, scopeParams } from './params'

const settingsParam = {
  type: 'object',
  minProperties: 1,
  additionalProperties: { type: ['string', 'number', 'boolean', 'null'] },
  description:
    'Keys to set in the drop-in, e.g. `{ "pending_task_timeout": "172800" }`; `null` removes a key. ' +
    'Every key and value is checked with the catalog (`xapiConfig.keys`) before any host is touched.',
}

const fileParam = {
  type: 'string',
  optional: true,
  description: 'Drop-in name in /etc/xapi.conf.d; default `zz-xo-xapi-config.conf` (read after the vendor drop-ins)',
}

const expertParam = { type: 'boolean', optional: true, description: 'Allow keys the catalog classes as expert' }

const changeParams = { ...scopeParams, settings: settingsParam, file: fileParam, expert: expertParam }

const ALL_OR_NOTHING =
  'All or nothing: every host of the scope must be reachable and accept the change; if writing fails on one host, ' +
  'the hosts already written get their previous contents back and the result says so host by host.'

export function dropInMethods(dropIns: DropInService): MethodTable {
  return {
    plan: {
      description:
        'Shows what setting keys in a managed drop-in would do on each host: the file before and after, a unified diff, ' +
        'effective values before and after, whether XAPI would still start, and warnings. Writes nothing.',
      params: changeParams,
      handler: params => dropIns.plan(params),
    },
    apply: {
      description: `Sets keys in a managed drop-in on every host of a pool (or of some hosts). ${ALL_OR_NOTHING} ` +
        'Refused when XAPI would not start afterwards on any host. Hosts already holding the result are not touched. ' +
        'Returns the change id (see `history` and `revert`).',
      params: { ...changeParams, restart: restartParam },
      handler: (params, context) => dropIns.apply(params, context),
    },
    removeFile: {
      description:
        `Removes a drop-in from every host of a pool (or of some hosts). ${ALL_OR_NOTHING} ` +
        'A file Xen Orchestra did not write needs `force: true`; /etc/xapi.conf and the XCP-ng drop-ins are never removed.',
      params: {
        ...scopeParams,
        file: { type: 'string', description: 'Name of the drop-in in /etc/xapi.conf.d' },
        force: { type: 'boolean', optional: true, description: 'Also remove a drop-in that Xen Orchestra did not write' },
        restart: restartParam,
      },
      handler: (params, context) => dropIns.removeFile(params, context),
    },
    history: {
      description: 'The journal of drop-in changes, newest first: who, when, kind, hosts, and each file before and after.',
      params: { limit: { type: 'integer', minimum: 1, optional: true, description: 'How many changes; default 20' } },
      handler: params => dropIns.history(params),
    },
    revert: {
      description: `Puts back, byte for byte, what every host held before a change of the journal. ${ALL_OR_NOTHING} ` +
        'A host whose file was changed since (it holds neither the change\'s result nor its previous contents) is refused unless `force: true`.',
      params: {
        changeId: { type: 'string', description: 'Id of the change, from `apply` or `history`' },
        force: { type: 'boolean', optional: true, description: 'Restore even on hosts whose file changed since' },
        restart: restartParam,
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
      params: {
        ...scopeParams,
        pendingSeconds: { type: 'integer', minimum: 1, description: 'Seconds a pending task may live, from its creation' },
        completedSeconds: { type: 'integer', minimum: 1, optional: true, description: 'Seconds a finished task is kept' },
        restart: restartParam,
      },
      handler: (params, context) => dropIns.setTaskTimeout(params, context),
    },
  }
}
