// Ed25519 key pairs in OpenSSH's own formats, made with node's crypto: the lab creates one per host
// and spawning ssh-keygen that often is slow on a small machine.
import { createHash, generateKeyPair, randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { promisify } from 'node:util'

const KEY_TYPE = 'ssh-ed25519'

export interface SshKeyPair {
  privateKeyPath: string
  /** In the `-----BEGIN OPENSSH PRIVATE KEY-----` format, as ssh-keygen writes it. */
  privateKey: string
  /** The OpenSSH public key line, `ssh-ed25519 AAAA… comment`. */
  publicKey: string
  /** As OpenSSH prints it: `SHA256:` and the unpadded base64 of the key blob's SHA-256. */
  fingerprint: string
}

/** Writes a new key pair to `privateKeyPath` (mode 0600) and `privateKeyPath.pub`, replacing any. */
export async function generateSshKeyPair(privateKeyPath: string, comment: string): Promise<SshKeyPair> {
  const { privateKey } = await promisify(generateKeyPair)('ed25519')
  const jwk = privateKey.export({ format: 'jwk' })
  const seed = Buffer.from(jwk.d!, 'base64url')
  const publicBytes = Buffer.from(jwk.x!, 'base64url')
  const publicBlob = concatStrings(KEY_TYPE, publicBytes)
  const pair = {
    privateKeyPath,
    privateKey: openSshPrivateKey(publicBlob, seed, publicBytes, comment),
    publicKey: `${KEY_TYPE} ${publicBlob.toString('base64')} ${comment}`,
    fingerprint: fingerprintOfBlob(publicBlob),
  }
  await writeFile(privateKeyPath, pair.privateKey, { mode: 0o600, flag: 'w' })
  await writeFile(`${privateKeyPath}.pub`, `${pair.publicKey}\n`)
  return pair
}

export function sshFingerprint(publicKeyLine: string): string {
  return fingerprintOfBlob(Buffer.from(publicKeyLine.trim().split(/\s+/)[1], 'base64'))
}

function fingerprintOfBlob(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`
}

// The unencrypted "openssh-key-v1" container (OpenSSH's PROTOCOL.key).
function openSshPrivateKey(publicBlob: Buffer, seed: Buffer, publicBytes: Buffer, comment: string): string {
  const check = randomBytes(4)
  const secret = Buffer.concat([check, check, concatStrings(KEY_TYPE, publicBytes, Buffer.concat([seed, publicBytes]), comment)])
  const padding = Buffer.from(Array.from({ length: (8 - (secret.length % 8)) % 8 }, (_, index) => index + 1))
  const body = Buffer.concat([
    Buffer.from('openssh-key-v1\0', 'latin1'),
    concatStrings('none', 'none', ''),
    uint32(1),
    concatStrings(publicBlob, Buffer.concat([secret, padding])),
  ])
  const lines = body.toString('base64').match(/.{1,70}/g)!
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${lines.join('\n')}\n-----END OPENSSH PRIVATE KEY-----\n`
}

/** SSH wire "string"s: each a 32-bit big-endian length and its bytes. */
function concatStrings(...values: Array<string | Buffer>): Buffer {
  return Buffer.concat(
    values.flatMap(value => {
      const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value
      return [uint32(bytes.length), bytes]
    })
  )
}

function uint32(value: number): Buffer {
  const buffer = Buffer.alloc(4)
  buffer.writeUInt32BE(value)
  return buffer
}
