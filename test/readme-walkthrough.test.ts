import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { startTestHookline, type TestHookline } from "./support/hookline.ts";
import { freePort, REPO_ROOT } from "./support/server-process.ts";
import { waitUntil } from "./support/wait.ts";

/**
 * The README's walk-through, run as written in a POSIX shell (`sh`): its receiver, its API calls
 * and its inbound example, against a real server started as its first command says. Only the two
 * ports are changed (8080 and 9000 may be taken on a test machine). It must end with both
 * deliveries verified by the receiver, with nothing filled in by hand.
 */

const README = readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
const SH_BLOCKS = [...README.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
const block = (start: string): string => {
  const found = SH_BLOCKS.find((b) => b.startsWith(start));
  assert.ok(found, `README.md has a sh block starting with ${JSON.stringify(start)}`);
  return found;
};
const hasCurl = spawnSync("sh", ["-c", "command -v curl"]).status === 0;

describe("the README walk-through, in sh", { skip: hasCurl ? false : "curl is not installed" }, () => {
  let work: string;
  let hookline: TestHookline;
  let receiver: ChildProcess;
  let received = "";
  let apiPort: number;
  let receiverPort: number;
  const ports = (text: string) =>
    text
      .replaceAll("127.0.0.1:8080", `127.0.0.1:${apiPort}`)
      .replaceAll("127.0.0.1:9000", `127.0.0.1:${receiverPort}`)
      .replaceAll("listen(9000", `listen(${receiverPort}`);

  before(async () => {
    work = mkdtempSync(path.join(tmpdir(), "hookline-readme-"));
    apiPort = await freePort();
    receiverPort = await freePort();
    // The first command: `HOOKLINE_ALLOW_PRIVATE_NETWORKS=127.0.0.1:9000 npm start`, with a generated admin token.
    const [assignment] = ports(block("HOOKLINE_ALLOW_PRIVATE_NETWORKS=")).trim().split(" ");
    const allowList = assignment!.slice("HOOKLINE_ALLOW_PRIVATE_NETWORKS=".length);
    hookline = await startTestHookline(
      { HOOKLINE_PORT: String(apiPort), HOOKLINE_ALLOW_PRIVATE_NETWORKS: allowList, HOOKLINE_ADMIN_TOKEN: "" },
      { dataDir: path.join(work, "hookline-data") },
    );
    // The second terminal: the receiver, run where the README runs it (its libraries from the checkout).
    receiver = spawn("sh", ["-c", ports(block("node -e '"))], {
      cwd: work,
      env: { ...process.env, NODE_PATH: path.join(REPO_ROOT, "node_modules") },
      stdio: ["ignore", "pipe", "pipe"],
      // Its own process group, so that stopping it also stops the node process sh started.
      detached: true,
    });
    receiver.stdout!.on("data", (chunk: Buffer) => (received += chunk.toString("utf8")));
    receiver.stderr!.on("data", (chunk: Buffer) => (received += chunk.toString("utf8")));
    await waitUntil(
      () => received.includes("receiver on"),
      60_000,
      () => `the receiver to start: ${received}`,
    );
  });
  after(async () => {
    if (receiver?.pid !== undefined && receiver.exitCode === null) process.kill(-receiver.pid, "SIGTERM");
    await hookline?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("delivers a verified webhook and forwards a verified inbound event", async () => {
    // The third terminal: the API calls, then the inbound example, in one shell.
    const script = ports(block("TOKEN=$(cat hookline-data/admin-token)") + block("# A source:"));
    const shell = spawn("sh", ["-e", "-c", script], { cwd: work, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let output = "";
    shell.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    shell.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    // Generous for a loaded machine (it takes seconds on a quiet one); a hang is stopped and reported.
    const stop = setTimeout(() => process.kill(-shell.pid!, "SIGTERM"), 120_000);
    const code = await new Promise<number | null>((resolve) => shell.on("close", resolve));
    clearTimeout(stop);
    assert.equal(code, 0, `the walk-through's calls failed or hung:\n${output}`);
    assert.doesNotMatch(output, /"detail"/, "no call was refused");

    await waitUntil(
      () => received.includes("verified /webhooks") && received.includes("verified /github"),
      60_000,
      () => `the receiver to verify both deliveries:\n${received}\nshell output:\n${output}`,
    );
    assert.doesNotMatch(received, /NOT verified/);
    assert.match(received, /verified \/webhooks msg_\S+ \{"invoice":"in_42","amount":1250\}/);
  });
});
