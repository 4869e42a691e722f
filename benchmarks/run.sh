#!/usr/bin/env bash
# Regenerates the committed results in benchmarks/results/ (about three hours on our 2-core machine,
# half of it the network target).
# Usage: benchmarks/run.sh [enwik5|seed|corpus|other|text5mb|level9|speed|network|parallel|all|cuda]   (default: all)
# cuda (not in all): on a machine with a GPU, the reference presets and the networks on full enwik5.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
OUT=benchmarks/results
CORPUS=${CORPUS:-../shared/corpus}
mkdir -p "$OUT"
what=${1:-all}
bench() { "$PY" -m rnnzip bench "$@"; }

if [[ $what == enwik5 || $what == all ]]; then
  # every codec, every rnnzip level and network
  bench "$CORPUS/enwik/enwik5" --codecs rnnzip,gzip,bzip2,xz,zstd,brotli,ppmd6,ppmd8 \
    --presets 1,2,3,4,5,6,7,8,9,hybrid-6,lstm,gru,lstm-att,gru-att \
    --out "$OUT/enwik5.md" --plot "$OUT/enwik5.png" > /dev/null || true  # a failed row is in the table
  # the default's speed as the median of 5 runs
  bench "$CORPUS/enwik/enwik5" --codecs rnnzip --repeat 5 --out "$OUT/enwik5-speed.md" > /dev/null || true
fi
if [[ $what == seed || $what == all ]]; then
  # the reference design runs at about 30 bytes/s on a CPU: its presets on the first 5,000 bytes
  bench "$CORPUS/enwik/enwik5" --limit 5000 --codecs rnnzip,gzip,ppmd8 \
    --presets lstm-att,gru-att,seed-gru-att,seed-lstm-att --out "$OUT/enwik5-first-5000.md" > /dev/null || true
fi
if [[ $what == corpus || $what == all ]]; then
  files=()
  for f in alice29.txt asyoulik.txt cp.html fields.c grammar.lsp lcet10.txt plrabn12.txt xargs.1; do
    files+=("$CORPUS/canterbury/$f"); done
  for f in bib book1 book2 news paper1 paper2 paper3 paper4 paper5 paper6 progc progl progp trans; do
    files+=("$CORPUS/calgary/$f"); done
  files+=("$CORPUS/enwik/enwik6" "$CORPUS/ru/dostoevsky_selo_stepanchikovo.txt")
  bench "${files[@]}" --codecs rnnzip,rnnzip:level-6-no-prior,gzip,bzip2,xz,zstd,brotli,ppmd6,ppmd8 \
    --out "$OUT/corpus.md" --plot "$OUT/corpus.png" > /dev/null || true
  "$PY" benchmarks/summarize.py "$OUT/corpus.md" > "$OUT/corpus-summary.md"
fi
if [[ $what == other || $what == all ]]; then
  # the corpus files that are not text: the default must not do worse on them than rnnzip 0.1
  files=("$CORPUS/canterbury/kennedy.xls" "$CORPUS/canterbury/ptt5" "$CORPUS/canterbury/sum" "$CORPUS/calgary/geo"
         "$CORPUS/calgary/obj1" "$CORPUS/calgary/obj2" "$CORPUS/misc/twitter.json")
  bench "${files[@]}" --codecs rnnzip,xz,ppmd8 --out "$OUT/other.md" > /dev/null || true
fi
if [[ $what == text5mb || $what == all ]]; then
  # 5 MB of corpus text: one frame (the default) against 1 MiB frames
  cat "$CORPUS"/enwik/enwik6 "$CORPUS"/canterbury/{alice29,asyoulik,lcet10,plrabn12}.txt \
    "$CORPUS"/calgary/{book1,book2,news,paper1,paper2,paper3,paper4,paper5,paper6,bib} \
    "$CORPUS"/ru/dostoevsky_selo_stepanchikovo.txt > /tmp/rnnzip-text5mb
  bench /tmp/rnnzip-text5mb --codecs rnnzip,xz,ppmd8 --presets 6@1 --out "$OUT/text5mb.md" > /dev/null || true
fi
if [[ $what == level9 || $what == all ]]; then
  # the strongest level on the files issue 13 compares with paq8px -8
  bench "$CORPUS/enwik/enwik5" "$CORPUS/canterbury/alice29.txt" "$CORPUS/enwik/enwik6" --codecs rnnzip:9 \
    --out "$OUT/level9.md" > /dev/null || true
fi
if [[ $what == speed || $what == all ]]; then
  # speeds as medians, alone on the machine: the default on enwik6 (3 runs), level 1 on enwik6 (3 runs)
  bench "$CORPUS/enwik/enwik6" --codecs rnnzip --repeat 3 --out "$OUT/enwik6-speed.md" > /dev/null || true
  bench "$CORPUS/enwik/enwik6" --codecs rnnzip:1 --repeat 3 --out "$OUT/level1-enwik6.md" > /dev/null || true
fi
if [[ $what == network || $what == all ]]; then
  # what the engine's network and the prior add and cost (benchmarks/network.py: presets side by side,
  # interleaved, fresh processes, CPU medians); run alone on the machine, about 90 minutes
  net() { "$PY" benchmarks/network.py "$@" > /dev/null; }
  c=$CORPUS
  net "$c/enwik/enwik5" --presets level-6-no-prior,level-6,level-9-no-prior,level-9 --runs 3 --out "$OUT/network-enwik5.md"
  net "$c/enwik/enwik5" --presets level-6-no-prior,level-6 --runs 5 --out "$OUT/network-enwik5-level6.md"
  net "$c/enwik/enwik5" --presets level-6-no-prior,level-6,level-9 --runs 3 --out "$OUT/network-enwik5-level9.md"
  five=("$c/enwik/enwik5" "$c/canterbury/alice29.txt" "$c/calgary/book1" "$c/ru/dostoevsky_selo_stepanchikovo.txt"
        "$c/enwik/enwik6")
  net "${five[@]}" --presets cm-30,level-9-no-prior --out "$OUT/network-online.md"  # issue 25's files
  net "${five[@]}" --presets cm-30,level-9 --out "$OUT/prior-level9.md"
  net "$c/canterbury/alice29.txt" "$c/calgary/book1" "$c/enwik/enwik5" "$c/calgary/paper1" "$c/calgary/progc" \
    "$c/canterbury/xargs.1" "$c/ru/dostoevsky_selo_stepanchikovo.txt" "$c/canterbury/plrabn12.txt" \
    "$c/canterbury/sum" "$c/calgary/obj1" "$c/calgary/geo" --presets level-6-no-prior,level-6 \
    --out "$OUT/prior-default.md"  # issue 26's files
fi
if [[ $what == parallel || $what == all ]]; then
  # issue 5: process-tree memory and -T1 vs -T2 (inputs built from the corpus text files)
  "$PY" benchmarks/parallel.py 1 4 --out "$OUT/parallel.md" > /dev/null
  "$PY" benchmarks/parallel.py 10 --out "$OUT/parallel-10mb.md" > /dev/null  # about 30 minutes
fi
if [[ $what == cuda ]]; then
  # the bundled sample is enwik5, so this runs where ../shared is absent too
  bench src/rnnzip/data/enwik5 --device cuda --out "$OUT/enwik5-cuda.md" \
    --codecs rnnzip:seed-gru-att,rnnzip:seed-lstm-att,rnnzip:gru-att,rnnzip:lstm-att,rnnzip:cm-lstm-att > /dev/null || true
fi
