export { CacheDirectory, type CacheDirectoryState, CacheDirectoryStateSchema } from "./array/cache-directory.js";
export { type HddRaid5Options, hddRaid5Array } from "./array/hdd-raid5.js";
export { RaidGroup, type RaidGroupState, RaidGroupStateSchema, type RaidLevel, type RaidOptions } from "./array/raid.js";
export {
  ArrayLun,
  type ArrayOptions,
  DEFAULT_ARRAY_OPTIONS,
  defaultDestageSectors,
  StorageArray,
  type StorageArrayState,
  StorageArrayStateSchema,
} from "./array/storage-array.js";
export { type FtlState, FtlStateSchema, PageFtl } from "./devices/ftl.js";
export { Hdd, type HddOptions, type HddState, HddStateSchema } from "./devices/hdd.js";
export { HddCache, type HddCacheState, HddCacheStateSchema } from "./devices/hdd-cache.js";
export { HddGeometry } from "./devices/hdd-geometry.js";
export { CHEETAH_15K5, type HddSpec } from "./devices/hdd-spec.js";
export { SeekCurve, type SeekFigures } from "./devices/seek-curve.js";
export { Ssd, type SsdState, SsdStateSchema } from "./devices/ssd.js";
export { GENERIC_MLC_SSD, SMALL_SSD, type SsdSpec } from "./devices/ssd-spec.js";
export { diskModels } from "./disk-models.js";
export { StorageErrors, type TraceAdvice, VSCSISTATS_TRACE_ADVICE } from "./errors.js";
export { type IoRequest, SECTOR_BYTES } from "./io.js";
export {
  ModelBlockBackend,
  type ModelBlockBackendOptions,
  type ModelBlockBackendState,
  ModelBlockBackendStateSchema,
} from "./iostack/block-backend.js";
export { sharedKind } from "./iostack/event-kinds.js";
export { FifoScheduler } from "./iostack/fifo-scheduler.js";
export { HostAdapter, type HostAdapterOptions, type HostAdapterState, HostAdapterStateSchema } from "./iostack/host-adapter.js";
export { HostCpu, type HostCpuState, HostCpuStateSchema, MAX_HOST_CORES } from "./iostack/host-cpu.js";
export { IoPool, StackIo } from "./iostack/stack-io.js";
export {
  type BlockTarget,
  flushRefusal,
  type HostScheduler,
  type IoSink,
  requireSameSimulation,
  type SchedulerHost,
  type VscsiObserver,
} from "./iostack/target.js";
export { VirtualDisk, type VirtualDiskOptions } from "./iostack/virtual-disk.js";
export { type CharacterizeOptions, type CharacterizeSummary, characterizeTrace } from "./trace/characterize.js";
export { fileSource } from "./trace/file-source.js";
export { MSR_EPOCH_TICKS, msrLine, type SyntheticMsrOptions, syntheticMsrTrace, writeMsrTrace } from "./trace/msr-writer.js";
export { type IssueOrderWords, issueOrderNote, untimedIosNote } from "./trace/notes.js";
export { createTraceReader, detectFormat, parseTraceFormat } from "./trace/open.js";
export { type OpenTraceOptions, openTraceFile } from "./trace/open-file.js";
export {
  type FioWaitReading,
  newTraceRecord,
  TRACE_FORMATS,
  type TraceFormat,
  type TraceReader,
  type TraceReaderOptions,
  type TraceRecord,
  type TraceRecordSource,
} from "./trace/record.js";
export { DEFAULT_REORDER_WINDOW, MAX_REORDER_WINDOW } from "./trace/reorder.js";
export { type ReplayMode, type TraceReplayOptions, TraceReplayWorkload } from "./trace/replay.js";
export {
  SHIPPED_TRACE_NAME,
  SHIPPED_TRACE_OPTIONS,
  SHIPPED_TRACE_SEED,
  shippedTraceBytes,
  shippedTraceGenerator,
  shippedTracePath,
} from "./trace/shipped.js";
export { type ByteSource, bytesSource, textSource } from "./trace/source.js";
export { ArrayLatencyModel } from "./trace/synthetic/latency-model.js";
export { parseSyntheticVmTraceOptions, SyntheticVmTraceOptions } from "./trace/synthetic/options.js";
export { SYNTHETIC_SOURCES, type SyntheticSource, SyntheticVmTrace } from "./trace/synthetic/vm-trace.js";
export { VSCSI_EPOCH_US, writeVscsiTrace } from "./trace/vscsi-writer.js";
export * from "./vscsistats/bins.js";
export {
  type FirstIoPolicy,
  VscsiStats,
  type VscsiStatsOptions,
  type VscsiStatsState,
  VscsiStatsStateSchema,
} from "./vscsistats/collector.js";
export {
  formatEsxCsv,
  histogramOf,
  toJson,
  type VscsiHistogramJson,
  type VscsiPrintHeader,
  type VscsiStatsJson,
} from "./vscsistats/format.js";
export { VscsiHistogram } from "./vscsistats/histogram.js";
export { VscsiStatsObserver } from "./vscsistats/observer.js";
export { type EsxHistogramBlock, parseEsxCsv } from "./vscsistats/parse-esx.js";
export { type AccessSpec, type AccessSpecInput, AccessSpecSchema, parseAccessSpec } from "./workload/access-spec.js";
export { IometerWorkload, type Loop } from "./workload/iometer.js";
export { type RunMeasuredOptions, runMeasured } from "./workload/measure.js";
export { type Workload, WorkloadBase, type WorkloadContext, WorkloadStats } from "./workload/workload.js";
