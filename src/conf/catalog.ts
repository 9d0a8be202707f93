// The key catalog: every key XAPI reads from /etc/xapi.conf and /etc/xapi.conf.d, with how XAPI
// parses it and whether Xen Orchestra may write it. Validation, JSON schemas and docs derive
// from this list only.
import type { CatalogEntry, KeyClass, KeyType } from './catalog-types'

export type { CatalogEntry, KeyClass, KeyType } from './catalog-types'

// Releases of xapi-project/xen-api that read the key: the first release of the main line from
// which every release has it, then the first release of each older maintenance line that got it
// as a backport. Keys that xapi 1.249 (XCP-ng 8.2) already reads have none.
const SINCE: Readonly<Record<string, readonly [string, ...string[]]>> = {
  'allow-custom-uefi-certs': ['24.0.0'],
  'c_rehash': ['22.13.0'],
  'call-costs-file': ['26.17.0'],
  'cert-expiration-days': ['22.5.0'],
  'compress-tracing-files': ['23.26.0'],
  'conn_limit_clientcert': ['22.30.0'],
  'coordinator_max_stunnel_cache': ['25.5.0'],
  'createrepo-cmd': ['1.301.0'],
  'depmod': ['25.3.0'],
  'disable-webserver': ['24.15.0'],
  'dnf-cmd': ['24.20.0'],
  'dracut': ['25.3.0'],
  'drivertool': ['25.3.0'],
  'dynamic-control-firewalld-service': ['25.34.0'],
  'evacuation-batch-size': ['22.24.0'],
  'event_from_delay': ['25.5.0'],
  'event_from_task_delay': ['25.5.0'],
  'event_next_delay': ['25.5.0'],
  'export-chunk-size': ['25.31.0'],
  'export-interval': ['23.14.0'],
  'export_interval': ['23.14.0'],
  'factory-ntp-servers': ['26.0.0'],
  'failed-login-alert-freq': ['1.310.0'],
  'firewall-backend': ['25.34.0'],
  'firewall-cmd': ['25.34.0'],
  'firewall-cmd-wrapper': ['25.34.0'],
  'gencert': ['1.269.0'],
  'genisoimage': ['25.24.0'],
  'gvt-g-supported': ['23.12.0'],
  'ha_best_effort_max_retries': ['25.30.0'],
  'hsts_max_age': ['23.16.0'],
  'https-only-default': ['25.39.0'],
  'ignore-vtpm-unimplemented': ['22.28.0'],
  'include-console-username-in-error': ['26.1.0'],
  'legacy-factory-ntp-servers': ['26.0.0'],
  'local_yum_repo_port': ['25.1.0'],
  'max-auto-registered-callers': ['26.17.0'],
  'max-span-depth': ['25.31.0'],
  'max-spans': ['23.14.0'],
  'max-traces': ['23.14.0'],
  'max_observer_file_size': ['23.14.0'],
  'max_spans': ['23.14.0'],
  'max_traces': ['23.14.0'],
  'member_max_stunnel_cache': ['25.5.0'],
  'messages-limit': ['22.7.0'],
  'modifyrepo-cmd': ['1.301.0'],
  'ntp-client-path': ['26.0.0'],
  'ntp-config-path': ['26.0.0'],
  'ntp-dhcp-dir': ['26.0.0'],
  'ntp-dhcp-script-path': ['26.0.0'],
  'ntp-service': ['26.0.0'],
  'nvidia-gpumon-detach': ['23.25.0'],
  'observer-endpoint-http-enabled': ['24.5.0'],
  'observer-endpoint-https-enabled': ['24.5.0'],
  'observer-experimental-components': ['24.5.0'],
  'observer-max-file-size': ['23.14.0'],
  'openssl_path': ['1.269.0'],
  'pool-bundle-path': ['1.295.0'],
  'pool-recommendations-dir': ['24.19.0'],
  'prefer-nbd-attach': ['23.12.0'],
  'proxy_poll_period_timeout': ['26.1.0'],
  'pvsproxy_close_cache_vdi': ['25.6.0'],
  'qcow_stream_tool': ['25.27.0'],
  'qcow_to_stdout': ['25.24.0'],
  'qemu-img': ['26.16.0', '26.1.11'],
  'rate_limit': ['26.17.0'],
  'repository-domain-name-allowlist': ['1.301.0'],
  'repository-gpgcheck': ['1.301.0'],
  'repository-gpgkey-name': ['1.301.0'],
  'repository-url-blocklist': ['25.20.0'],
  'reposync-cmd': ['1.301.0'],
  'reuse-pool-sessions': ['25.13.0', '24.31.0', '24.32.0'],
  'rpm-cmd': ['1.301.0'],
  'secure-boot-efi-path': ['25.32.0'],
  'serialize_auth_service': ['26.16.0', '26.1.17'],
  'server-cert-group-id': ['23.11.0'],
  'server-cert-internal-path': ['1.291.0'],
  'ssh-auto-mode': ['25.27.0'],
  'stunnel-bundle-path': ['1.295.0'],
  'stunnel_cache_max_age': ['25.5.0'],
  'stunnel_cache_max_idle': ['25.5.0'],
  'test-open': ['24.20.0'],
  'tgroups-enabled': ['25.5.0'],
  'timedatectl': ['26.0.0'],
  'trace-log-dir': ['23.14.0'],
  'trusted-certs-dir': ['1.295.0'],
  'trusted-pool-certs-dir': ['1.295.0'],
  'udevadm': ['25.3.0'],
  'use-event-next': ['25.5.0'],
  'use-xmlrpc': ['25.5.0'],
  'validate-reusable-pool-session': ['25.13.0', '24.31.0', '24.32.0'],
  'varstore-ls': ['24.17.0'],
  'varstore-nvram-certcheck': ['26.14.0', '26.1.13'],
  'varstore-sb-state': ['24.17.0'],
  'vhd-legacy-blocks-format': ['26.16.0', '26.1.11'],
  'vm-sysprep-enabled': ['25.24.0'],
  'vm-sysprep-wait': ['25.24.0'],
  'winbind_keep_configuration': ['22.9.0'],
  'winbind_ldap_query_subject_timeout': ['23.6.0'],
  'winbind_scan_trusted_domains': ['26.0.0', '25.37.1'],
  'winbind_set_machine_account_kerberos_encryption_type': ['25.16.0'],
  'yum-cmd': ['1.301.0'],
  'yum-config-manager-cmd': ['1.301.0'],
}

