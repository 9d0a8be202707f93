// Which files of /etc/xapi.conf.d the plugin may write or remove.
import { isSafeFileName, MAX_NAME_BYTES, quoteShort } from '../../conf'
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
  const tooLong = nameLengthProblem(file)
  if (tooLong !== undefined) {
    return tooLong
  }
  if (!isSafeFileName(file) || file.includes('..')) {
    return `${quoteShort(file)} is not a drop-in name: letters, digits, \`.\`, \`_\` and \`-\`, ending in .conf, with no \`/\` or \`..\``
  }
  return isVendorDropIn(file) ? vendorMessage(file) : undefined
}

/** A name the plugin may write; invalidParameters, or forbiddenOperation for a vendor's drop-in. */
export function checkWritableName(file: string): string {
  refuseVendor(file, 'write')
  const problem = writableNameProblem(file)
  if (problem !== undefined) {
    invalidParameters(`file ${problem}`, [paramError('file', problem, { keyword: 'pattern', params: { file: quoteShort(file) } })])
  }
  return file
}

/** A name the plugin may remove: any plain entry name (backups such as `x.conf~` are read by XAPI too), not a vendor's. */
export function checkRemovableName(file: string): string {
  const tooLong = nameLengthProblem(file)
  if (tooLong !== undefined) {
    invalidParameters(`file ${tooLong}`, [paramError('file', tooLong, { keyword: 'maxLength', params: { limit: MAX_NAME_BYTES } })])
  }
  if (file === '.' || file === '..' || /[/\0]/.test(file)) {
    invalidParameters(`file ${quoteShort(file)}: give the name of an entry of /etc/xapi.conf.d, without any directory`, [
      paramError('file', 'a plain file name: no `/`, no NUL, not `.` or `..`', { keyword: 'pattern', params: { file: quoteShort(file) } }),
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

/** Names longer than a file system takes (ENAMETOOLONG) are refused before any host is contacted. */
export function nameLengthProblem(file: string): string | undefined {
  const bytes = Buffer.byteLength(file)
  return bytes <= MAX_NAME_BYTES ? undefined : `${quoteShort(file)} is ${bytes} bytes long: the limit of a file name is ${MAX_NAME_BYTES} bytes`
}
