import { readFileSync } from "node:fs";

/**
 * CPU time, for the sandbox's time limits: on a busy machine a process may wait for a CPU for
 * longer than its whole budget, and that wait is not the expression's doing. Limits count the
 * CPU time an evaluation used, with a generous wall-clock cap on top.
 */

/** This process's CPU time (user + system), in milliseconds. */
export function ownCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** Linux's clock ticks per second for /proc times (USER_HZ, 100 on every mainstream build). */
const TICKS_PER_SECOND = 100;

/**
 * Another process's CPU time in milliseconds, from /proc/<pid>/stat (Linux); null where that
 * cannot be read (then callers fall back to wall-clock time).
 */
export function processCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // utime and stime are fields 14 and 15 of the line, 12 and 13 counting from the state field.
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? (ticks * 1000) / TICKS_PER_SECOND : null;
  } catch {
    return null;
  }
}
