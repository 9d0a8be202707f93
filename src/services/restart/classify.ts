// What a pending XAPI task or a VM operation is, judged from its name: task names are conventions of
// XAPI and of XO, not an API contract (reference xapi-config-toolstack.md §6.2–6.4), so anything not
// recognised is `other`, which is still at risk, never silently dropped.

export type TaskKind = 'export' | 'import' | 'migration' | 'backup' | 'other'

interface NamePattern {
  kind: TaskKind
  pattern: RegExp
}

// First match wins: the backup patterns come before the generic export/import ones because a metadata
// backup and an NBD disk stream are exports made for a backup.
const NAME_PATTERNS: readonly NamePattern[] = [
  { kind: 'backup', pattern: /^\[XO\] (Export|Import) pool metadata$/ },
  { kind: 'backup', pattern: /^Exporting content of VDI .* through NBD(\+CBT)?$/ },
  { kind: 'backup', pattern: /^\[XO\] Exporting content of VDI {2}.* as (vhd|qcow2) stream$/ },
  { kind: 'backup', pattern: /^(Downloading|Uploading) host backup$/ },
  // XO's backups snapshot the VM first (`xo-backup-temp-snapshot-name`); a manual snapshot looks the same.
  { kind: 'backup', pattern: /^(Async\.)?VM\.(snapshot|checkpoint)$/ },
  { kind: 'export', pattern: /^\[XO\] (VM export|Exporting content of VDI)/ },
  { kind: 'export', pattern: /^Xapi#getResource / },
  { kind: 'export', pattern: /^(Async\.)?VM\.export(_metadata)?$/ },
  { kind: 'export', pattern: /^Exporting raw VDI$/ },
  { kind: 'import', pattern: /^\[XO\] (VM import|Importing content into VDI|Patch upload)/ },
  { kind: 'import', pattern: /^Xapi#putResource / },
  { kind: 'import', pattern: /^(Async\.)?VM\.(import|metadata_import)$/ },
  { kind: 'import', pattern: /^(Importing raw VDI|Uploading update)$/ },
  { kind: 'migration', pattern: /^(Async\.)?VM\.(migrate_send|pool_migrate)$/ },
  { kind: 'migration', pattern: /^(Async\.)?VDI\.pool_migrate$/ },
  { kind: 'migration', pattern: /^(Async\.)?host\.(evacuate|migrate_receive)$/ },
  { kind: 'export', pattern: /^(Async\.)?(VM|VDI)\.copy$/ },
]

/**
 * Calls that clients make all the time and that lose nothing worth a warning when cut; xo-web hides
 * them from its task list with the same names (reference §6.3).
 */
const HOUSEKEEPING = /^(Async\.)?(SR\.scan|host\.call_plugin)$|\/rrd_updates/

export function classifyTaskName(nameLabel: string): TaskKind {
  return NAME_PATTERNS.find(({ pattern }) => pattern.test(nameLabel))?.kind ?? 'other'
}

export function isHousekeepingTask(nameLabel: string): boolean {
  return HOUSEKEEPING.test(nameLabel)
}

/** Task states in which a restart destroys the task (XAPI's `cancel_tasks_on_host`). */
export function isLiveTaskStatus(status: string): boolean {
  return status === 'pending' || status === 'cancelling'
}

const VM_OPERATION_KINDS: Readonly<Record<string, TaskKind>> = {
  export: 'export',
  copy: 'export',
  clone: 'other',
  import: 'import',
  migrate_send: 'migration',
  pool_migrate: 'migration',
  snapshot: 'backup',
  checkpoint: 'backup',
}

/** The kind of a VM `current_operations` value when it is a transfer a restart would cut, else undefined. */
export function classifyVmOperation(operation: string): TaskKind | undefined {
  return VM_OPERATION_KINDS[operation]
}
