"""Export a train.py checkpoint to GGUF (architecture `llama`, character vocabulary, F32 tensors).

Uses the gguf-py package from the llama.cpp source bundled with node-llama-cpp (cloned into
.cache/llama.cpp by tools/model/setup-gguf.sh). F32 only: the browser (wasm) and native runtimes
agree byte-for-byte only with f32 weights (see docs/offchain-facts.md).
  /usr/bin/python3 tools/model/export_gguf.py .cache/model-train/latest.pt worker/models/peer-demo.gguf
Prints the sha256 of the written file and writes <out>.sha256 next to it.
"""
import argparse
import hashlib
import os
import pathlib
import sys

os.environ.setdefault('OPENBLAS_NUM_THREADS', '1')
HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO / '.cache/llama.cpp/gguf-py'))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from charvocab import BOS, EOS, UNK, CharVocab, token_types  # noqa: E402

try:
    import gguf  # noqa: E402
except ImportError:
    sys.exit('error: gguf-py not found; run tools/model/setup-gguf.sh first')

MODEL_NAME = 'peer-demo'


def f32(t: torch.Tensor) -> np.ndarray:
    return np.ascontiguousarray(t.detach().to(torch.float32).numpy())


def export(ckpt_path: pathlib.Path, out_path: pathlib.Path) -> str:
    ck = torch.load(ckpt_path, map_location='cpu')
    cfg, sd = ck['config'], ck['model']
    vocab = CharVocab(ck['chars'])
    if vocab.size != cfg['vocab_size']:
        raise ValueError(f'checkpoint vocabulary has {vocab.size} tokens, config says {cfg["vocab_size"]}')
    head_dim = cfg['dim'] // cfg['n_heads']

    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(out_path.name + '.tmp')
    w = gguf.GGUFWriter(str(tmp), arch='llama')
    w.add_name(MODEL_NAME)
    w.add_description('Peer Cycles demo model: a small character-level llama trained on public-domain '
                      'text (Moby Dick, US State of the Union addresses). Not a useful assistant.')
    w.add_file_type(gguf.LlamaFileType.ALL_F32)
    w.add_vocab_size(vocab.size)
    w.add_context_length(cfg['context'])
    w.add_embedding_length(cfg['dim'])
    w.add_block_count(cfg['n_layers'])
    w.add_feed_forward_length(cfg['ffn_dim'])
    w.add_head_count(cfg['n_heads'])
    w.add_head_count_kv(cfg['n_heads'])
    w.add_rope_dimension_count(head_dim)
    w.add_rope_freq_base(cfg['rope_base'])
    w.add_layer_norm_rms_eps(cfg['norm_eps'])

    # SentencePiece-style ("llama") tokenizer with single-character pieces and byte fallback
    w.add_tokenizer_model('llama')
    w.add_token_list(vocab.pieces)
    w.add_token_scores([0.0] * vocab.size)
    w.add_token_types(token_types(vocab.chars))
    w.add_unk_token_id(UNK)
    w.add_bos_token_id(BOS)
    w.add_eos_token_id(EOS)
    w.add_add_bos_token(True)   # training samples all start with BOS
    w.add_add_eos_token(False)
    w.add_add_space_prefix(False)  # text is encoded as-is; no SentencePiece dummy prefix

    w.add_tensor('token_embd.weight', f32(sd['token_embd.weight']))
    for i in range(cfg['n_layers']):
        p = f'blocks.{i}.'
        for name in ('attn_norm', 'attn_q', 'attn_k', 'attn_v', 'attn_output',
                     'ffn_norm', 'ffn_gate', 'ffn_up', 'ffn_down'):
            # torch Linear weights are (out, in); gguf-py reverses numpy shapes into ggml's ne order
            w.add_tensor(f'blk.{i}.{name}.weight', f32(sd[p + name + '.weight']))
    w.add_tensor('output_norm.weight', f32(sd['output_norm.weight']))
    w.add_tensor('output.weight', f32(sd['output.weight']))

    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    os.replace(tmp, out_path)

    digest = hashlib.sha256(out_path.read_bytes()).hexdigest()
    out_path.with_name(out_path.name + '.sha256').write_text(f'{digest}  {out_path.name}\n')
    return digest


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('checkpoint', type=pathlib.Path)
    p.add_argument('out', type=pathlib.Path, nargs='?', default=REPO / 'worker/models/peer-demo.gguf')
    args = p.parse_args()
    if not args.checkpoint.is_file():
        sys.exit(f'error: checkpoint {args.checkpoint} not found')
    digest = export(args.checkpoint, args.out)
    ck = torch.load(args.checkpoint, map_location='cpu')
    print(f'{args.out}: {args.out.stat().st_size} bytes, step {ck["step"]}, sha256 {digest}')


if __name__ == '__main__':
    main()
