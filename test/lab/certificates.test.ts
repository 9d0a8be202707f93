import assert from 'node:assert/strict'
import { connect } from 'node:tls'

import { startLab, type CertificateKind, type Lab } from './index'

describe('lab host certificates', function () {
  let lab: Lab

  before(async function () {
    const kinds: CertificateKind[] = ['self-signed', 'ca-signed', 'expired', 'wrong-name']
    lab = await startLab({ pools: [{ hosts: kinds.map(certificate => ({ certificate })) }] })
  })

  after(async function () {
    await lab?.stop()
  })

  // What a client trusting only the lab CA makes of each host's HTTPS certificate.
  const expectedVerdicts: Record<CertificateKind, string> = {
    'self-signed': 'DEPTH_ZERO_SELF_SIGNED_CERT',
    'ca-signed': 'trusted',
    expired: 'CERT_HAS_EXPIRED',
    'wrong-name': 'ERR_TLS_CERT_ALTNAME_INVALID',
  }

  it('serves on 443 the kind of certificate each host was given', async function () {
    for (const host of lab.hosts) {
      assert.equal(await verdict(host.address, host.https.port, lab.caCertificate), expectedVerdicts[host.https.certificate], host.https.certificate)
    }
  })
})

function verdict(address: string, port: number, ca: string): Promise<string> {
  return new Promise(resolve => {
    const socket = connect({ host: address, port, ca })
    socket.once('secureConnect', () => {
      socket.destroy()
      resolve('trusted')
    })
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message))
  })
}
