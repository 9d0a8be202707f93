import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'

import { createLabCa } from './certificates'
import type { LabSecrets } from './spec'
import { run } from './run'
import { generateSshKeyPair, type SshKeyPair } from './sshKeys'

export interface LabCredentials {
  /** root's password on every host of the lab, and XAPI's. Random: lab hosts are real root shells. */
  password: string
  /** The key pair whose public half every host's root accepts. */
  clientKey: SshKeyPair
  secrets: LabSecrets
}

export async function createLabCredentials(labDir: string, labId: string): Promise<LabCredentials> {
  const password = randomBytes(12).toString('base64url')
  const [shadow, clientKey, ca] = await Promise.all([
    shadowWithRootPassword(password),
    generateSshKeyPair(join(labDir, 'id_ed25519'), `xo-xapi-config-lab-${labId}`),
    createLabCa(labDir, labId),
  ])
  return { password, clientKey, secrets: { ca, shadow, authorizedKeys: `${clientKey.publicKey}\n` } }
}

/** The machine's /etc/shadow, with root's password hash (SHA-512 crypt) replaced. */
async function shadowWithRootPassword(password: string): Promise<string> {
  const [{ stdout: hash }, shadow] = await Promise.all([
    run('openssl', ['passwd', '-6', '-stdin'], { input: password }),
    readFile('/etc/shadow', 'utf8'),
  ])
  const lines = shadow.split('\n')
  const rootIndex = lines.findIndex(line => line.startsWith('root:'))
  if (rootIndex === -1) {
    throw new Error('/etc/shadow has no root entry')
  }
  const fields = lines[rootIndex].split(':')
  fields[1] = hash.trim()
  lines[rootIndex] = fields.join(':')
  return lines.join('\n')
}
