// The configuration files an XCP-ng host ships (reference §1.8): a stock-like /etc/xapi.conf with
// XCP-ng's own settings, and the vendor drop-ins of /etc/xapi.conf.d that the plugin must leave alone.
import type { XcpngRelease } from './versions'

export interface XapiConfOptions {
  release: XcpngRelease
  /** Adds `disable-webserver = true`: the host then serves no XO Lite page. */
  webserverDisabled: boolean
}

export function stockXapiConf({ webserverDisabled }: XapiConfOptions): string {
  const lines = [
    '# XAPI configuration file (XCP-ng).',
    '# WARNING: an update of the xapi-core package may overwrite this file.',
    '# Put local settings in a file of /etc/xapi.conf.d/ instead.',
    '',
    '# Global policy',
    'inventory = /etc/xensource-inventory',
    'disable-logging-for = http db_write redo_log api_readonly',
    'log-getter = false',
    'xenopsd-queues = org.xen.xapi.xenops.classic',
    'xenopsd-default = org.xen.xapi.xenops.classic',
    'igd-passthru-vendor-whitelist = 8086',
    'allow-custom-uefi-certs = true',
    'website-https-only = false',
    'create-tools-sr = true',
    'allow-host-sched-gran-modification = true',
    ...(webserverDisabled ? ['disable-webserver = true'] : []),
    '',
    '# Helper programs',
    'search-path = /usr/libexec/xapi:/opt/xensource/bin',
    'sparse_dd = /usr/libexec/xapi/sparse_dd',
    'sm-plugins = ext nfs iscsi lvmoiscsi dummy file hba rawhba udev iso lvm lvmohba lvmofcoe shm smb cephfs glusterfs xfs zfs largeblock',
    'reboot_required_hfxs = /run/reboot-required.hfxs',
    'xen_livepatch_list = "/usr/sbin/xen-livepatch list"',
    'kpatch_list = "/usr/sbin/kpatch list"',
    '',
    '# Timeouts, in seconds (defaults shown)',
    '# pending_task_timeout = 86400',
    '# completed_task_timeout = 3900',
    '# inactive_session_timeout = 86400',
    '# host_heartbeat_interval = 30',
    '# ha_xapi_healthcheck_interval = 60',
  ]
  return `${lines.join('\n')}\n`
}

/** File name → content of the drop-ins the vendor packages install in /etc/xapi.conf.d. */
export function vendorDropIns(release: XcpngRelease): Record<string, string> {
  if (release === '8.2') {
    return {
      '00-XCP-ng-allow-sched-gran.conf': '# Do not modify manually!\nallow-host-sched-gran-modification = true\n',
      '00-XCP-ng-create-tools-sr.conf': '# Do not modify manually!\ncreate-tools-sr = true\n',
    }
  }
  const centosPool = [0, 1, 2, 3].map(n => `${n}.centos.pool.ntp.org`).join(' ')
  return {
    'ssh-auto-mode.conf': 'ssh-auto-mode=false\n',
    'tracing.conf': 'disable-logging-for=tracing tracing_export\n',
    'xcpng-ntp.conf': `factory-ntp-servers = ${centosPool}\nlegacy-factory-ntp-servers = ${centosPool}\n`,
  }
}
