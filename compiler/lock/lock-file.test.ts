import { execa } from "execa";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { spawn } from "node:child_process";
import { mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { repoRoot, tempDir } from "../../fixtures/run-phoenix.js";
import { sha256 } from "../hash.js";
import {
  BACKUP_FILE, LOCK_FILE, LockError, emptyLock, findJsonSyntaxError, parseLock, readLock, restoreLock, serializeLock, withWriterLock, writeLock,
  type ComponentState, type Lock,
} from "./index.js";

const AT = "2026-11-20T10:00:00.000Z";
const LINEAGE = "6f1c2e4a-9b3d-4c5e-8f7a-1b2c3d4e5f60";
const quiet = { onWarning: (message: string) => { throw new Error(`unexpected warning: ${message}`); } };

function component(name: string, deps: string[], extra: Partial<ComponentState> = {}): ComponentState {
  const outputs = { [`src/${name}/index.ts`]: sha256(`${name} index`), [`src/${name}/${name}.test.ts`]: sha256(`${name} test`) };
  return {
    specHash: sha256(`${name} spec`),
    inputHash: sha256(`${name} inputs`),
    spec: {
      name,
      description: `The ${name} component — “quoted”, ünïcödé and 🐦`,
      owns: [`src/${name}/**`],
      interface: `src/${name}/index.ts`,
      dependsOn: deps,
      requirements: [
        { id: `${name.toUpperCase()}-1`, level: "MUST", text: "Sessions expire after 30 minutes.\nEven on Sundays." },
        { id: `${name.toUpperCase()}-2`, level: "SHOULD", text: "Fast.", because: "phones are slow" },
      ],
      checks: [
        { name: "unit", kind: "run", subject: "npx vitest run", timeoutMs: 60000, expect: [], covers: [`${name.toUpperCase()}-1`], advisory: false },
        { name: "latency", kind: "probe", subject: "GET /health", network: "allow", expect: [{ metric: "p95", comparison: "<", value: 200 }], samples: 20, covers: [`${name.toUpperCase()}-2`], advisory: true },
      ],
      decisions: [{ id: "Q-1", question: "Which hash?", answer: "argon2id" }],
    },
    agent: { provider: "claude-code" },
    promptVersion: "prompts-1",
    dependencyInterfaces: Object.fromEntries(deps.map((d) => [d, sha256(`${d} interface`)])),
    containerHash: sha256("Containerfile"),
    outputs,
    outputHash: sha256(JSON.stringify(outputs)),
    interfaceHash: sha256(`${name} interface`),
    checks: {
      unit: { verdict: "pass", evidence: "12 passed ✓", at: AT, durationMs: 1234 },
      latency: { verdict: "fail", evidence: "p95 was 240 ms, expected < 200\n\tat GET /health", at: AT },
    },
    approvals: [{ by: "ada@example.com", at: AT, outputHash: sha256(JSON.stringify(outputs)), note: "looks right" }],
    probes: { latency: { p95: 240, status: 200 } },
    builtAt: AT,
    ...extra,
  };
}

/** A realistic lock: three components with verdicts, approvals, probes and non-ASCII text. */
function sampleLock(serial = 3): Lock {
  return {
    version: 1,
    lineage: LINEAGE,
    serial,
    components: {
      store: component("store", []),
      sessions: component("sessions", ["store"], { agent: null, containerHash: null, interfaceHash: null }),
      api: component("api", ["sessions", "store"], { approvals: [] }),
    },
  };
}

async function project(): Promise<string> {
  const dir = await tempDir("phoenix-lock-");
  await mkdir(join(dir, "specs"));
  return dir;
}

/** Reads then writes under the writer lock, as a command would. */
function write(dir: string, lock: Lock) {
  return withWriterLock(dir, () => writeLock(dir, lock), quiet);
}

function withComponents(lock: Lock, change: Record<string, ComponentState>): Lock {
  return { ...lock, components: { ...lock.components, ...change } };
}

function lockErrorOf(run: () => unknown): LockError {
  try {
    run();
  } catch (error) {
    if (error instanceof LockError) return error;
    throw new Error(`expected a LockError, got ${String(error)}`);
  }
  throw new Error("expected a LockError, got none");
}

/** Every object's keys in `value`, at every depth, are in sorted order. */
function keysSortedEverywhere(value: unknown): boolean {
  if (Array.isArray(value)) return value.every(keysSortedEverywhere);
  if (typeof value !== "object" || value === null) return true;
  const keys = Object.keys(value);
  return keys.every((k, i) => i === 0 || keys[i - 1]! < k) && Object.values(value).every(keysSortedEverywhere);
}

describe("serializeLock and parseLock", () => {
  it("writes sorted keys at every depth, 2-space indent and a trailing newline, and reads it back", () => {
    const text = serializeLock(sampleLock());
    expect(text.endsWith("}\n")).toBe(true);
    expect(text.split("\n")[1]).toBe('  "components": {');
    // key order in the text itself, not as JSON.parse rebuilds it
    const keysInText = [...text.matchAll(/^( *)"([^"]+)": /gm)];
    expect(keysInText.length).toBeGreaterThan(100);
    expect(keysSortedEverywhere(JSON.parse(text))).toBe(true);
    expect(text).toBe(`${JSON.stringify(JSON.parse(text), null, 2)}\n`);
    expect(parseLock(text)).toEqual(sampleLock());
  });

  it("gives the same bytes whatever order the keys were built in, and for a parsed copy", () => {
    const reversed = (value: unknown): unknown =>
      Array.isArray(value) ? value.map(reversed)
        : typeof value === "object" && value !== null ? Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reversed(v)]))
          : value;
    const text = serializeLock(sampleLock());
    expect(serializeLock(reversed(sampleLock()) as Lock)).toBe(text);
    expect(serializeLock(parseLock(text))).toBe(text);
  });

  it("sorts keys as strings, also keys that look like numbers", () => {
    const lock = withComponents(sampleLock(), { store: component("store", [], { probes: { p: { "9": 1, "10": 2, b: 3, A: 4 } } }) });
    const text = serializeLock(lock);
    const probe = text.slice(text.indexOf('"p": {'), text.indexOf("}", text.indexOf('"p": {')));
    expect([...probe.matchAll(/"([^"]+)": \d/g)].map((m) => m[1])).toEqual(["10", "9", "A", "b"]);
  });

  it("refuses to serialize a lock the schema rejects, naming the path", () => {
    const bad = withComponents(sampleLock(), { api: component("api", [], { outputHash: "abc" as never }) });
    expect(() => serializeLock(bad)).toThrow("components.api.outputHash: expected sha256: and 64 hex digits");
  });
});

