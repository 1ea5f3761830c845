// Preloaded into the server under test by `npm run bench -- --profile` (NODE_OPTIONS="--import
// <this file>", since NODE_OPTIONS may not carry --cpu-prof): samples the main thread with V8's
// profiler from start-up and writes a .cpuprofile into $BENCH_CPU_PROFILE_DIR when the process exits.
import { mkdirSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import path from "node:path";

const dir = process.env.BENCH_CPU_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  // In-process inspector messages are answered synchronously, so this also works inside "exit".
  session.post("Profiler.enable");
  session.post("Profiler.setSamplingInterval", { interval: 1000 });
  session.post("Profiler.start");
  process.once("exit", () => {
    session.post("Profiler.stop", (error, result) => {
      if (error || !result) return;
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, `hookline-${process.pid}-${Date.now()}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
