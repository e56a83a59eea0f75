export { DEFAULT_RAID5, Raid5Lun, type Raid5Options } from "./array/raid5-lun.js";
export { FC_10K_DISK, SptfDisk, type SptfDiskSpec } from "./array/sptf-disk.js";
export { type ClosedLoopSpec, ClosedLoopVm } from "./cluster/closed-loop-vm.js";
export { type ClusterRun, type ClusterSummary, checkClusterSpec, type HostSample, runCluster, summarize } from "./cluster/cluster.js";
export {
  type ArraySpec,
  type ClusterEvent,
  type ClusterSpec,
  type ControlSpec,
  type HostControlMode,
  type HostSchedulerKind,
  type HostSpec,
  microVm,
  PARDA_CONTROL,
  type Placement,
  type VmSpec,
} from "./cluster/config.js";
export { QosHost } from "./cluster/qos-host.js";
export { type LatencyListener, SchedulerBridge } from "./cluster/scheduler-bridge.js";
export { LATENCY_EWMA_FORMS, LatencyEwma, type LatencyEwmaForm } from "./control/latency-ewma.js";
export { SharedLatencyFile } from "./control/shared-file.js";
export { checkWindowLaw, equilibriumWindow, nextWindow, type WindowLawParams } from "./control/window-law.js";
export { QosErrors } from "./errors.js";
export { Fcfs } from "./sched/fcfs.js";
export { MClock, type MClockSpec, type MClockState, MClockStateSchema } from "./sched/mclock.js";
export { type HostScheduler, RequestRing, type RingState } from "./sched/scheduler.js";
export { SfqD, type SfqState, SfqStateSchema } from "./sched/sfq.js";
export {
  checkVicParams,
  DEFAULT_VIC,
  type RatioStep,
  VicCoalescer,
  type VicParams,
  type VicState,
  VicStateSchema,
} from "./vic/coalescer.js";
export { runVicGuest, type VicGuestResult, type VicGuestSpec, vicGuestMachine, vicGuestResult } from "./vic/guest-run.js";
export { VicInterruptModerator } from "./vic/virtio-moderator.js";
export { runVicVm, type VicVmResult, type VicVmSpec } from "./vic/vm-model.js";
