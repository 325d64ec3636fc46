"""Velodrome's adapter to a model folder's own tokenizer (`velodrome prompts tokenize --tokenizer DIR`).

Reads {"dir", "texts", "chat"} as JSON on stdin and writes {"ids", "bos", "chat_template"} on stdout.
Uses the `tokenizers` library (the reference implementation of tokenizer.json, installed with vLLM)
and, for --chat, the folder's own `chat_template` rendered with jinja2 the way transformers does
(a sandboxed environment, trim_blocks and lstrip_blocks). Offline: only files in the folder are read.
"""

import json
import os
import sys

from tokenizers import Tokenizer


def token_text(value):
    return value.get("content") if isinstance(value, dict) else value


def main():
    req = json.load(sys.stdin)
    folder = req["dir"]
    tok = Tokenizer.from_file(os.path.join(folder, "tokenizer.json"))
    cfg_path = os.path.join(folder, "tokenizer_config.json")
    cfg = json.load(open(cfg_path, encoding="utf-8")) if os.path.exists(cfg_path) else {}
    bos_text = token_text(cfg.get("bos_token")) or ""
    texts = req["texts"]
    template = cfg.get("chat_template") if req["chat"] else None
    if req["chat"] and not isinstance(template, str):
        sys.exit(f"{cfg_path} has no chat_template (a string): tokenize without --chat")
    if template:
        from jinja2.sandbox import ImmutableSandboxedEnvironment

        env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
        compiled = env.from_string(template)
        eos_text = token_text(cfg.get("eos_token")) or ""
        texts = [
            compiled.render(
                messages=[{"role": "user", "content": t}],
                add_generation_prompt=True,
                bos_token=bos_text,
                eos_token=eos_text,
            )
            for t in texts
        ]
    # The chat template writes its own special tokens; the raw text gets the tokenizer's own (BOS).
    encodings = tok.encode_batch(texts, add_special_tokens=not template)
    ids = [e.ids for e in encodings]
    bos_id = tok.token_to_id(bos_text) if bos_text else None
    bos = bos_id is not None and all(x and x[0] == bos_id for x in ids)
    json.dump({"ids": ids, "bos": bos, "chat_template": template}, sys.stdout)


main()
