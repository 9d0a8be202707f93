import assert from 'node:assert/strict'
import { utils, type ParsedKey } from 'ssh2'
import { signingKey } from '../../src/ssh/signing-key'

describe('ssh/signing-key: the private key parsed once', () => {
  const data = Buffer.from('session id and userauth request')

  it('signs an ed25519 login that its public key verifies, and parses the same key only once', () => {
    const { private: privateKey } = utils.generateKeyPairSync('ed25519')
    const key = signingKey(privateKey)
    const signature = key.sign(data)
    assert.ok(Buffer.isBuffer(signature))
    const unpatched = utils.parseKey(privateKey) as ParsedKey // ssh2's own, verifying as a server would
    assert.equal(unpatched.verify(data, signature), true)
    assert.equal(unpatched.verify(Buffer.from('another request'), signature), false)
    assert.equal(signingKey(privateKey), key, 'the same key text gives the parsed key back')
    assert.notEqual(signingKey(utils.generateKeyPairSync('ed25519').private), key, 'another key is parsed anew')
  })

  it('keeps ssh2\'s own signing for other kinds of key', () => {
    const { private: privateKey } = utils.generateKeyPairSync('ecdsa', { bits: 256 })
    const key = signingKey(privateKey)
    assert.equal(key.type, 'ecdsa-sha2-nistp256')
    assert.ok(Buffer.isBuffer(key.sign(data)))
    assert.equal(key.verify(data, key.sign(data) as Buffer), true)
  })

  it('throws on text that is not a private key', () => {
    assert.throws(() => signingKey('not a key'))
    const { public: publicKey } = utils.generateKeyPairSync('ed25519')
    assert.throws(() => signingKey(publicKey), /public key/)
  })
})