describe("parseLock errors", () => {
  const good = serializeLock(sampleLock());

  it("gives the line and column where the JSON breaks, the offset, and how to recover", () => {
    const broken = good.replace('"serial": 3,', '"serial": 3');
    const e = lockErrorOf(() => parseLock(broken));
    const lines = broken.split("\n");
    const line = lines.findIndex((l) => l.includes('"version"')) + 1;
    expect(e).toMatchObject({ code: "lock-corrupt", file: LOCK_FILE, line, column: 3, offset: broken.indexOf('"version"') });
    expect(e.message).toBe(
      `phoenix.lock:${line}:3: error lock-corrupt: invalid JSON: expected ',' or '}', found '"' (a missing comma?); ` +
      "to recover, run `phoenix lock restore` to go back to phoenix.lock.bak, or delete phoenix.lock to rebuild everything",
    );
  });

  it.each([
    ["", 1, 1, "the file is empty"],
    ["{\n  \"a\": 1,\n}", 3, 1, "expected a property name in double quotes, found '}' (a trailing comma before it?)"],
    ["{\n  \"a\": [1, 2,]\n}", 2, 14, "expected a value, found ']' (a trailing comma before it?)"],
    ["{\n  'a': 1\n}", 2, 3, "names need double quotes"],
    ["{\"a\": \"x\ny\"}", 1, 9, "a raw control character (U+000A) inside a string"],
    ["{\"a\": \"\\q\"}", 1, 8, "invalid escape \\q in a string"],
    ["{\"a\": 01}", 1, 8, "expected ',' or '}', found '1'"],
    ["{\"a\": tru}", 1, 10, "expected 'true', found '}'"],
    ["{\"a\": 1} x", 1, 10, "unexpected 'x' after the end of the JSON value"],
    ["{\r\n\"a\": \"unterminated", 2, 19, "the file ends inside a string (it starts at 2:6): it looks cut short"],
    ["{\"a\": 1", 1, 8, "the file ends where ',' or '}' should follow: it looks cut short"],
  ])("places invalid JSON %j at %i:%i", (text, line, column, reason) => {
    const e = lockErrorOf(() => parseLock(text));
    expect(e.code).toBe("lock-corrupt");
    expect([e.line, e.column]).toEqual([line, column]);
    expect(e.reason).toContain(reason);
  });

  it("names the JSON path of a schema mismatch and places it at the bad value", () => {
    const hashOf = sampleLock().components["api"]!.outputHash;
    const broken = good.replace(`"outputHash": "${hashOf}"`, '"outputHash": "sha256:nope"');
    const e = lockErrorOf(() => parseLock(broken));
    const index = broken.indexOf('"sha256:nope"');
    const before = broken.slice(0, index).split("\n");
    expect(e).toMatchObject({ code: "lock-corrupt", line: before.length, column: before.at(-1)!.length + 1, offset: index });
    expect(e.reason).toBe("does not match the lock format: components.api.outputHash: expected sha256: and 64 hex digits");
  });

  it("names missing fields, file paths as keys, and the count of further problems", () => {
    const lock = JSON.parse(good) as { components: Record<string, Record<string, unknown>> };
    delete lock.components["store"]!["builtAt"];
    (lock.components["store"]!["outputs"] as Record<string, string>)["src/store/index.ts"] = "x";
    const e = lockErrorOf(() => parseLock(JSON.stringify(lock, null, 2)));
    expect(e.reason).toBe(
      'does not match the lock format: components.store.outputs["src/store/index.ts"]: expected sha256: and 64 hex digits; ' +
      "components.store.builtAt: missing (expected string)",
    );
    lock.components["api"]!["approvals"] = [{ by: 1 }];
    expect(lockErrorOf(() => parseLock(JSON.stringify(lock, null, 2))).reason).toBe(
      "does not match the lock format: components.api.approvals[0].by: expected string, received number; " +
      "components.api.approvals[0].at: missing (expected string); components.api.approvals[0].outputHash: missing (expected string); and 2 more",
    );
  });

  it("says what the whole file should be when it is not an object", () => {
    expect(lockErrorOf(() => parseLock("[1, 2]\n")).message).toMatch(/^phoenix\.lock:1:1: error lock-corrupt: does not match the lock format: the whole file: expected object, received array; to recover/);
  });

  it("reports an unknown version with the version found and the one supported", () => {
    const newer = good.replace('"version": 1', '"version": 2');
    const e = lockErrorOf(() => parseLock(newer));
    const line = newer.split("\n").findIndex((l) => l.includes('"version"')) + 1;
    expect(e.message).toBe(
      `phoenix.lock:${line}:14: error lock-version: format version 2 is not supported: this phoenix reads version 1 (a newer phoenix wrote it); ` +
      "upgrade phoenix; or to recover, run `phoenix lock restore` to go back to phoenix.lock.bak, or delete phoenix.lock to rebuild everything",
    );
    expect(lockErrorOf(() => parseLock(good.replace('"version": 1', '"version": 0'))).reason).toBe("format version 0 is not supported: this phoenix reads version 1");
  });

  it("places invalid UTF-8 and a character cut by the end of the file", () => {
    const bytes = Buffer.from('{\n  "a": "é\xff"\n}', "latin1");
    const e = lockErrorOf(() => parseLock(bytes));
    expect(e).toMatchObject({ code: "lock-corrupt", line: 2, column: 9 });
    expect(e.reason).toBe("not valid UTF-8 (byte 0xE9 at byte offset 10)");
    const cut = Buffer.from('{"a": "🐦', "utf8").subarray(0, -1);
    expect(lockErrorOf(() => parseLock(cut)).reason).toBe("the file ends in the middle of a UTF-8 character: it looks cut short");
  });

  it("accepts a byte order mark", () => {
    expect(parseLock(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(good)]))).toEqual(sampleLock());
  });

  it("finds a syntax error exactly when JSON.parse rejects the text", () => {
    const accepts = (text: string) => {
      try {
        JSON.parse(text);
        return true;
      } catch {
        return false;
      }
    };
    const jsonish = fc.string({ unit: fc.constantFrom(..."{}[]:,\"\\ \n\t\r-+.0123456789eEtrufalsn/bu\u0001é'x"), maxLength: 30 });
    const mutated = fc.tuple(fc.json(), fc.nat(), fc.nat(), fc.constantFrom("", ",", "}", "]", "\"", ":", "\\", "0", " ", "-", "e"))
      .map(([json, at, drop, insert]) => {
        const i = at % (json.length + 1);
        return json.slice(0, i) + insert + json.slice(i + (drop % 3));
      });
    fc.assert(fc.property(fc.oneof(jsonish, mutated, fc.json()), (text) => {
      expect(findJsonSyntaxError(text) === undefined).toBe(accepts(text));
    }), { numRuns: 20_000 });
  });

  it("copes with very deep nesting without overflowing", () => {
    const deep = "[".repeat(200_000);
    expect(lockErrorOf(() => parseLock(deep)).reason).toContain("it looks cut short");
    expect(lockErrorOf(() => parseLock(`${deep}${"]".repeat(200_000)}`)).reason).toContain("the whole file: expected object");
  });
});

