/**
 * The longest one step of a device (a command's processing, a seek, a flash operation) may take, ns: 1 s, thousands of
 * times any drive's. Past it a figure is a slip of units, and nothing stopped it: an HDD command overhead of 1e20 ns
 * spun the reduction of a positioning time to one revolution for ever, and 1e16 failed in the kernel naming no field.
 */
export const MAX_DEVICE_STEP_NS = 1e9;

/**
 * The slowest a device's data rate may be, MB/s: a 512-byte sector then takes 0.5 s. Below it a transfer's time left
 * the kernel's clock (`busMBps: 1e-12` failed in `sim.run`, naming no field).
 */
export const MIN_RATE_MBPS = 0.001;
