export { Bus, type MmioDevice } from "./bus.js";
export { PAGE_SHIFT, PAGE_SIZE, Ram } from "./ram.js";
