export { EmulatedVm } from "./emulated-vm.js";
export { Host, type HostOptions, type HostState, HostStateSchema, runHosts, type VmSchedStats } from "./host.js";
export type { HostedVm } from "./hosted-vm.js";
export { PartitionBackend } from "./partition.js";
export { WorkloadVm, type WorkloadVmOptions, type WorkloadVmState, WorkloadVmStateSchema } from "./workload-vm.js";