describe("readLock", () => {
  it("returns an empty lock, creating nothing, when there is no phoenix.lock", async () => {
    const dir = await project();
    const { lock, exists } = await readLock(dir);
    expect(exists).toBe(false);
    expect(lock).toMatchObject({ version: 1, serial: 0, components: {} });
    expect(await readdir(dir)).toEqual(["specs"]);
  });

  it("loads a lock truncated at every byte length either whole or as a LockError, never anything else", async () => {
    const dir = await project();
    const bytes = Buffer.from(serializeLock(sampleLock()), "utf8");
    expect(bytes.length).toBeGreaterThan(4000);
    expect(bytes.length).toBeGreaterThan(serializeLock(sampleLock()).length); // multi-byte characters are cut too
    const reasons = new Set<string>();
    for (let n = 0; n <= bytes.length; n++) {
      const prefix = bytes.subarray(0, n);
      // every length through the parser; every 50th and the last ones also through a real file
      const load = n % 50 === 0 || n > bytes.length - 10
        ? async () => (await writeFile(join(dir, LOCK_FILE), prefix), await readLock(dir, { cwd: dir }))
        : async () => ({ lock: parseLock(prefix, LOCK_FILE, { recovery: "to recover, delete phoenix.lock to rebuild everything (there is no phoenix.lock.bak to restore)" }), exists: true });
      let outcome: unknown;
      try {
        outcome = await load();
      } catch (error) {
        outcome = error;
      }
      if (n >= bytes.length - 1) {
        // only the trailing newline may go; the whole text is phoenix's own, and known as such
        expect(outcome).toEqual({ lock: sampleLock(), exists: true, ...(n === bytes.length ? { asWritten: true } : n > bytes.length - 10 && { asWritten: false }) });
        continue;
      }
      if (!(outcome instanceof LockError)) throw new Error(`length ${n}: expected a LockError, got ${String(outcome)}`);
      expect(outcome.code).toBe("lock-corrupt");
      expect(outcome.message).toMatch(/^phoenix\.lock:\d+:\d+: error lock-corrupt: (invalid JSON: .+|the file ends in the middle of a UTF-8 character: it looks cut short); to recover, delete phoenix\.lock to rebuild everything \(there is no phoenix\.lock\.bak to restore\)$/);
      expect(outcome.message).not.toMatch(/\n|undefined|NaN|\[object/);
      expect(outcome.offset).toBeLessThanOrEqual(n);
      reasons.add(outcome.reason.replace(/\d+:\d+/, "L:C"));
    }
    expect([...reasons].every((m) => /cut short|the file is empty/.test(m))).toBe(true);
    expect(reasons.size).toBeGreaterThan(5);
  });

  it("suggests `phoenix lock restore` only when there is a .bak", async () => {
    const dir = await project();
    await writeFile(join(dir, LOCK_FILE), "{");
    await expect(readLock(dir, { cwd: dir })).rejects.toThrow(/delete phoenix\.lock to rebuild everything \(there is no phoenix\.lock\.bak to restore\)$/);
    await writeFile(join(dir, LOCK_FILE), '{"version": 2}');
    await expect(readLock(dir, { cwd: dir })).rejects.toThrow(
      "phoenix.lock:1:13: error lock-version: format version 2 is not supported: this phoenix reads version 1 (a newer phoenix wrote it); " +
      "upgrade phoenix; or to recover, delete phoenix.lock to rebuild everything (there is no phoenix.lock.bak to restore)",
    );
    await writeFile(join(dir, LOCK_FILE), "{");
    await writeFile(join(dir, BACKUP_FILE), serializeLock(sampleLock()));
    await expect(readLock(dir)).rejects.toThrow(/run `phoenix lock restore` to go back to phoenix\.lock\.bak, or delete phoenix\.lock/);
  });

  it("names the file relative to the working directory", async () => {
    const dir = await project();
    await writeFile(join(dir, LOCK_FILE), "{}");
    await expect(readLock(dir, { cwd: dirname(dir) })).rejects.toThrow(
      `${basename(dir)}/phoenix.lock:1:1: error lock-corrupt: does not match the lock format: version: expected 1; lineage: missing (expected string); serial: missing (expected number); and 1 more; to recover`,
    );
  });
});

describe("writeLock", () => {
  it("creates phoenix.lock at serial 1 with the lineage it was given, and no .bak", async () => {
    const dir = await project();
    const { lock } = await readLock(dir);
    const result = await write(dir, withComponents(lock, { store: component("store", []) }));
    expect(result).toMatchObject({ written: true, serial: 1 });
    const text = await readFile(join(dir, LOCK_FILE), "utf8");
    expect(text).toBe(serializeLock({ ...lock, serial: 1, components: { store: component("store", []) } }));
    expect(parseLock(text).lineage).toBe(lock.lineage);
    expect((await readdir(dir)).sort()).toEqual([".phoenix", LOCK_FILE, "specs"]);
  });

  it("bumps the serial only when the content changes, and leaves the file untouched otherwise", async () => {
    const dir = await project();
    let { lock } = await write(dir, emptyLock());
    ({ lock } = await write(dir, withComponents(lock, { store: component("store", []) })));
    expect(lock.serial).toBe(2);
    const before = await stat(join(dir, LOCK_FILE));
    const bakBefore = await readFile(join(dir, BACKUP_FILE));
    await new Promise((done) => setTimeout(done, 20));
    // the same content, rebuilt from scratch: not written
    const same = await write(dir, parseLock(await readFile(join(dir, LOCK_FILE))));
    expect(same).toMatchObject({ written: false, serial: 2 });
    expect((await stat(join(dir, LOCK_FILE))).mtimeMs).toBe(before.mtimeMs);
    expect(await readFile(join(dir, BACKUP_FILE))).toEqual(bakBefore);
    const changed = await write(dir, withComponents(lock, { api: component("api", ["store"]) }));
    expect(changed).toMatchObject({ written: true, serial: 3 });
  });

  it("keeps the replaced version, byte for byte, as phoenix.lock.bak", async () => {
    const dir = await project();
    const first = await write(dir, sampleLock(0));
    const firstBytes = await readFile(join(dir, LOCK_FILE));
    await write(dir, withComponents(first.lock, { web: component("web", ["api"]) }));
    expect(await readFile(join(dir, BACKUP_FILE))).toEqual(firstBytes);
    expect(parseLock(await readFile(join(dir, LOCK_FILE))).serial).toBe(2);
  });

  it("refuses to overwrite a change made since the lock was read", async () => {
    const dir = await project();
    const { lock: one } = await write(dir, emptyLock());
    await write(dir, withComponents(one, { store: component("store", []) }));
    const bytes = await readFile(join(dir, LOCK_FILE));
    await expect(write(dir, withComponents(one, { api: component("api", []) }))).rejects.toThrow(
      "phoenix.lock: error lock-changed: it changed after it was read (serial 1, now 2); nothing was written; run the command again to start from the current state",
    );
    await expect(write(dir, { ...emptyLock(), serial: 2 })).rejects.toThrow(/lock-changed: it was replaced after it was read \(lineage /);
    expect(await readFile(join(dir, LOCK_FILE))).toEqual(bytes);
  });

  it("needs the writer lock", async () => {
    const dir = await project();
    await expect(writeLock(dir, emptyLock())).rejects.toThrow("writeLock needs the writer lock");
    expect(await readdir(dir)).toEqual(["specs"]);
  });

  it("rejects an invalid lock before writing anything: the old file, the .bak and the folder stay as they were", async () => {
    const dir = await project();
    const { lock } = await write(dir, sampleLock(0));
    await write(dir, withComponents(lock, {}));
    const { lock: current } = await readLock(dir);
    await write(dir, withComponents(current, { web: component("web", []) }));
    const files = (await readdir(dir)).sort();
    const lockBytes = await readFile(join(dir, LOCK_FILE));
    const bakBytes = await readFile(join(dir, BACKUP_FILE));
    const { lock: latest } = await readLock(dir);
    const bad = withComponents(latest, { api: component("api", [], { checks: { unit: { verdict: "maybe" as never, evidence: "", at: AT } } }) });
    await expect(write(dir, bad)).rejects.toThrow("components.api.checks.unit.verdict: expected one of");
    expect(await readFile(join(dir, LOCK_FILE))).toEqual(lockBytes);
    expect(await readFile(join(dir, BACKUP_FILE))).toEqual(bakBytes);
    expect((await readdir(dir)).sort()).toEqual(files);
  });

  it("leaves the old file intact and no temp file behind when the write fails on disk", async () => {
    const dir = await project();
    const { lock } = await write(dir, sampleLock(0));
    const bytes = await readFile(join(dir, LOCK_FILE));
    // a directory where the .bak goes: keeping the backup fails, so nothing may change
    await mkdir(join(dir, BACKUP_FILE, "in-the-way"), { recursive: true });
    await expect(write(dir, withComponents(lock, { web: component("web", []) }))).rejects.toThrow(
      /^phoenix\.lock: error lock-unwritable: cannot write it: is a directory \(in .+\); phoenix\.lock was left as it was; fix the cause and run the command again$/,
    );
    expect(await readFile(join(dir, LOCK_FILE))).toEqual(bytes);
    expect((await readdir(dir)).sort()).toEqual([".phoenix", LOCK_FILE, BACKUP_FILE, "specs"]);
    // no temp file; only the first write's remembered text (lock-written.ts)
    expect(await readdir(join(dir, ".phoenix"))).toEqual(["lock-written"]);
  });

  it("leaves the old file intact in a read-only directory (a real read-only mount, by bubblewrap)", async () => {
    const dir = await project();
    const { lock } = await write(dir, sampleLock(0));
    const bytes = await readFile(join(dir, LOCK_FILE));
    const index = pathToFileURL(join(repoRoot, "dist/compiler/lock/index.js")).href;
    const next = withComponents(lock, { web: component("web", []) });
    // the project is mounted read-only, only .phoenix/ (where the writer lock lives) stays writable;
    // permissions would not do: tests may run as root, which ignores them
    const script = `
      const { withWriterLock, writeLock } = await import(${JSON.stringify(index)});
      const dir = ${JSON.stringify(dir)};
      try {
        await withWriterLock(dir, () => writeLock(dir, ${JSON.stringify(next)}), { onWarning: () => {} });
      } catch (error) { console.log(error.message); }
    `;
    const run = await execa("bwrap", [
      "--dev-bind", "/", "/", "--ro-bind", dir, dir, "--bind", join(dir, ".phoenix"), join(dir, ".phoenix"),
      process.execPath, "--input-type=module", "-e", script,
    ], { reject: false });
    expect(run.stderr).toBe("");
    expect(run.stdout).toMatch(/^phoenix\.lock: error lock-unwritable: cannot write it: .*read-only file system.*; phoenix\.lock was left as it was/);
    expect(await readFile(join(dir, LOCK_FILE))).toEqual(bytes);
  });

  it("never lets a reader see a partial file while another process writes", async () => {
    const dir = await project();
    const big = sampleLock(0);
    const small = { ...big, components: { store: component("store", []) } };
    await write(dir, small);
    const index = pathToFileURL(join(repoRoot, "dist/compiler/lock/index.js")).href;
    // a writer in another process alternates between a big and a small lock
    const script = `
      const { readLock, withWriterLock, writeLock } = await import(${JSON.stringify(index)});
      const dir = ${JSON.stringify(dir)};
      const big = ${JSON.stringify(big)};
      await withWriterLock(dir, async () => {
        for (let i = 0; i < 150; i++) {
          const { lock } = await readLock(dir);
          await writeLock(dir, i % 2 === 0 ? { ...big, lineage: lock.lineage, serial: lock.serial } : { ...lock, components: { store: big.components.store } });
        }
      }, { onWarning: (m) => console.error(m) });
    `;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "inherit", "inherit"] });
    const exited = new Promise<number | null>((done) => child.on("exit", done));
    let running = true;
    void exited.then(() => (running = false));
    let reads = 0;
    const serials = new Set<number>();
    while (running) {
      const { lock } = await readLock(dir); // throws on a partial file
      serials.add(lock.serial);
      reads++;
    }
    expect(await exited).toBe(0);
    expect(reads).toBeGreaterThan(10);
    expect(serials.size).toBeGreaterThan(2);
    expect((await readLock(dir)).lock.serial).toBe(151);
  });
});

