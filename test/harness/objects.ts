// XAPI records → XO objects, as xo-server's xapi-object-to-xo.mjs builds them for the classes a plugin
// reads: pool, host, task and VM (a subset of the VM fields). Each transform reads the record fields the
// same way xo-server does, so a record missing a field xo-server needs (pool.ha_statefiles,
// pool.restrictions, host.chipset_info, host.license_params, host.capabilities, the master's
// software_version, task.other_config…) throws here too, and the object is missing, as it would be in XO.
export interface XapiRecord {
  readonly $id: string
  readonly $ref: string
  readonly $type: string
  readonly $pool: XapiRecord
  readonly $xapi: { getObject(idOrRef: string, defaultValue?: unknown): XapiRecord | undefined }
  readonly [field: string]: any
}

export interface XoObject {
  readonly id: string
  readonly type: string
  readonly uuid?: string
  readonly $pool: string
  readonly $poolId: string
  readonly _xapiRef: string
  readonly [field: string]: any
}

/** `{ [ref of a record another object is built from]: $id of that object }`, filled by the transforms. */
export type Dependents = Record<string, string>

type Transform = (record: XapiRecord, dependents: Dependents) => Record<string, unknown>

const XAPI_DATETIME = /^(\d{4})(\d{2})(\d{2})T(\d{2}):(\d{2}):(\d{2})(Z|[+-]\d{2}:?\d{2})$/

/** Seconds since the epoch from a XAPI datetime or a numeric string; `null` for XAPI's empty date. */
export function parseDateTime(input: unknown): number | null {
  if (typeof input === 'number') return input || null
  if (typeof input !== 'string') throw new TypeError('unsupported input ' + input)
  const asNumber = +input
  if (!Number.isNaN(asNumber)) return asNumber || null
  const match = XAPI_DATETIME.exec(input)
  if (match === null) throw new RangeError(`unable to parse XAPI datetime ${JSON.stringify(input)}`)
  const [, year, month, day, hours, minutes, seconds, zone] = match
  const ms = Date.parse(`${year}-${month}-${day}T${hours}:${minutes}:${seconds}${zone.replace(/^([+-]\d{2})(\d{2})$/, '$1:$2')}`)
  return ms === 0 ? null : Math.floor(ms / 1e3)
}

function toTimestamp(date: unknown): number | null {
  if (date === undefined) return null
  try {
    return parseDateTime(date)
  } catch {
    return null
  }
}

/** The `$id` of the record(s) a ref field points to, through the client's `$<field>` resolvers. */
function link(record: XapiRecord, field: string): string | string[] | null | undefined {
  const target = record[`$${field}`]
  if (target == null) return target
  if (Array.isArray(target)) return target.map(item => item?.$id)
  return target.$id
}

function cpus(cpuInfo: Record<string, string> | undefined): { cores?: number; sockets?: number } {
  return { cores: cpuInfo && +cpuInfo.cpu_count, sockets: cpuInfo && +cpuInfo.socket_count }
}

const ONE_GIB = 1024 ** 3

function hostMemory(metrics: XapiRecord | undefined, isRunning: boolean) {
  if (metrics === undefined) return { usage: 0, size: 0, total: 0 }
  const size = Math.ceil(+metrics.memory_total / ONE_GIB) * ONE_GIB
  return { usage: isRunning ? size - +metrics.memory_free : 0, size }
}

const pool: Transform = record => ({
  auto_poweron: record.other_config.auto_poweron === 'true',
  crashDumpSr: link(record, 'crash_dump_SR'),
  current_operations: record.current_operations,
  default_SR: link(record, 'default_SR'),
  HA_enabled: Boolean(record.ha_enabled),
  haRebootVmOnInternalShutdown: record.ha_reboot_vm_on_internal_shutdown ?? true,
  haSrs: record.$ha_statefiles.filter((vdi: unknown) => vdi !== undefined).map((vdi: XapiRecord) => link(vdi, 'SR')),
  master: link(record, 'master'),
  tags: record.tags,
  name_description: record.name_description,
  name_label: record.name_label || record.$master.name_label,
  migrationCompression: record.migration_compression,
  otherConfig: record.other_config,
  cpus: cpus(record.cpu_info),
  suspendSr: link(record, 'suspend_image_SR'),
  zstdSupported: record.restrictions.restrict_zstd_export === 'false',
  vtpmSupported: record.restrictions.restrict_vtpm === 'false',
  platform_version: record.$master.software_version.platform_version,
})

