/** Virtual time is integer nanoseconds; these name the conversions. */
export const NS_PER_US = 1_000;
/** Nanoseconds per millisecond: virtual time is in integer ns. */
export const NS_PER_MS = 1_000_000;
/** Nanoseconds per second: virtual time is in integer ns. */
export const NS_PER_S = 1_000_000_000;
