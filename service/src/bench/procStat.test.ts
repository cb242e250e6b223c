/** /proc parsing: process CPU and memory, per-core busy time. */
import { busyFraction, parseCoreTimes, parseProcessStat, parseRssBytes } from "./procStat";

describe("/proc parsing", () => {
  test("a stat line whose command holds spaces and parentheses", () => {
    // Fields after the command: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime ...
    const rest = ["S", "41", "0", "0", "0", "-1", "0", "0", "0", "0", "0", "250", "75", ...Array(23).fill("0"), "1", "0"];
    const stat = parseProcessStat(`1234 (node (x) y) ${rest.join(" ")}`);
    expect(stat).toEqual({ pid: 1234, ppid: 41, cpuTicks: 325, systemTicks: 75, processor: 1 });
  });

  test("this process's own stat and status parse", () => {
    const { readFileSync } = jest.requireActual<typeof import("node:fs")>("node:fs");
    if (process.platform !== "linux") return;
    expect(parseProcessStat(readFileSync("/proc/self/stat", "utf8")).pid).toBe(process.pid);
    expect(parseRssBytes(readFileSync("/proc/self/status", "utf8"))).toBeGreaterThan(1e6);
  });

  test("per-core busy time leaves out idle and iowait, and counts steal as busy", () => {
    const before = parseCoreTimes("cpu  1 2 3 4\ncpu0 100 0 50 800 50 0 0 0 0 0\ncpu1 10 0 10 970 0 0 10 0 0 0\nintr 5\n");
    const after = parseCoreTimes("cpu0 400 0 150 1100 50 0 0 0 0 0\ncpu1 20 0 20 1960 0 0 20 10 0 0\n");
    expect([...before.keys()]).toEqual([0, 1]);
    expect(busyFraction(before.get(0)!, after.get(0)!)).toBeCloseTo(400 / 700, 10);
    expect(busyFraction(before.get(1)!, after.get(1)!)).toBeCloseTo(40 / 1030, 10);
    expect(busyFraction(before.get(1)!, before.get(1)!)).toBeUndefined();
  });

  test("RSS in bytes from VmRSS", () => {
    expect(parseRssBytes("Name:\tnode\nVmRSS:\t  123456 kB\n")).toBe(123456 * 1024);
    expect(() => parseRssBytes("Name: x\n")).toThrow(/VmRSS/);
  });
});
