/**
 * The longest one step of a device (a command's processing, a seek, a flash operation) may take, ns: 1 s, thousands of
 * times any drive's. Past it a figure is a slip of units, and nothing stopped it: an HDD command overhead of 1e20 ns
 * spun the reduction of a positioning time to one revolution for ever, and 1e16 failed in the kernel naming no field.
 */
export const MAX_DEVICE_STEP_NS = 1e9;