// XAPI ignores spans of 104 days or more (Mtime spans are floats of nanoseconds below 2^53).
const MAX_SPAN_SECONDS = 104 * 24 * 3600 - 1

const HA = 'HA and pool timing: a wrong value fences hosts or cuts members off the master'
const PLUMBING = 'daemon plumbing: a wrong value stops XAPI or breaks its services'
const INIT = 'passed by xapi-init on the command line; a file overrides it'
const VENDOR = 'owned by a drop-in the vendor ships'
const RESOURCE = 'resource path: XAPI exits with status 1 when an essential one is inaccessible'
const HOST_PATH = 'path of a host file or command'
const POLICY = 'storage, security or network policy of the pool'
const TUNING = 'internal tuning: a wrong value degrades the host without stopping XAPI'

type Extra = Partial<Omit<CatalogEntry, 'key' | 'type' | 'default' | 'description' | 'class'>>

function define(key: string, type: KeyType, value: string, cls: KeyClass, description: string, extra: Extra = {}): CatalogEntry {
  const [since, ...backports] = SINCE[key] ?? []
  const versions = since === undefined ? {} : backports.length === 0 ? { since } : { since, backports }
  return { key, type, default: value, description, class: cls, accumulation: 'last', ...versions, ...extra }
}

const seconds = (key: string, value: string, cls: KeyClass, description: string, extra: Extra = {}) =>
  define(key, 'float', value, cls, description, { unit: 'seconds', ...extra })
const integer = (key: string, value: string, cls: KeyClass, description: string, extra: Extra = {}) =>
  define(key, 'int', value, cls, description, extra)
const flag = (key: string, value: 'true' | 'false', cls: KeyClass, description: string, extra: Extra = {}) =>
  define(key, 'bool', value, cls, description, extra)
const text = (key: string, value: string, cls: KeyClass, description: string, extra: Extra = {}) =>
  define(key, 'string', value, cls, description, extra)
const hostPath = (key: string, value: string, description: string) =>
  define(key, 'path', value, 'forbidden', description, { reason: HOST_PATH })
const words = (key: string, cls: KeyClass, description: string, extra: Extra = {}) =>
  define(key, 'list', '', cls, description, { accumulation: 'replace', separator: 'whitespace', ...extra })

function resource(key: string, kind: 'exec' | 'file' | 'dir', essential: boolean, value: string, purpose: string): CatalogEntry {
  const what = { exec: 'Program', file: 'File', dir: 'Directory' }[kind]
  const description = `${what} XAPI uses: ${purpose}${essential ? ' (must be accessible at startup)' : ''}`
  return define(key, 'path', value, 'forbidden', description, { reason: RESOURCE, resource: { kind, essential } })
}

const managedSeconds = (key: string, value: string, description: string, minimum = 1) =>
  seconds(key, value, 'managed', description, { minimum })
const expertSeconds = (key: string, value: string, description: string, extra: Extra = {}) =>
  seconds(key, value, 'expert', description, { reason: TUNING, minimum: 0, ...extra })
const haSeconds = (key: string, value: string, description: string) => seconds(key, value, 'forbidden', description, { reason: HA })
const expertInt = (key: string, value: string, description: string, extra: Extra = {}) =>
  integer(key, value, 'expert', description, { reason: TUNING, ...extra })
const expertFlag = (key: string, value: 'true' | 'false', description: string, reason = TUNING) =>
  flag(key, value, 'expert', description, { reason })
const forbiddenFlag = (key: string, value: 'true' | 'false', description: string, reason: string) =>
  flag(key, value, 'forbidden', description, { reason })

const delayPair = (key: string, value: string, description: string) =>
  define(key, 'string', value, 'expert', description, { reason: TUNING, format: 'delay-pair' })

