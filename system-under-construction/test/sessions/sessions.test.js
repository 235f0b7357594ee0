// Human-written tests of the sessions (protected: no agent may change them).
import { describe, expect, it } from "vitest";
import { createSessions, SESSION_LIFETIME_MS } from "../../src/sessions/index.js";

const user = { email: "ada@example.com", passwordHash: "scrypt$..." };

describe("sessions", () => {
  it("SES-1: tokens are 32 random bytes, hex encoded", () => {
    const sessions = createSessions();
    const a = sessions.issue(user);
    const b = sessions.issue(user);
    expect(a.token).toMatch(/^[0-9a-f]{64}$/);
    expect(a.token).not.toBe(b.token);
    expect(sessions.check(a.token)?.email).toBe("ada@example.com");
    expect(sessions.check("0".repeat(64))).toBeUndefined();
  });

  it("SES-2: a token expires 12 hours after it is issued", () => {
    let now = Date.parse("2026-11-30T08:00:00Z");
    const sessions = createSessions(() => now);
    const session = sessions.issue(user);
    expect(SESSION_LIFETIME_MS).toBe(12 * 60 * 60 * 1000);
    now += SESSION_LIFETIME_MS - 1;
    expect(sessions.check(session.token)).toBeDefined();
    now += 1;
    expect(sessions.check(session.token)).toBeUndefined();
  });

  it("SES-3: a user may hold several sessions at once", () => {
    const sessions = createSessions();
    const phone = sessions.issue(user);
    const laptop = sessions.issue(user);
    expect(sessions.check(phone.token)).toBeDefined();
    expect(sessions.check(laptop.token)).toBeDefined();
  });
});
