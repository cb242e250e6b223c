/** Bench flags: defaults, lists, and every mistake reported at once. */
import { ArgsError, commandLine, DEFAULT_OPTIONS, parseBenchArgs } from "./args";

describe("bench arguments", () => {
  test("no flags: the defaults, direct first", () => {
    expect(parseBenchArgs([])).toEqual(DEFAULT_OPTIONS);
    expect(DEFAULT_OPTIONS.hops[0]).toBe("direct");
  });

  test("lists and single values", () => {
    const o = parseBenchArgs(["--sessions", "100,200", "--frame-ms", "100", "--hops", "proxy,direct", "--duration", "3", "--json", "out.json", "--no-pin", "--target-p99-ms", "2.5"]);
    expect(o).toMatchObject({ sessions: [100, 200], frameMs: [100], hops: ["direct", "proxy"], durationSeconds: 3, json: "out.json", pin: false, targetP99Ms: 2.5 });
  });

  test("every mistake is listed, with the usage", () => {
    let message = "";
    try {
      parseBenchArgs(["--sessions", "0,abc", "--hops", "haproxy", "--duration", "5,6", "--bogus"]);
    } catch (error) {
      expect(error).toBeInstanceOf(ArgsError);
      message = (error as Error).message;
    }
    expect(message).toMatch(/--sessions needs whole numbers from 1 to 20000/);
    expect(message).toMatch(/--hops takes direct, nginx, ws-floor, proxy, proxy-tls \(got "haproxy"\)/);
    expect(message).toMatch(/--duration takes one number/);
    expect(message).toMatch(/unknown option "--bogus"/);
    expect(message).toMatch(/npm run bench -- \[options\]/);
  });

  test("the recorded command can be pasted again", () => {
    expect(commandLine([])).toBe("npm run bench --");
    expect(commandLine(["--sessions", "250", "--node-flags", "--single-threaded-gc", "--json", "a b.json"]))
      .toBe('npm run bench -- --sessions 250 --node-flags "--single-threaded-gc" --json "a b.json"');
  });
});
