// The keys XAPI accepts in /etc/xapi.conf and /etc/xapi.conf.d, by how their value is parsed
// (xapi_globs.ml `all_options` and xcp_service.ml `common_options`, xen-api e2ee48d6883e).
// Resource paths are plain strings here: XAPI's access check of essential resources is not simulated.

export type OptionKind =
  | 'int' // Arg.Int / Set_int: int_of_string, Failure → exit 1
  | 'float' // Arg.Float / Set_float: float_of_string, Failure → exit 1
  | 'bool' // Arg.Bool / Set / Clear: bool_of_string, Invalid_argument → exit 2
  | 'string' // Arg.String / Set_string: never fails
  | 'word-list' // gen_list_option: each occurrence replaces the list, parse errors are only logged
  | 'vendor-id-list' // igd-passthru-vendor-whitelist: like word-list, each word read with Scanf "%4Lx"
  | 'module-set' // disable-logging-for (common option): accumulates across lines and files
  | 'search-path' // prepends on each occurrence
  | 'firewall-backend' // firewalld | iptables, else Failure → exit 1
  | 'batching-delays' // "<float>,<float>" read with Scanf, failures uncaught → exit 2

const words = (text: string): string[] => text.trim().split(/\s+/)

const KEYS_BY_KIND: Record<OptionKind, string[]> = {
  int: words(`
    ha_xapi_healthcheck_interval ha_xapi_healthcheck_timeout ha_xapi_restart_attempts ha_xapi_restart_timeout
    default-vbd3-polling-duration default-vbd3-polling-idle-threshold xapi_clusterd_port max_active_sr_scans
    winbind_debug_level winbind_cache_time max_header_length_tcp coordinator_max_stunnel_cache
    member_max_stunnel_cache conn_limit_tcp conn_limit_unix conn_limit_clientcert max_spans max_traces
    max_observer_file_size test-open local_yum_repo_port ha_best_effort_max_retries max-auto-registered-callers
    host_assumed_dead_interval hsts_max_age failed-login-alert-freq cert-expiration-days messages-limit
    evacuation-batch-size server-cert-group-id export-chunk-size max-spans max-traces observer-max-file-size
    max-span-depth`),
  float: words(`
    master_connection_reset_timeout master_connection_retry_timeout master_connection_default_timeout
    qemu_dm_ready_timeout hotplug_timeout pif_reconfigure_ip_timeout pool_db_sync_interval
    pool_data_sync_interval domain_shutdown_total_timeout emergency_reboot_delay_base
    emergency_reboot_delay_extra logrotate_check_interval rrd_backup_interval session_revalidation_interval
    update_all_subjects_interval wait_memory_target_timeout snapshot_with_quiesce_timeout
    host_heartbeat_interval fuse_time db_restore_fuse_time inactive_session_timeout pending_task_timeout
    completed_task_timeout minimum_time_between_bounces minimum_time_between_reboot_with_no_added_delay
    ha_monitor_interval ha_monitor_plan_interval ha_monitor_startup_timeout ha_default_timeout_base
    guest_liveness_timeout permanent_master_failure_retry_interval redo_log_max_block_time_empty
    redo_log_max_block_time_read redo_log_max_block_time_writedelta redo_log_max_block_time_writedb
    redo_log_max_startup_time redo_log_connect_delay vm_call_plugin_interval winbind_machine_pwd_timeout
    winbind_update_closest_kdc_interval header_read_timeout_tcp header_total_timeout_tcp stunnel_cache_max_age
    stunnel_cache_max_idle export_interval winbind_ldap_query_subject_timeout gpumon_stop_timeout
    export-interval vm-sysprep-wait proxy_poll_period_timeout timeslice`),
  bool: words(`
    nowatchdog log-getter onsystemboot relax-xsm-sr-check include-console-username-in-error gvt-g-supported
    pass-through-pif-carrier db_idempotent_map use-event-next create-tools-sr
    allow-host-sched-gran-modification use-xmlrpc winbind_set_machine_account_kerberos_encryption_type
    winbind_scan_trusted_domains winbind_keep_configuration website-https-only migration-https-only
    repository-gpgcheck ignore-vtpm-unimplemented allow-custom-uefi-certs prefer-nbd-attach
    nvidia-gpumon-detach compress-tracing-files observer-endpoint-http-enabled observer-endpoint-https-enabled
    disable-webserver tgroups-enabled reuse-pool-sessions validate-reusable-pool-session vm-sysprep-enabled
    vhd-legacy-blocks-format https-only-default rate_limit serialize_auth_service ssh-auto-mode
    dynamic-control-firewalld-service use-switch`),
  string: words(`
    hotfix-fingerprint logconfig writereadyfile writeinitcomplete xenopsd-default nvidia-whitelist
    gvt-g-whitelist mxgpu-whitelist cluster-stack-default reboot_required_hfxs xen_livepatch_list kpatch_list
    modprobe_path extauth_ad_backend repository-gpgkey-name drivertool secure-boot-efi-path ntp-service
    ntp-config-path ntp-dhcp-script-path ntp-dhcp-dir ntp-client-path timedatectl xenopsd-queues
    nvidia_multi_vgpu_enabled_driver_versions nvidia_t4_sriov winbind_kerberos_encryption_type
    observer-experimental-components switch-path pidfile log loglevel inventory config config-dir`),
  'word-list': words(`
    sm-plugins disable-dbsync-for repository-domain-name-allowlist repository-url-blocklist
    legacy-factory-ntp-servers factory-ntp-servers`),
  'vendor-id-list': ['igd-passthru-vendor-whitelist'],
  'module-set': ['disable-logging-for'],
  'search-path': ['search-path'],
  'firewall-backend': ['firewall-backend'],
  'batching-delays': ['event_from_delay', 'event_from_task_delay', 'event_next_delay'],
}

