export { type BootOptions, type BootResult, bootElf } from "./boot.js";
export { Clint, type ClintState, ClintStateSchema, type ClintWiring } from "./clint.js";
export { attachDevices, type DeviceSpec, DeviceSpecSchema } from "./devices.js";
export { Machine, type MachineOptions, type MachineState, MachineStateSchema, type RunStop } from "./machine.js";
export { PLIC_SOURCES, Plic } from "./plic.js";
export { TestFinisher } from "./test-finisher.js";
export { Uart16550, type UartState, UartStateSchema } from "./uart16550.js";
export { MTIME_NS_PER_TICK, VIRT } from "./virt-map.js";
