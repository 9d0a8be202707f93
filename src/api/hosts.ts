// Read-only methods and the SSH key chores.
import { CATALOG } from '../conf'
import type { Services } from '../services'
import type { MethodTable } from './define'
import { hostParam, poolsParam, scopeParams } from './params'

export function hostMethods(services: Services): MethodTable {
  return {
    keys: {
      description:
        'The catalog of XAPI configuration keys: type, default, description, first XAPI version, and whether the plugin ' +
        'manages it (managed), needs `expert: true` (expert) or refuses it (forbidden)',
      params: {
        class: { type: 'string', enum: ['managed', 'expert', 'forbidden'], optional: true, description: 'only keys of this class' },
      },
      doc: {
        summary: 'the key catalog (`managed`, `expert`, `forbidden`)',
        example: 'xo-cli xapiConfig.keys class=managed',
        result:
          'An array of catalog entries: `key`, `type`, `default` (as XAPI prints it after parsing, e.g. `86400.`), ' +
          '`description`, `class`, `accumulation`, and where they apply `reason`, `since`, `backports`, `unit`, ' +
          '`minimum`, `maximum`, `values`. Every field is described in [the catalog](catalog.md).',
        errors: [],
        guide: 'catalog.md',
      },
      async handler({ class: keyClass }: { class?: string }) {
        return CATALOG.filter(entry => keyClass === undefined || entry.class === keyClass)
      },
    },
    getHost: {
      description:
        "A host's /etc/xapi.conf and /etc/xapi.conf.d over SSH: each file with its parsed lines, the effective " +
        'configuration with the file and line of each value and what it shadowed, and whether XAPI would start',
      params: { host: hostParam },
      doc: {
        summary: "a host's files, effective values with their sources, startup prediction",
        example: 'xo-cli xapiConfig.getHost host=<host uuid>',
        result:
          '- `host`: id, label, address, pool, whether it is the master, XAPI and product versions.\n' +
          "- `configDir`: the drop-in directory XAPI reads (`/etc/xapi.conf.d`, or the `config-dir` of `/etc/xapi.conf`).\n" +
          '- `files`: every file XAPI reads, in its read order: path, role (`main`, `drop-in`), kind, symlink target, ' +
          'content and parsed `key = value` lines.\n' +
          '- `effective`: each key some file sets, with its value as XAPI holds it (`value`, e.g. `172800.`), the same ' +
          'value as an admin writes it (`display`, e.g. `172800 (48 h)`), the file and line that set it last, every ' +
          'assignment and the ones it shadowed.\n' +
          '- `outcome`: `starts`, `exit1` or `exit2`: what XAPI does at its next start.\n' +
          "- `problems`: the linter's findings (see [`xapi-conf`](xapi-conf-cli.md#json-output-of-lint)).",
        errors: [
          ['noSuchObject', 'XO knows no such host'],
          ['SSH error', 'the host cannot be reached or read: the error names the host and, for a changed key, both fingerprints (see [SSH errors](ssh.md#errors))'],
        ],
        guide: 'dropins.md',
      },
      handler: ({ host }: { host: string }) => services.hosts.getHost(host),
    },
    audit: {
      description:
        'For every host of the pools (default: every connected pool), concurrently: reachability over SSH, whether XAPI ' +
        'would start with its files, the files the plugin manages, the keys whose value differs between hosts of a pool ' +
        '(drift), and compliance with the desired drop-ins of the settings. An unreachable host is reported, not fatal',
      params: { pools: poolsParam },
      doc: {
        summary: 'reachability, startup prediction, files, drift, desired-state compliance',
        example: 'xo-cli xapiConfig.audit pools=json:\'["<pool uuid>"]\'',
        result:
          '- `pools`: per pool, one row per host: `ok` and `error` (an unreachable host is a row with its error, ' +
          'never a failure of the audit), `outcome`, `errors` (the linter\'s errors) and `warnings` (how many warnings), `files` (every drop-in in ' +
          'read order with its owner: `xen-orchestra` for files the plugin wrote, `vendor` for XCP-ng\'s, `other`), ' +
          '`values` (effective values the files set) and `desired` (compliance with each desired drop-in that applies ' +
          'to the pool: `compliant`, `missing`, `changed` or `overridden`, with the differing keys).\n' +
          "- per pool, `interrupted`: changes xo-server's death interrupted (the newest change of a file, when it " +
          'is `interrupted`), with what each host holds now (`result`, `previous`, `neither`, `unread`) and `mixed` ' +
          'when some hosts hold the result and others do not.\n' +
          "- per pool, `drift`: the keys whose effective value differs between the pool's hosts (a key set to XAPI's " +
          'default on one host and absent on another is no drift), with each host\'s `value` (as XAPI holds it) and ' +
          '`display` (as an admin writes it).\n' +
          "- per pool, `ssh`: each host's SSH as XAPI manages it (25.21+), read before the audit reaches the hosts: " +
          '`enabled`, `enabledTimeout`, `expiry`, `autoMode`, `consoleIdleTimeout`, `openWithoutTimeout`, `shouldBeClosed` ' +
          '(on a pool the settings want closed), or a `note` (e.g. XCP-ng 8.2: SSH must be enabled by hand).\n' +
          '- `unconnected`: the pools XO knows but cannot reach (listed when no `pools` are given).\n' +
          '- `sshNotPutBack`: hosts whose SSH the plugin enabled and could not put back, until XAPI shows them as expected.\n' +
          '- `summary`: hosts, unreachable hosts, hosts that would not start, drifting keys, non-compliant hosts, ' +
          'hosts with SSH open without a timeout and open where it should be closed, per pool and for the fleet ' +
          '(and hosts not put back).',
        errors: [['noSuchObject', 'an unknown pool']],
        guide: 'dropins.md',
      },
      handler: (params: { pools?: string[] }) => services.audit.audit(params),
    },
    getPublicKey: {
      description: "The plugin's SSH public key (generated in its data directory), to put in root's authorized_keys on hosts",
      params: {},
      doc: {
        summary: "the plugin's generated SSH public key",
        example: 'xo-cli xapiConfig.getPublicKey',
        result: 'The public key, one `authorized_keys` line: `ssh-ed25519 AAAA… xo-server-xapi-config`.',
        errors: [],
        guide: 'ssh.md',
      },
      handler: () => services.hosts.publicKey(),
    },
    installPublicKey: {
      description:
        "Adds the plugin's public key to root's ~/.ssh/authorized_keys on every host of a pool (or the listed hosts), " +
        'logging in with the SSH password of the settings once; existing keys are kept',
      params: scopeParams,
      doc: {
        summary: "appends it to root's authorized_keys (password used once)",
        example: 'xo-cli xapiConfig.installPublicKey pool=<pool uuid>',
        result: 'One row per host: `host`, `ok`, and `outcome` (`installed` or `already-present`) or `error`.',
        errors: [['noSuchObject', 'an unknown pool or host']],
        guide: 'ssh.md',
      },
      handler: (params: { pool?: string; hosts?: string[] }) => services.hosts.installPublicKeyOn(params),
    },
    forgetHostKey: {
      description:
        "Forgets the SSH host key pinned for a host, after you checked that its new key is legitimate (e.g. the host was " +
        'reinstalled); the next connection pins the key the host presents then',
      params: { host: hostParam },
      doc: {
        summary: "accepts a host's new SSH key after you checked it",
        example: 'xo-cli xapiConfig.forgetHostKey host=<host uuid>',
        result: '`host` (id, label, address, pool, versions) and `forgotten`: whether a key was pinned for it.',
        errors: [['noSuchObject', 'XO knows no such host']],
        guide: 'ssh.md',
      },
      handler: ({ host }: { host: string }) => services.hosts.forgetHostKey(host),
    },
  }
}
