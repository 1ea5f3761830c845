import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { after, describe, test } from "node:test";
import { CLIENT_FAMILIES, runClientCommand } from "../src/cli/run.ts";
import { unknownVariableWarnings } from "../src/main/environment-check.ts";
import {
  cli as run,
  cliWithStdin as runWithStdin,
  explain,
  json,
  removeTempDirs,
  tempDir,
} from "./support/cli-client.ts";
import { killAllServers } from "./support/server-process.ts";

/**
 * The local commands of the `hookline` client (signature, completion) and the help of every client
 * command: no server needed.
 */

after(async () => {
  await killAllServers();
  removeTempDirs();
});

const cli = (args: string[], env: Record<string, string>) => run(args, env);
const cliWithStdin = (args: string[], input: string, env: Record<string, string>) => runWithStdin(args, input, env);

describe("local commands", { concurrency: 3 }, () => {
  const secret = "whsec_" + Buffer.alloc(32, 9).toString("base64");

  test("signature sign then verify round-trips; a tampered body or another secret fails with exit 1", async () => {
    const body = '{"type":"invoice.paid","data":{"id":"in_1"}}';
    const dir = tempDir();
    writeFileSync(path.join(dir, "body.json"), body);
    const signed = json(
      await cli(["signature", "sign", "--secret", secret, "--id", "msg_1", "-f", path.join(dir, "body.json")], {}),
    );
    assert.equal(signed["webhook-id"], "msg_1");
    assert.match(signed["webhook-timestamp"], /^\d+$/);
    assert.match(signed["webhook-signature"], /^v1,[A-Za-z0-9+/]+=*$/);
    const verify = (b: string, s = secret) =>
      cliWithStdin(
        [
          "signature",
          "verify",
          "--secret",
          s,
          "--id",
          "msg_1",
          "--timestamp",
          signed["webhook-timestamp"],
          "--signature",
          signed["webhook-signature"],
          "-f",
          "-",
        ],
        b,
        {},
      );
    const [ok, tampered, otherSecret] = await Promise.all([
      verify(body),
      verify(body.replace("in_1", "in_2")),
      verify(body, "whsec_" + Buffer.alloc(32, 1).toString("base64")),
    ]);
    assert.deepEqual(json(ok), { valid: true });
    for (const r of [tampered, otherSecret]) {
      assert.equal(r.code, 1, explain(r));
      assert.match(r.stderr, /signature is not valid: /, explain(r));
    }
  });

  test("a stale timestamp fails unless --ignore-timestamp", async () => {
    const args = ["--secret", secret, "--id", "msg_1", "--timestamp", "1600000000", "--data", "{}"];
    const signed = json(await cli(["signature", "sign", ...args], {}));
    const verify = (...extra: string[]) =>
      cli(["signature", "verify", ...args, "--signature", signed["webhook-signature"], ...extra], {});
    const [stale, ignored] = await Promise.all([verify(), verify("--ignore-timestamp")]);
    assert.equal(stale.code, 1, explain(stale));
    assert.match(stale.stderr, /timestamp/, explain(stale));
    assert.deepEqual(json(ignored), { valid: true });
  });

  test("completion bash is a valid script completing commands, subcommands and flags", async () => {
    const r = await cli(["completion", "bash"], {});
    assert.equal(r.code, 0, explain(r));
    assert.match(r.stdout, /complete -F _hookline hookline/);
    assert.match(
      r.stdout,
      /endpoint\) echo "list get create update delete secret rotate recover replay-missing bulk-replay stats poll" ;;/,
    );
    assert.match(r.stdout, /task\) echo "list get" ;;/);
    assert.match(r.stdout, /"task get"\) echo "--wait --json --table --url --token --help"/);
    assert.match(
      r.stdout,
      /"replay"\) echo "--app --endpoint --since --until --status --dry-run --yes --json --table --url --token --help"/,
    );
    assert.match(r.stdout, /"endpoint recover"\) echo "--app --since --until --wait --dry-run --yes /);
    assert.match(r.stdout, /"message expunge-all-contents"\) echo "--app --dry-run --yes --wait /);
    assert.match(r.stdout, /"endpoint create"\) echo "--app .*--endpoint-url .*--json .*--url --token --help"/);
    const syntax = spawnSync("bash", ["-n"], { input: r.stdout, encoding: "utf8" });
    assert.equal(syntax.status, 0, syntax.stderr);
    // Completing `hookline endpoint r` in a real bash offers the subcommands starting with r.
    const script = `${r.stdout}\nCOMP_WORDS=(hookline endpoint r); COMP_CWORD=2; _hookline; echo "\${COMPREPLY[*]}"`;
    const completed = spawnSync("bash", ["-c", script], { encoding: "utf8" });
    assert.equal(completed.stdout.trim(), "rotate recover replay-missing", completed.stderr);
  });

  test("completion zsh prints a compdef script; an unknown shell exits 2", async () => {
    const [zsh, fish] = await Promise.all([cli(["completion", "zsh"], {}), cli(["completion", "fish"], {})]);
    assert.equal(zsh.code, 0, explain(zsh));
    assert.match(zsh.stdout, /^#compdef hookline\n/);
    assert.match(zsh.stdout, /message\) subs=\(list get create expunge-all-contents resend\) ;;/);
    assert.equal(fish.code, 2, explain(fish));
    assert.match(fish.stderr, /no completion for "fish": bash or zsh/);
  });
});

