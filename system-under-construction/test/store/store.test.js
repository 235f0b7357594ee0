// Human-written tests of the store (protected: no agent may change them).
import { describe, expect, it } from "vitest";
import { createUserStore, hashPassword, passwordMatches } from "../../src/store/index.js";

describe("the user store", () => {
  it("STORE-1: keeps passwords only as scrypt hashes, never in plain text", () => {
    const store = createUserStore();
    const user = store.add("ada@example.com", "lovelace-1815");
    expect(user.passwordHash).toMatch(/^scrypt\$16384\$8\$1\$[0-9a-f]{32}\$[0-9a-f]{128}$/);
    expect(JSON.stringify(user)).not.toContain("lovelace-1815");
    expect(store.verify("ada@example.com", "lovelace-1815")).toEqual(user);
    expect(store.verify("ada@example.com", "wrong")).toBeUndefined();
  });

  it("STORE-4: salts every hash", () => {
    expect(hashPassword("same")).not.toBe(hashPassword("same"));
    expect(passwordMatches("same", hashPassword("same"))).toBe(true);
    expect(passwordMatches("other", hashPassword("same"))).toBe(false);
  });

  it("STORE-2: emails are unique, compared case-insensitively", () => {
    const store = createUserStore();
    store.add("Grace@Example.com", "hopper");
    expect(() => store.add("grace@example.COM", "again")).toThrow();
  });

  it("STORE-5: no error message contains a password", () => {
    const store = createUserStore();
    store.add("eve@example.com", "s3cret-passw0rd");
    let message = "";
    try {
      store.add("EVE@example.com", "s3cret-passw0rd");
    } catch (error) {
      message = String(error);
    }
    expect(message).not.toBe("");
    expect(message).not.toContain("s3cret-passw0rd");
  });

  it("STORE-3: finds a user by email in any case", () => {
    const store = createUserStore();
    store.add("alan@example.com", "turing");
    expect(store.find("ALAN@example.com")?.email).toBe("alan@example.com");
    expect(store.find("nobody@example.com")).toBeUndefined();
  });
});
