# The challenge's engine image for `--sandbox oci` (GPU runners): upstream vLLM's OpenAI server and
# nothing else. No weights, no tokenizers, no Velodrome code: the runner mounts the weights
# read-only (VELODROME_OCI_HF_HOME at /hf with HF_HOME=/hf, or a local model folder at its own
# path), the scratch folder holding the engine's Unix socket, and the submission's folder.
#
# Pin the base by digest, never by tag (a tag can be moved under a running challenge). The organizer
# resolves it once on a machine with network access and writes the digest here and in
# VELODROME_OCI_IMAGE on every runner:
#   podman pull docker.io/vllm/vllm-openai:v0.22.0
#   podman image inspect --format '{{index .RepoDigests 0}}' docker.io/vllm/vllm-openai:v0.22.0
# The version must be challenge.yaml's engine.version. The placeholder below fails to pull on purpose.
FROM docker.io/vllm/vllm-openai@sha256:0000000000000000000000000000000000000000000000000000000000000000

# The engine runs as the runner's unprivileged user (`--user 65534:65534` by default), with a
# read-only root, no network and no capabilities; its entrypoint is given by the runner (`vllm`).
ENV HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 VLLM_NO_USAGE_STATS=1 DO_NOT_TRACK=1
