// Full records of the classes the simulator serves, with every field of XAPI's datamodel
// (doc/data/xenapi.json) so that clients freezing a class's field set on its first record see
// all of them. Values are those of an idle XCP-ng host where the lab has nothing to model.
import { randomUUID } from 'node:crypto'

import type { SimHost, SimPool, SoftwareVersion } from '../../contract'
import { stringOfFloat } from '../ocaml'
import type { XapiRecord } from './database'

export const NULL_REF = 'OpaqueRef:NULL'
export const newRef = () => `OpaqueRef:${randomUUID()}`
export const EPOCH = '19700101T00:00:00Z'

const pad = (value: number) => String(value).padStart(2, '0')

/** XAPI's datetime on the wire: `YYYYMMDDTHH:MM:SSZ` (UTC, no hyphens). */
export function xapiDateTime(ms: number): string {
  const date = new Date(ms)
  return (
    `${date.getUTCFullYear()}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}` +
    `T${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}Z`
  )
}

/** `string_of_float (Unix.time ())`: whole seconds, e.g. `"1787302800."`. */
export const unixTimeString = (ms: number) => stringOfFloat(Math.floor(ms / 1000))

export const parseXapiDateTime = (text: string): number =>
  Date.parse(text.replace(/^(\d{4})(\d{2})(\d{2})T/, '$1-$2-$3T'))

export function poolRecord(pool: SimPool, masterRef: string): XapiRecord {
  return {
    uuid: pool.uuid,
    name_label: pool.name_label,
    name_description: '',
    master: masterRef,
    default_SR: NULL_REF,
    suspend_image_SR: NULL_REF,
    crash_dump_SR: NULL_REF,
    other_config: {},
    ha_enabled: false,
    ha_configuration: {},
    ha_statefiles: [],
    ha_host_failures_to_tolerate: 0,
    ha_plan_exists_for: 0,
    ha_allow_overcommit: false,
    ha_overcommitted: false,
    blobs: {},
    tags: [],
    gui_config: {},
    health_check_config: {},
    wlb_url: '',
    wlb_username: '',
    wlb_enabled: false,
    wlb_verify_cert: false,
    redo_log_enabled: false,
    redo_log_vdi: NULL_REF,
    vswitch_controller: '',
    restrictions: { restrict_zstd_export: 'false', restrict_vtpm: 'false' },
    metadata_VDIs: [],
    ha_cluster_stack: 'xhad',
    allowed_operations: [],
    current_operations: {},
    guest_agent_config: {},
    cpu_info: { cpu_count: '16', socket_count: '1', vendor: 'GenuineIntel' },
    policy_no_vendor_device: false,
    live_patching_disabled: false,
    igmp_snooping_enabled: false,
    uefi_certificates: '',
    custom_uefi_certificates: '',
    is_psr_pending: false,
    tls_verification_enabled: true,
    repositories: [],
    client_certificate_auth_enabled: false,
    client_certificate_auth_name: '',
    repository_proxy_url: '',
    repository_proxy_username: '',
    repository_proxy_password: NULL_REF,
    migration_compression: false,
    coordinator_bias: true,
    local_auth_max_threads: 8,
    ext_auth_max_threads: 1,
    telemetry_uuid: NULL_REF,
    telemetry_frequency: 'weekly',
    telemetry_next_collection: EPOCH,
    last_update_sync: EPOCH,
    update_sync_frequency: 'weekly',
    update_sync_day: 0,
    update_sync_enabled: false,
  }
}

/** API version of a host's XAPI: 2.21 from xapi 23 (XCP-ng 8.3), 2.15 before (XCP-ng 8.2). */
export function apiVersion(softwareVersion: SoftwareVersion): { API_version_major: number; API_version_minor: number } {
  const major = Number(softwareVersion.xapi.split('.')[0])
  return { API_version_major: 2, API_version_minor: major >= 23 ? 21 : 15 }
}

export interface HostRuntime {
  metricsRef: string
  enabled: boolean
  agentStartTime: string
  bootTime: string
}

