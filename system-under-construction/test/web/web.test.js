// Human-written tests of the sign-in page (protected: no agent may change them).
import { describe, expect, it } from "vitest";
import { BUTTON_COLOUR, signInPage } from "../../src/web/index.js";

describe("the sign-in page", () => {
  const page = signInPage();

  it("WEB-1: posts the form to /signin and shows the result", () => {
    expect(page).toMatch(/<form[^>]*method="post"[^>]*action="\/signin"/);
    expect(page).toContain('type="email"');
    expect(page).toContain('type="password"');
    expect(page).toMatch(/fetch\("\/signin"/);
    expect(page).toContain('id="result"');
  });

  it("WEB-2: the sign-in button is blue (#1d4ed8)", () => {
    expect(BUTTON_COLOUR).toBe("#1d4ed8");
    expect(page).toContain("background: #1d4ed8");
  });

  it("WEB-4: the fields carry autocomplete hints for email and password", () => {
    expect(page).toContain('autocomplete="username"');
    expect(page).toContain('autocomplete="current-password"');
  });

  it("WEB-3: works without JavaScript frameworks", () => {
    expect(page).not.toMatch(/<script[^>]+src=/);
  });
});