const TIMING_AND_LIMITS: readonly CatalogEntry[] = [
  haSeconds('master_connection_reset_timeout', '120.', 'Seconds a member waits on a blocked connection to the master before resetting it'),
  haSeconds('master_connection_retry_timeout', '-1.', 'Seconds a member retries the master before restarting XAPI; negative retries forever'),
  haSeconds('master_connection_default_timeout', '10.', 'Default timeout in seconds of a member-to-master connection'),
  managedSeconds('qemu_dm_ready_timeout', '300.', 'Seconds to wait for the device model of a VM to report ready'),
  managedSeconds('hotplug_timeout', '300.', 'Seconds to wait for device hotplug scripts'),
  managedSeconds('pif_reconfigure_ip_timeout', '300.', 'Seconds to wait for the master to be reachable again after a PIF IP change'),
  managedSeconds('pool_db_sync_interval', '300.', 'Seconds between copies of the pool database to a member'),
  managedSeconds('pool_data_sync_interval', '86400.', 'Seconds between RRD archive synchronisations to other hosts'),
  managedSeconds('domain_shutdown_total_timeout', '1200.', 'Seconds a VM may take to shut down before the operation fails'),
  expertSeconds('emergency_reboot_delay_base', '60.', 'Minimum delay in seconds before an emergency host reboot'),
  expertSeconds('emergency_reboot_delay_extra', '120.', 'Largest random delay in seconds added to the emergency reboot delay'),
  integer('ha_xapi_healthcheck_interval', '60', 'forbidden', 'Seconds between XAPI health checks run by the HA daemon', { reason: HA, unit: 'seconds' }),
  integer('ha_xapi_healthcheck_timeout', '120', 'forbidden', 'Seconds before a silent XAPI health check counts as failed', { reason: HA, unit: 'seconds' }),
  integer('ha_xapi_restart_attempts', '1', 'forbidden', 'Attempts to restart an XAPI that failed its health check', { reason: HA }),
  integer('ha_xapi_restart_timeout', '300', 'forbidden', 'Seconds before an XAPI restart attempt counts as failed', { reason: HA, unit: 'seconds' }),
  managedSeconds('logrotate_check_interval', '300.', 'Seconds between checks of how much the logger wrote (log rotation)'),
  managedSeconds('rrd_backup_interval', '86400.', 'Seconds between writes of in-memory RRD data to disk'),
  managedSeconds('session_revalidation_interval', '300.', 'Seconds between checks of external-auth (AD) sessions against the directory'),
  managedSeconds('update_all_subjects_interval', '900.', 'Seconds between refreshes of the external-auth subject list'),
  managedSeconds('wait_memory_target_timeout', '256.', 'Seconds to wait for a VM balloon driver to reach its target'),
  managedSeconds('snapshot_with_quiesce_timeout', '600.', 'Seconds to wait for the guest VSS agent during a quiesced snapshot'),
  haSeconds('host_heartbeat_interval', '30.', 'Seconds between member-to-master heartbeats'),
  define('host_assumed_dead_interval', 'duration', '600', 'forbidden', 'Seconds without heartbeat before the master counts a host as dead', { reason: HA, durationOf: 'int', unit: 'seconds' }),
  haSeconds('fuse_time', '10.', 'Seconds between a restart request and XAPI exiting'),
  haSeconds('db_restore_fuse_time', '30.', 'Seconds between a pool database restore and the automatic XAPI restart'),
  managedSeconds('inactive_session_timeout', '86400.', 'Seconds without an API call before a session is logged out', 300),
  // a short pending_task_timeout destroys long exports and migrations whose progress pauses
  managedSeconds('pending_task_timeout', '86400.', 'Seconds after its creation that a pending task whose progress no longer moves is destroyed by the master', 600),
  managedSeconds('completed_task_timeout', '3900.', 'Seconds a finished task is kept before the master destroys it', 60),
  managedSeconds('minimum_time_between_bounces', '120.', 'Minimum seconds between a VM start and its next automatic reboot (reboot-loop guard)'),
  managedSeconds('minimum_time_between_reboot_with_no_added_delay', '60.', 'A VM rebooting sooner than this many seconds after its start is delayed'),
  haSeconds('ha_monitor_interval', '20.', 'Seconds between HA monitor passes'),
  haSeconds('ha_monitor_plan_interval', '1800.', 'Seconds between unconditional HA re-plans'),
  haSeconds('ha_monitor_startup_timeout', '1800.', 'Seconds the HA monitor waits at startup'),
  haSeconds('ha_default_timeout_base', '60.', 'Base HA timeout in seconds'),
  expertSeconds('guest_liveness_timeout', '300.', 'Seconds without guest agent heartbeat before a VM counts as unresponsive'),
  haSeconds('permanent_master_failure_retry_interval', '60.', 'Seconds between retries after a permanent master failure'),
  haSeconds('redo_log_max_block_time_empty', '2.', 'Seconds to wait on the redo-log I/O process while emptying'),
  haSeconds('redo_log_max_block_time_read', '30.', 'Seconds to wait on the redo-log I/O process while reading'),
  haSeconds('redo_log_max_block_time_writedelta', '2.', 'Seconds to wait on the redo-log I/O process while writing a delta'),
  haSeconds('redo_log_max_block_time_writedb', '30.', 'Seconds to wait on the redo-log I/O process while writing a database'),
  haSeconds('redo_log_max_startup_time', '5.', 'Seconds to wait for the redo-log I/O process to connect'),
  haSeconds('redo_log_connect_delay', '0.1', 'Seconds between connection attempts to the redo-log I/O process'),
  expertInt('default-vbd3-polling-duration', '8000', 'Microseconds tapdisk keeps polling a disk ring for more requests', { unit: 'microseconds', minimum: 0 }),
  expertInt('default-vbd3-polling-idle-threshold', '50', 'Idle dom0 CPU percentage above which tapdisk keeps polling', { unit: 'percent', minimum: 0 }),
  managedSeconds('vm_call_plugin_interval', '10.', 'Minimum seconds between two guest plugin calls on one VM'),
  expertInt('xapi_clusterd_port', '8896', 'TCP port of xapi-clusterd', { minimum: 1 }),
  expertInt('max_active_sr_scans', '32', 'Largest number of SR scans run at once', { minimum: 1 }),
  expertInt('winbind_debug_level', '2', 'Debug level of winbind (AD)', { minimum: 0 }),
  expertInt('winbind_cache_time', '60', 'Seconds winbind caches user and group data', { unit: 'seconds', minimum: 0 }),
  expertSeconds('winbind_machine_pwd_timeout', '1209600.', 'Seconds between AD machine password changes'),
  expertSeconds('winbind_update_closest_kdc_interval', '79200.', 'Seconds between searches for the closest AD domain controller'),
  expertSeconds('header_read_timeout_tcp', '10.', 'Seconds allowed for each read of HTTP headers over TCP'),
  expertSeconds('header_total_timeout_tcp', '60.', 'Seconds allowed to receive all HTTP headers over TCP'),
  expertInt('max_header_length_tcp', '1024', 'Largest HTTP header block accepted over TCP, in bytes', { unit: 'bytes', minimum: 1 }),
  expertInt('coordinator_max_stunnel_cache', '70', 'Largest number of cached stunnel connections on the master', { minimum: 0 }),
  expertInt('member_max_stunnel_cache', '70', 'Largest number of cached stunnel connections on a member', { minimum: 0 }),
  expertInt('conn_limit_tcp', '800', 'Largest number of concurrent TCP connections to XAPI', { minimum: 1 }),
  expertInt('conn_limit_unix', '1024', 'Largest number of concurrent Unix-socket connections to XAPI', { minimum: 1 }),
  expertInt('conn_limit_clientcert', '800', 'Largest number of concurrent client-certificate connections', { minimum: 1 }),
  expertSeconds('stunnel_cache_max_age', '10800.', 'Seconds a cached stunnel connection may live'),
  expertSeconds('stunnel_cache_max_idle', '300.', 'Seconds a cached stunnel connection may stay idle'),
  expertSeconds('export_interval', '30.', 'Seconds between exports of tracing data', { aliasOf: 'export-interval' }),
  expertInt('max_spans', '10000', 'Largest number of spans in one trace', { aliasOf: 'max-spans', minimum: 0 }),
  expertInt('max_traces', '10000', 'Largest number of traces in progress', { aliasOf: 'max-traces', minimum: 0 }),
  expertInt('max_observer_file_size', '1048576', 'Largest size of a span log file, in bytes', { aliasOf: 'observer-max-file-size', unit: 'bytes', minimum: 0 }),
  integer('test-open', '0', 'forbidden', 'Number of file descriptors opened at startup (debugging aid)', { reason: PLUMBING }),
  expertInt('local_yum_repo_port', '8000', 'Local port of the stunnel client that proxies the master yum repository', { minimum: 1 }),
  integer('ha_best_effort_max_retries', '2', 'forbidden', 'Start attempts for best-effort HA VMs', { reason: HA }),
  expertInt('max-auto-registered-callers', '100', 'Callers registered automatically for rate limiting; 0 disables, negative is unbounded'),
  define('winbind_ldap_query_subject_timeout', 'duration', '20.', 'expert', 'Seconds allowed for an LDAP subject query; 104 days or more is ignored', { reason: TUNING, durationOf: 'float', unit: 'seconds', minimum: 0, maximum: MAX_SPAN_SECONDS }),
]

