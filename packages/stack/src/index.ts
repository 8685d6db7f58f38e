// @tracetail/stack: obtains, starts, probes and stops the real backends as native loopback processes.
export type { RunningBackend } from './backend-process.ts';
export {
  NotReadyError,
  ObtainError,
  PortInUseError,
  PrerequisiteError,
  StackConfigError,
  StackError,
  StopError,
} from './errors.ts';
export type { NodeRuntime } from './node-runtime.ts';
export { minimumNodeVersion, nodeRuntimeBinary, nodeRuntimes, obtainNodeRuntime } from './node-runtime.ts';
export type { BackendName } from './obtain.ts';
export { allBackends, defaultBackends, obtain, obtainComposeCli } from './obtain.ts';
export { reapOrphans } from './orphan-registry.ts';
export { cacheRoot, defaultStackDir, repoRoot } from './paths.ts';
export { setProgressSink } from './progress.ts';
export type { BackendStatus, PortChoice, StartOptions } from './stack.ts';
export { stackStatus, standardPorts, startBackend, startStack, stopStack, useSharedStack } from './stack.ts';
export type { Versions } from './versions.ts';
export { versions, versionsFile } from './versions.ts';
