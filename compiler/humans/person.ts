/** Who a person is, for approvals, rejections and adoptions: `--by`, else git's user.name, else the login. */
import { userInfo } from "node:os";

/** execa takes about 0.2 s to import: loaded when a program is first run, not before. */
const loadExeca = () => import("execa").then((m) => m.execa);

export async function personName(by: unknown, cwd: string): Promise<string> {
  if (typeof by === "string" && by.trim() !== "") return by.trim();
  const execa = await loadExeca();
  const git = await execa("git", ["config", "user.name"], { cwd, reject: false });
  const name = git.exitCode === 0 ? String(git.stdout).trim() : "";
  if (name !== "") return name;
  try {
    return userInfo().username;
  } catch {
    return process.env["USER"] ?? "unknown";
  }
}
