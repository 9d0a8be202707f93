import assert from 'node:assert/strict'
import { get } from 'node:https'
import { connect } from 'node:tls'

import { startLab, type CertificateKind, type Lab, type LabHost } from './index'
import { runOverOpenSsh } from './openssh'

describe('lab per-host options', function () {
  let lab: Lab

  before(async function () {
    const kinds: CertificateKind[] = ['self-signed', 'ca-signed', 'expired', 'wrong-name']
    const hosts = kinds.map(certificate => ({ certificate }))
    lab = await startLab({ pools: [{ hosts }, { hosts: [{ release: '8.2', webserverDisabled: true }] }] })
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
    for (const host of lab.pools[0].hosts) {
      const verdict = await tlsVerdict(host.address, host.https.port, lab.caCertificate)
      assert.equal(verdict, expectedVerdicts[host.https.certificate], host.https.certificate)
    }
  })

  it('gives an 8.2 host the 8.2 vendor drop-ins and inventory', async function () {
    const host = lab.pools[1].hosts[0]
    const listing = await runOverOpenSsh(host, lab.knownHostsPath, 'ls /etc/xapi.conf.d; grep PRODUCT_VERSION /etc/xensource-inventory')
    assert.equal(listing.stdout, "00-XCP-ng-allow-sched-gran.conf\n00-XCP-ng-create-tools-sr.conf\nPRODUCT_VERSION='8.2.1'\n")
  })

  it('disables the web server of a host with webserverDisabled', async function () {
    const [enabled, disabled] = [lab.pools[0].hosts[0], lab.pools[1].hosts[0]]
    assert.equal(await pageStatus(enabled), 200)
    assert.notEqual(await pageStatus(disabled), 200)
    const conf = await runOverOpenSsh(disabled, lab.knownHostsPath, 'grep -c "^disable-webserver = true$" /etc/xapi.conf')
    assert.equal(conf.stdout, '1\n')
  })
})

function tlsVerdict(address: string, port: number, ca: string): Promise<string> {
  return new Promise(resolve => {
    const socket = connect({ host: address, port, ca })
    socket.once('secureConnect', () => {
      socket.destroy()
      resolve('trusted')
    })
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message))
  })
}

function pageStatus(host: LabHost): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    get({ host: host.address, port: host.https.port, path: '/', rejectUnauthorized: false }, response => {
      response.resume()
      resolve(response.statusCode)
    }).once('error', reject)
  })
}
