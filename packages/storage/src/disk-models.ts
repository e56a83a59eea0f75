import type { DiskModel } from "@vmlab/core-vm";
import { hddRaid5Array } from "./array/hdd-raid5.js";
import { RaidGroup } from "./array/raid.js";
import { DEFAULT_ARRAY_OPTIONS } from "./array/storage-array.js";
import { Hdd } from "./devices/hdd.js";
import { CHEETAH_15K5 } from "./devices/hdd-spec.js";
import { Ssd } from "./devices/ssd.js";
import { GENERIC_MLC_SSD } from "./devices/ssd-spec.js";
import { ModelBlockBackend } from "./iostack/block-backend.js";

/**
 * The drives a booted guest's disk image can sit behind (`vmlab boot --disk IMAGE --disk-model NAME`):
 * the image keeps the bytes, the model times every request (`ModelBlockBackend`), and a snapshot
 * records the model's name and state so `vmlab resume` rebuilds the same drive.
 */
export const diskModels: DiskModel[] = [
  {
    name: "cheetah-15k5",
    description: `${CHEETAH_15K5.model}, 15,000 RPM SAS HDD: seek curve, rotation, zones, SPTF over 64 tags, 16 MB read cache`,
    create: ({ sim, store }) => new ModelBlockBackend({ sim, target: new Hdd(sim, CHEETAH_15K5), store }),
  },
  {
    name: "cheetah-15k5-wce",
    description: `the same drive with its write cache on: writes complete from an 8 MiB buffer and are written back by its SPTF; a flush waits for them`,
    create: ({ sim, store }) =>
      new ModelBlockBackend({ sim, target: new Hdd(sim, CHEETAH_15K5, "cheetah-15k5-wce", { writeCache: true }), store }),
  },
  {
    name: "raid1-cheetah-15k5-wce",
    description:
      "software RAID-1 (as Linux md) over two Cheetah 15K.5 with their write caches on: writes go to both, a read to one (md's read balancing: a sequential stream keeps its drive, else an idle drive, else the nearest head), a flush goes to both drives and waits for both",
    create: ({ sim, store }) => {
      const disks = [0, 1].map((i) => new Hdd(sim, CHEETAH_15K5, `cheetah-15k5-wce-${i}`, { writeCache: true }));
      return new ModelBlockBackend({ sim, target: new RaidGroup(sim, disks, { level: 1, chunkSectors: 128 }), store });
    },
  },
  {
    name: "raid5-array",
    description:
      "mid-range FC array (assumed, CX3-40-like): RAID-5 over 8 Cheetah 15K.5 (64 KiB chunks), 2 GiB write-back cache with destage, 100 µs per command",
    create: ({ sim, store }) =>
      new ModelBlockBackend({ sim, target: hddRaid5Array(sim, { disks: 8, array: DEFAULT_ARRAY_OPTIONS }).array.lun(0), store }),
  },
  {
    name: "mlc-ssd",
    description: `${GENERIC_MLC_SSD.model}: one controller, a SATA-2 host interface, page reads/programs, block erases, page-mapped FTL with garbage collection`,
    create: ({ sim, store }) => new ModelBlockBackend({ sim, target: new Ssd(sim, GENERIC_MLC_SSD), store }),
  },
];