/** Pairs of names bound to the same OCaml ref: setting one sets both. */
const ALIASES: ReadonlyArray<readonly [string, string]> = [
  ['max_spans', 'max-spans'],
  ['max_traces', 'max-traces'],
  ['export_interval', 'export-interval'],
  ['max_observer_file_size', 'observer-max-file-size'],
]

export const OPTION_KINDS: ReadonlyMap<string, OptionKind> = new Map(
  Object.entries(KEYS_BY_KIND).flatMap(([kind, keys]) => keys.map(key => [key, kind as OptionKind] as const))
)

export function aliasesOf(key: string): string[] {
  const pair = ALIASES.find(names => names.includes(key))
  return pair === undefined ? [key] : [...pair]
}

/** `hsts_max_age` appeared in xapi v23.16.0: older XAPIs (XCP-ng 8.2, xapi 1.249) ignore it as unknown. */
export function isKnownKey(key: string, xapiVersion: readonly number[]): boolean {
  if (!OPTION_KINDS.has(key)) return false
  return key !== 'hsts_max_age' || compareVersions(xapiVersion, [23, 16, 0]) >= 0
}

export function compareVersions(left: readonly number[], right: readonly number[]): number {
  for (let index = 0; index < Math.max(left.length, right.length); index++) {
    const difference = (left[index] ?? 0) - (right[index] ?? 0)
    if (difference !== 0) return Math.sign(difference)
  }
  return 0
}

/** Built-in defaults of the keys the simulator acts on or reports, with xapi-init's command-line flags. */
export const DEFAULTS: ReadonlyMap<string, string | bigint | number | boolean | string[]> = new Map<
  string,
  string | bigint | number | boolean | string[]
>([
  ['pending_task_timeout', 86400],
  ['completed_task_timeout', 3900],
  ['inactive_session_timeout', 86400],
  ['hsts_max_age', -1n],
  ['messages-limit', 10000n],
  ['max_spans', 10000n],
  ['max-spans', 10000n],
  ['website-https-only', true],
  ['disable-webserver', false],
  ['ssh-auto-mode', true],
  ['serialize_auth_service', true],
  ['repository-gpgkey-name', ''],
  ['xenopsd-default', 'org.xen.xapi.xenops.xenlight'],
  ['firewall-backend', 'iptables'],
  ['sm-plugins', []],
  ['igd-passthru-vendor-whitelist', []],
  ['disable-logging-for', []],
  ['search-path', []],
  ['config-dir', '/etc/xapi.conf.d'],
  ['writeinitcomplete', '/var/run/xapi_init_complete.cookie'],
])
