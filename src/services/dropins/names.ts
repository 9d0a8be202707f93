// Which files of /etc/xapi.conf.d the plugin may write or remove.
import { isSafeFileName } from '../../conf'
import { forbiddenOperation, invalidParameters, paramError } from '../../xo/errors'

/**
 * Drop-ins the XCP-ng and XenServer packages ship (reference §1.8): never written, never removed.
 * 8.2 shipped `00-XCP-ng-*.conf` files, matched by prefix.
 */
const VENDOR_DROP_INS: ReadonlySet<string> = new Set([
  'tracing.conf',
  'xcpng-ntp.conf',
  'ssh-auto-mode.conf',
  'firewall-backend.conf',
  'xenserver9.conf',
])
const VENDOR_PREFIX = '00-XCP-ng-'

export function isVendorDropIn(file: string): boolean {
  return VENDOR_DROP_INS.has(file) || file.startsWith(VENDOR_PREFIX)
}

/** What is wrong with a name the plugin would write, if anything: the writer policy's pattern, no `..`, not a vendor's. */
export function writableNameProblem(file: string): string | undefined {
  if (!isSafeFileName(file) || file.includes('..')) {
    return `${JSON.stringify(file)} is not a drop-in name: letters, digits, \`.\`, \`_\` and \`-\`, ending in .conf, with no \`/\` or \`..\``
  }
  return isVendorDropIn(file) ? vendorMessage(file) : undefined
}

/** A name the plugin may write; invalidParameters, or forbiddenOperation for a vendor's drop-in. */
export function checkWritableName(file: string): string {
  refuseVendor(file, 'write')
  const problem = writableNameProblem(file)
  if (problem !== undefined) {
    invalidParameters(`file ${problem}`, [paramError('file', problem, { keyword: 'pattern', params: { file } })])
  }
  return file
}

/** A name the plugin may remove: any plain entry name (backups such as `x.conf~` are read by XAPI too), not a vendor's. */
export function checkRemovableName(file: string): string {
  if (file === '.' || file === '..' || /[/\0]/.test(file)) {
    invalidParameters(`file ${JSON.stringify(file)}: give the name of an entry of /etc/xapi.conf.d, without any directory`, [
      paramError('file', 'a plain file name: no `/`, no NUL, not `.` or `..`', { keyword: 'pattern', params: { file } }),
    ])
  }
  refuseVendor(file, 'remove')
  return file
}

function refuseVendor(file: string, operation: 'write' | 'remove'): void {
  if (isVendorDropIn(file)) {
    forbiddenOperation(`${operation} ${file}`, vendorMessage(file))
  }
}

function vendorMessage(file: string): string {
  return `${file} is shipped by XCP-ng: the plugin never changes or removes vendor drop-ins`
}
