"""Train the Peer Cycles demo model: a small character-level llama on public-domain text.

Runs with Debian's python3-torch (use /usr/bin/python3). Example:
  nice -n 10 /usr/bin/python3 tools/model/train.py --steps 2000 --max-minutes 25
Checkpoints go to .cache/model-train/ (latest.pt every --ckpt-every steps, plus final.pt).
"""
import argparse
import hashlib
import json
import math
import os
import pathlib
import sys
import time

# torch's OpenMP pool already uses --threads cores; a second OpenBLAS pool on top of it thrashes
# (measured here: 700 tokens/s instead of 3500). Must be set before numpy/torch load OpenBLAS.
os.environ.setdefault('OPENBLAS_NUM_THREADS', '1')

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from charvocab import BOS, CharVocab, build_chars  # noqa: E402
from llama_model import Config, LlamaLM  # noqa: E402

REPO = pathlib.Path(__file__).resolve().parents[2]


def positive_int(v: str) -> int:
    n = int(v)
    if n <= 0:
        raise argparse.ArgumentTypeError(f'must be a positive integer, got {v}')
    return n


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--corpus', default=str(REPO / '.cache/model-data/corpus.txt'))
    p.add_argument('--out-dir', default=str(REPO / '.cache/model-train'))
    p.add_argument('--dim', type=positive_int, default=192)
    p.add_argument('--layers', type=positive_int, default=4)
    p.add_argument('--heads', type=positive_int, default=6)
    p.add_argument('--ffn', type=positive_int, default=512)
    p.add_argument('--context', type=positive_int, default=256)
    p.add_argument('--batch', type=positive_int, default=16)
    p.add_argument('--steps', type=positive_int, default=2000)
    p.add_argument('--lr', type=float, default=2e-3)
    p.add_argument('--warmup', type=positive_int, default=50)
    p.add_argument('--min-char-count', type=positive_int, default=100,
                   help='characters rarer than this are encoded as UTF-8 byte tokens')
    p.add_argument('--threads', type=positive_int, default=2)
    p.add_argument('--seed', type=int, default=1234)
    p.add_argument('--ckpt-every', type=positive_int, default=100)
    p.add_argument('--eval-every', type=positive_int, default=100)
    p.add_argument('--max-minutes', type=float, default=0, help='stop early (and save) after this long; 0 = no limit')
    p.add_argument('--resume', action='store_true', help='continue from out-dir/latest.pt')
    p.add_argument('--bench', type=int, default=0, help='time this many steps and exit')
    return p.parse_args()


def load_tokens(corpus: pathlib.Path, min_count: int, cache_dir: pathlib.Path):
    text = corpus.read_text(encoding='utf-8')
    chars = build_chars(text, min_count)
    vocab = CharVocab(chars)
    key = hashlib.sha256((text + '\0' + ''.join(chars)).encode('utf-8')).hexdigest()[:16]
    cached = cache_dir / f'tokens-{key}.npy'
    if cached.exists():
        ids = np.load(cached)
    else:
        ids = np.array(vocab.encode(text), dtype=np.int16)
        np.save(cached, ids)
    return vocab, torch.from_numpy(ids.astype(np.int64))


def lr_at(step: int, progress: float, args) -> float:
    """Linear warmup, then cosine decay to 10% as `progress` goes 0 -> 1."""
    if step < args.warmup:
        return args.lr * (step + 1) / args.warmup
    return args.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress))))


def progress_of(step: int, minutes: float, args) -> float:
    # With --max-minutes the schedule follows whichever budget (steps or time) runs out first,
    # so a run cut short by the clock still ends with a decayed learning rate.
    by_steps = (step - args.warmup) / max(1, args.steps - args.warmup)
    by_time = minutes / args.max_minutes if args.max_minutes else 0.0
    return max(0.0, by_steps, by_time)


def batch(data: torch.Tensor, size: int, context: int, gen: torch.Generator):
    # every sample starts with BOS, like a prompt at inference time, then context-1 text tokens
    starts = torch.randint(0, data.numel() - context, (size,), generator=gen)
    rows = torch.stack([data[s:s + context] for s in starts.tolist()])
    x = torch.cat([torch.full((size, 1), BOS, dtype=torch.long), rows[:, :-1]], dim=1)
    return x, rows


