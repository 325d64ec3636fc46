import type { Sandbox, SandboxLimits } from "../../ports.ts";
import { OCI_ENV, ociOptionsFromEnv, ociSandbox } from "./oci.ts";
import {
  bubblewrap,
  bubblewrapAvailable,
  noSandbox,
  SandboxUnavailable,
  type BubblewrapOptions,
} from "./sandbox.ts";

/** How engines are confined; `none` only ever by an explicit flag, for local development. */
export type SandboxMode = "auto" | "bwrap" | "oci" | "none";
export const SANDBOX_MODES: readonly SandboxMode[] = ["auto", "bwrap", "oci", "none"];

export interface SelectOptions extends BubblewrapOptions {
  /** Where the OCI configuration is read (the runner's environment by default). */
  env?: Record<string, string | undefined>;
  limits?: SandboxLimits;
}

/**
 * Whether engines run in the OCI sandbox under `mode`: asked for, or `auto` on a runner configured
 * for it (VELODROME_OCI_IMAGE set). There the image brings its own vLLM, never the host's.
 */
export function usesOci(mode: SandboxMode, env: Record<string, string | undefined> = process.env): boolean {
  return mode === "oci" || (mode === "auto" && ociOptionsFromEnv(env) !== undefined);
}

/** The OCI sandbox this runner is configured for; refuses, saying what to set, when it is not. */
function ociFromConfig(o: SelectOptions): Sandbox {
  const oci = ociOptionsFromEnv(o.env ?? process.env);
  if (!oci)
    throw new SandboxUnavailable(
      `--sandbox oci needs the challenge's pinned engine image: set ${OCI_ENV.image} ` +
        `(e.g. vllm/vllm-openai@sha256:…), and ${OCI_ENV.runtime} (podman, the default, or docker) ` +
        `and ${OCI_ENV.gpu} (the GPU assigned to this runner)`,
    );
  return ociSandbox({ ...oci, ...(o.limits ? { limits: o.limits } : {}) });
}

/** bubblewrap, or a refusal saying how to install it. */
function bwrapFromHost(o: SelectOptions): Sandbox {
  if (!bubblewrapAvailable(o.bin))
    throw new SandboxUnavailable(
      "bubblewrap is not installed: `apt-get install bubblewrap` (Debian), or pass `--sandbox none` " +
        "for a local development run on your own machine (never on a runner)",
    );
  return bubblewrap(o);
}

/**
 * The sandbox for a mode, fail-closed: every mode but an explicit `none` either confines the
 * engine or throws SandboxUnavailable (with how to fix it). `auto` takes the OCI runtime when
 * this runner is configured for one (GPU runners: bubblewrap hides the GPU devices), else
 * bubblewrap; it never falls back to running unconfined.
 */
export function selectSandbox(mode: SandboxMode, o: SelectOptions = {}): Sandbox {
  if (mode === "none") return noSandbox;
  return usesOci(mode, o.env ?? process.env) ? ociFromConfig(o) : bwrapFromHost(o);
}