const OTHER_OPTIONS: readonly CatalogEntry[] = [
  text('hotfix-fingerprint', 'NERDNTUzMDMwRUMwNDFFNDI4N0M4OEVCRUFEMzlGOTJEOEE5REUyNg==', 'expert', 'Fingerprint of the key that signs hotfixes', { reason: POLICY }),
  hostPath('logconfig', '/etc/xensource/log.conf', 'Logging policy file'),
  text('writereadyfile', '', 'forbidden', 'File touched when XAPI accepts requests', { reason: INIT }),
  text('writeinitcomplete', '', 'forbidden', 'File touched when XAPI has finished starting (xapi-wait-init-complete waits for it)', { reason: INIT }),
  forbiddenFlag('nowatchdog', 'false', 'Run without the watchdog process', INIT),
  expertFlag('log-getter', 'false', 'Log getter API calls'),
  forbiddenFlag('onsystemboot', 'false', 'This start is the first since the host booted', INIT),
  expertFlag('relax-xsm-sr-check', 'true', 'Allow storage migration between SRs mirrored out of band with the same UUID', POLICY),
  expertFlag('include-console-username-in-error', 'true', 'Show user names in console error messages'),
  define('xenopsd-queues', 'list', 'org.xen.xapi.xenops.classic,org.xen.xapi.xenops.simulator,org.xen.xapi.xenops.xenlight', 'forbidden', 'Comma-separated xenopsd queues XAPI manages', { reason: PLUMBING, accumulation: 'replace', separator: 'comma' }),
  text('xenopsd-default', 'org.xen.xapi.xenops.xenlight', 'forbidden', 'Default xenopsd queue', { reason: PLUMBING }),
  hostPath('nvidia-whitelist', '/usr/share/nvidia/vgpu/vgpuConfig.xml', 'NVIDIA vGPU configuration file'),
  hostPath('gvt-g-whitelist', '/etc/gvt-g-whitelist', 'Intel GVT-g configuration file'),
  expertFlag('gvt-g-supported', 'true', 'The host still supports Intel GVT-g vGPUs'),
  hostPath('mxgpu-whitelist', '/etc/mxgpu-whitelist', 'AMD MxGPU configuration file'),
  expertFlag('pass-through-pif-carrier', 'false', 'Show the physical link state of a NIC to VMs by default'),
  text('cluster-stack-default', 'xhad', 'forbidden', 'Default HA cluster stack', { reason: HA }),
  expertSeconds('gpumon_stop_timeout', '10.', 'Seconds to wait after stopping gpumon before starting a vGPU VM'),
  hostPath('reboot_required_hfxs', '/run/reboot-required.hfxs', 'File listing hotfixes that need a reboot'),
  hostPath('xen_livepatch_list', '/usr/sbin/xen-livepatch list', 'Command listing Xen live patches'),
  hostPath('kpatch_list', '/usr/sbin/kpatch list', 'Command listing kernel live patches'),
  hostPath('modprobe_path', '/usr/sbin/modprobe', 'The modprobe command'),
  expertFlag('db_idempotent_map', 'false', 'Make add_to_<map> API calls idempotent'),
  expertFlag('use-event-next', 'false', 'Use the deprecated event.next instead of event.from'),
  define('nvidia_multi_vgpu_enabled_driver_versions', 'list', '430.42,430.62,440.00+', 'expert', 'Comma-separated NVIDIA driver versions that allow several vGPUs per VM; a trailing + means that version or later', { reason: TUNING, accumulation: 'replace', separator: 'comma' }),
  define('nvidia_t4_sriov', 'enumeration', 'default', 'expert', 'SR-IOV addressing for NVIDIA GPUs: true (on, 1), false (off, 0) or default; anything else means default', { reason: TUNING, values: ['true', 'false', 'default'], synonyms: { on: 'true', '1': 'true', off: 'false', '0': 'false', xml: 'default' }, onUnknownValue: 'default' }),
  forbiddenFlag('create-tools-sr', 'false', 'Create an SR holding the guest tools ISOs', VENDOR),
  forbiddenFlag('allow-host-sched-gran-modification', 'false', 'Allow changing the Xen scheduler granularity of the host', VENDOR),
  forbiddenFlag('use-xmlrpc', 'false', 'Use XML-RPC instead of JSON-RPC internally (deprecated)', PLUMBING),
  text('extauth_ad_backend', 'winbind', 'expert', 'Backend used to talk to AD domain controllers', { reason: POLICY }),
  define('winbind_kerberos_encryption_type', 'enumeration', 'strong', 'expert', 'Kerberos encryption types winbind uses: strong, legacy or all; other values are ignored', { reason: POLICY, values: ['strong', 'legacy', 'all'], onUnknownValue: 'ignore' }),
  expertFlag('winbind_set_machine_account_kerberos_encryption_type', 'false', 'Set the encryption types of the machine account on the domain controller', POLICY),
  expertFlag('winbind_scan_trusted_domains', 'false', 'Scan trusted AD domains periodically'),
  expertFlag('winbind_keep_configuration', 'true', 'Keep the winbind configuration when joining or leaving a domain fails'),
  expertFlag('serialize_auth_service', 'true', 'Run AD external-auth operations one at a time'),
  integer('hsts_max_age', '-1', 'managed', 'max-age in seconds of the Strict-Transport-Security header on HTTPS file responses (XO Lite); negative sends no header, 0 tells browsers to forget the host', { unit: 'seconds', minimum: -1 }),
  expertFlag('website-https-only', 'true', 'Refuse plain-HTTP access to the host website', POLICY),
  expertFlag('migration-https-only', 'true', 'Use HTTPS only for VM migration', POLICY),
  expertFlag('repository-gpgcheck', 'true', 'Check GPG signatures of update repositories', POLICY),
  text('repository-gpgkey-name', '', 'expert', 'Default GPG key file name for update repositories', { reason: POLICY }),
  integer('failed-login-alert-freq', '3600', 'managed', 'Seconds between alerts about failed logins', { unit: 'seconds', minimum: 1 }),
  expertInt('cert-expiration-days', '3650', 'Days a refreshed host certificate stays valid', { unit: 'days', minimum: 1 }),
  integer('messages-limit', '10000', 'managed', 'Largest number of messages kept; the oldest are deleted beyond it', { minimum: 0 }),
  integer('evacuation-batch-size', '10', 'managed', 'Number of VMs migrated at once when a host is evacuated', { minimum: 1 }),
  expertFlag('ignore-vtpm-unimplemented', 'false', 'Do not fail on vTPM features that are not finished'),
  expertFlag('allow-custom-uefi-certs', 'false', 'Allow a custom location for the UEFI certificates of varstored', POLICY),
  expertInt('server-cert-group-id', '-1', 'Group id of the host TLS certificate file', { reason: POLICY }),
  expertSeconds('export-interval', '30.', 'Seconds between exports of tracing data'),
  expertInt('export-chunk-size', '10000', 'Spans per tracing export chunk', { minimum: 1 }),
  expertInt('max-spans', '10000', 'Largest number of spans in one trace', { minimum: 0 }),
  expertInt('max-traces', '10000', 'Largest number of traces in progress', { minimum: 0 }),
  expertFlag('prefer-nbd-attach', 'false', 'Attach disks to the control domain through NBD'),
  expertInt('observer-max-file-size', '1048576', 'Largest size of a span log file, in bytes', { unit: 'bytes', minimum: 0 }),
  expertFlag('nvidia-gpumon-detach', 'false', 'On VM start, detach the NVML library instead of stopping gpumon'),
  expertFlag('compress-tracing-files', 'true', 'Compress tracing log files'),
  expertFlag('observer-endpoint-http-enabled', 'false', 'Allow HTTP endpoints for observers'),
  expertFlag('observer-endpoint-https-enabled', 'false', 'Allow HTTPS endpoints for observers'),
  define('observer-experimental-components', 'list', 'smapi', 'expert', 'Comma-separated experimental observer components; names other than xapi, xenopsd, xapi-clusterd and smapi are dropped', { reason: TUNING, accumulation: 'replace', separator: 'comma', allowedItems: ['xapi', 'xenopsd', 'xapi-clusterd', 'smapi'] }),
  expertFlag('disable-webserver', 'false', 'Turn off the host web server (also removes XO Lite and the page HSTS checks fetch)', POLICY),
  expertFlag('tgroups-enabled', 'false', 'Classify threads into tgroups'),
  delayPair('event_from_delay', '0.050000,0.050000', 'Seconds before an event.from call and between its internal rounds, as before,between'),
  delayPair('event_from_task_delay', '0.000000,0.050000', 'Like event_from_delay, for event.from calls on tasks only'),
  delayPair('event_next_delay', '0.200000,0.050000', 'Like event_from_delay, for event.next'),
  hostPath('drivertool', '/usr/sbin/driver-tool', 'Tool selecting host driver variants'),
  expertFlag('reuse-pool-sessions', 'false', 'Reuse pool sessions between hosts'),
  expertFlag('validate-reusable-pool-session', 'false', 'Check a reusable pool session before using it'),
  forbiddenFlag('ssh-auto-mode', 'true', 'Let XAPI manage SSH automatically', VENDOR),
  hostPath('secure-boot-efi-path', '/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c', 'EFI variable holding the Secure Boot state'),
  expertFlag('vm-sysprep-enabled', 'true', 'Offer the VM.sysprep API'),
  managedSeconds('vm-sysprep-wait', '5.', 'Seconds to wait for a VM to see an inserted sysprep CD'),
  expertFlag('vhd-legacy-blocks-format', 'true', 'Use the legacy (sparse) block format to find allocated VHD clusters'),
  expertSeconds('proxy_poll_period_timeout', '5.', 'Seconds between wake-ups of network proxy loops; -1 never wakes up', { minimum: -1 }),
  expertInt('max-span-depth', '100', 'Largest depth of recorded spans in a trace', { minimum: 0 }),
  expertFlag('https-only-default', 'true', 'Close HTTP port 80 in the firewall', POLICY),
  define('firewall-backend', 'enumeration', 'iptables', 'expert', 'Firewall backend: iptables or firewalld; any other value stops XAPI (exit 1)', { reason: POLICY, values: ['firewalld', 'iptables'], onUnknownValue: 'fail' }),
  expertFlag('dynamic-control-firewalld-service', 'true', 'Open and close firewalld services as features are turned on and off', POLICY),
  text('ntp-service', 'chronyd', 'forbidden', 'NTP service XAPI manages', { reason: HOST_PATH }),
  hostPath('ntp-config-path', '/etc/chrony.conf', 'NTP configuration file'),
  hostPath('ntp-dhcp-script-path', '/etc/dhcp/dhclient.d/chrony.sh', 'DHCP hook script of the NTP service'),
  hostPath('ntp-dhcp-dir', '/run/chrony-dhcp', 'Directory of NTP servers learnt from DHCP'),
  hostPath('ntp-client-path', '/usr/bin/chronyc', 'NTP client program'),
  hostPath('timedatectl', '/usr/bin/timedatectl', 'The timedatectl program'),
  expertFlag('rate_limit', 'false', 'Limit API calls per caller'),
  words('sm-plugins', 'expert', 'Storage drivers XAPI allows (* for all); a drop-in replaces the whole list and SRs of a driver left out become unusable', { reason: POLICY }),
  words('disable-logging-for', 'forbidden', 'Modules whose log lines are dropped; every occurrence adds names', { reason: VENDOR, separator: 'space', accumulation: 'union' }),
  words('disable-dbsync-for', 'expert', 'Database synchronisation steps to skip at startup', { reason: POLICY }),
  words('igd-passthru-vendor-whitelist', 'expert', 'PCI vendor ids (hex) allowed for integrated graphics passthrough; reading stops at the first bad id', { reason: POLICY, itemFormat: 'pci-vendor-id' }),
  words('repository-domain-name-allowlist', 'expert', 'Domain names allowed in update repository URLs', { reason: POLICY }),
  words('repository-url-blocklist', 'expert', 'URL patterns refused in update repository URLs', { reason: POLICY }),
  words('legacy-factory-ntp-servers', 'forbidden', 'Former default NTP servers', { reason: VENDOR }),
  words('factory-ntp-servers', 'forbidden', 'Default NTP servers', { reason: VENDOR }),
]