@torch.no_grad()
def evaluate(model, data, args, n_batches=8) -> float:
    model.eval()
    gen = torch.Generator().manual_seed(99)
    losses = []
    for _ in range(n_batches):
        x, y = batch(data, args.batch, args.context, gen)
        logits = model(x)
        losses.append(F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1)).item())
    model.train()
    return sum(losses) / len(losses)


def save(path: pathlib.Path, model, opt, vocab, step, history, train_seconds):
    tmp = path.with_suffix('.tmp')
    torch.save({'config': model.cfg.to_dict(), 'chars': vocab.chars, 'model': model.state_dict(),
                'optimizer': opt.state_dict(), 'step': step, 'history': history,
                'train_seconds': train_seconds}, tmp)
    os.replace(tmp, path)


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    out_dir = pathlib.Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    corpus = pathlib.Path(args.corpus)
    if not corpus.exists():
        sys.exit(f'error: corpus {corpus} not found; run tools/model/fetch-text.sh first')

    vocab, data = load_tokens(corpus, args.min_char_count, out_dir)
    split = int(data.numel() * 0.995)  # the last 0.5% (end of the last addresses) is held out
    train_data, val_data = data[:split], data[split:]
    cfg = Config(vocab_size=vocab.size, dim=args.dim, n_layers=args.layers, n_heads=args.heads,
                 ffn_dim=args.ffn, context=args.context)
    model = LlamaLM(cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.95), weight_decay=0.1)
    step, history, train_seconds = 0, [], 0.0
    if args.resume:
        ck = torch.load(out_dir / 'latest.pt')
        if ck['chars'] != vocab.chars or ck['config'] != cfg.to_dict():
            sys.exit('error: latest.pt was trained with a different vocabulary or config')
        model.load_state_dict(ck['model'])
        opt.load_state_dict(ck['optimizer'])
        step, history, train_seconds = ck['step'], ck['history'], ck['train_seconds']
    print(json.dumps({'params': model.n_params(), 'vocab': vocab.size, 'chars': len(vocab.chars),
                      'train_tokens': train_data.numel(), 'val_tokens': val_data.numel(),
                      'threads': torch.get_num_threads(), 'config': cfg.to_dict(),
                      'batch': args.batch, 'steps': args.steps}), flush=True)

    gen = torch.Generator().manual_seed(args.seed + step)
    tokens_per_step = args.batch * args.context
    t_start = time.time()
    t_log, loss_acc, n_acc = time.time(), 0.0, 0
    last_steps = args.bench if args.bench else args.steps
    while step < last_steps:
        minutes = (train_seconds + time.time() - t_start) / 60
        lr = lr_at(step, progress_of(step, minutes, args), args)
        for g in opt.param_groups:
            g['lr'] = lr
        x, y = batch(train_data, args.batch, args.context, gen)
        logits = model(x)
        loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        loss_acc += loss.item()
        n_acc += 1
        if step % 20 == 0 or args.bench:
            now = time.time()
            elapsed_total = train_seconds + (now - t_start)
            print(f'step {step} loss {loss_acc / n_acc:.4f} lr {lr:.2e} '
                  f'tok/s {n_acc * tokens_per_step / (now - t_log):.0f} elapsed {elapsed_total / 60:.1f}m', flush=True)
            t_log, loss_acc, n_acc = now, 0.0, 0
        if args.bench:
            continue
        over_time = bool(args.max_minutes) and (train_seconds + time.time() - t_start) / 60 >= args.max_minutes
        if step % args.eval_every == 0 or step == args.steps or over_time:
            val = evaluate(model, val_data, args)
            history.append({'step': step, 'val_loss': round(val, 4),
                            'minutes': round((train_seconds + time.time() - t_start) / 60, 2)})
            print(f'eval step {step} val_loss {val:.4f}', flush=True)
        if step % args.ckpt_every == 0 or step == args.steps or over_time:
            save(out_dir / 'latest.pt', model, opt, vocab, step, history, train_seconds + time.time() - t_start)
            print(f'checkpoint step {step} -> {out_dir / "latest.pt"}', flush=True)
        if over_time:
            print(f'stopping: --max-minutes {args.max_minutes} reached', flush=True)
            break
    if not args.bench:
        final = out_dir / 'final.pt'
        save(final, model, opt, vocab, step, history, train_seconds + time.time() - t_start)
        sample = vocab.decode(model.greedy([BOS] + vocab.encode('The '), 200))
        print(f'saved {final}\ngreedy sample: The {sample!r}', flush=True)


if __name__ == '__main__':
    main()
