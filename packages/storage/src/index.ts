export { StorageErrors } from "./errors.js";
export { type IoRequest, SECTOR_BYTES } from "./io.js";