const host: Transform = (record, dependents) => {
  dependents[record.metrics] = record.$id
  const { $metrics: metrics, other_config: otherConfig, software_version: softwareVersion } = record
  const isRunning = Boolean(metrics?.live)
  return {
    address: record.address,
    bios_strings: record.bios_strings,
    build: softwareVersion.build_number,
    chipset_info: { iommu: record.chipset_info.iommu !== undefined ? record.chipset_info.iommu === 'true' : undefined },
    enabled: Boolean(record.enabled),
    controlDomain: link(record, 'control_domain'),
    cpus: cpus(record.cpu_info),
    current_operations: record.current_operations,
    hostname: record.hostname,
    iscsiIqn: record.iscsi_iqn ?? otherConfig.iscsi_iqn ?? '',
    zstdSupported: record.license_params.restrict_zstd_export === 'false',
    license_params: record.license_params,
    license_server: record.license_server,
    license_expiry: toTimestamp(record.license_params.expiry),
    logging: record.logging,
    name_description: record.name_description,
    name_label: record.name_label,
    memory: hostMemory(metrics, isRunning),
    multipathing: otherConfig.multipathing === 'true',
    otherConfig,
    patches: link(record, 'patches'),
    powerOnMode: record.power_on_mode,
    power_state: metrics ? (isRunning ? 'Running' : 'Halted') : 'Unknown',
    residentVms: link(record, 'resident_VMs'),
    startTime: toTimestamp(otherConfig.boot_time),
    agentStartTime: toTimestamp(otherConfig.agent_start_time),
    rebootRequired:
      softwareVersion.product_brand === 'XCP-ng'
        ? (toTimestamp(otherConfig.boot_time) ?? 0) < +otherConfig.rpm_patch_installation_time
        : (record.updates_requiring_reboot ?? []).length !== 0,
    tags: record.tags,
    version: softwareVersion.product_version,
    productBrand: softwareVersion.product_brand,
    hvmCapable: record.capabilities.some((capability: string) => capability.startsWith('hvm')),
    certificates: record.$certificates?.map(({ fingerprint, not_after }: XapiRecord) => ({
      fingerprint,
      notAfter: toTimestamp(not_after),
    })),
    PIFs: link(record, 'PIFs'),
    PCIs: link(record, 'PCIs'),
    PGPUs: link(record, 'PGPUs'),
    $PBDs: link(record, 'PBDs'),
  }
}

const task: Transform = record => {
  const appliesToRef = record.other_config.applies_to
  return {
    allowedOperations: record.allowed_operations,
    created: toTimestamp(record.created),
    current_operations: record.current_operations,
    finished: toTimestamp(record.finished),
    name_description: record.name_description,
    name_label: record.name_label,
    progress: +record.progress,
    result: record.result,
    status: record.status,
    xapiRef: record.$ref,
    applies_to: appliesToRef ? record.$xapi.getObject(appliesToRef, undefined)?.uuid : undefined,
    $host: link(record, 'resident_on'),
  }
}

function vmType(record: XapiRecord): string {
  if (record.is_control_domain) return 'VM-controller'
  if (record.is_a_snapshot || record.$snapshot_of !== undefined) return 'VM-snapshot'
  if (record.is_a_template) return 'VM-template'
  return 'VM'
}

// The VM fields a plugin is likely to read; xo-server builds many more.
const vm: Transform = (record, dependents) => {
  dependents[record.guest_metrics] = record.$id
  dependents[record.metrics] = record.$id
  const currentOperations: Record<string, string> = {}
  for (const [taskRef, operation] of Object.entries(record.current_operations as Record<string, string>)) {
    const xapiTask = record.$xapi.getObject(taskRef, undefined)
    if (xapiTask !== undefined) currentOperations[xapiTask.$id] = operation
  }
  return {
    type: vmType(record),
    current_operations: currentOperations,
    name_description: record.name_description,
    name_label: record.name_label,
    other: record.other_config,
    power_state: record.power_state,
    tags: record.tags,
    $container: record.resident_on !== 'OpaqueRef:NULL' ? link(record, 'resident_on') : link(record, 'pool'),
  }
}

const TRANSFORMS: Record<string, Transform> = { pool, host, task, vm }

/** The XO object for a XAPI record, or `undefined` for a class XO does not show; throws like xo-server. */
export function xapiObjectToXo(record: XapiRecord, dependents: Dependents): XoObject | undefined {
  const transform = TRANSFORMS[record.$type.toLowerCase()]
  if (transform === undefined) return undefined
  const object: Record<string, unknown> = transform(record, dependents)
  if (!('id' in object)) object.id = record.$id
  if (!('type' in object)) object.type = record.$type
  if ('uuid' in record && !('uuid' in object)) object.uuid = record.uuid
  object.$pool = record.$pool.$id
  object.$poolId = object.$pool
  Object.defineProperties(object, {
    _xapiId: { value: record.$id },
    _xapiRef: { enumerable: true, value: record.$ref },
  })
  return Object.freeze(object) as XoObject
}