const COMMON_OPTIONS: readonly CatalogEntry[] = [
  flag('use-switch', 'true', 'forbidden', 'Use the message switch', { reason: PLUMBING }),
  hostPath('switch-path', '/var/run/message-switch/sock', 'Socket of the message switch'),
  define('search-path', 'list', '', 'forbidden', 'Colon-separated directories searched for resources; every occurrence goes in front', { reason: PLUMBING, accumulation: 'prepend', separator: 'colon' }),
  hostPath('pidfile', '/var/run/xapi.pid', 'File holding the XAPI process id'),
  text('log', 'syslog:daemon', 'forbidden', 'Log destination', { reason: PLUMBING }),
  define('loglevel', 'enumeration', 'debug', 'forbidden', 'Syslog level: emergency, alert, critical, error, warning, notice, info or debug; other values are ignored', { reason: PLUMBING, values: ['emergency', 'alert', 'critical', 'error', 'warning', 'notice', 'info', 'debug'], synonyms: { err: 'error', warn: 'warning' }, onUnknownValue: 'ignore', caseInsensitive: true }),
  hostPath('inventory', '/etc/xensource-inventory', 'Host inventory file'),
  hostPath('config', '/etc/xapi.conf', 'Main configuration file (no effect inside a file)'),
  hostPath('config-dir', '/etc/xapi.conf.d', 'Drop-in directory (effective only in /etc/xapi.conf or on the command line)'),
  seconds('timeslice', '0.05', 'forbidden', 'Seconds an OCaml thread runs before another is scheduled', { reason: PLUMBING }),
]

