// The private key, parsed once for every connection. Given the key as text, ssh2 parses it again at each
// connection and signs each login from PEM text, which OpenSSL decodes every time: about 0.5 ms of the
// event loop per login, against 0.04 ms with a key object. An ed25519 key (the one the plugin generates)
// signs through a Node key object; another kind keeps ssh2's own signing.
import { createPrivateKey, sign } from 'node:crypto'
import { utils, type ParsedKey } from 'ssh2'

let last: { source: string | Buffer; key: ParsedKey } | undefined

/** The key ready to sign logins; throws ssh2's error (it names the problem, not the key) when unusable. */
export function signingKey(privateKey: string | Buffer): ParsedKey {
  if (last !== undefined && sameSource(last.source, privateKey)) {
    return last.key
  }
  const parsed = utils.parseKey(privateKey)
  if (parsed instanceof Error) {
    throw parsed
  }
  const key = Array.isArray(parsed) ? parsed[0] : parsed
  if (!key.isPrivateKey()) {
    throw new Error('the key is a public key, not a private one')
  }
  if (key.type === 'ssh-ed25519') {
    const keyObject = createPrivateKey(key.getPrivatePEM())
    key.sign = (data: Buffer | string) => sign(null, Buffer.from(data), keyObject)
  }
  last = { source: privateKey, key }
  return key
}

function sameSource(a: string | Buffer, b: string | Buffer): boolean {
  return typeof a === 'string' || typeof b === 'string' ? a === b : a.equals(b)
}
