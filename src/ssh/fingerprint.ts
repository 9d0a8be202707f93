// Host key fingerprints exactly as OpenSSH prints them (`ssh-keygen -lf`, `ssh -v`): `SHA256:` followed
// by the unpadded base64 of the SHA-256 of the key's wire-format blob.
import { createHash } from 'node:crypto'

const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/

export function fingerprintOf(keyBlob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')
}

export function isFingerprint(text: string): boolean {
  return FINGERPRINT.test(text)
}

/** The algorithm name at the head of a key blob, e.g. `ssh-ed25519`; `unknown` if the blob is malformed. */
export function keyTypeOf(keyBlob: Buffer): string {
  if (keyBlob.length < 4) {
    return 'unknown'
  }
  const length = keyBlob.readUInt32BE(0)
  return length > 0 && 4 + length <= keyBlob.length ? keyBlob.toString('latin1', 4, 4 + length) : 'unknown'
}