describe("reading back what phoenix wrote", () => {
  it("gives the lock phoenix wrote without checking it again, the same as a full check gives", async () => {
    const dir = await project();
    const { lock } = await write(dir, sampleLock(0));
    expect(await readFile(join(dir, ".phoenix", "lock-written"), "utf8")).toMatch(/^\S+ [0-9a-f]{64}\n$/);
    const text = await readFile(join(dir, LOCK_FILE), "utf8");
    expect((await readLock(dir)).lock).toEqual(parseLock(text));
    expect((await readLock(dir)).lock).toEqual(lock);
  });

  it("checks a hand-edited lock in full, even one edit away from what phoenix wrote", async () => {
    const dir = await project();
    await write(dir, sampleLock(0));
    const text = await readFile(join(dir, LOCK_FILE), "utf8");
    await writeFile(join(dir, LOCK_FILE), text.replace(/"outputHash": "sha256:[0-9a-f]{64}"/, '"outputHash": "sha256:not-a-hash"'));
    await expect(readLock(dir)).rejects.toThrow(/lock-corrupt: does not match the lock format: components\.\w+\.outputHash/);
  });

  it("checks the lock in full when what phoenix remembers of it is missing or from another build", async () => {
    const dir = await project();
    await write(dir, sampleLock(0));
    const remembered = join(dir, ".phoenix", "lock-written");
    const [, digest] = (await readFile(remembered, "utf8")).trim().split(" ");
    const text = await readFile(join(dir, LOCK_FILE), "utf8");
    // the same text, but a wrong remembered build: a valid lock still reads, an invalid one fails
    await writeFile(remembered, `another-build ${digest}\n`);
    expect((await readLock(dir)).lock).toEqual(parseLock(text));
    await writeFile(join(dir, LOCK_FILE), text.replace('"version": 1', '"version": 1, "serial": -1'));
    await expect(readLock(dir)).rejects.toThrow(LockError);
  });

  it("remembers a lock in phoenix's own layout once it passed a full check (a fresh clone), and no other", async () => {
    const dir = await project();
    await write(dir, sampleLock(0));
    const remembered = join(dir, ".phoenix", "lock-written");
    const text = await readFile(join(dir, LOCK_FILE), "utf8");
    await rm(remembered);
    expect(await readLock(dir)).toMatchObject({ exists: true, asWritten: true });
    expect(await readFile(remembered, "utf8")).toMatch(/^\S+ [0-9a-f]{64}\n$/);
    expect(await readLock(dir)).toMatchObject({ asWritten: true });
    // valid, but laid out otherwise: checked in full every time, never remembered
    await rm(remembered);
    await writeFile(join(dir, LOCK_FILE), JSON.stringify(JSON.parse(text)));
    expect(await readLock(dir)).toMatchObject({ lock: parseLock(text), asWritten: false });
    await expect(readFile(remembered, "utf8")).rejects.toThrow(/ENOENT/);
  });
});

