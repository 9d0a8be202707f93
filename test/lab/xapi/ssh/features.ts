// Which XAPI versions manage SSH, and how far (xen-api datamodel_lifecycle.ml).
import type { SoftwareVersion } from '../../contract'
import { compareVersions } from '../conf/options'

/** `enable`: host/pool.enable_ssh and disable_ssh. `timeouts`: the SSH fields, the timeout setters. `autoMode`: ssh_auto_mode. */
export type SshFeature = 'enable' | 'timeouts' | 'autoMode'

const SINCE: Record<SshFeature, readonly number[]> = {
  enable: [25, 13, 0],
  timeouts: [25, 21, 0],
  autoMode: [25, 27, 0],
}

export function hasSshFeature(softwareVersion: SoftwareVersion, feature: SshFeature): boolean {
  return compareVersions(softwareVersion.xapi_build.split('.').map(Number), SINCE[feature]) >= 0
}
