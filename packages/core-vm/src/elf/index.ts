export { type ElfImage, type ElfRamRange, type ElfSegment, loadElf } from "./elf.js";
