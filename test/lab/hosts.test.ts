import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { connect } from 'node:net'

import { Client } from 'ssh2'

import { startLab, type Lab, type LabHost } from './index'
import { capture } from './hosts/run'
import { runOverOpenSsh, type CommandResult } from './openssh'

const LOCK_FILE = '/dev/shm/xe_toolstack_restart.lock'
const RESTART = '/opt/xensource/bin/xe-toolstack-restart'
const WAIT_INIT = '/opt/xensource/bin/xapi-wait-init-complete'

describe('lab hosts', function () {
  let lab: Lab
  let master: LabHost
  let member: LabHost

  const onHost = async (host: LabHost, command: string): Promise<CommandResult> => runOverOpenSsh(host, lab.knownHostsPath, command)
  const okOnHost = async (host: LabHost, command: string): Promise<string> => {
    const result = await onHost(host, command)
    assert.equal(result.code, 0, `${command} on ${host.address}: ${result.stderr}`)
    return result.stdout
  }

  before(async function () {
    lab = await startLab({ pools: 1, hostsPerPool: 2 })
    ;[master, member] = lab.pools[0].hosts
  })

  after(async function () {
    await lab?.stop()
  })

  it('gives each host of a pool its own /etc/xapi.conf.d, written with a rename from /etc', async function () {
    // rename(2) itself, not mv, which would silently fall back to a copy across file systems.
    const write = `printf 'hsts_max_age = 60\\n' > /etc/.xapi.conf.d.xo-test && perl -e 'rename($ARGV[0], $ARGV[1]) or die "$!\\n"' /etc/.xapi.conf.d.xo-test /etc/xapi.conf.d/zz-only-on-master.conf`
    await okOnHost(master, write)

    assert.equal(await okOnHost(master, 'ls /etc/xapi.conf.d'), 'ssh-auto-mode.conf\ntracing.conf\nxcpng-ntp.conf\nzz-only-on-master.conf\n')
    assert.equal(await okOnHost(member, 'ls /etc/xapi.conf.d'), 'ssh-auto-mode.conf\ntracing.conf\nxcpng-ntp.conf\n')
    assert.equal(await okOnHost(master, 'hostname'), `${master.name_label}\n`)
    assert.equal(await okOnHost(member, 'cat /etc/xensource/pool.conf'), `slave:${master.address}`)
    await okOnHost(master, 'rm /etc/xapi.conf.d/zz-only-on-master.conf')
  })

  it('ships a stock-like /etc/xapi.conf and both toolstack scripts', async function () {
    assert.match(await okOnHost(member, 'cat /etc/xapi.conf'), /^website-https-only = false$/m)
    assert.equal(await okOnHost(member, `stat -c '%a %n' ${RESTART} ${WAIT_INIT}`), `755 ${RESTART}\n755 ${WAIT_INIT}\n`)
  })

  it('presents the host key whose fingerprint the manifest gives', async function () {
    const manifestHosts = lab.manifest.pools[0].hosts
    for (const host of [master, member]) {
      const scanned = await capture('sh', ['-c', `ssh-keyscan -t ed25519 ${host.address} 2>/dev/null | ssh-keygen -l -f -`])
      const fingerprint = scanned.stdout.split(' ')[1]
      assert.match(fingerprint, /^SHA256:[A-Za-z0-9+/]{43}$/)
      assert.equal(manifestHosts.find(entry => entry.uuid === host.uuid)?.ssh.hostKeyFingerprint, fingerprint)
    }
    assert.notEqual(master.ssh.hostKeyFingerprint, member.ssh.hostKeyFingerprint)
  })

  it('accepts root with the password and with the key (ssh2 client)', async function () {
    assert.equal(await execWithSsh2(member, { password: member.ssh.password }, 'cat /etc/hostname'), `${member.name_label}\n`)
    assert.equal(await execWithSsh2(member, { privateKey: member.ssh.privateKey }, 'id -u'), '0\n')
    await assert.rejects(execWithSsh2(member, { password: 'not-the-password' }, 'true'), /authentication methods failed/)
  })

  it('makes xe-toolstack-restart exit 1 while another instance holds the lock', async function () {
    const result = await onHost(master, `flock -x ${LOCK_FILE} ${RESTART}`)
    assert.equal(result.code, 1)
    assert.equal(result.stdout, `Exiting: cannot lock ${LOCK_FILE}. Is an instance of ${RESTART} running already?\n`)
  })

  it('restarts XAPI with xe-toolstack-restart, then xapi-wait-init-complete sees the cookie', async function () {
    const restart = await onHost(member, RESTART)
    assert.equal(restart.code, 0, restart.stdout + restart.stderr)
    assert.equal(restart.stdout, 'Executing xe-toolstack-restart\ndone.\n')
    assert.equal((await onHost(member, `${WAIT_INIT} 30`)).code, 0)
  })

  it('applies a drop-in written over SSH at the next restart (HSTS header on GET / over HTTPS)', async function () {
    const curl = (options: string): Promise<CommandResult> => capture('curl', ['-sk', ...options.split(' '), `https://${member.address}/`])
    assert.doesNotMatch((await curl('-D - -o /dev/null')).stdout, /strict-transport-security/i)
    assert.match((await curl('-I')).stdout, /^HTTP\/1\.1 501 /)

    await okOnHost(member, `echo "hsts_max_age = 31536000" > /etc/xapi.conf.d/zz-hsts.conf && ${RESTART} && ${WAIT_INIT} 30`)
    try {
      assert.match((await curl('-D - -o /dev/null')).stdout, /^strict-transport-security: max-age=31536000\r$/im)
    } finally {
      await okOnHost(member, `rm /etc/xapi.conf.d/zz-hsts.conf && ${RESTART} && ${WAIT_INIT} 30`)
    }
  })

  it('makes xe-toolstack-restart exit 1 when XAPI fails to start, and 0 once the files are fixed', async function () {
    await okOnHost(member, 'echo "hsts_max_age = 1y" > /etc/xapi.conf.d/zz-bad.conf')
    const failed = await onHost(member, RESTART)
    assert.equal(failed.code, 1)
    assert.match(failed.stdout, /^Executing xe-toolstack-restart\nxapi\.service failed to restart, .*status=1\/FAILURE/s)
    assert.equal(lab.controls.xapi.state(member.uuid), 'down')

    await okOnHost(member, 'rm /etc/xapi.conf.d/zz-bad.conf')
    assert.equal(await okOnHost(member, RESTART), 'Executing xe-toolstack-restart\ndone.\n')
  })

  it('makes xapi-wait-init-complete print its usage, or time out when XAPI is down', async function () {
    const usage = await onHost(member, WAIT_INIT)
    assert.equal(usage.code, 1)
    assert.equal(usage.stdout, `Usage: ${WAIT_INIT} <timeout> (seconds) [tag]\n`)

    await lab.controls.xapi.stopXapi(member.uuid)
    try {
      const timeout = await onHost(member, `${WAIT_INIT} 2 lab-test`)
      assert.equal(timeout.code, 1)
      assert.match(timeout.stderr, /lab-test: Failed to detect xapi init complete after 2s\n$/)
    } finally {
      await lab.controls.xapi.startXapi(member.uuid)
    }
  })

  it('fails writes in /etc with ENOSPC while the disk is full', async function () {
    const write = 'printf "x = 1\\n" > /etc/.xapi.conf.d.xo-full'
    await lab.controls.fillDisk(member.uuid)
    try {
      const full = await onHost(member, write)
      assert.equal(full.code, 1)
      assert.match(full.stderr, /No space left on device/)
    } finally {
      await lab.controls.freeDisk(member.uuid)
    }
    await okOnHost(member, `${write} && rm /etc/.xapi.conf.d.xo-full`)
  })

  it('stops and starts sshd: the port refuses meanwhile and the files stay', async function () {
    await okOnHost(member, 'echo kept > /etc/xapi.conf.d/zz-kept.conf')
    await lab.controls.stopSsh(member.uuid)
    await assert.rejects(tcpConnect(member.address, 22), { code: 'ECONNREFUSED' })
    await lab.controls.startSsh(member.uuid)
    assert.equal(await okOnHost(member, 'cat /etc/xapi.conf.d/zz-kept.conf && rm /etc/xapi.conf.d/zz-kept.conf'), 'kept\n')
  })

  it('changes a host key: new fingerprint in the manifest and known_hosts', async function () {
    const before = member.ssh.hostKeyFingerprint
    const after = await lab.controls.changeHostKey(member.uuid)
    assert.notEqual(after, before)
    assert.equal(member.ssh.hostKeyFingerprint, after)
    assert.equal(lab.manifest.pools[0].hosts[1].ssh.hostKeyFingerprint, after)
    assert.equal(await execWithSsh2(member, { password: member.ssh.password }, 'true', after), '')
    await okOnHost(member, 'true') // known_hosts was rewritten
  })
})

/** Runs `command` with the ssh2 client, accepting only the host key whose fingerprint is given. */
function execWithSsh2(
  host: LabHost,
  auth: { password: string } | { privateKey: string },
  command: string,
  fingerprint = host.ssh.hostKeyFingerprint
): Promise<string> {
  return new Promise((resolve, reject) => {
    const client = new Client()
    client
      .on('ready', () => {
        client.exec(command, (error, stream) => {
          if (error) {
            return reject(error)
          }
          let output = ''
          stream.on('data', (chunk: Buffer) => (output += chunk.toString()))
          stream.on('close', () => {
            client.end()
            resolve(output)
          })
        })
      })
      .on('error', reject)
      .connect({
        host: host.address,
        port: host.ssh.port,
        username: host.ssh.username,
        ...auth,
        hostVerifier: (key: Buffer) => `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}` === fingerprint,
      })
  })
}

function tcpConnect(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port })
    socket.once('connect', () => {
      socket.destroy()
      resolve()
    })
    socket.once('error', reject)
  })
}
