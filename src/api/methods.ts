// Every API method of the plugin, by concern.
import type { Runtime } from '../runtime'
import type { MethodTable } from './define'

export function buildMethods(runtime: Runtime): MethodTable {
  void runtime
  return {}
}
