/**
 * Register rules of the NS16550A UART (data sheet), the CLINT's msip/mtimecmp and the
 * SiFive test finisher, as a guest driver sees them through their offsets.
 */
import { describe, expect, it } from "vitest";
import { Clint, TestFinisher, Uart16550 } from "../src/index.js";

const RBR_THR = 0;
const IER = 1;
const IIR_FCR = 2;
const LCR = 3;
const LSR = 5;
const DLAB = 0x80;

function uart() {
  const out: number[] = [];
  const line = { level: false };
  const u = new Uart16550(
    (b) => out.push(b),
    (l) => (line.level = l),
  );
  return { u, out, line };
}

describe("UART 16550A", () => {
  it("IIR reports received data before THR empty; reading IIR that reports THR empty clears it", () => {
    const { u, line } = uart();
    u.write(IER, 1, 0x03);
    u.inject(new Uint8Array([0x41]));
    expect(u.read(IIR_FCR) & 0x0f).toBe(0x04);
    expect(u.read(RBR_THR)).toBe(0x41);
    expect(line.level).toBe(true); // THR empty is still pending
    expect(u.read(IIR_FCR) & 0x0f).toBe(0x02);
    expect(line.level).toBe(false);
    expect(u.read(IIR_FCR) & 0x0f).toBe(0x01);
  });

  it("enabling the THR-empty interrupt raises the line at once (the transmitter is empty)", () => {
    const { u, line } = uart();
    u.write(IER, 1, 0x02);
    expect(line.level).toBe(true);
  });

  it("LSR.DR follows the receive queue; THRE and TEMT stay set", () => {
    const { u } = uart();
    expect(u.read(LSR)).toBe(0x60);
    u.inject(new Uint8Array([1]));
    expect(u.read(LSR)).toBe(0x61);
    u.read(RBR_THR);
    expect(u.read(LSR)).toBe(0x60);
  });

  it("with LCR.DLAB set, offsets 0 and 1 are the divisor latch: nothing is sent and IER is untouched", () => {
    const { u, out } = uart();
    u.write(IER, 1, 0x01);
    u.write(LCR, 1, DLAB | 3);
    u.write(RBR_THR, 1, 0x55);
    u.write(IER, 1, 0x0a);
    expect([u.read(RBR_THR), u.read(IER)]).toEqual([0x55, 0x0a]);
    expect(out).toEqual([]);
    u.write(LCR, 1, 3);
    expect(u.read(IER)).toBe(0x01);
    u.write(RBR_THR, 1, 0x42);
    expect(out).toEqual([0x42]);
  });

  it("IER keeps its 4 defined bits; FCR bit 1 clears the receive FIFO; IIR's FIFO bits follow FCR bit 0", () => {
    const { u } = uart();
    u.write(IER, 1, 0xff);
    expect(u.read(IER)).toBe(0x0f);
    u.write(IER, 1, 0);
    expect(u.read(IIR_FCR)).toBe(0x01);
    u.inject(new Uint8Array([1, 2]));
    u.write(IIR_FCR, 1, 0x01);
    expect(u.read(IIR_FCR)).toBe(0xc1);
    expect(u.read(LSR) & 1).toBe(1);
    u.write(IIR_FCR, 1, 0x03);
    expect(u.read(LSR) & 1).toBe(0);
  });
});

describe("UART 16550A modem control, as QEMU 7.2's serial", () => {
  const MCR = 4;
  const MSR = 6;

  it("MCR reads OUT2 after reset and keeps 5 bits; MSR reads DCD, DSR and CTS outside loopback", () => {
    // vmlab read 0x00 after reset and 0xff after writing 0xff; QEMU 0x08 and 0x1f.
    const { u } = uart();
    expect(u.read(MCR)).toBe(0x08);
    expect(u.read(MSR)).toBe(0xb0);
    u.write(MCR, 1, 0xff);
    expect(u.read(MCR)).toBe(0x1f);
  });

  it("in loopback a transmitted byte is received, not printed, and MSR reads the modem outputs as its inputs", () => {
    // A driver's loopback self-test (Linux's 8250) wrote 'Z' and read it back on QEMU; vmlab printed it instead.
    const { u, out, line } = uart();
    u.write(IER, 1, 0x01);
    u.write(MCR, 1, 0x10);
    u.write(RBR_THR, 1, 0x5a);
    expect(out).toEqual([]);
    expect(u.read(LSR) & 0x01).toBe(1);
    expect(line.level).toBe(true);
    expect(u.read(RBR_THR)).toBe(0x5a);
    expect(u.read(MSR)).toBe(0x00); // no outputs set
    u.write(MCR, 1, 0x1f); // DTR, RTS, OUT1, OUT2 → DSR, CTS, RI, DCD
    expect(u.read(MSR)).toBe(0xf0);
    u.write(MCR, 1, 0x12); // RTS alone → CTS
    expect(u.read(MSR)).toBe(0x10);
    u.write(MCR, 1, 0x08); // loopback off: the byte goes to the console again
    u.write(RBR_THR, 1, 0x41);
    expect(out).toEqual([0x41]);
  });
});

describe("CLINT", () => {
  const clint = () => {
    const sw = { level: false };
    const c = new Clint({ nowNs: () => 0, setSoftware: (l) => (sw.level = l), timerChanged: () => {} });
    return { c, sw };
  };

  it("msip has one bit: other bits of a write are ignored", () => {
    const { c, sw } = clint();
    c.write(0, 4, 2);
    expect([c.read(0, 4), sw.level]).toEqual([0, false]);
    c.write(0, 4, 3);
    expect([c.read(0, 4), sw.level]).toEqual([1, true]);
  });

  it("mtimecmp's halves read back separately", () => {
    const { c } = clint();
    c.write(0x4000, 4, 0x1234_5678);
    c.write(0x4004, 4, 0x9abc_def0 | 0);
    expect([c.read(0x4000, 4) >>> 0, c.read(0x4004, 4) >>> 0]).toEqual([0x1234_5678, 0x9abc_def0]);
  });
});

describe("SiFive test finisher", () => {
  const finish = (offset: number, value: number) => {
    const codes: number[] = [];
    new TestFinisher((c) => codes.push(c)).write(offset, 4, value);
    return codes;
  };

  it("0x5555 passes (exit 0); (code << 16) | 0x3333 fails with code; other values and offsets do nothing", () => {
    expect(finish(0, 0x5555)).toEqual([0]);
    expect(finish(0, (42 << 16) | 0x3333)).toEqual([42]);
    expect(finish(0, 0xffff_3333 | 0)).toEqual([0xffff]);
    expect(finish(0, 0x7777)).toEqual([]);
    expect(finish(0, 0x1_5554)).toEqual([]);
    expect(finish(4, 0x5555)).toEqual([]);
  });
});
