// The ed25519 key pair the plugin generates once in its data directory, and its installation on a host.
import { randomBytes } from 'node:crypto'
import { chmod, link, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { utils } from 'ssh2'
import { HostAccessError } from './errors'
import type { HostSession } from './session'

export const KEY_COMMENT = 'xo-server-xapi-config'
export const PRIVATE_KEY_PATH = join('ssh', 'id_ed25519')

export interface KeyPair {
  /** OpenSSH private key (PEM-like text). Secret: never log it. */
  privateKey: string
  /** One `authorized_keys` line: `ssh-ed25519 AAAA… xo-server-xapi-config`. */
  publicKey: string
}

/** Returns the plugin's key pair, generating it on first use; concurrent callers all get the same pair. */
export async function ensureKeyPair(dataDir: string): Promise<KeyPair> {
  const file = join(dataDir, PRIVATE_KEY_PATH)
  await mkdir(join(file, '..'), { recursive: true, mode: 0o700 })
  let privateKey = await readPrivateKey(file)
  if (privateKey === undefined) {
    await createPrivateKey(file)
    privateKey = (await readPrivateKey(file)) as string
  }
  return { privateKey, publicKey: publicKeyLine(privateKey) }
}

export type InstallOutcome = 'installed' | 'already-present'

/**
 * Adds `publicKey` to `~/.ssh/authorized_keys` of the session's user through SFTP: creates `~/.ssh` (0700)
 * if needed, keeps every existing line, and does nothing when the key is already there.
 */
export async function installPublicKey(session: HostSession, publicKey: string): Promise<InstallOutcome> {
  const keyFields = authorizedKeyFields(publicKey)
  if (keyFields === undefined) {
    throw new HostAccessError('NOT_CONFIGURED', 'the public key to install is not an OpenSSH one-line public key')
  }
  const sshDir = `${await session.homeDirectory()}/.ssh`
  await session.ensureDirectory(sshDir, { mode: 0o700 })
  const file = `${sshDir}/authorized_keys`
  const existing = (await session.readFile(file)) ?? ''
  if (existing.split('\n').some(line => authorizedKeyFields(line) === keyFields)) {
    return 'already-present'
  }
  const separator = existing === '' || existing.endsWith('\n') ? '' : '\n'
  await session.writeFileAtomic(file, `${existing}${separator}${publicKey.trim()}\n`, { mode: 0o600 })
  return 'installed'
}

async function readPrivateKey(file: string): Promise<string | undefined> {
  try {
    const { mode } = await stat(file)
    if ((mode & 0o077) !== 0) {
      await chmod(file, 0o600)
    }
    return await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined
    }
    throw error
  }
}

// Written under a temporary name and hard-linked into place: the key file appears complete or not at all,
// and when two callers race, the first link wins and the other keeps the winner's key.
async function createPrivateKey(file: string): Promise<void> {
  const { private: privateKey } = utils.generateKeyPairSync('ed25519', { comment: KEY_COMMENT })
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`
  try {
    await writeFile(temp, privateKey, { mode: 0o600, flush: true })
    await link(temp, file)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw error
    }
  } finally {
    await rm(temp, { force: true })
  }
}

function publicKeyLine(privateKey: string): string {
  const parsed = utils.parseKey(privateKey)
  if (parsed instanceof Error) {
    const message = `the plugin's private key is unreadable (${parsed.message}): delete it to generate a new one`
    throw new HostAccessError('IO', message)
  }
  return `${parsed.type} ${parsed.getPublicSSH().toString('base64')} ${KEY_COMMENT}`
}

/** `type base64` of an authorized_keys line (options and comment left out), or undefined for other lines. */
function authorizedKeyFields(line: string): string | undefined {
  const fields = line.trim().split(/\s+/)
  const typeIndex = fields.findIndex(field => /^(ssh-|ecdsa-|sk-)/.test(field))
  const blob = fields[typeIndex + 1]
  return typeIndex === -1 || blob === undefined ? undefined : `${fields[typeIndex]} ${blob}`
}