describe("help", () => {
  test("every client command and subcommand --help exits 0 with its flags, defaults and an example", async () => {
    for (const family of CLIENT_FAMILIES) {
      const subs = family.single ? [[]] : [[], ...family.subcommands!.map((s) => [s.name])];
      for (const sub of subs) {
        let stdout = "";
        let stderr = "";
        const code = await runClientCommand(family.name, [...sub, "--help"], {
          env: {},
          stdout: (t) => (stdout += t),
          stderr: (t) => (stderr += t),
          isTTY: false,
        });
        const what = `hookline ${family.name} ${sub.join(" ")} --help\n${stdout}${stderr}`;
        assert.equal(code, 0, what);
        assert.equal(stderr, "", what);
        assert.match(stdout, new RegExp(`^Usage: hookline ${family.name} `), what);
        assert.match(stdout, /\nExample:\n {2}(hookline|source <\(hookline) \S/, what);
        if (family.single || sub.length) assert.match(stdout, /\nFlags:\n(.*\n)*\s+-h, --help +show this help/, what);
      }
    }
  });

  test("through the binary: a subcommand's help shows defaults; `hookline help endpoint` lists subcommands", async () => {
    const [list, family, top] = await Promise.all([
      cli(["endpoint", "list", "--help"], {}),
      cli(["help", "endpoint"], {}),
      cli(["help"], {}),
    ]);
    assert.equal(list.code, 0, explain(list));
    assert.match(list.stdout, /^Usage: hookline endpoint list --app <app> \[flags\]/);
    assert.match(list.stdout, /--limit <n> +how many per page \(default: 50\)/);
    assert.match(list.stdout, /Exit codes: 0 ok, 2 usage, 3 auth, 4 not found, 5 validation, 6 network, 7 server/);
    assert.match(list.stdout, /Example:\n {2}hookline endpoint list --app acme\n/);
    assert.equal(family.code, 0, explain(family));
    assert.match(family.stdout, /^Usage: hookline endpoint <subcommand> \[flags\]/);
    assert.match(family.stdout, /^ {2}rotate +replace the signing secret/m);
    assert.equal(top.code, 0, explain(top));
    assert.match(top.stdout, /^ {2}endpoint +endpoints of an application/m);
  });
});

test("the client's HOOKLINE_URL and HOOKLINE_TOKEN are not unknown variables to `serve`", () => {
  assert.deepEqual(
    unknownVariableWarnings({ HOOKLINE_URL: "http://127.0.0.1:8080", HOOKLINE_TOKEN: "hk_admin_x" }),
    [],
  );
  assert.equal(unknownVariableWarnings({ HOOKLINE_PORTT: "x" }).length, 1);
});
