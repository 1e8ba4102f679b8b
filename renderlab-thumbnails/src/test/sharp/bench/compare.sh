#!/bin/bash
# Ours vs sharp on one corpus, alternated over ROUNDS rounds (see ../README.md).
#   compare.sh CLI_JAR CORPUS_DIR ROUNDS RUNS OUT_DIR   (needs node with sharp 0.34 on NODE_PATH)
set -e
HERE=$(cd "$(dirname "$0")" && pwd)
JAR=$1; CORPUS=$2; ROUNDS=${3:-5}; RUNS=${4:-15}; OUT=${5:-results}
mkdir -p "$OUT"
export RENDERLAB_HOME="$OUT/home"
for i in $(seq 1 "$ROUNDS"); do
  uptime >> "$OUT/load.txt"
  node "$HERE/sharp-bench.js" "$CORPUS" "" "$RUNS" > "$OUT/sharp-$i.txt"
  java -jar "$JAR" bench thumbnails "$CORPUS" --runs "$RUNS" > "$OUT/ours-$i.txt"
  java -jar "$JAR" bench thumbnails "$CORPUS" --runs "$RUNS" --threads 2 > "$OUT/ours-t2-$i.txt"
done
uptime >> "$OUT/load.txt"
# Likeness: our thumbnails and sharp's, then PSNR per image.
mkdir -p "$OUT/ours" "$OUT/sharp"
node "$HERE/sharp-bench.js" "$CORPUS" "$OUT/sharp" 1 > /dev/null
for f in "$CORPUS"/*; do b=$(basename "$f"); java -jar "$JAR" thumbnail "$f" "$OUT/ours/${b%.*}.webp" > /dev/null; done
node "$HERE/psnr.js" "$OUT/ours" "$OUT/sharp" > "$OUT/psnr.txt"
