/**
 * Import cycles in runner/ (type-only imports included): none allowed. `npm run lint` runs it
 * (`depcruise runner`). A cycle usually means a type lives in the wrong module: move it to the
 * module that owns it (as runner/flows/run/types.ts holds the benchmark's ports and options).
 */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "runner/ has no import cycle, type-only imports included: move the shared type to its owner.",
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "node_modules" },
    // Type-only imports count: they are read before TypeScript erases them.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".mjs", ".js"] },
  },
};
