import { VmlabError } from "@vmlab/core-vm";

/** @vmlab/storage's catalogue of error codes (VMLAB_STORAGE_*, VMLAB_TRACE_*, VMLAB_VSCSI_*). */
export const StorageErrors = {
  badConfig: (what: string, issue: string) => new VmlabError("VMLAB_STORAGE_BAD_CONFIG", `${what}: ${issue}`, { what, issue }),
} as const;
