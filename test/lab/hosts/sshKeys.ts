import { createHash } from 'node:crypto'
import { readFile, rm } from 'node:fs/promises'

import { run } from './run'

export interface SshKeyPair {
  privateKeyPath: string
  privateKey: string
  /** The OpenSSH public key line, `ssh-ed25519 AAAA… comment`. */
  publicKey: string
  /** As OpenSSH prints it: `SHA256:` and the unpadded base64 of the key blob's SHA-256. */
  fingerprint: string
}

/** Generates an Ed25519 key pair with ssh-keygen at `privateKeyPath` (and `.pub`), replacing any. */
export async function generateSshKeyPair(privateKeyPath: string, comment: string): Promise<SshKeyPair> {
  await rm(privateKeyPath, { force: true })
  await rm(`${privateKeyPath}.pub`, { force: true })
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', privateKeyPath])
  const [privateKey, publicKey] = await Promise.all([
    readFile(privateKeyPath, 'utf8'),
    readFile(`${privateKeyPath}.pub`, 'utf8'),
  ])
  return { privateKeyPath, privateKey, publicKey: publicKey.trim(), fingerprint: sshFingerprint(publicKey) }
}

export function sshFingerprint(publicKeyLine: string): string {
  const blob = Buffer.from(publicKeyLine.trim().split(/\s+/)[1], 'base64')
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`
}
