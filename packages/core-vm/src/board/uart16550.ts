import { z } from "zod";
import type { MmioDevice } from "../memory/bus.js";

const byte = z.number().int().min(0).max(255);
/** The UART's saved registers and unread input. */
export const UartStateSchema = z.object({
  version: z.literal(1),
  ier: byte,
  lcr: byte,
  mcr: byte,
  scr: byte,
  fcr: byte,
  dll: byte,
  dlm: byte,
  thrIpending: z.union([z.literal(0), z.literal(1)]),
  rx: z.array(byte),
});
/** The UART's saved state (`UartStateSchema`). */
export type UartState = z.infer<typeof UartStateSchema>;

// Register offsets (NS16550A data sheet); DLAB = LCR bit 7 selects the divisor latch at 0/1.
const RBR_THR = 0;
const IER = 1;
const IIR_FCR = 2;
const LCR = 3;
const MCR = 4;
const LSR = 5;
const MSR = 6;
const SCR = 7;

const IER_RX = 0x01;
const IER_THRE = 0x02;
const LSR_DR = 0x01;
const LSR_THRE = 0x20;
const LSR_TEMT = 0x40;
const IIR_NONE = 0x01;
const IIR_THRE = 0x02;
const IIR_RX = 0x04;
const IIR_FIFO = 0xc0;
/** MCR: OUT2 (set at reset, as QEMU's serial_reset does), loopback, and the 5 bits the register keeps. */
const MCR_OUT2 = 0x08;
const MCR_LOOP = 0x10;
const MCR_BITS = 0x1f;
/** MSR outside loopback: DCD, DSR and CTS asserted, as QEMU reports with no modem. */
const MSR_NO_MODEM = 0xb0;

/**
 * NS16550A UART (as QEMU's `serial` on `virt`). Transmit is instantaneous:
 * a byte written to THR goes straight to the console sink, and LSR always
 * reports the transmitter empty. Receive reads from a queue of injected
 * input. In loopback (MCR bit 4) a transmitted byte is received instead of
 * printed, and MSR reads the modem outputs (DTR, RTS, OUT1, OUT2) as its
 * inputs (DSR, CTS, RI, DCD), as QEMU's serial_xmit and MSR read do: a driver's
 * loopback self-test (Linux's 8250) sees what it sees on QEMU. The interrupt line (PLIC source 10) follows IER: received data
 * available, and THR empty (raised after each write or when enabled, cleared
 * by reading IIR or writing THR).
 */
export class Uart16550 implements MmioDevice {
  ier = 0;
  lcr = 0;
  mcr = MCR_OUT2;
  scr = 0;
  fcr = 0;
  dll = 0;
  dlm = 0;
  /** THR-empty interrupt pending. */
  thrIpending = 0;
  /**
   * LSR reads with nothing to receive since the guest last transmitted or input came: a guest polling for console
   * input that none will come to (a host can tell its user; not saved, a diagnostic). Polling for THR empty before
   * each byte it prints does not add up: each write starts it again.
   */
  idlePolls = 0;
  private rx: number[] = [];
  private rxHead = 0;

  constructor(
    private readonly sink: (byte: number) => void,
    private readonly setIrq: (level: boolean) => void,
  ) {}

  save(): UartState {
    const { ier, lcr, mcr, scr, fcr, dll, dlm } = this;
    return { version: 1, ier, lcr, mcr, scr, fcr, dll, dlm, thrIpending: this.thrIpending === 0 ? 0 : 1, rx: this.rx.slice(this.rxHead) };
  }

  /** Restores registers and pending input from a state already validated with `UartStateSchema`. */
  restore(s: UartState): void {
    this.ier = s.ier;
    this.lcr = s.lcr;
    this.mcr = s.mcr;
    this.scr = s.scr;
    this.fcr = s.fcr;
    this.dll = s.dll;
    this.dlm = s.dlm;
    this.thrIpending = s.thrIpending;
    this.rx = [...s.rx];
    this.rxHead = 0;
    this.update();
  }

  /** Queues bytes for the guest to read (console input). */
  inject(bytes: Uint8Array): void {
    this.idlePolls = 0;
    for (const b of bytes) this.rx.push(b);
    this.update();
  }

  private rxReady(): boolean {
    return this.rxHead < this.rx.length;
  }

  private update(): void {
    const rxIrq = (this.ier & IER_RX) !== 0 && this.rxReady();
    const txIrq = (this.ier & IER_THRE) !== 0 && this.thrIpending !== 0;
    this.setIrq(rxIrq || txIrq);
  }

  read(offset: number): number {
    const dlab = (this.lcr & 0x80) !== 0;
    switch (offset) {
      case RBR_THR: {
        if (dlab) return this.dll;
        if (!this.rxReady()) return 0;
        const b = this.rx[this.rxHead++];
        if (this.rxHead === this.rx.length) {
          this.rx = [];
          this.rxHead = 0;
        }
        this.update();
        return b;
      }
      case IER:
        return dlab ? this.dlm : this.ier;
      case IIR_FCR: {
        const fifo = (this.fcr & 1) !== 0 ? IIR_FIFO : 0;
        if ((this.ier & IER_RX) !== 0 && this.rxReady()) return fifo | IIR_RX;
        if ((this.ier & IER_THRE) !== 0 && this.thrIpending !== 0) {
          this.thrIpending = 0;
          this.update();
          return fifo | IIR_THRE;
        }
        return fifo | IIR_NONE;
      }
      case LCR:
        return this.lcr;
      case MCR:
        return this.mcr;
      case LSR:
        if (!this.rxReady()) this.idlePolls++;
        return LSR_THRE | LSR_TEMT | (this.rxReady() ? LSR_DR : 0);
      case MSR: {
        const m = this.mcr;
        if ((m & MCR_LOOP) === 0) return MSR_NO_MODEM;
        // Loopback: OUT2 → DCD, OUT1 → RI, RTS → CTS, DTR → DSR (QEMU's serial_ioport_read).
        return ((m & 0x0c) << 4) | ((m & 0x02) << 3) | ((m & 0x01) << 5);
      }
      case SCR:
        return this.scr;
      default:
        return 0;
    }
  }

  write(offset: number, _size: number, value: number): void {
    const v = value & 0xff;
    const dlab = (this.lcr & 0x80) !== 0;
    switch (offset) {
      case RBR_THR:
        if (dlab) {
          this.dll = v;
          return;
        }
        this.idlePolls = 0;
        if ((this.mcr & MCR_LOOP) !== 0) this.rx.push(v);
        else this.sink(v);
        this.thrIpending = 1;
        this.update();
        return;
      case IER:
        if (dlab) {
          this.dlm = v;
          return;
        }
        if ((v & IER_THRE) !== 0 && (this.ier & IER_THRE) === 0) this.thrIpending = 1;
        this.ier = v & 0x0f;
        this.update();
        return;
      case IIR_FCR:
        this.fcr = v;
        if ((v & 0x02) !== 0) {
          this.rx = [];
          this.rxHead = 0;
        }
        this.update();
        return;
      case LCR:
        this.lcr = v;
        return;
      case MCR:
        this.mcr = v & MCR_BITS;
        return;
      case SCR:
        this.scr = v;
        return;
    }
  }
}
