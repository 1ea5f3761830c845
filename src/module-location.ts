/**
 * Where a module that Hookline starts in a process or thread of its own (the sandbox process, the
 * SQLite retention thread) lives. Hookline runs either from the TypeScript sources through tsx or
 * from the JavaScript that `npm run build` compiles into dist/ (bin/hookline.js chooses; see
 * docs/architecture.md, "Compiled ahead of time"). The compiler rewrites the extensions of imports
 * but not of a path written as a string, so a module started by path is named without its
 * extension and takes the one of the module that starts it.
 */
export interface ModuleLocation {
  /** The module's file URL, `.ts` or `.js` like the caller's. */
  url: URL;
  /** True when the caller runs from the sources: the new process or thread must load tsx too. */
  needsTsx: boolean;
}

/** `name` (a relative path without extension) next to the module at `callerUrl` (its `import.meta.url`). */
export function siblingModule(callerUrl: string, name: string): ModuleLocation {
  const needsTsx = new URL(callerUrl).pathname.endsWith(".ts");
  return { url: new URL(`${name}${needsTsx ? ".ts" : ".js"}`, callerUrl), needsTsx };
}
