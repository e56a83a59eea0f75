export { type BootOptions, type BootResult, bootElf } from "./boot.js";
export { Clint, type ClintWiring } from "./clint.js";
export { Machine, type MachineOptions, type RunStop } from "./machine.js";
export { PLIC_SOURCES, Plic } from "./plic.js";
export { TestFinisher } from "./test-finisher.js";
export { Uart16550 } from "./uart16550.js";
export { MTIME_NS_PER_TICK, VIRT } from "./virt-map.js";