describe("restoreLock", () => {
  it("swaps phoenix.lock and phoenix.lock.bak, so a second restore undoes the first", async () => {
    const dir = await project();
    const { lock } = await write(dir, sampleLock(0));
    const one = await readFile(join(dir, LOCK_FILE));
    await write(dir, withComponents(lock, { web: component("web", []) }));
    const two = await readFile(join(dir, LOCK_FILE));
    const restore = () => withWriterLock(dir, () => restoreLock(dir), quiet);
    expect(await restore()).toEqual({ before: { serial: 2 }, after: 1 });
    expect(await readFile(join(dir, LOCK_FILE))).toEqual(one);
    expect(await readFile(join(dir, BACKUP_FILE))).toEqual(two);
    expect(await restore()).toEqual({ before: { serial: 1 }, after: 2 });
    expect(await readFile(join(dir, LOCK_FILE))).toEqual(two);
    expect(await readFile(join(dir, BACKUP_FILE))).toEqual(one);
  });

  it("does not use a serial twice after a restore", async () => {
    const dir = await project();
    const { lock } = await write(dir, sampleLock(0));
    await write(dir, withComponents(lock, { web: component("web", []) }));
    await withWriterLock(dir, () => restoreLock(dir), quiet);
    const { lock: restored } = await readLock(dir);
    expect(restored.serial).toBe(1);
    expect((await write(dir, withComponents(restored, { cli: component("cli", []) }))).serial).toBe(3);
  });
});