const RESOURCES: readonly CatalogEntry[] = [
  resource('busybox', 'exec', true, 'busybox', 'BusyBox, run as the DHCP server of internal networks'),
  resource('pbis-force-domain-leave-script', 'exec', true, 'pbis-force-domain-leave', 'forced AD domain leave after a failed one'),
  resource('redo-log-block-device-io', 'exec', true, 'block_device_io', 'block I/O helper of the redo log'),
  resource('sparse_dd', 'exec', true, 'sparse_dd', 'sparse disk copy'),
  resource('vhd-tool', 'exec', true, 'vhd-tool', 'VHD import and export'),
  resource('qcow_to_stdout', 'exec', true, '/opt/xensource/libexec/qcow2-to-stdout.py', 'qcow2 export'),
  resource('qcow_stream_tool', 'exec', true, 'qcow-stream-tool', 'qcow2 streaming'),
  resource('qemu-img', 'exec', true, '/usr/lib64/xen/bin/qemu-img', 'disk image conversion'),
  resource('fence', 'exec', true, 'fence', 'HA host fencing'),
  resource('host-bugreport-upload', 'exec', true, 'host-bugreport-upload', 'bug report upload'),
  resource('set-hostname', 'exec', true, 'set-hostname', 'host name change'),
  resource('xe-syslog-reconfigure', 'exec', true, 'xe-syslog-reconfigure', 'syslog reconfiguration'),
  resource('logs-download', 'exec', true, 'logs-download', 'host log download handler'),
  resource('update-mh-info', 'exec', true, 'update-mh-info', 'management interface change hook'),
  resource('upload-wrapper', 'exec', true, 'upload-wrapper', 'crash dump upload'),
  resource('host-backup', 'exec', true, 'host-backup', 'host backup'),
  resource('host-restore', 'exec', true, 'host-restore', 'host restore'),
  resource('xe', 'exec', true, 'xe', 'the xe command line'),
  resource('xe-toolstack-restart', 'exec', true, 'xe-toolstack-restart', 'toolstack restart'),
  resource('xsh', 'exec', true, 'xsh', 'the xsh shell'),
  resource('static-vdis', 'exec', true, 'static-vdis', 'static VDI management'),
  resource('xen-cmdline-script', 'exec', true, '/opt/xensource/libexec/xen-cmdline', 'Xen command line edits'),
  resource('list_domains', 'exec', true, '/usr/bin/list_domains', 'domain listing'),
  resource('systemctl', 'exec', true, '/usr/bin/systemctl', 'systemd control'),
  resource('alert-certificate-check', 'exec', true, 'alert-certificate-check', 'alerts about certificates close to expiry'),
  resource('gencert', 'exec', true, '/opt/xensource/libexec/gencert', 'TLS certificate generation'),
  resource('openssl_path', 'exec', true, '/usr/bin/openssl', 'RSA key generation'),
  resource('set-iscsi-initiator', 'exec', true, '/opt/xensource/libexec/set-iscsi-initiator', 'iSCSI initiator name change'),
  resource('createrepo-cmd', 'exec', true, '/usr/bin/createrepo_c', 'update repository creation'),
  resource('modifyrepo-cmd', 'exec', true, '/usr/bin/modifyrepo_c', 'update repository metadata'),
  resource('rpm-cmd', 'exec', true, '/usr/bin/rpm', 'package queries'),
  resource('depmod', 'exec', true, '/usr/sbin/depmod', 'kernel module dependencies'),
  resource('dracut', 'exec', true, '/usr/bin/dracut', 'initrd generation'),
  resource('udevadm', 'exec', true, '/usr/sbin/udevadm', 'udev control'),
  resource('startup-script-hook', 'exec', false, 'xapi-startup-script', 'hook run at startup'),
  resource('rolling-upgrade-script-hook', 'exec', false, 'xapi-rolling-upgrade', 'hook run when a rolling upgrade starts or stops'),
  resource('xapi-message-script', 'exec', false, 'mail-alarm', 'message hook when the e-mail feature is off'),
  resource('non-managed-pifs', 'exec', false, '/opt/xensource/libexec/bfs-interfaces', 'lists NICs XAPI must not manage'),
  resource('domain_join_cli_cmd', 'exec', false, '/opt/pbis/bin/domainjoin-cli', 'PBIS domain join'),
  resource('update-issue', 'exec', false, 'update-issue', 'login banner update'),
  resource('killall', 'exec', false, 'killall', 'process termination'),
  resource('nbd-firewall-config', 'exec', false, '/opt/xensource/libexec/nbd-firewall-config.sh', 'firewall rules for NBD'),
  resource('firewall-port-config', 'exec', false, '/etc/xapi.d/plugins/firewall-port', 'firewall port of xapi-clusterd'),
  resource('firewall-cmd', 'exec', false, '/usr/bin/firewall-cmd', 'firewalld zone services'),
  resource('firewall-cmd-wrapper', 'exec', false, '/usr/bin/firewall-cmd-wrapper', 'firewalld zone and interface services'),
  resource('nbd_client_manager', 'exec', false, '/opt/xensource/libexec/nbd_client_manager.py', 'NBD device connection'),
  resource('varstore-rm', 'exec', false, '/usr/bin/varstore-rm', 'UEFI variable removal on clone'),
  resource('varstore-sb-state', 'exec', false, '/usr/bin/varstore-sb-state', 'VM Secure Boot state'),
  resource('varstore-ls', 'exec', false, '/usr/bin/varstore-ls', 'UEFI variable listing'),
  resource('varstore_dir', 'exec', false, '/var/lib/varstored', 'local varstored directory'),
  resource('varstore-nvram-certcheck', 'exec', false, '/usr/bin/varstore-nvram-certcheck', 'Secure Boot certificates of VM NVRAM'),
  resource('nvidia-sriov-manage', 'exec', false, '/usr/lib/nvidia/sriov-manage', 'NVIDIA SR-IOV management'),
  resource('gen_pool_secret_script', 'exec', false, '/usr/bin/pool_secret_wrapper', 'pool secret generation'),
  resource('samba administration tool', 'exec', false, '/usr/bin/net', 'Samba domain join and leave (cannot be set from a file: the key holds spaces)'),
  resource('Samba TDB (Trivial Database) management tool', 'exec', false, '/usr/bin/tdbtool', 'Samba database (cannot be set from a file: the key holds spaces)'),
  resource('winbind query tool', 'exec', false, '/usr/bin/wbinfo', 'winbind queries (cannot be set from a file: the key holds spaces)'),
  resource('SQLite database  management tool', 'exec', false, '/usr/bin/sqlite3', 'SQLite databases (cannot be set from a file: the key holds spaces)'),
  resource('yum-cmd', 'exec', false, '/usr/bin/yum', 'yum'),
  resource('dnf-cmd', 'exec', false, '/usr/bin/dnf', 'dnf'),
  resource('reposync-cmd', 'exec', false, '/usr/bin/reposync', 'repository synchronisation'),
  resource('yum-config-manager-cmd', 'exec', false, '/usr/bin/yum-config-manager', 'yum configuration'),
  resource('c_rehash', 'exec', false, '/usr/bin/c_rehash', 'CA store rehash'),
  resource('fcoe-driver', 'exec', false, '/opt/xensource/libexec/fcoe_driver', 'FCoE LUNs of a NIC'),
  resource('pvsproxy_close_cache_vdi', 'exec', false, '/opt/citrix/pvsproxy/close-cache-vdi.sh', 'PVS proxy cache'),
  resource('genisoimage', 'exec', false, '/usr/bin/genisoimage', 'ISO image creation'),
  resource('pool_config_file', 'file', true, '/etc/xensource/pool.conf', 'pool role of the host'),
  resource('db-config-file', 'file', true, '/etc/xensource/db.conf', 'database configuration'),
  resource('udhcpd-skel', 'file', true, '/etc/xensource/udhcpd.skel', 'DHCP server template'),
  resource('pool_secret_path', 'file', false, '/etc/xensource/ptoken', 'pool secret'),
  resource('udhcpd-conf', 'file', false, '/etc/xensource/udhcpd.conf', 'DHCP server configuration'),
  resource('remote-db-conf-file', 'file', false, '/etc/xensource/remote.db.conf', 'remote databases'),
  resource('cpu-info-file', 'file', false, '/etc/xensource/boot_time_cpus', 'CPU data cached at boot'),
  resource('server-cert-path', 'file', false, '/etc/xensource/xapi-ssl.pem', 'TLS certificate of the host'),
  resource('server-cert-internal-path', 'file', false, '/etc/xensource/xapi-pool-tls.pem', 'TLS certificate between pool hosts'),
  resource('stunnel-bundle-path', 'file', false, '/etc/stunnel/xapi-stunnel-ca-bundle.pem', 'stunnel trust bundle'),
  resource('pool-bundle-path', 'file', false, '/etc/stunnel/xapi-pool-ca-bundle.pem', 'pool trust bundle'),
  resource('iscsi_initiatorname', 'file', false, '/etc/iscsi/initiatorname.iscsi', 'iSCSI initiator name'),
  resource('call-costs-file', 'file', false, '/etc/xensource/call-costs.conf', 'rate-limiting cost of each API call'),
  resource('sm-dir', 'dir', true, '/opt/xensource/sm', 'storage drivers'),
  resource('web-dir', 'dir', true, '/opt/xensource/www', 'files of the host website (XO Lite)'),
  resource('cluster-stack-root', 'dir', true, '/usr/libexec/xapi/cluster-stack', 'HA cluster stacks'),
  resource('xen-cmdline', 'dir', true, '/opt/xensource/libexec/xen-cmdline', 'Xen command line tool'),
  resource('gpg-homedir', 'dir', true, '/opt/xensource/gpg', 'GPG home directory'),
  resource('post-install-scripts-dir', 'dir', true, '/opt/xensource/packages/post-install-scripts', 'trusted guest provisioning scripts'),
  resource('master-scripts-dir', 'dir', false, '/etc/xensource/master.d', 'scripts run when the pool role changes'),
  resource('packs-dir', 'dir', false, '/etc/xensource/installed-repos', 'supplemental pack data'),
  resource('xapi-hooks-root', 'dir', false, '/etc/xapi.d', 'XAPI hooks'),
  resource('xapi-plugins-root', 'dir', false, '/etc/xapi.d/plugins', 'XenAPI plugins'),
  resource('xapi-extensions-root', 'dir', false, '/etc/xapi.d/extensions', 'XenAPI extensions'),
  resource('static-vdis-root', 'dir', false, '/etc/xensource/static-vdis', 'static VDIs'),
  resource('tools-sr-dir', 'dir', false, '/opt/xensource/packages/iso', 'guest tools ISOs'),
  resource('trusted-pool-certs-dir', 'dir', false, '/etc/stunnel/certs-pool', 'certificates of trusted pool hosts'),
  resource('trusted-certs-dir', 'dir', false, '/etc/stunnel/certs', 'certificates of other trusted parties'),
  resource('trace-log-dir', 'dir', false, '/var/log/dt/zipkinv2/json', 'traces exported to files'),
  resource('pool-recommendations-dir', 'dir', false, '/etc/xapi.pool-recommendations.d', 'pool recommendation files'),
]

/** Every key, in the order XAPI looks them up (common options, XAPI options, resources). */
export const CATALOG: readonly CatalogEntry[] = [...COMMON_OPTIONS, ...TIMING_AND_LIMITS, ...OTHER_OPTIONS, ...RESOURCES]

const BY_KEY: ReadonlyMap<string, CatalogEntry> = new Map(CATALOG.map(entry => [entry.key, entry]))

/** The entry XAPI applies for an exact, case-sensitive key. */
export function catalogEntry(key: string): CatalogEntry | undefined {
  return BY_KEY.get(key)
}

/** Every key once. */
export function catalogKeys(): string[] {
  return [...BY_KEY.keys()]
}

/** The key that names the XAPI variable an entry sets (aliases share one). */
export function canonicalKey(entry: CatalogEntry): string {
  return entry.aliasOf ?? entry.key
}

/** Keys that set the same XAPI variable as `key`, `key` included. */
export function keysSharingVariable(key: string): string[] {
  const entry = catalogEntry(key)
  if (entry === undefined) return [key]
  const variable = canonicalKey(entry)
  return CATALOG.filter(other => canonicalKey(other) === variable).map(other => other.key)
}
