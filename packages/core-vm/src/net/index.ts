export { type LockstepOptions, type LockstepStop, runLockstep } from "./lockstep.js";
export {
  type LinkOptions,
  type NetEndpoint,
  type SwitchPort,
  VirtualSwitch,
  type VirtualSwitchState,
  VirtualSwitchStateSchema,
} from "./switch.js";
