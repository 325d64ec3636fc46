import js from "@eslint/js";
import tseslint from "typescript-eslint";

// Modules the pure core must never import: it takes data in and gives data out.
const impure = [
  "fs",
  "node:fs",
  "fs/promises",
  "node:fs/promises",
  "child_process",
  "node:child_process",
  "net",
  "node:net",
  "http",
  "node:http",
  "https",
  "node:https",
  "os",
  "node:os",
  "process",
  "node:process",
  "simple-git",
  "@actions/core",
  "@actions/github",
];

export default tseslint.config(
  { ignores: ["node_modules/**", "site/dist/**", ".velodrome/**", "coverage/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: "readonly",
        console: "readonly",
        URL: "readonly",
        setTimeout: "readonly",
        clearTimeout: "readonly",
        Buffer: "readonly",
        performance: "readonly",
        fetch: "readonly",
        AbortController: "readonly",
        TextEncoder: "readonly",
        TextDecoder: "readonly",
        setInterval: "readonly",
        clearInterval: "readonly",
        structuredClone: "readonly",
      },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // CommonJS tool configuration (.dependency-cruiser.cjs).
    files: ["**/*.cjs"],
    languageOptions: { sourceType: "commonjs", globals: { module: "writable", require: "readonly" } },
  },
  {
    // Browser scripts of the static site (plain ES5-style, no build step).
    files: ["site/assets/**/*.js"],
    languageOptions: {
      sourceType: "script",
      globals: { window: "readonly", document: "readonly", d3: "readonly", Map: "readonly", Set: "readonly" },
    },
    rules: { "no-var": "off" },
  },
  {
    // Readable code: short functions (named steps instead of long bodies) and lines a reviewer
    // can read without scrolling; Prettier keeps most lines under 110, this catches long strings.
    files: ["runner/**/*.ts", "site/**/*.js"],
    rules: {
      "max-lines-per-function": ["error", { max: 80, skipBlankLines: true, skipComments: true }],
      "max-len": ["error", { code: 160, ignoreUrls: true }],
    },
  },
  {
    // Use cases take the world as ports (runner/ports.ts): no concrete adapter, no entry point.
    files: ["runner/flows/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["**/adapters/**", "**/cli/**"],
              message: "runner/flows takes adapters as ports: import types from runner/ports.ts instead.",
            },
          ],
        },
      ],
    },
  },
  {
    // The demo and the synthetic repository call flows (and build adapters) directly, never the CLI.
    files: ["runner/demo/**/*.ts", "runner/synth/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["**/cli/**"],
              message: "call the flow the command calls, or take it as a parameter, instead of the CLI.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["runner/core/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: impure.map((name) => ({
            name,
            message: "runner/core is pure: pass an adapter in as a parameter instead.",
          })),
          patterns: [
            {
              group: ["**/adapters/**", "**/cli/**"],
              message: "runner/core must not depend on adapters or entry points.",
            },
          ],
        },
      ],
      "no-restricted-globals": [
        "error",
        { name: "process", message: "runner/core is pure: take what you need as a parameter." },
        { name: "fetch", message: "runner/core is pure: no network." },
      ],
    },
  },
);
