import type { SshService } from '../../contract'

/** The stand-in for a host's sshd when the simulator runs without the lab's hosts: it only remembers its state. */
export class RememberedSshService implements SshService {
  constructor(private active: boolean) {}

  async start(): Promise<void> {
    this.active = true
  }

  async stop(): Promise<void> {
    this.active = false
  }

  isActive(): boolean {
    return this.active
  }
}