export function hostRecord(host: SimHost, runtime: HostRuntime): XapiRecord {
  return {
    uuid: host.uuid,
    name_label: host.name_label,
    name_description: 'Default install',
    memory_overhead: 0,
    allowed_operations: ['provision', 'evacuate', 'reboot', 'shutdown', 'vm_start', 'vm_resume', 'vm_migrate'],
    current_operations: {},
    ...apiVersion(host.softwareVersion),
    API_version_vendor: 'XenSource',
    API_version_vendor_implementation: {},
    enabled: runtime.enabled,
    software_version: { ...host.softwareVersion },
    other_config: {
      agent_start_time: runtime.agentStartTime,
      boot_time: runtime.bootTime,
      iscsi_iqn: `iqn.2026-01.org.xcp-ng.lab:${host.uuid.slice(0, 8)}`,
    },
    capabilities: ['xen-3.0-x86_64', 'hvm-3.0-x86_32', 'hvm-3.0-x86_32p', 'hvm-3.0-x86_64'],
    cpu_configuration: {},
    sched_policy: 'credit',
    supported_bootloaders: ['pygrub', 'eliloader'],
    resident_VMs: [],
    logging: {},
    PIFs: [],
    suspend_image_sr: NULL_REF,
    crash_dump_sr: NULL_REF,
    crashdumps: [],
    patches: [],
    updates: [],
    PBDs: [],
    host_CPUs: [],
    cpu_info: { cpu_count: '16', socket_count: '1', vendor: 'GenuineIntel', modelname: 'Lab CPU' },
    hostname: host.name_label,
    address: host.address,
    metrics: runtime.metricsRef,
    license_params: { restrict_zstd_export: 'false', restrict_vtpm: 'false', expiry: '20300101T00:00:00Z' },
    ha_statefiles: [],
    ha_network_peers: [],
    blobs: {},
    tags: [],
    external_auth_type: '',
    external_auth_service_name: '',
    external_auth_configuration: {},
    edition: 'xcp-ng',
    license_server: { address: 'localhost', port: '27000' },
    bios_strings: {},
    power_on_mode: '',
    power_on_config: {},
    local_cache_sr: NULL_REF,
    chipset_info: { iommu: 'true' },
    PCIs: [],
    PGPUs: [],
    PUSBs: [],
    ssl_legacy: false,
    guest_VCPUs_params: {},
    display: 'enabled',
    virtual_hardware_platform_versions: [0, 1, 2],
    control_domain: NULL_REF,
    updates_requiring_reboot: [],
    features: [],
    iscsi_iqn: `iqn.2026-01.org.xcp-ng.lab:${host.uuid.slice(0, 8)}`,
    multipathing: false,
    uefi_certificates: '',
    certificates: [],
    editions: ['xcp-ng'],
    pending_guidances: [],
    tls_verification_enabled: true,
    last_software_update: EPOCH,
    https_only: false,
    latest_synced_updates_applied: 'unknown',
    numa_affinity_policy: 'default_policy',
    pending_guidances_recommended: [],
    pending_guidances_full: [],
    last_update_hash: '',
  }
}

const GIB = 1024 ** 3

export function hostMetricsRecord(uuid: string, nowMs: number): XapiRecord {
  return {
    uuid,
    memory_total: 64 * GIB,
    memory_free: 40 * GIB,
    live: true,
    last_updated: xapiDateTime(nowMs),
    other_config: {},
  }
}

export interface NewTask {
  uuid: string
  name_label: string
  name_description: string
  residentOn: string
  createdMs: number
  progress: number
}

export function taskRecord(task: NewTask): XapiRecord {
  return {
    uuid: task.uuid,
    name_label: task.name_label,
    name_description: task.name_description,
    allowed_operations: ['cancel'],
    current_operations: {},
    created: xapiDateTime(task.createdMs),
    finished: EPOCH,
    status: 'pending',
    resident_on: task.residentOn,
    progress: task.progress,
    type: '<none/>',
    result: '',
    error_info: [],
    other_config: {},
    subtask_of: NULL_REF,
    subtasks: [],
    backtrace: '()',
  }
}
