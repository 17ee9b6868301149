"""Greedy generation in PyTorch from a train.py checkpoint, as JSON (the reference for check.ts).

  /usr/bin/python3 tools/model/generate.py CHECKPOINT --tokens 64 "The " "Call me"
prints {"step": N, "results": [{"prompt", "prompt_tokens", "tokens", "text"}]}; prompt_tokens
start with BOS, the way every training sample does.
"""
import argparse
import json
import os
import pathlib
import sys

os.environ.setdefault('OPENBLAS_NUM_THREADS', '1')
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import torch  # noqa: E402

from charvocab import BOS, CharVocab  # noqa: E402
from llama_model import Config, LlamaLM  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('checkpoint', type=pathlib.Path)
    p.add_argument('prompts', nargs='+')
    p.add_argument('--tokens', type=int, default=64)
    args = p.parse_args()
    if not args.checkpoint.is_file():
        sys.exit(f'error: checkpoint {args.checkpoint} not found')
    torch.set_num_threads(1)
    ck = torch.load(args.checkpoint, map_location='cpu')
    cfg = Config(**ck['config'])
    vocab = CharVocab(ck['chars'])
    model = LlamaLM(cfg)
    model.load_state_dict(ck['model'])
    model.eval()
    results = []
    for prompt in args.prompts:
        ids = [BOS] + vocab.encode(prompt)
        if len(ids) + args.tokens > cfg.context:
            sys.exit(f'error: prompt plus --tokens exceeds the context of {cfg.context}')
        out = model.greedy(ids, args.tokens)
        results.append({'prompt': prompt, 'prompt_tokens': ids, 'tokens': out, 'text': vocab.decode(out)})
    print(json.dumps({'step': ck['step'], 'results': results}, ensure_ascii=False))


if __name__ == '__main__':
    main()
