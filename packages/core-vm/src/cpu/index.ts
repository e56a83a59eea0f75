export type { Block } from "./code-cache.js";
export * from "./constants.js";
export { Hart, type HartHost } from "./hart.js";
export { applyHartState, type HartState, HartStateSchema, parseHartState, saveHart } from "./hart-state.js";
export { mulh, mulhsu, mulhu } from "./mul.js";
export { PMP_R, PMP_W, PMP_X, Pmp } from "./pmp.js";
